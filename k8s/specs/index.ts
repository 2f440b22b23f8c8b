/**
 * Every Kubernetes object the program builds, from the settings and plain inputs: the workloads (the
 * Workloads component creates exactly {@link workloadManifests}), pod placement, Karpenter's
 * NodePools and EC2NodeClass, EKS Auto Mode's jobs NodePool and NodeClass, and the orchestrated variant's Job manifest, RBAC and Spark
 * namespace. Pure builders; `infra/` components and local mode call them, tests validate them
 * against the Kubernetes, KEDA and Karpenter schemas.
 */
import type { Settings } from "../../config";
import { workloadMeta, type WorkloadInputs } from "./common";
import { CONSUMER_NAME, consumerDeploymentSpec, consumerPdbSpec } from "./consumer";
import { workloadLimitRangeSpec, workloadResourceQuotaSpec } from "./guard-rails";
import { consumerScaledObjectSpec, triggerAuthenticationSpec } from "./keda";
import { serviceAccountSpecs, workloadNamespaceSpec } from "./namespace";
import { workloadNetworkPolicySpec } from "./network-policy";
import { PREPROCESS_NAME, preprocessScaledJobSpec } from "./preprocess";
import { PRODUCER_NAME, producerDeploymentSpec } from "./producer";

export * from "./auto-mode";
export * from "./batch-job";
export * from "./common";
export * from "./consumer";
export * from "./env";
export * from "./guard-rails";
export * from "./keda";
export * from "./namespace";
export * from "./network-policy";
export * from "./node-pools";
export * from "./orchestrator";
export * from "./preprocess";
export * from "./producer";
export * from "./scheduling";

/** All workload manifests, by role. */
export function workloadManifests(settings: Settings, inputs: WorkloadInputs) {
  return {
    namespace: workloadNamespaceSpec(settings),
    serviceAccounts: serviceAccountSpecs(settings),
    resourceQuota: workloadResourceQuotaSpec(settings),
    limitRange: workloadLimitRangeSpec(settings),
    networkPolicy: workloadNetworkPolicySpec(settings),
    triggerAuthentication: triggerAuthenticationSpec(settings),
    producer: producerDeploymentSpec(settings, inputs),
    consumer: consumerDeploymentSpec(settings, inputs),
    consumerPdb: consumerPdbSpec(settings),
    consumerScaledObject: consumerScaledObjectSpec(settings, inputs),
    preprocessScaledJob: preprocessScaledJobSpec(settings, inputs),
  };
}

/** The manifests as one list (namespace first), e.g. to validate or render them. */
export function workloadManifestList(
  settings: Settings,
  inputs: WorkloadInputs,
): { apiVersion: string; kind: string; metadata: { name: string } }[] {
  const m = workloadManifests(settings, inputs);
  return [
    m.namespace,
    ...Object.values(m.serviceAccounts),
    m.resourceQuota,
    m.limitRange,
    m.networkPolicy,
    m.triggerAuthentication,
    m.producer,
    m.consumer,
    m.consumerPdb,
    m.consumerScaledObject,
    m.preprocessScaledJob,
  ];
}

/**
 * Metadata of the objects whose spec depends on program outputs, from the settings alone. The
 * component uses it so names stay known during a preview even when an image digest is not (an unknown
 * name would plan a replacement); tests assert it equals the built manifests' metadata.
 */
export function outputDependentMetadata(settings: Settings) {
  const ns = settings.workloads.namespace;
  return {
    producer: workloadMeta(PRODUCER_NAME, ns, "producer"),
    consumer: workloadMeta(CONSUMER_NAME, ns, "consumer"),
    consumerScaledObject: workloadMeta(CONSUMER_NAME, ns, "consumer"),
    preprocessScaledJob: workloadMeta(PREPROCESS_NAME, ns, "preprocess"),
  };
}
