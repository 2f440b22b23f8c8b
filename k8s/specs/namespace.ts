/**
 * The workload namespace (Pod Security Standards "restricted", enforced, audited and warned), one
 * service account per workload, named by config/names.ts — the same names the Pod Identity
 * associations bind IAM roles to — and KEDA's own namespace.
 */
import type { INamespace } from "kubernetes-models/v1/Namespace";
import type { IServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { SERVICE_ACCOUNTS, WORKLOADS, type Workload } from "../../config";
import { PROJECT, type Settings } from "../../config";
import { workloadMeta } from "./common";

/** The Pod Security Standards level every workload namespace enforces. */
export const POD_SECURITY_LEVEL = "restricted";

/**
 * The Pod Security admission labels for `level`, pinned to the cluster's minor version so an upgrade
 * of the control plane cannot silently change what is admitted.
 */
export function podSecurityLabels(
  kubernetesVersion: string,
  level: string = POD_SECURITY_LEVEL,
): Record<string, string> {
  const version = `v${kubernetesVersion}`;
  const labels: Record<string, string> = {};
  for (const mode of ["enforce", "audit", "warn"]) {
    labels[`pod-security.kubernetes.io/${mode}`] = level;
    labels[`pod-security.kubernetes.io/${mode}-version`] = version;
  }
  return labels;
}

/** Labels of the KEDA namespace: enforce, audit and warn on the "restricted" Pod Security Standard. */
export function restrictedNamespaceLabels(): Record<string, string> {
  return {
    "pod-security.kubernetes.io/enforce": POD_SECURITY_LEVEL,
    "pod-security.kubernetes.io/audit": POD_SECURITY_LEVEL,
    "pod-security.kubernetes.io/warn": POD_SECURITY_LEVEL,
  };
}

/** The namespace the KEDA chart is installed into. */
export function kedaNamespaceSpec(name: string) {
  return { metadata: { name, labels: restrictedNamespaceLabels() } };
}

/** The workload namespace. */
export function workloadNamespaceSpec(settings: Settings): INamespace & {
  metadata: { name: string };
} {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: settings.workloads.namespace,
      labels: {
        ...podSecurityLabels(settings.cluster.kubernetesVersion),
        "app.kubernetes.io/part-of": PROJECT,
        "app.kubernetes.io/managed-by": "pulumi",
      },
    },
  };
}

/**
 * The service account of `workload`. Its token is not mounted: the processor never calls the
 * Kubernetes API, and EKS Pod Identity injects its own audience-bound token for AWS credentials.
 */
export function serviceAccountSpec(
  settings: Settings,
  workload: Workload,
): IServiceAccount & { metadata: { name: string; namespace: string } } {
  return {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: workloadMeta(SERVICE_ACCOUNTS[workload], settings.workloads.namespace, workload),
    automountServiceAccountToken: false,
  };
}

/** Every workload's service account, keyed by workload. */
export function serviceAccountSpecs(
  settings: Settings,
): Record<Workload, ReturnType<typeof serviceAccountSpec>> {
  const entries = WORKLOADS.map((w) => [w, serviceAccountSpec(settings, w)] as const);
  return Object.fromEntries(entries) as Record<Workload, ReturnType<typeof serviceAccountSpec>>;
}
