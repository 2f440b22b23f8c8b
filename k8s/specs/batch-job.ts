/**
 * The Kubernetes Job the state machine starts through `eks:runJob.sync`: the processor image runs
 * `preprocess-object` for the object named in the execution input. A payload template, because the
 * Job's name and arguments come from the execution (`.$` keys); everything else is fixed here and
 * hardened exactly like the KEDA preprocess jobs (the helpers of ./common), so the Job is admitted
 * by the namespace's Pod Security "restricted" level. Pure: no Pulumi.
 */
import { DEFAULT_MAX_INPUT_MIB, MIB } from "@pipeline/processor/contract";
import { PREPROCESS_NODE_OPTIONS, PROJECT } from "../../config";
import {
  assertDigestPinned,
  containerSecurityContext,
  podSecurityContext,
  tmpMount,
  tmpVolume,
} from "./common";
import { preprocessResources, preprocessSize } from "../../config/preprocess-size";
import { placementAnnotations, placementFields, type Scheduling } from "./scheduling";

/**
 * A Step Functions payload template: JSON whose keys ending in `.$` take a JSONPath or an
 * intrinsic, evaluated per execution (infra/orchestration/asl.ts types task parameters with it).
 */
export type PayloadTemplate = { readonly [key: string]: PayloadValue };
/** One value of a {@link PayloadTemplate}. */
export type PayloadValue =
  string | number | boolean | null | readonly PayloadValue[] | PayloadTemplate;

/** `app.kubernetes.io/component` of the Jobs (and Pods) this path starts. */
export const JOB_COMPONENT = "batch-object";

/** Service account of the Jobs; its Pod Identity role reads the prefix and writes outputs. */
export const JOB_SERVICE_ACCOUNT = "batch-object";

/**
 * The Jobs' service account: its Pod Identity association names it, and it mounts no Kubernetes API
 * token. Generic in the namespace so the component can pass its (Pulumi) output unchanged.
 */
export function batchJobServiceAccountSpec<N>(namespace: N, project: string) {
  return {
    metadata: {
      name: JOB_SERVICE_ACCOUNT,
      namespace,
      labels: { "app.kubernetes.io/part-of": project },
    },
    automountServiceAccountToken: false,
  };
}

export interface JobManifestInput {
  /** The processor image, digest-pinned (`repo@sha256:…`). */
  readonly image: string;
  readonly namespace: string;
  /** Raw key prefix this path owns (stripped from output keys as `input/` is on the KEDA path). */
  readonly prefix: string;
  /** Bucket the processor writes outputs and error reports to. */
  readonly outputBucket: string;
  readonly region: string;
  /** Hard limit on the Job's run time, seconds (`activeDeadlineSeconds`). */
  readonly activeDeadlineSeconds: number;
  /** Seconds a finished Job stays for inspection before Kubernetes deletes it. */
  readonly ttlSecondsAfterFinished?: number;
  /** Node placement: the same as the KEDA preprocess jobs (Karpenter's job pool), or none. */
  readonly scheduling?: Scheduling;
  /** Largest upload accepted, MiB; sizes the pod's memory and disk (default: the processor's). */
  readonly maxInputMiB?: number;
}

/** A JSON copy of a typed Kubernetes object, as payload template data. */
function payload(value: object): PayloadTemplate {
  return JSON.parse(JSON.stringify(value)) as PayloadTemplate;
}

/** The batch/v1 Job manifest (with `.$` keys that Step Functions evaluates per execution). */
export function buildJobManifest(input: JobManifestInput): PayloadTemplate {
  const placement = placementFields(input.scheduling);
  const maxInputMiB = input.maxInputMiB ?? DEFAULT_MAX_INPUT_MIB;
  const annotations = placementAnnotations(input.scheduling);
  const labels = {
    "app.kubernetes.io/name": "processor",
    "app.kubernetes.io/component": JOB_COMPONENT,
    "app.kubernetes.io/part-of": PROJECT,
    "app.kubernetes.io/managed-by": "step-functions",
  };
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      // A fresh name per attempt: a retry must not collide with the failed Job it replaces.
      "name.$": "States.Format('batch-object-{}', States.UUID())",
      namespace: input.namespace,
      labels,
      annotations: { "event-pipeline/execution-arn.$": "$$.Execution.Id" },
    },
    spec: {
      // Step Functions owns retries, so every attempt shows in the execution history.
      backoffLimit: 0,
      activeDeadlineSeconds: input.activeDeadlineSeconds,
      ttlSecondsAfterFinished: input.ttlSecondsAfterFinished ?? 3600,
      template: {
        metadata: { labels, ...(annotations ? { annotations } : {}) },
        spec: {
          ...(placement.nodeSelector ? { nodeSelector: placement.nodeSelector } : {}),
          ...(placement.tolerations
            ? { tolerations: placement.tolerations.map((t) => payload(t)) }
            : {}),
          serviceAccountName: JOB_SERVICE_ACCOUNT,
          restartPolicy: "Never",
          // Pod Identity injects its own token; the Kubernetes API token is not needed.
          automountServiceAccountToken: false,
          securityContext: payload(podSecurityContext()),
          containers: [
            {
              name: "processor",
              image: assertDigestPinned(input.image),
              imagePullPolicy: "IfNotPresent",
              "args.$": `States.Array('preprocess-object', '--bucket', $.object.bucket, '--key', $.object.key, '--prefix', '${input.prefix}')`,
              env: [
                { name: "AWS_REGION", value: input.region },
                { name: "LOG_LEVEL", value: "info" },
                { name: "OUTPUT_BUCKET", value: input.outputBucket },
                { name: "MAX_INPUT_BYTES", value: String(maxInputMiB * MIB) },
                { name: "NODE_OPTIONS", value: PREPROCESS_NODE_OPTIONS },
              ],
              resources: payload(preprocessResources(maxInputMiB)),
              securityContext: payload(containerSecurityContext()),
              volumeMounts: [payload(tmpMount())],
            },
          ],
          volumes: [payload(tmpVolume("preprocess", preprocessSize(maxInputMiB).tmpSize))],
        },
      },
    },
  };
}
