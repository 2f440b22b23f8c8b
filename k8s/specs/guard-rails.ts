/**
 * The workloads namespace's guard rails: a ResourceQuota at what the settings let the workloads run
 * at once plus headroom (`config/quota.ts`), so a wrong maximum or a runaway controller cannot take
 * the whole cluster, and a LimitRange that gives a container without requests or limits the
 * smallest workload's size (a quota on requests and limits rejects such a pod otherwise) and caps
 * any container at the largest workload's limits.
 */
import type { ILimitRange } from "kubernetes-models/v1/LimitRange";
import type { IResourceQuota } from "kubernetes-models/v1/ResourceQuota";
import {
  workloadSizes,
  cpuMillis,
  memoryMiB,
  namespaceQuota,
  PROJECT,
  WORKLOADS,
  type Settings,
} from "../../config";
import type { Manifest } from "./common";

/** Name of the namespace's ResourceQuota and of its LimitRange. */
export const GUARD_RAILS_NAME = "workload-limits";

function meta(settings: Settings) {
  return {
    name: GUARD_RAILS_NAME,
    namespace: settings.workloads.namespace,
    labels: { "app.kubernetes.io/part-of": PROJECT, "app.kubernetes.io/managed-by": "pulumi" },
  };
}

/** The ResourceQuota: pods, requested and limited CPU and memory at most. */
export function workloadResourceQuotaSpec(settings: Settings): Manifest<IResourceQuota> {
  const q = namespaceQuota(settings);
  return {
    apiVersion: "v1",
    kind: "ResourceQuota",
    metadata: meta(settings),
    spec: {
      hard: {
        pods: String(q.pods),
        "requests.cpu": `${q.cpuRequestMilli}m`,
        "requests.memory": `${q.memoryRequestMiB}Mi`,
        "limits.cpu": `${q.cpuLimitMilli}m`,
        "limits.memory": `${q.memoryLimitMiB}Mi`,
      },
    },
  };
}

/** The LimitRange: the smallest workload's size as the default, the largest one's limits as the cap. */
export function workloadLimitRangeSpec(settings: Settings): Manifest<ILimitRange> {
  const all = workloadSizes(settings);
  const sizes = WORKLOADS.map((w) => all[w]);
  const smallest = [...sizes].sort(
    (a, b) => memoryMiB(a.memoryLimit) - memoryMiB(b.memoryLimit),
  )[0];
  if (!smallest) throw new Error("no workload sizes");
  const maxCpu = Math.max(...sizes.map((s) => cpuMillis(s.cpuLimit)));
  const maxMemory = Math.max(...sizes.map((s) => memoryMiB(s.memoryLimit)));
  return {
    apiVersion: "v1",
    kind: "LimitRange",
    metadata: meta(settings),
    spec: {
      limits: [
        {
          type: "Container",
          defaultRequest: { cpu: smallest.cpuRequest, memory: smallest.memoryRequest },
          default: { cpu: smallest.cpuLimit, memory: smallest.memoryLimit },
          max: { cpu: `${maxCpu}m`, memory: `${maxMemory}Mi` },
        },
      ],
    },
  };
}
