/**
 * Each processor command's pod as the program deploys it, taken from the same builders: the KEDA
 * preprocess Job (k8s/specs/preprocess.ts), the consumer and producer Deployments, and the
 * orchestrated path's `preprocess-object` Job (k8s/specs/batch-job.ts). Pure.
 */
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import { buildJobManifest } from "../../k8s/specs/batch-job";
import type { Settings } from "../../config";
import type { WorkloadInputs } from "../../k8s/specs/common";
import { consumerDeploymentSpec } from "../../k8s/specs/consumer";
import { preprocessScaledJobSpec } from "../../k8s/specs/preprocess";
import { producerDeploymentSpec } from "../../k8s/specs/producer";
import type { PodSpecParts } from "./containers";

/** The pods the image test runs. */
export interface ProcessorPods {
  readonly preprocess: PodSpecParts;
  readonly preprocessObject: PodSpecParts;
  readonly consumer: PodSpecParts;
  readonly producer: PodSpecParts;
}

/** The first container, security context and volumes of a pod spec. */
export function podParts(spec: IPodSpec | undefined, what: string): PodSpecParts {
  const container = spec?.containers[0];
  if (!container) throw new Error(`${what}: the pod spec has no container`);
  return { container, pod: spec.securityContext ?? {}, volumes: spec.volumes ?? [] };
}

/** Every pod, for `inputs` (the local resources' names and URLs). */
export function processorPods(settings: Settings, inputs: WorkloadInputs): ProcessorPods {
  const job = buildJobManifest({
    image: inputs.image,
    namespace: settings.workloads.namespace,
    prefix: settings.orchestration.prefix,
    outputBucket: inputs.processedBucketName,
    region: inputs.region,
    activeDeadlineSeconds: settings.orchestration.jobTimeoutSeconds,
    maxInputMiB: settings.workloads.preprocessMaxInputMiB,
  }) as unknown as { spec: { template: { spec: IPodSpec } } };
  return {
    preprocess: podParts(
      preprocessScaledJobSpec(settings, inputs).spec.jobTargetRef?.template.spec,
      "preprocess",
    ),
    preprocessObject: podParts(job.spec.template.spec, "preprocess-object"),
    consumer: podParts(consumerDeploymentSpec(settings, inputs).spec.template.spec, "consumer"),
    producer: podParts(producerDeploymentSpec(settings, inputs).spec.template.spec, "producer"),
  };
}

/** `container` with `env` merged over its own (the test's overrides, visible in the spec). */
export function withEnv(parts: PodSpecParts, env: Readonly<Record<string, string>>): PodSpecParts {
  const own = (parts.container.env ?? []).filter((e) => !(e.name in env));
  const container: IContainer = {
    ...parts.container,
    env: [...own, ...Object.entries(env).map(([name, value]) => ({ name, value }))],
  };
  return { ...parts, container };
}
