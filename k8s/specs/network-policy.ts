/**
 * Default-deny for the workload namespace: ingress only to the metrics/health port, egress only to
 * cluster DNS (port 53), the EKS Pod Identity agent and HTTPS (S3, SQS and STS are reached over 443).
 */
import type { INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import type { INetworkPolicyEgressRule } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicyEgressRule";
import { METRICS_PORT } from "@pipeline/processor/contract";
import { PROJECT, type Settings } from "../../config";
import type { Manifest } from "./common";

/** Link-local address of the EKS Pod Identity agent (a hostNetwork DaemonSet on every node). */
export const POD_IDENTITY_AGENT_CIDR = "169.254.170.23/32";

/**
 * Where the pods' DNS queries go. With CoreDNS pods (karpenter, none) only to them. EKS Auto Mode
 * has no CoreDNS pods: it answers DNS on each node ("Caching DNS queries on the node",
 * docs.aws.amazon.com/eks/latest/userguide/auto-networking.html), so a rule naming kube-dns pods
 * matches nothing and blocks every lookup (aws/containers-roadmap#2552, #2546); there port 53 is
 * allowed to any address, and nothing else is.
 */
export function dnsDestination(
  mode: Settings["nodeAutoscaling"],
): Pick<INetworkPolicyEgressRule, "to"> {
  if (mode === "auto-mode") return {};
  return {
    to: [
      {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
        podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
      },
    ],
  };
}

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
          ...dnsDestination(settings.nodeAutoscaling),
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
