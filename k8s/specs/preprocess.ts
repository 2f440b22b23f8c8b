/**
 * The preprocess ScaledJob: KEDA starts Kubernetes Jobs from the depth of the preprocess queue; each
 * runs `processor preprocess`, takes its share of messages and exits. Bounded retries, a hard
 * deadline, automatic clean-up of finished Jobs, and `restartPolicy: Never` so a failed attempt is a
 * new pod (its message becomes visible again after the visibility timeout, or reaches the DLQ).
 */
import type { IScaledJob } from "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledJob";
import type { IScaledJobSpec } from "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledJobSpec";
import type { IProbe } from "kubernetes-models/v1/Probe";
import { SERVICE_ACCOUNTS } from "../../config";
import type { Settings } from "../../config";
import {
  podSecurityContext,
  processorContainer,
  podTemplateMetadata,
  schedulingFields,
  tmpVolume,
  workloadMeta,
  type Manifest,
  type WorkloadInputs,
} from "./common";
import { GRACE_MARGIN_SECONDS } from "./consumer";
import { PREPROCESS_READY_FILE, preprocessEnv } from "./env";
import { preprocessJobScaling } from "./keda";
import { preprocessResources, preprocessSize } from "../../config/preprocess-size";

/** Name of the ScaledJob (KEDA names its Jobs `<name>-<suffix>`). */
export const PREPROCESS_NAME = "preprocess";

/**
 * Time a job needs after SIGTERM to release its in-flight message (visibility back to 0) or finish
 * writing the current file's outputs.
 */
export const PREPROCESS_RELEASE_SECONDS = 30;

/**
 * The job's readiness: Ready once the job holds its message (the processor creates
 * {@link PREPROCESS_READY_FILE} right after its first receive returns a message). The ScaledJob's
 * `pendingPodConditions: ["Ready"]` (`keda.ts`) then counts the job as pending exactly while its
 * message still counts as visible, so a started-but-not-yet-receiving job is never paid for twice.
 * `test` is coreutils' (an essential package of the Debian base image); the probe starts no Node.
 */
export function preprocessReadinessProbe(): IProbe {
  return {
    exec: { command: ["test", "-e", PREPROCESS_READY_FILE] },
    periodSeconds: 1,
    timeoutSeconds: 1,
    successThreshold: 1,
    failureThreshold: 1,
  };
}

/** The Job template KEDA stamps out (`jobTargetRef`). */
export function preprocessJobTemplate(
  settings: Settings,
  inputs: WorkloadInputs,
): IScaledJobSpec["jobTargetRef"] {
  const p = settings.keda.preprocess;
  const maxInputMiB = settings.workloads.preprocessMaxInputMiB;
  return {
    parallelism: 1,
    completions: 1,
    backoffLimit: p.backoffLimit,
    activeDeadlineSeconds: p.activeDeadlineSeconds,
    ttlSecondsAfterFinished: p.ttlSecondsAfterFinished,
    template: {
      metadata: podTemplateMetadata(inputs, "preprocess"),
      spec: {
        restartPolicy: "Never",
        serviceAccountName: SERVICE_ACCOUNTS.preprocess,
        automountServiceAccountToken: false,
        securityContext: podSecurityContext(),
        terminationGracePeriodSeconds: PREPROCESS_RELEASE_SECONDS + GRACE_MARGIN_SECONDS,
        ...schedulingFields(inputs, "preprocess"),
        containers: [
          processorContainer("preprocess", "preprocess", inputs, preprocessEnv(settings, inputs), {
            resources: preprocessResources(maxInputMiB),
            readinessProbe: preprocessReadinessProbe(),
          }),
        ],
        volumes: [tmpVolume("preprocess", preprocessSize(maxInputMiB).tmpSize)],
      },
    },
  };
}

/** The preprocess ScaledJob. */
export function preprocessScaledJobSpec(
  settings: Settings,
  inputs: WorkloadInputs,
): Manifest<IScaledJob> {
  return {
    apiVersion: "keda.sh/v1alpha1",
    kind: "ScaledJob",
    metadata: workloadMeta(PREPROCESS_NAME, settings.workloads.namespace, "preprocess"),
    spec: {
      jobTargetRef: preprocessJobTemplate(settings, inputs),
      ...preprocessJobScaling(settings, inputs),
    },
  };
}
