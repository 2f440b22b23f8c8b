/**
 * What the workloads namespace may use at most, from the settings: the configured maxima of every
 * workload (KEDA's maxReplicaCount jobs, the consumer's maxReplicas, the producer's replicas, and as
 * many orchestrated Jobs again when the eks engine runs them in the same namespace) times each
 * container's requests and limits, plus headroom. The namespace's ResourceQuota is built from it
 * (`k8s/specs/guard-rails.ts`), and the settings rules refuse maxima the node pools cannot hold.
 */
import type { Settings } from "./schema";
import { cpuMillis, memoryMiB, workloadSizes } from "./sizes";
import type { Workload } from "./names";

/**
 * Share added on top of the maxima: a rolling update surges a Deployment by 25 % (Kubernetes'
 * default maxSurge), and pods being terminated after a scale-down still count until they are gone.
 */
export const QUOTA_HEADROOM = 0.25;

/** Requests, limits and pods of a set of pods (millicores, MiB). */
export interface PodDemand {
  readonly pods: number;
  readonly cpuRequestMilli: number;
  readonly memoryRequestMiB: number;
  readonly cpuLimitMilli: number;
  readonly memoryLimitMiB: number;
}

const NONE: PodDemand = {
  pods: 0,
  cpuRequestMilli: 0,
  memoryRequestMiB: 0,
  cpuLimitMilli: 0,
  memoryLimitMiB: 0,
};

/** `count` pods of `workload`'s size in stack `s`. */
export function podsOf(s: Settings, workload: Workload, count: number): PodDemand {
  const size = workloadSizes(s)[workload];
  return {
    pods: count,
    cpuRequestMilli: count * cpuMillis(size.cpuRequest),
    memoryRequestMiB: count * memoryMiB(size.memoryRequest),
    cpuLimitMilli: count * cpuMillis(size.cpuLimit),
    memoryLimitMiB: count * memoryMiB(size.memoryLimit),
  };
}

function sum(...parts: PodDemand[]): PodDemand {
  return parts.reduce(
    (a, b) => ({
      pods: a.pods + b.pods,
      cpuRequestMilli: a.cpuRequestMilli + b.cpuRequestMilli,
      memoryRequestMiB: a.memoryRequestMiB + b.memoryRequestMiB,
      cpuLimitMilli: a.cpuLimitMilli + b.cpuLimitMilli,
      memoryLimitMiB: a.memoryLimitMiB + b.memoryLimitMiB,
    }),
    NONE,
  );
}

/**
 * Orchestrated Jobs (the eks engine) run preprocess-sized pods in the workloads namespace, one per
 * upload under the orchestration prefix; the quota leaves them as many slots as the KEDA path. Past
 * that their pods wait for quota (the Job controller retries) within `orchestration.jobTimeoutSeconds`.
 */
export function orchestratedJobSlots(s: Settings): number {
  const inNamespace = s.orchestration.enabled && s.orchestration.engine === "eks";
  return inNamespace ? s.keda.preprocess.maxReplicaCount : 0;
}

/** The job pods at most: KEDA's and the orchestrated ones (the jobs pool's share). */
export function jobDemand(s: Settings): PodDemand {
  return podsOf(s, "preprocess", s.keda.preprocess.maxReplicaCount + orchestratedJobSlots(s));
}

/** The consumer and producer pods at most (the general pool's share). */
export function generalDemand(s: Settings): PodDemand {
  return sum(
    podsOf(s, "consumer", s.keda.consumer.maxReplicas),
    podsOf(s, "producer", s.workloads.producerReplicas),
  );
}

/** Everything the namespace's workloads may run at once, before headroom. */
export function namespaceDemand(s: Settings): PodDemand {
  return sum(jobDemand(s), generalDemand(s));
}

/** The namespace's ceilings: {@link namespaceDemand} plus {@link QUOTA_HEADROOM}, rounded up. */
export function namespaceQuota(s: Settings): PodDemand {
  const d = namespaceDemand(s);
  const up = (n: number) => Math.ceil(n * (1 + QUOTA_HEADROOM));
  return {
    pods: up(d.pods),
    cpuRequestMilli: up(d.cpuRequestMilli),
    memoryRequestMiB: up(d.memoryRequestMiB),
    cpuLimitMilli: up(d.cpuLimitMilli),
    memoryLimitMiB: up(d.memoryLimitMiB),
  };
}

/** A settings problem: the key to change and why. */
export interface QuotaProblem {
  readonly path: (string | number)[];
  readonly message: string;
}

const vcpu = (milli: number) => `${milli / 1000} vCPU`;
const gib = (mib: number) => `${(mib / 1024).toFixed(1)} GiB`;

/**
 * With Karpenter (and Auto Mode's jobs pool), each pool stops buying nodes at its CPU and memory
 * limits, so the pods sent there can never request more than those limits: a maximum beyond them
 * would leave pods pending for good while the quota admits them. (Necessary, not sufficient: the kubelet's reserve and the DaemonSets
 * take a share of every node; `infra/karpenter/capacity.ts` computes pods per node.)
 */
export function poolFitProblems(s: Settings): QuotaProblem[] {
  if (s.nodeAutoscaling === "none") return [];
  const k = s.karpenter;
  const problems: QuotaProblem[] = [];
  const check = (
    path: (string | number)[],
    what: string,
    d: PodDemand,
    cpuLimit: number,
    memoryLimitGiB: number,
    limitKeys: string,
  ) => {
    if (d.cpuRequestMilli <= cpuLimit * 1000 && d.memoryRequestMiB <= memoryLimitGiB * 1024) return;
    problems.push({
      path,
      message:
        `${what} request ${vcpu(d.cpuRequestMilli)} and ${gib(d.memoryRequestMiB)}, more than ` +
        `the pool may buy (${limitKeys}: ${cpuLimit} vCPU, ${memoryLimitGiB} GiB); lower it or ` +
        `raise the pool's limits`,
    });
  };
  const jobs = jobDemand(s);
  check(
    ["keda", "preprocess", "maxReplicaCount"],
    `${jobs.pods} job pods${orchestratedJobSlots(s) ? " (KEDA's and as many orchestrated)" : ""}`,
    jobs,
    k.jobCpuLimit,
    k.jobMemoryLimitGiB,
    "karpenter.jobCpuLimit, karpenter.jobMemoryLimitGiB",
  );
  // Under auto-mode the general pool is Auto Mode's built-in general-purpose pool: it has no
  // limits of ours to check against.
  if (s.nodeAutoscaling !== "karpenter") return problems;
  check(
    ["keda", "consumer", "maxReplicas"],
    `${s.keda.consumer.maxReplicas} consumers and ${s.workloads.producerReplicas} producer(s)`,
    generalDemand(s),
    k.generalCpuLimit,
    k.generalMemoryLimitGiB,
    "karpenter.generalCpuLimit, karpenter.generalMemoryLimitGiB",
  );
  return problems;
}
