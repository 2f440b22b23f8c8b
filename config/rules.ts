/**
 * Settings rules that span several keys (each key's own range is in `schema.ts`). They run only on
 * settings whose keys are each valid; `parse.ts` turns each problem into a message naming the key.
 */
import {
  KEYS,
  minVisibilityTimeoutSeconds,
  scratchMiBFor,
  visibilityCoversBatchAge,
} from "@pipeline/processor/contract";
import type { Settings } from "./schema";
import { subnetPlanError } from "./subnets";
import { poolFitProblems } from "./quota";

/** A problem found by a rule that spans several keys. */
export interface CrossFieldProblem {
  readonly path: (string | number)[];
  readonly message: string;
}

/** Rules that span several keys; run only on settings whose keys are each valid. */
export function crossFieldProblems(s: Settings): CrossFieldProblem[] {
  const problems: CrossFieldProblem[] = [];
  const issue = (path: (string | number)[], message: string) => problems.push({ path, message });
  const ng = s.cluster.nodeGroup;
  if (!(ng.minSize <= ng.desiredSize && ng.desiredSize <= ng.maxSize)) {
    issue(
      ["cluster", "nodeGroup", "desiredSize"],
      `must satisfy minSize (${ng.minSize}) <= desiredSize (${ng.desiredSize}) <= maxSize (${ng.maxSize})`,
    );
  }
  // EKS allows one access entry per principal: a principal in both lists would get two.
  const both = s.cluster.previewPrincipalArns.filter((a) =>
    s.cluster.adminPrincipalArns.includes(a),
  );
  if (both.length) {
    issue(
      ["cluster", "previewPrincipalArns"],
      `must not repeat cluster.adminPrincipalArns (one access entry per principal): ${both.join(", ")}`,
    );
  }
  if (s.network.natGateways > s.network.azCount) {
    issue(["network", "natGateways"], `must be at most azCount (${s.network.azCount})`);
  }
  const planError = subnetPlanError(s.network);
  if (planError) issue(["network", "cidr"], planError);
  if (s.queues.preprocessVisibilityTimeoutSeconds <= s.queues.preprocessExpectedSeconds) {
    issue(
      ["queues", "preprocessVisibilityTimeoutSeconds"],
      `must exceed preprocessExpectedSeconds (${s.queues.preprocessExpectedSeconds})`,
    );
  }
  if (s.keda.preprocess.activeDeadlineSeconds < s.queues.preprocessExpectedSeconds) {
    issue(
      ["keda", "preprocess", "activeDeadlineSeconds"],
      `must be at least queues.preprocessExpectedSeconds (${s.queues.preprocessExpectedSeconds})`,
    );
  }
  const c = s.keda.consumer;
  if (c.minReplicas > c.maxReplicas) {
    issue(["keda", "consumer", "minReplicas"], `must be at most maxReplicas (${c.maxReplicas})`);
  }
  // The consumer holds a message while its batch is open (up to the batch age), then writes and
  // deletes it; it refuses to start unless the visibility timeout leaves as much again for that.
  const age = s.workloads.consumerBatchMaxAgeSeconds;
  if (!visibilityCoversBatchAge(s.queues.eventsVisibilityTimeoutSeconds, age)) {
    issue(
      ["queues", "eventsVisibilityTimeoutSeconds"],
      `must be at least twice workloads.consumerBatchMaxAgeSeconds (${age}), i.e. >= ${minVisibilityTimeoutSeconds(age)}, so a batch is stored before its messages reappear`,
    );
  }
  const volume = jobNodeVolume(s);
  const scratchMiB = scratchMiBFor(s.workloads.preprocessMaxInputMiB);
  if (scratchMiB > scratchBudgetMiB(volume.gib)) {
    issue(
      ["workloads", "preprocessMaxInputMiB"],
      `needs ${scratchMiB} MiB of scratch disk per job, more than a node's ${volume.key} of ${volume.gib} GiB leaves (${scratchBudgetMiB(volume.gib)} MiB): lower it or raise ${volume.key}`,
    );
  }
  if (s.orchestration.prefix === KEYS.inputPrefix) {
    issue(
      ["orchestration", "prefix"],
      `must differ from ${KEYS.inputPrefix}, which the KEDA path processes`,
    );
  }
  if (
    s.orchestration.enabled &&
    s.orchestration.engine === "eks" &&
    !s.cluster.endpointPublicAccess
  ) {
    issue(
      ["orchestration", "engine"],
      "eks needs cluster.endpointPublicAccess true: Step Functions' EKS integration calls the public API endpoint (or use engine emr)",
    );
  }
  problems.push(...poolFitProblems(s), ...autoModeProblems(s));
  if (s.nodeAutoscaling !== "none") {
    // A pool of the wrong architecture never launches a node for the image: the pods would pend.
    // Under auto-mode only the jobs pool is ours (the general-purpose pool is AWS's).
    const arm = s.image.platform === "linux/arm64";
    const keys =
      s.nodeAutoscaling === "karpenter"
        ? (["jobInstanceTypes", "generalInstanceTypes"] as const)
        : (["jobInstanceTypes"] as const);
    for (const key of keys) {
      const wrong = s.karpenter[key].filter((t) => isArmInstanceType(t) !== arm);
      if (wrong.length) {
        issue(
          ["karpenter", key],
          `must match image.platform ${s.image.platform}: ${wrong.join(", ")} ${arm ? "are x86" : "are ARM (Graviton)"}`,
        );
      }
    }
  }
  return problems;
}

/** The longest node lifetime EKS Auto Mode allows: it replaces every node within 21 days. */
export const AUTO_MODE_MAX_EXPIRE_HOURS = 21 * 24;

/**
 * What EKS Auto Mode cannot do. Its built-in general-purpose pool, where the producer and consumer
 * run, launches amd64 nodes only (docs.aws.amazon.com/eks/latest/userguide/set-builtin-node-pools.html);
 * it replaces nodes within 21 days (…/automode.html, "Security"); it launches no instance of size
 * nano, micro or small (…/automode-learn-instances.html, "EKS Auto Mode supported instance reference").
 */
export function autoModeProblems(s: Settings): CrossFieldProblem[] {
  if (s.nodeAutoscaling !== "auto-mode") return [];
  const problems: CrossFieldProblem[] = [];
  if (s.image.platform !== "linux/amd64") {
    problems.push({
      path: ["image", "platform"],
      message:
        "must be linux/amd64 with nodeAutoscaling auto-mode: the producer and consumer run on Auto Mode's built-in general-purpose pool, which launches amd64 nodes only",
    });
  }
  const hours = /^(\d+)h$/.exec(s.karpenter.expireAfter)?.[1];
  if (hours === undefined || Number(hours) > AUTO_MODE_MAX_EXPIRE_HOURS) {
    problems.push({
      path: ["karpenter", "expireAfter"],
      message: `must be at most ${AUTO_MODE_MAX_EXPIRE_HOURS}h with nodeAutoscaling auto-mode: Auto Mode replaces every node within 21 days (e.g. 336h)`,
    });
  }
  const tooSmall = s.karpenter.jobInstanceTypes.filter((t) => /\.(nano|micro|small)$/.test(t));
  if (tooSmall.length) {
    problems.push({
      path: ["karpenter", "jobInstanceTypes"],
      message: `must not list sizes nano, micro or small with nodeAutoscaling auto-mode (Auto Mode never launches them): ${tooSmall.join(", ")}`,
    });
  }
  return problems;
}

/** The volume of the nodes the preprocess jobs run on, and the key that sets it. */
function jobNodeVolume(s: Settings): { key: string; gib: number } {
  return s.nodeAutoscaling !== "none"
    ? { key: "karpenter.nodeVolumeGiB", gib: s.karpenter.nodeVolumeGiB }
    : { key: "cluster.nodeGroup.diskSizeGiB", gib: s.cluster.nodeGroup.diskSizeGiB };
}

/**
 * Scratch disk one job may take on a node volume of `gib`: what the kubelet's default hard eviction
 * thresholds leave (`imagefs.available<15%`, the stricter of `nodefs.available<10%` and it, since
 * one volume holds images and pods; kubernetes.io/docs/concepts/scheduling-eviction/
 * node-pressure-eviction, "Hard eviction thresholds"), less 10 GiB for the OS and the images.
 */
export function scratchBudgetMiB(gib: number): number {
  return Math.floor(gib * 1024 * 0.85) - 10 * 1024;
}

/** Whether an EC2 instance type is ARM (Graviton: a `g` after the generation, as in m7g, c7gn, t4g; or a1). */
export function isArmInstanceType(type: string): boolean {
  return /^a1\./.test(type) || /^[a-z]+\d+[a-z-]*g[a-z-]*\./.test(type);
}
