/**
 * Building blocks shared by every workload spec: the plain-string inputs, labels, the hardened
 * container and pod security settings, resources and the `/tmp` volume. Pure: no Pulumi engine, so
 * tests and local mode call the same functions with plain values.
 */
import type { IIoK8sApimachineryPkgApisMetaV1ObjectMeta as ObjectMeta } from "@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IEnvVar } from "kubernetes-models/v1/EnvVar";
import type { IPodSecurityContext } from "kubernetes-models/v1/PodSecurityContext";
import type { IResourceRequirements } from "kubernetes-models/v1/ResourceRequirements";
import type { ISecurityContext } from "kubernetes-models/v1/SecurityContext";
import type { IToleration } from "kubernetes-models/v1/Toleration";
import type { IVolume } from "kubernetes-models/v1/Volume";
import type { IVolumeMount } from "kubernetes-models/v1/VolumeMount";
import { METRICS_PORT, type CommandEnvVars } from "@pipeline/processor/contract";
import type { Workload } from "../../config";
import { CONTAINER_SIZES, PROJECT } from "../../config";
import { placementAnnotations, placementFields, type Scheduling } from "./scheduling";

/**
 * The values the specs need from the rest of the program, as plain strings: the component resolves
 * its Pulumi outputs into this shape, local mode passes its own values.
 */
export interface WorkloadInputs {
  /** The processor image, pinned by digest (`repo@sha256:...`). */
  readonly image: string;
  /** The stack's AWS region; the workloads' SDK clients and KEDA's scaler use it. */
  readonly region: string;
  /** URL of the queue of S3 `ObjectCreated` events that the preprocess jobs drain. */
  readonly preprocessQueueUrl: string;
  /** URL of the store events queue (producer → consumer). */
  readonly eventsQueueUrl: string;
  /** Bucket the preprocess jobs write results to. */
  readonly processedBucketName: string;
  /** Bucket the consumer writes NDJSON batches to. */
  readonly eventsBucketName: string;
  /** Node placement per workload (e.g. the Karpenter job pool for preprocess); none by default. */
  readonly scheduling?: Readonly<Partial<Record<Workload, Scheduling>>>;
}

/** A built object: named, namespaced (unless cluster-scoped) and with its spec filled in. */
export type Manifest<T extends { spec?: unknown }> = T & {
  metadata: ObjectMeta & { name: string; namespace: string };
  spec: NonNullable<T["spec"]>;
};

/** The numeric non-root user and group of the processor image (processor/Dockerfile). */
export const PROCESSOR_UID = 10001;

/** Name of the container port that serves `/healthz`, `/readyz` and `/metrics`. */
export const METRICS_PORT_NAME = "metrics";

/** An image reference pinned by digest: `registry/repo[:tag]@sha256:<64 hex>`. */
export const DIGEST_PINNED_IMAGE =
  /^[a-z0-9][a-z0-9._\-/:]*(:[\w][\w.-]{0,127})?@sha256:[0-9a-f]{64}$/;

/** Throws unless `image` is pinned by digest; a tag alone can move under a running workload. */
export function assertDigestPinned(image: string): string {
  if (!DIGEST_PINNED_IMAGE.test(image)) {
    throw new Error(
      `processor image must be pinned by digest (repo@sha256:<64 hex>), got "${image}"`,
    );
  }
  return image;
}

/** Recommended labels of one workload; the selector uses the stable subset {@link selectorLabels}. */
export function workloadLabels(workload: Workload): Record<string, string> {
  return {
    ...selectorLabels(workload),
    "app.kubernetes.io/part-of": PROJECT,
    "app.kubernetes.io/managed-by": "pulumi",
  };
}

/** Labels that select a workload's pods (never change them on a live Deployment: immutable). */
export function selectorLabels(workload: Workload): Record<string, string> {
  return { "app.kubernetes.io/name": "processor", "app.kubernetes.io/component": workload };
}

/** Metadata of a namespaced object that belongs to `workload`. */
export function workloadMeta(
  name: string,
  namespace: string,
  workload: Workload,
): ObjectMeta & { name: string; namespace: string } {
  return { name, namespace, labels: workloadLabels(workload) };
}

/** Pod-level security: non-root numeric user, RuntimeDefault seccomp (Pod Security "restricted"). */
export function podSecurityContext(): IPodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: PROCESSOR_UID,
    runAsGroup: PROCESSOR_UID,
    fsGroup: PROCESSOR_UID,
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** Container-level security: read-only root, no privilege escalation, no capabilities. */
export function containerSecurityContext(): ISecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: PROCESSOR_UID,
    runAsGroup: PROCESSOR_UID,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    privileged: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** The sizes live in config/ (the settings rules read them too); re-exported for the specs' users. */
export { CONTAINER_SIZES, type ContainerSize } from "../../config";

/** Requests and limits of `workload`'s container. */
export function containerResources(workload: Workload): IResourceRequirements {
  const size = CONTAINER_SIZES[workload];
  return {
    requests: { cpu: size.cpuRequest, memory: size.memoryRequest },
    limits: { cpu: size.cpuLimit, memory: size.memoryLimit },
  };
}

const TMP_VOLUME = "tmp";

/**
 * The size-limited, node-disk-backed `/tmp` of a workload (the root filesystem is read-only);
 * `sizeLimit` overrides the workload's fixed size (the preprocess pods': config/preprocess-size.ts).
 */
export function tmpVolume(workload: Workload, sizeLimit?: string): IVolume {
  return {
    name: TMP_VOLUME,
    emptyDir: { sizeLimit: sizeLimit ?? CONTAINER_SIZES[workload].tmpSize },
  };
}

/** Where {@link tmpVolume} is mounted in every processor container. */
export const TMP_PATH = "/tmp";

/** Mounts {@link tmpVolume} at {@link TMP_PATH}. */
export function tmpMount(): IVolumeMount {
  return { name: TMP_VOLUME, mountPath: TMP_PATH };
}

/** Environment entries from a name → value map, in a stable order. */
export function envFrom(values: Readonly<Record<string, string>>): IEnvVar[] {
  return Object.entries(values)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => ({ name, value }));
}

/** Variables every processor container gets. */
export function commonEnv(inputs: WorkloadInputs): Record<string, string> {
  return {
    AWS_REGION: inputs.region,
    METRICS_PORT: String(METRICS_PORT),
    LOG_LEVEL: "info",
    // The producer's and consumer's names; `processor preprocess` ignores METRICS_PORT.
  } satisfies CommandEnvVars<"produce"> & CommandEnvVars<"consume">;
}

/**
 * A processor container: the digest-pinned image running `processor <command>` (the image's
 * ENTRYPOINT is the processor CLI, so the command goes in `args`), hardened, sized, with `/tmp`.
 */
export function processorContainer(
  workload: Workload,
  command: string,
  inputs: WorkloadInputs,
  env: Readonly<Record<string, string>>,
  extra: Partial<IContainer> = {},
): IContainer {
  return {
    name: workload,
    image: assertDigestPinned(inputs.image),
    imagePullPolicy: "IfNotPresent",
    args: [command],
    env: envFrom({ ...commonEnv(inputs), ...env }),
    resources: containerResources(workload),
    securityContext: containerSecurityContext(),
    volumeMounts: [tmpMount()],
    ...extra,
  };
}

/** The node placement of `workload`, as pod spec fields (nothing when none is configured). */
export function schedulingFields(
  inputs: WorkloadInputs,
  workload: Workload,
): { nodeSelector?: Record<string, string>; tolerations?: IToleration[] } {
  return placementFields(inputs.scheduling?.[workload]);
}

/** The pod template metadata of `workload`: its labels, plus the annotations its placement asks for. */
export function podTemplateMetadata(
  inputs: WorkloadInputs,
  workload: Workload,
): { labels: Record<string, string>; annotations?: Record<string, string> } {
  const annotations = placementAnnotations(inputs.scheduling?.[workload]);
  return { labels: workloadLabels(workload), ...(annotations ? { annotations } : {}) };
}
