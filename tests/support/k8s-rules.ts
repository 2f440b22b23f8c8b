/**
 * Helpers shared by the Kubernetes rule tests (pure specs and the program under mocks): find the pod
 * specs and containers inside any workload object, whatever path holds them.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- objects come from specs or recorded inputs. */

/** A pod spec found in an object, with where it was found. */
export interface FoundPodSpec {
  readonly owner: string;
  readonly podSpec: Record<string, any>;
}

/** The pod specs inside `obj`: Deployments, Jobs, ScaledJobs (`jobTargetRef`), and Pods. */
export function podSpecsOf(obj: Record<string, any>): FoundPodSpec[] {
  const owner = `${obj.kind} ${obj.metadata?.name ?? "(unnamed)"}`;
  const found: FoundPodSpec[] = [];
  const template = obj.spec?.template?.spec ?? obj.spec?.jobTargetRef?.template?.spec;
  if (template) found.push({ owner, podSpec: template });
  const cronJob = obj.spec?.jobTemplate?.spec?.template?.spec;
  if (cronJob) found.push({ owner, podSpec: cronJob });
  if (obj.kind === "Pod" && obj.spec) found.push({ owner, podSpec: obj.spec });
  return found;
}

/** Every container (init containers included) of every pod spec in `obj`. */
export function containersOf(
  obj: Record<string, any>,
): { owner: string; podSpec: Record<string, any>; container: Record<string, any> }[] {
  return podSpecsOf(obj).flatMap(({ owner, podSpec }) =>
    [...(podSpec.initContainers ?? []), ...(podSpec.containers ?? [])].map((container) => ({
      owner: `${owner}/${container.name}`,
      podSpec,
      container,
    })),
  );
}

/** Problems with one container's hardening; empty when it is hardened as the project requires. */
export function hardeningProblems(
  podSpec: Record<string, any>,
  container: Record<string, any>,
): string[] {
  const problems: string[] = [];
  const pod = podSpec.securityContext ?? {};
  const sc = container.securityContext ?? {};
  const runAsNonRoot = sc.runAsNonRoot ?? pod.runAsNonRoot;
  const runAsUser = sc.runAsUser ?? pod.runAsUser;
  const seccomp = sc.seccompProfile?.type ?? pod.seccompProfile?.type;
  if (runAsNonRoot !== true) problems.push("runAsNonRoot is not true");
  if (!Number.isInteger(runAsUser) || runAsUser <= 0)
    problems.push("no numeric non-root runAsUser");
  if (sc.readOnlyRootFilesystem !== true) problems.push("root filesystem is writable");
  if (sc.allowPrivilegeEscalation !== false) problems.push("privilege escalation is allowed");
  if (sc.privileged === true) problems.push("privileged");
  if (!(sc.capabilities?.drop ?? []).includes("ALL")) problems.push("capabilities not dropped");
  if ((sc.capabilities?.add ?? []).length > 0) problems.push("capabilities added");
  if (seccomp !== "RuntimeDefault") problems.push("seccomp is not RuntimeDefault");
  for (const kind of ["requests", "limits"]) {
    for (const resource of ["cpu", "memory"]) {
      if (!container.resources?.[kind]?.[resource]) problems.push(`no ${resource} ${kind}`);
    }
  }
  const tmp = (container.volumeMounts ?? []).find((m: any) => m.mountPath === "/tmp");
  const volume = tmp && (podSpec.volumes ?? []).find((v: any) => v.name === tmp.name);
  if (!volume?.emptyDir?.sizeLimit) problems.push("no size-limited emptyDir at /tmp");
  return problems;
}
