/**
 * Command lines of buildah (the build) and podman (the runs), built from the project's own
 * definitions: the Dockerfile and platform that infra/image.ts builds with, and the container and
 * pod specs that k8s/specs gives each workload. Pure: nothing here starts a process.
 */
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IPodSecurityContext } from "kubernetes-models/v1/PodSecurityContext";
import type { IVolume } from "kubernetes-models/v1/Volume";

/**
 * The test's private image store. `overlay` (the kernel's overlayfs, when it mounts here) keeps
 * layers as differences, so the store can persist in the cache and the build can reuse its layers;
 * `vfs` (no kernel support needed) copies the whole tree for every layer and container, so it is
 * used once and deleted.
 */
export interface Store {
  readonly root: string;
  readonly driver: "overlay" | "vfs";
  /** Kept between runs (overlay): the build caches its layers (`--layers`). */
  readonly persistent: boolean;
}

/** Global options of buildah and podman: the store's folders and driver. */
export function storageOptions(store: Store): string[] {
  const { root, driver } = store;
  return ["--root", `${root}/storage`, "--runroot", `${root}/run`, "--storage-driver", driver];
}

/** What one build needs. */
export interface BuildInput {
  readonly context: string;
  readonly dockerfile: string;
  readonly platform: string;
  /** The base for the Dockerfile's `NODE_IMAGE` build argument (a local image name). */
  readonly baseImage: string;
  readonly tag: string;
  /** Ignore the store's cached layers (rebuild every step). */
  readonly noCache?: boolean;
}

/**
 * `buildah bud` as the deploy builds (same context, Dockerfile and platform), with the base passed
 * only through `NODE_IMAGE`. chroot isolation (no OCI runtime for RUN steps; the host network, which
 * reaches the npm registry); `--pull=never`: every image must already be local. In a persistent
 * store, one layer per instruction, cached (`--layers`) as BuildKit builds and caches them: an
 * unchanged step (same instruction, same parent, same copied bytes) is reused, a changed one and
 * every step after it are rebuilt.
 */
export function buildArgs(store: Store, b: BuildInput): string[] {
  return [
    ...storageOptions(store),
    "bud",
    `--layers=${store.persistent}`,
    ...(b.noCache ? ["--no-cache"] : []),
    "--isolation",
    "chroot",
    "--pull=never",
    "--platform",
    b.platform,
    "--file",
    b.dockerfile,
    "--build-arg",
    `NODE_IMAGE=${b.baseImage}`,
    "--tag",
    b.tag,
    b.context,
  ];
}

/**
 * Global podman options: the same store as the build, cgroupfs (no systemd here), and runc: crun
 * 1.8 refuses this machine's hybrid cgroup v1/v2 layout.
 */
export function podmanOptions(store: Store): string[] {
  return [
    ...storageOptions(store),
    "--cgroup-manager",
    "cgroupfs",
    "--events-backend",
    "file",
    "--runtime",
    "runc",
  ];
}

/** A Kubernetes quantity (`2Gi`, `512Mi`, `64M`, `1000`) in bytes. */
export function quantityBytes(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(quantity);
  if (!match) throw new Error(`unsupported quantity ${JSON.stringify(quantity)}`);
  const factors: Record<string, number> = {
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
  };
  return Math.round(Number(match[1]) * (match[2] ? (factors[match[2]] ?? NaN) : 1));
}

/** A Kubernetes CPU quantity (`500m`, `2`) in CPUs. */
export function cpuCount(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(m)?$/.exec(quantity);
  if (!match) throw new Error(`unsupported CPU quantity ${JSON.stringify(quantity)}`);
  return Number(match[1]) / (match[2] ? 1000 : 1);
}

/** The parts of an image's OCI config that decide how a container starts. */
export interface ImageConfig {
  readonly entrypoint: readonly string[];
  readonly env: readonly string[];
  readonly workingDir: string;
  readonly user: string;
}

/** Reads {@link ImageConfig} from `podman image inspect` JSON (an array of one image). */
export function imageConfig(inspectJson: string): ImageConfig {
  const parsed = JSON.parse(inspectJson) as { Config?: Record<string, unknown> }[];
  const config = parsed[0]?.Config ?? {};
  const strings = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
  return {
    entrypoint: strings(config.Entrypoint),
    env: strings(config.Env),
    workingDir: typeof config.WorkingDir === "string" ? config.WorkingDir : "/",
    user: typeof config.User === "string" ? config.User : "",
  };
}

/** Size and layer count of an image, from `podman image inspect` JSON. */
export function imageFigures(inspectJson: string): { sizeBytes: number; layers: number } {
  const parsed = JSON.parse(inspectJson) as { Size?: number; RootFS?: { Layers?: unknown[] } }[];
  const image = parsed[0];
  if (!image) throw new Error("podman image inspect returned no image");
  return { sizeBytes: image.Size ?? 0, layers: image.RootFS?.Layers?.length ?? 0 };
}

/**
 * Ceiling of the containers' process limit: runc here refuses (EPERM) process limits near this
 * process's own hard limit (measured: 32768 and below start, 65536 and 96363 do not).
 */
export const MAX_NPROC = 16384;

/**
 * `--ulimit` values for open files and processes from this process's soft:hard limits
 * (`/proc/self/limits`), processes capped at {@link MAX_NPROC}. podman's defaults are higher than
 * a process without CAP_SYS_RESOURCE may set, and the OCI runtime then refuses to start.
 */
export function processLimits(procLimits: string): string[] {
  const limit = (label: string, cap: number) => {
    const match = new RegExp(`^${label}\\s+(\\d+|unlimited)\\s+(\\d+|unlimited)`, "m").exec(
      procLimits,
    );
    if (!match) throw new Error(`no \`${label}\` line in /proc/self/limits`);
    const value = (v: string | undefined) => Math.min(v === "unlimited" ? cap : Number(v), cap);
    return `${value(match[1])}:${value(match[2])}`;
  };
  return [
    `nofile=${limit("Max open files", Number.MAX_SAFE_INTEGER)}`,
    `nproc=${limit("Max processes", MAX_NPROC)}`,
  ];
}

/** One workload's pod as k8s/specs builds it: its first container, security context, volumes. */
export interface PodSpecParts {
  readonly container: IContainer;
  readonly pod: IPodSecurityContext;
  readonly volumes: readonly IVolume[];
}

/** What a run adds to the pod: the emulator's variables and the test's shorter waits. */
export interface RunInput {
  /**
   * What runs: the image by name (overlay: podman gives each container a cheap overlay layer on
   * it), or its root filesystem (a vfs `podman image mount` path) run in place, so vfs does not
   * copy the whole tree per container.
   */
  readonly target: { readonly image: string } | { readonly rootfs: string };
  readonly image: ImageConfig;
  /** Variables set on top of the container's (they win), e.g. AWS_ENDPOINT_URL. */
  readonly env: Readonly<Record<string, string>>;
  /** Arguments in place of the container's `args` (`preprocess-file IN OUT`), if any. */
  readonly args?: readonly string[];
  /** `--ulimit` values ({@link processLimits}). */
  readonly ulimits: readonly string[];
  /** Host directories bound read-only into the container (`host:container`). */
  readonly binds?: readonly string[];
}

/** `--user`, `--read-only`, `--cap-drop`, … from the container and pod security contexts. */
export function securityOptions(spec: PodSpecParts): string[] {
  const c = spec.container.securityContext ?? {};
  const uid = c.runAsUser ?? spec.pod.runAsUser;
  const gid = c.runAsGroup ?? spec.pod.runAsGroup;
  if (uid === undefined || uid === 0) throw new Error("the spec must run as a non-root user");
  const out = ["--user", gid === undefined ? `${uid}` : `${uid}:${gid}`];
  // The root filesystem is read-only, and podman adds no writable tmpfs of its own: only the
  // spec's volumes are writable, as in the pod.
  if (c.readOnlyRootFilesystem) out.push("--read-only", "--read-only-tmpfs=false");
  for (const cap of c.capabilities?.drop ?? []) out.push("--cap-drop", cap);
  for (const cap of c.capabilities?.add ?? []) out.push("--cap-add", cap);
  if (c.allowPrivilegeEscalation === false) out.push("--security-opt", "no-new-privileges");
  if (c.privileged) throw new Error("the spec must not be privileged");
  return out;
}

/** `--tmpfs PATH:size=…` for each mount of a size-limited emptyDir (the pod's `/tmp`). */
export function volumeOptions(spec: PodSpecParts): string[] {
  const out: string[] = [];
  for (const mount of spec.container.volumeMounts ?? []) {
    const volume = spec.volumes.find((v) => v.name === mount.name);
    const size = volume?.emptyDir?.sizeLimit;
    if (!volume?.emptyDir || size === undefined) {
      throw new Error(`volume ${mount.name}: only size-limited emptyDir volumes are supported`);
    }
    out.push("--tmpfs", `${mount.mountPath}:rw,size=${quantityBytes(String(size))},mode=1777`);
  }
  return out;
}

/** `--memory` and `--cpus` from the container's limits. */
export function resourceOptions(spec: PodSpecParts): string[] {
  const limits = spec.container.resources?.limits ?? {};
  const out: string[] = [];
  if (limits.memory !== undefined) out.push("--memory", `${quantityBytes(String(limits.memory))}`);
  if (limits.cpu !== undefined) out.push("--cpus", `${cpuCount(String(limits.cpu))}`);
  return out;
}

/** The container's environment (`value` entries) with the run's variables on top. */
export function runEnvironment(spec: PodSpecParts, extra: Readonly<Record<string, string>>) {
  const env: Record<string, string> = {};
  for (const entry of spec.container.env ?? []) {
    if (entry.value === undefined) throw new Error(`env ${entry.name}: only literal values`);
    env[entry.name] = entry.value;
  }
  return { ...env, ...extra };
}

/**
 * `podman run` of one pod's container, as the kubelet would start it, on the image's own root
 * filesystem in place (no copy into a container layer): the image's entrypoint, working directory
 * and environment, then the spec's environment, user, read-only root, dropped
 * capabilities, no privilege escalation, size-limited `/tmp`, limits, and the spec's `args`. Host
 * networking: the emulator listens on the host's loopback.
 */
export function runArgs(store: Store, spec: PodSpecParts, run: RunInput): string[] {
  const env = runEnvironment(spec, run.env);
  if (run.image.entrypoint.length === 0) throw new Error("the image has no ENTRYPOINT");
  return [
    ...podmanOptions(store),
    "run",
    "--rm",
    "--network",
    "host",
    ...run.ulimits.flatMap((u) => ["--ulimit", u]),
    ...securityOptions(spec),
    ...volumeOptions(spec),
    ...resourceOptions(spec),
    "--workdir",
    run.image.workingDir,
    ...run.image.env.flatMap((e) => ["--env", e]),
    ...Object.entries(env).flatMap(([k, v]) => ["--env", `${k}=${v}`]),
    ...(run.binds ?? []).flatMap((b) => ["--volume", `${b}:ro`]),
    // An image runs its own ENTRYPOINT; with --rootfs the command follows the path, so it is
    // the image's ENTRYPOINT; then the pod's args.
    ...("rootfs" in run.target
      ? ["--rootfs", run.target.rootfs, ...run.image.entrypoint]
      : [run.target.image]),
    ...(run.args ?? spec.container.args ?? []),
  ];
}
