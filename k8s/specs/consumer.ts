/**
 * The consumer: a Deployment whose replica count KEDA owns (no `replicas` field, so a Pulumi update
 * never fights the HPA), probed on the processor's health endpoints, spread over zones and nodes,
 * with a PodDisruptionBudget and a grace period longer than its drain.
 */
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { IPodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import type { IProbe } from "kubernetes-models/v1/Probe";
import type { ITopologySpreadConstraint } from "kubernetes-models/v1/TopologySpreadConstraint";
import {
  CONSUMER_DEFAULTS,
  consumerStopSeconds,
  HEALTH_PATHS,
  METRICS_PORT,
  type ProbePath,
} from "@pipeline/processor/contract";
import { SERVICE_ACCOUNTS } from "../../config";
import type { Settings } from "../../config";
import {
  METRICS_PORT_NAME,
  podSecurityContext,
  processorContainer,
  podTemplateMetadata,
  schedulingFields,
  selectorLabels,
  tmpVolume,
  workloadMeta,
  type Manifest,
  type WorkloadInputs,
} from "./common";
import { CONSUMER_DRAIN_SECONDS, consumerEnv } from "./env";

/** Name of the consumer Deployment (the ScaledObject's target). */
export const CONSUMER_NAME = "consumer";

/** Margin between the end of a drain and the kubelet's SIGKILL. */
export const GRACE_MARGIN_SECONDS = 15;

/**
 * The consumer's worst-case drain after SIGTERM: the processor bounds it itself
 * (SHUTDOWN_TIMEOUT_SECONDS), so the grace period only has to exceed that bound.
 */
export function consumerDrainSeconds(): number {
  return CONSUMER_DRAIN_SECONDS;
}

/** HTTP probe on the processor's health server. */
export function httpProbe(path: ProbePath, failureThreshold: number): IProbe {
  return {
    httpGet: { path, port: METRICS_PORT_NAME, scheme: "HTTP" },
    periodSeconds: 10,
    timeoutSeconds: 2,
    failureThreshold,
    successThreshold: 1,
  };
}

/** Spread replicas over zones first, then nodes; prefer, never block scaling out. */
export function spreadConstraints(labels: Record<string, string>): ITopologySpreadConstraint[] {
  return ["topology.kubernetes.io/zone", "kubernetes.io/hostname"].map((topologyKey) => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: "ScheduleAnyway",
    labelSelector: { matchLabels: { ...labels } },
  }));
}

/** The consumer Deployment. */
export function consumerDeploymentSpec(
  settings: Settings,
  inputs: WorkloadInputs,
): Manifest<IDeployment> {
  const selector = selectorLabels("consumer");
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: workloadMeta(CONSUMER_NAME, settings.workloads.namespace, "consumer"),
    spec: {
      // No `replicas`: KEDA's HPA owns the count (0 when the queue is empty).
      selector: { matchLabels: selector },
      revisionHistoryLimit: 5,
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: podTemplateMetadata(inputs, "consumer"),
        spec: {
          serviceAccountName: SERVICE_ACCOUNTS.consumer,
          automountServiceAccountToken: false,
          securityContext: podSecurityContext(),
          // Its last long poll may run its whole wait before the drain starts (contract/visibility).
          terminationGracePeriodSeconds:
            consumerStopSeconds(CONSUMER_DEFAULTS.waitTimeSeconds, consumerDrainSeconds()) +
            GRACE_MARGIN_SECONDS,
          topologySpreadConstraints: spreadConstraints(selector),
          ...schedulingFields(inputs, "consumer"),
          containers: [
            processorContainer("consumer", "consume", inputs, consumerEnv(settings, inputs), {
              ports: [{ name: METRICS_PORT_NAME, containerPort: METRICS_PORT, protocol: "TCP" }],
              livenessProbe: httpProbe(HEALTH_PATHS.live, 3),
              readinessProbe: httpProbe(HEALTH_PATHS.ready, 2),
            }),
          ],
          volumes: [tmpVolume("consumer")],
        },
      },
    },
  };
}

/**
 * At most one consumer pod evicted at a time. `maxUnavailable` (not `minAvailable`) so a single
 * replica, or zero, never blocks a node drain; unhealthy pods may always be evicted.
 */
export function consumerPdbSpec(settings: Settings): Manifest<IPodDisruptionBudget> {
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: workloadMeta(CONSUMER_NAME, settings.workloads.namespace, "consumer"),
    spec: {
      maxUnavailable: 1,
      unhealthyPodEvictionPolicy: "AlwaysAllow",
      selector: { matchLabels: selectorLabels("consumer") },
    },
  };
}
