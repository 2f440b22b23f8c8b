/**
 * Default-deny for the workload namespace: ingress only to the metrics/health port, egress only to
 * cluster DNS, the EKS Pod Identity agent and HTTPS (S3, SQS and STS are reached over 443).
 */
import type { INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { METRICS_PORT } from "@pipeline/processor/contract";
import { PROJECT, type Settings } from "../../config";
import type { Manifest } from "./common";

/** Link-local address of the EKS Pod Identity agent (a hostNetwork DaemonSet on every node). */
export const POD_IDENTITY_AGENT_CIDR = "169.254.170.23/32";

/** The namespace's NetworkPolicy; it selects every pod in the namespace. */
export function workloadNetworkPolicySpec(settings: Settings): Manifest<INetworkPolicy> {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: {
      name: "workloads",
      namespace: settings.workloads.namespace,
      labels: { "app.kubernetes.io/part-of": PROJECT, "app.kubernetes.io/managed-by": "pulumi" },
    },
    spec: {
      podSelector: {},
      policyTypes: ["Ingress", "Egress"],
      // Scrapers (Prometheus, the CloudWatch agent) and the kubelet's probes reach the metrics port.
      ingress: [{ ports: [{ protocol: "TCP", port: METRICS_PORT }] }],
      egress: [
        {
          to: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
              podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
            },
          ],
          ports: [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
          ],
        },
        {
          // Without this the SDK cannot fetch Pod Identity credentials (plain HTTP on port 80).
          to: [{ ipBlock: { cidr: POD_IDENTITY_AGENT_CIDR } }],
          ports: [{ protocol: "TCP", port: 80 }],
        },
        { ports: [{ protocol: "TCP", port: 443 }] },
      ],
    },
  };
}
