/**
 * What local mode takes from the Kubernetes specs (k8s/specs): the scaling rules read back from the
 * ScaledObject and ScaledJob the program deploys, each workload's container environment, the Job's
 * retry and deadline settings, and the pods' grace periods. Built with the same pure builders as the
 * cluster's objects, so local mode and the cluster cannot drift apart.
 */
import type { IContainer } from "kubernetes-models/v1/Container";
import type { Settings } from "../config";
import type { WorkloadInputs } from "../k8s/specs/common";
import { consumerDeploymentSpec } from "../k8s/specs/consumer";
import { preprocessScaledJobSpec } from "../k8s/specs/preprocess";
import { producerDeploymentSpec } from "../k8s/specs/producer";
import { scalingRules, type ScalingRules } from "../k8s/scaling";
import type { LocalResources } from "./emulator";

/** A digest-pinned placeholder: local mode runs the processor from the repository, not an image. */
export const LOCAL_IMAGE = `local/processor@sha256:${"0".repeat(64)}`;

/** The rules of the two scaled workloads (the one rules type of `k8s/scaling`). */
export type { ScalingRules };

/** Everything local mode needs to run the workloads as the cluster would. */
export interface LocalWorkloadSpecs {
  readonly rules: ScalingRules;
  readonly env: {
    readonly preprocess: Record<string, string>;
    readonly consumer: Record<string, string>;
    readonly producer: Record<string, string>;
  };
  /** terminationGracePeriodSeconds of each workload's pods, ms. */
  readonly graceMs: {
    readonly consumer: number;
    readonly preprocess: number;
    readonly producer: number;
  };
  /** Replicas of the producer Deployment. */
  readonly producerReplicas: number;
}

/** The literal environment of a container (`value` entries; local mode has no secrets or refs). */
export function containerEnv(container: IContainer | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of container?.env ?? []) {
    if (entry.value !== undefined) env[entry.name] = entry.value;
  }
  return env;
}

/** The specs' inputs for the local resources. */
export function localWorkloadInputs(settings: Settings, resources: LocalResources): WorkloadInputs {
  return {
    image: LOCAL_IMAGE,
    region: settings.region,
    preprocessQueueUrl: resources.preprocessQueueUrl,
    eventsQueueUrl: resources.eventsQueueUrl,
    processedBucketName: resources.processedBucket,
    eventsBucketName: resources.eventsBucket,
  };
}

/** Builds the cluster's specs for the local resources and extracts what local mode runs. */
export function localWorkloadSpecs(
  settings: Settings,
  resources: LocalResources,
): LocalWorkloadSpecs {
  const inputs = localWorkloadInputs(settings, resources);
  const job = preprocessScaledJobSpec(settings, inputs).spec?.jobTargetRef;
  const consumerPod = consumerDeploymentSpec(settings, inputs).spec?.template.spec;
  const producer = producerDeploymentSpec(settings, inputs).spec;
  const jobPod = job?.template.spec;
  const grace = (seconds: number | undefined) => (seconds ?? 30) * 1000;
  return {
    // The one rules type, read back from the ScaledObject and ScaledJob built above.
    rules: scalingRules(settings, inputs),
    env: {
      preprocess: containerEnv(jobPod?.containers[0]),
      consumer: containerEnv(consumerPod?.containers[0]),
      producer: containerEnv(producer?.template.spec?.containers[0]),
    },
    graceMs: {
      consumer: grace(consumerPod?.terminationGracePeriodSeconds),
      preprocess: grace(jobPod?.terminationGracePeriodSeconds),
      producer: grace(producer?.template.spec?.terminationGracePeriodSeconds),
    },
    producerReplicas: producer?.replicas ?? 1,
  };
}

/**
 * Shortens every interval of `rules` by `factor` (0 < factor ≤ 1) for demos and tests; counts and
 * targets are unchanged, so the decisions are the same, only sooner.
 */
export function timeScaled(rules: ScalingRules, factor: number): ScalingRules {
  if (!(factor > 0 && factor <= 1)) throw new RangeError("time scale must be in (0, 1]");
  const s = (seconds: number) => seconds * factor;
  return {
    consumer: {
      ...rules.consumer,
      pollingInterval: s(rules.consumer.pollingInterval),
      cooldownPeriod: s(rules.consumer.cooldownPeriod),
      scaleDownStabilizationSeconds: s(rules.consumer.scaleDownStabilizationSeconds),
    },
    preprocess: {
      ...rules.preprocess,
      pollingInterval: s(rules.preprocess.pollingInterval),
      activeDeadlineSeconds: s(rules.preprocess.activeDeadlineSeconds),
    },
  };
}
