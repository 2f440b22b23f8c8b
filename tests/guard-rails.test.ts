/**
 * The workloads namespace's ResourceQuota and LimitRange, against the pods the program really builds:
 * the quota holds every workload at its configured maximum (requests and limits read from the built
 * pod templates, not from the size table the quota uses) with headroom to spare; the LimitRange
 * defaults a container that forgets its resources and admits every container the program builds;
 * a maximum the node pools cannot hold is refused with a message naming the key.
 */
import { parseSettings, settingsInputFromConfig, SettingsError, type Settings } from "../config";
import { cpuMillis, memoryMiB, QUOTA_HEADROOM } from "../config";
import { workloadLimitRangeSpec, workloadManifests, workloadResourceQuotaSpec } from "../k8s/specs";
import { stackConfig } from "../harness/program";
import { containersOf } from "./support/k8s-rules";
import { inputsFor, settingsWith } from "./support/k8s-fixtures";
import { expectSchemaValid } from "./support/schema-check";

const STACKS = ["dev", "staging", "prod", "orchestrated"] as const;
const stackSettings = (stack: string): Settings =>
  parseSettings(settingsInputFromConfig(stackConfig(stack)));

/** CPU (millicores) and memory (MiB) requested and limited by one pod of a built workload. */
function podResources(obj: Parameters<typeof containersOf>[0]) {
  const total = { cpuReq: 0, memReq: 0, cpuLim: 0, memLim: 0 };
  for (const { container } of containersOf(obj)) {
    const r = container.resources ?? {};
    total.cpuReq += cpuMillis(String(r.requests?.cpu));
    total.memReq += memoryMiB(String(r.requests?.memory));
    total.cpuLim += cpuMillis(String(r.limits?.cpu));
    total.memLim += memoryMiB(String(r.limits?.memory));
  }
  return total;
}

/** What the built workloads need at their maxima, from their pod templates. */
function builtDemand(settings: Settings) {
  const m = workloadManifests(settings, inputsFor());
  const eks = settings.orchestration.enabled && settings.orchestration.engine === "eks";
  const parts = [
    [m.preprocessScaledJob, settings.keda.preprocess.maxReplicaCount * (eks ? 2 : 1)],
    [m.consumer, settings.keda.consumer.maxReplicas],
    [m.producer, settings.workloads.producerReplicas],
  ] as const;
  const d = { pods: 0, cpuReq: 0, memReq: 0, cpuLim: 0, memLim: 0 };
  for (const [obj, n] of parts) {
    const r = podResources(obj);
    d.pods += n;
    d.cpuReq += n * r.cpuReq;
    d.memReq += n * r.memReq;
    d.cpuLim += n * r.cpuLim;
    d.memLim += n * r.memLim;
  }
  return d;
}

function hard(settings: Settings) {
  const h = workloadResourceQuotaSpec(settings).spec.hard ?? {};
  return {
    pods: Number(h.pods),
    cpuReq: cpuMillis(String(h["requests.cpu"])),
    memReq: memoryMiB(String(h["requests.memory"])),
    cpuLim: cpuMillis(String(h["limits.cpu"])),
    memLim: memoryMiB(String(h["limits.memory"])),
  };
}

describe.each(STACKS)("the %s stack's namespace guard rails", (stack) => {
  const settings = stackSettings(stack);

  it("the quota holds every workload at its maximum, with the headroom on top", () => {
    const need = builtDemand(settings);
    const quota = hard(settings);
    for (const key of Object.keys(need) as (keyof typeof need)[]) {
      expect(quota[key]).toBeGreaterThanOrEqual(Math.ceil(need[key] * (1 + QUOTA_HEADROOM)));
      // Not a blank cheque either: within one more headroom of the need.
      expect(quota[key]).toBeLessThanOrEqual(Math.ceil(need[key] * (1 + 2 * QUOTA_HEADROOM)));
    }
  });

  it("every container the program builds is within the LimitRange's cap", () => {
    const [item] = workloadLimitRangeSpec(settings).spec.limits;
    const max = {
      cpu: cpuMillis(String(item?.max?.cpu)),
      mem: memoryMiB(String(item?.max?.memory)),
    };
    const m = workloadManifests(settings, inputsFor());
    for (const obj of [m.preprocessScaledJob, m.consumer, m.producer]) {
      for (const { container } of containersOf(obj)) {
        expect(cpuMillis(container.resources.limits.cpu)).toBeLessThanOrEqual(max.cpu);
        expect(memoryMiB(container.resources.limits.memory)).toBeLessThanOrEqual(max.mem);
      }
    }
  });

  it("both objects validate against their schemas, in the workloads namespace", async () => {
    for (const obj of [workloadResourceQuotaSpec(settings), workloadLimitRangeSpec(settings)]) {
      await expectSchemaValid(obj);
      expect(obj.metadata.namespace).toBe(settings.workloads.namespace);
    }
  });
});

describe("namespace guard rails from the settings", () => {
  it("a container that forgets its resources gets the smallest workload's requests and limits", () => {
    const [item] = workloadLimitRangeSpec(settingsWith()).spec.limits;
    expect(item).toMatchObject({
      type: "Container",
      defaultRequest: { cpu: "100m", memory: "128Mi" },
      default: { cpu: "500m", memory: "256Mi" },
    });
  });

  it("a larger accepted upload raises the quota and the LimitRange's cap with the job pods' memory", () => {
    const big = settingsWith({ workloads: { preprocessMaxInputMiB: 4096 } });
    expect(hard(big).memReq).toBeGreaterThan(hard(settingsWith()).memReq);
    const cap = (s: Settings) =>
      memoryMiB(String(workloadLimitRangeSpec(s).spec.limits[0]?.max?.memory));
    expect(cap(big)).toBeGreaterThan(cap(settingsWith()));
    expect(builtDemand(big).memReq).toBeLessThanOrEqual(hard(big).memReq);
  });

  it("the eks engine's orchestrated Jobs get as many job slots again; emr's run elsewhere", () => {
    const keda = { preprocess: { maxReplicaCount: 10 } };
    const off = hard(settingsWith({ keda }));
    const eks = hard(settingsWith({ keda, orchestration: { enabled: true, engine: "eks" } }));
    const emr = hard(settingsWith({ keda, orchestration: { enabled: true, engine: "emr" } }));
    const offNeed = builtDemand(settingsWith({ keda })).pods;
    expect(eks.pods).toBe(Math.ceil((offNeed + 10) * (1 + QUOTA_HEADROOM)));
    expect(eks.cpuReq).toBeGreaterThan(off.cpuReq);
    expect(emr).toEqual(off);
  });

  it("more jobs than the jobs pool may buy is refused, naming the key and the pool's limits", () => {
    const raw = { keda: { preprocess: { maxReplicaCount: 100 } } };
    expect(() => settingsWith(raw)).toThrow(SettingsError);
    expect(() => settingsWith(raw)).toThrow(
      /event-pipeline:keda\.preprocess\.maxReplicaCount: 100 job pods request 100 vCPU .*karpenter\.jobCpuLimit.*64 vCPU/,
    );
    // Raising the pool's limit, or a fixed node group without Karpenter, accepts it.
    expect(() => settingsWith({ ...raw, karpenter: { jobCpuLimit: 128 } })).not.toThrow();
    expect(() => settingsWith({ ...raw, nodeAutoscaling: "none" })).not.toThrow();
  });

  it("more consumers than the general pool may buy is refused, naming the key", () => {
    expect(() =>
      settingsWith({ keda: { consumer: { maxReplicas: 100 } }, karpenter: { generalCpuLimit: 8 } }),
    ).toThrow(
      /event-pipeline:keda\.consumer\.maxReplicas: 100 consumers and 1 producer\(s\) request 25\.1 vCPU/,
    );
  });
});
