/**
 * The Kubernetes Job the state machine starts through `eks:runJob.sync`: the processor image runs
 * `preprocess-object` for the object named in the execution input. A payload template, because the
 * Job's name and arguments come from the execution (`.$` keys); everything else is fixed here.
 * Pure: no Pulumi.
 */
import type { PayloadTemplate } from "./asl";

/** Label that marks the Jobs (and their Pods) this path starts. */
export const JOB_COMPONENT_LABEL = "batch-object";

export interface JobManifestInput {
  /** The processor image, digest-pinned (`repo@sha256:…`). */
  readonly image: string;
  readonly namespace: string;
  /** Service account bound (Pod Identity) to the role that may read the prefix and write outputs. */
  readonly serviceAccountName: string;
  /** Raw key prefix this path owns (stripped from output keys like `input/` on the KEDA path). */
  readonly prefix: string;
  /** Bucket the processor writes outputs and error reports to. */
  readonly outputBucket: string;
  readonly region: string;
  /** Hard limit on the Job's run time, seconds (`activeDeadlineSeconds`). */
  readonly activeDeadlineSeconds: number;
  /** Seconds a finished Job stays for inspection before Kubernetes deletes it. */
  readonly ttlSecondsAfterFinished?: number;
  /** Container resources (requests = limits for memory: the preprocessing holds a file in memory). */
  readonly resources?: {
    readonly cpu: string;
    readonly memory: string;
  };
}

/**
 * The hardened container security context every processor container uses: non-root, read-only root
 * filesystem, no privilege escalation, no capabilities, the runtime's default seccomp profile.
 */
export function hardenedContainerSecurityContext(): PayloadTemplate {
  return {
    runAsNonRoot: true,
    runAsUser: 1000,
    runAsGroup: 1000,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    privileged: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** The batch/v1 Job manifest (with `.$` keys evaluated by Step Functions per execution). */
export function buildJobManifest(input: JobManifestInput): PayloadTemplate {
  const resources = input.resources ?? { cpu: "500m", memory: "1Gi" };
  const labels = {
    "app.kubernetes.io/name": "processor",
    "app.kubernetes.io/component": JOB_COMPONENT_LABEL,
    "app.kubernetes.io/part-of": "event-pipeline",
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
      annotations: { "pipeline.example/execution-arn.$": "$$.Execution.Id" },
    },
    spec: {
      // Step Functions owns retries, so each attempt shows in the execution history.
      backoffLimit: 0,
      activeDeadlineSeconds: input.activeDeadlineSeconds,
      ttlSecondsAfterFinished: input.ttlSecondsAfterFinished ?? 3600,
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: input.serviceAccountName,
          restartPolicy: "Never",
          automountServiceAccountToken: false,
          securityContext: {
            runAsNonRoot: true,
            fsGroup: 1000,
            seccompProfile: { type: "RuntimeDefault" },
          },
          containers: [
            {
              name: "processor",
              image: input.image,
              imagePullPolicy: "IfNotPresent",
              "args.$": `States.Array('preprocess-object', '--bucket', $.object.bucket, '--key', $.object.key, '--prefix', '${input.prefix}')`,
              env: [
                { name: "OUTPUT_BUCKET", value: input.outputBucket },
                { name: "AWS_REGION", value: input.region },
                { name: "NODE_ENV", value: "production" },
              ],
              resources: {
                requests: { cpu: resources.cpu, memory: resources.memory },
                limits: { memory: resources.memory },
              },
              securityContext: hardenedContainerSecurityContext(),
              volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
            },
          ],
          // The root filesystem is read-only; the processor may spill to /tmp.
          volumes: [{ name: "tmp", emptyDir: { sizeLimit: "1Gi" } }],
        },
      },
    },
  };
}
