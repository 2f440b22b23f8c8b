/**
 * Each workload's V8 heap follows its own container's memory limit (issue: one image-wide
 * `--max-old-space-size` sized the consumer like a job). The flags are checked where they act: a
 * real Node process started with each container's `NODE_OPTIONS` reports its heap limit, which
 * must leave the measured native baseline inside the container's limit.
 */
import { execFileSync } from "node:child_process";
import {
  heapSizeLimitMiB,
  NATIVE_BASELINE_MIB,
  oldSpaceMiB,
  PREPROCESS_MEASURED_OLD_SPACE_MIB,
} from "@pipeline/processor/contract";
import { memoryMiB, parseSettings, settingsInputFromConfig, type Settings } from "../config";
import { buildJobManifest, workloadManifestList } from "../k8s/specs";
import { stackConfig, stackNames } from "../harness/program";
import { DIGEST, inputsFor } from "./support/k8s-fixtures";
import { containersOf } from "./support/k8s-rules";
import { heldBytesBound, resolveTuning } from "../processor/src/events/consumer-options";

interface SizedContainer {
  readonly name: string;
  readonly memoryLimitMiB: number;
  readonly nodeOptions: string | undefined;
}

const settingsOf = (stack: string): Settings =>
  parseSettings(settingsInputFromConfig(stackConfig(stack)));

type Container = ReturnType<typeof containersOf>[number]["container"];

function sized(container: Container): SizedContainer {
  const env = (container.env ?? []) as { name: string; value?: string }[];
  const resources = container.resources as { limits?: { memory?: string } } | undefined;
  return {
    name: String(container.name),
    memoryLimitMiB: memoryMiB(String(resources?.limits?.memory)),
    nodeOptions: env.find((e) => e.name === "NODE_OPTIONS")?.value,
  };
}

/** `heap_size_limit` in MiB of a real Node process started with `nodeOptions`. */
function realHeapLimitMiB(nodeOptions: string): number {
  const out = execFileSync(
    process.execPath,
    ["-e", "process.stdout.write(String(require('v8').getHeapStatistics().heap_size_limit))"],
    { env: { ...process.env, NODE_OPTIONS: nodeOptions }, encoding: "utf8" },
  );
  return Number(out) / 2 ** 20;
}

const oldSpaceOf = (nodeOptions: string) =>
  Number(/--max-old-space-size=(\d+)/.exec(nodeOptions)?.[1]);

describe.each(stackNames())("workload heaps on the %s stack", (stack) => {
  const settings = settingsOf(stack);
  const containers = workloadManifestList(settings, inputsFor(stack))
    .flatMap((o) => containersOf(o))
    .map((c) => sized(c.container));
  const byName = (name: string) => {
    const found = containers.find((c) => c.name === name);
    if (!found) throw new Error(`no ${name} container in the ${stack} specs`);
    return found;
  };

  it("every processor container sets NODE_OPTIONS, so the image-wide default never applies", () => {
    expect(containers.length).toBeGreaterThanOrEqual(3);
    for (const c of containers) expect(c.nodeOptions).toMatch(/--max-old-space-size=\d+/);
  });

  it("a real Node process with each container's flags keeps heap plus native baseline inside the limit", () => {
    for (const c of containers) {
      const heap = realHeapLimitMiB(c.nodeOptions ?? "");
      expect(heap).toBe(heapSizeLimitMiB(oldSpaceOf(c.nodeOptions ?? "")));
      expect(heap + NATIVE_BASELINE_MIB).toBeLessThan(c.memoryLimitMiB);
    }
  });

  it("the consumer's and the producer's old space is what their own limits leave", () => {
    for (const name of ["consumer", "producer"]) {
      const c = byName(name);
      expect(oldSpaceOf(c.nodeOptions ?? "")).toBe(oldSpaceMiB(c.memoryLimitMiB));
    }
    // Different limits, different heaps: one flag for all was the defect.
    expect(byName("consumer").nodeOptions).not.toBe(byName("producer").nodeOptions);
  });

  it("the consumer's byte bound on held records grows with its heap beyond the image default's", () => {
    const consumerHeap = realHeapLimitMiB(byName("consumer").nodeOptions ?? "") * 2 ** 20;
    const imageHeap = heapSizeLimitMiB(PREPROCESS_MEASURED_OLD_SPACE_MIB) * 2 ** 20;
    const tuning = resolveTuning({});
    expect(heldBytesBound(tuning, consumerHeap)).toBeGreaterThan(heldBytesBound(tuning, imageHeap));
  });

  it("a preprocess job keeps the old space its measured peaks rest on", () => {
    expect(oldSpaceOf(byName("preprocess").nodeOptions ?? "")).toBe(
      PREPROCESS_MEASURED_OLD_SPACE_MIB,
    );
  });
});

describe("the workflow's job", () => {
  it("runs with the same heap flags as the KEDA path's jobs", () => {
    const settings = settingsOf("orchestrated");
    const keda = workloadManifestList(settings, inputsFor("orchestrated"))
      .flatMap((o) => containersOf(o))
      .map((c) => sized(c.container))
      .find((c) => c.name === "preprocess");
    const job = buildJobManifest({
      image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/p@${DIGEST}`,
      namespace: "workloads",
      prefix: "batch/",
      outputBucket: "b",
      region: "eu-west-1",
      activeDeadlineSeconds: 600,
      maxInputMiB: settings.workloads.preprocessMaxInputMiB,
    });
    const [container] = containersOf(job as Parameters<typeof containersOf>[0]).map((c) =>
      sized(c.container),
    );
    expect(container?.nodeOptions).toBeDefined();
    expect(container?.nodeOptions).toBe(keda?.nodeOptions);
  });
});

describe("oldSpaceMiB", () => {
  it("refuses a limit that leaves less than the minimum old space, saying to raise it", () => {
    expect(() => oldSpaceMiB(128)).toThrow(/raise the limit/);
  });

  it("leaves the native baseline and 15 % of the rest outside the heap (512 Mi: 305, 256 Mi: 88)", () => {
    // (512 - 96) x 0.85 - 3 x 16 = 305.6; (256 - 96) x 0.85 - 48 = 88.
    expect(oldSpaceMiB(512)).toBe(305);
    expect(oldSpaceMiB(256)).toBe(88);
  });
});
