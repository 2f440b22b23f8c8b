/**
 * The image test's pure parts (scripts/image): the stand-in it derives from the Dockerfile, the
 * buildah and podman command lines it derives from infra/image.ts and the k8s specs, and its
 * verdicts. The build and the runs themselves are CI's `npm run image:test` stage.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DOCKERFILE } from "../infra/image";
import type { StoredEvents } from "../local/event-tally";
import { localWorkloadInputs } from "../local/specs";
import { loadStack } from "../local/stack";
import { PROCESSOR_UID } from "../k8s/specs/common";
import { preprocessEnv } from "../k8s/specs/env";
import {
  consumeVerdict,
  fileVerdict,
  helpVerdict,
  outputsVerdict,
  produceVerdict,
} from "../scripts/image/checks";
import {
  buildArgs,
  imageConfig,
  imageFigures,
  processLimits,
  quantityBytes,
  runArgs,
  type PodSpecParts,
  type Store,
} from "../scripts/image/containers";
import { exec, stampLines } from "../scripts/image/exec";
import { processorPods, withEnv } from "../scripts/image/pods";
import {
  bundledNpmVersion,
  debianMirror,
  pinnedBase,
  standInImage,
  standInKey,
} from "../scripts/image/standin";

const root = join(__dirname, "..");
const dockerfile = readFileSync(join(root, ...DOCKERFILE), "utf8");
const stack = loadStack("dev", root);
const resources = {
  rawBucket: "raw",
  processedBucket: "processed",
  eventsBucket: "events",
  preprocessQueueUrl: "http://127.0.0.1:1/000000000000/pre",
  preprocessDlqUrl: "http://127.0.0.1:1/000000000000/pre-dlq",
  eventsQueueUrl: "http://127.0.0.1:1/000000000000/ev",
  eventsDlqUrl: "http://127.0.0.1:1/000000000000/ev-dlq",
};
const inputs = localWorkloadInputs(stack.settings, resources);
const pods = processorPods(stack.settings, inputs);
const image = imageConfig(
  JSON.stringify([
    {
      Config: {
        Entrypoint: ["node", "/app/processor/bin/processor.js"],
        Env: ["PATH=/usr/local/bin:/usr/bin", "NODE_ENV=production"],
        WorkingDir: "/app",
        User: "10001:10001",
      },
    },
  ]),
);
const store: Store = { root: "/store", driver: "overlay", persistent: true };
const run = (pod: PodSpecParts, args?: string[]) =>
  runArgs(store, pod, {
    target: { rootfs: "/store/rootfs" },
    image,
    env: { AWS_ENDPOINT_URL: "http://127.0.0.1:4566", AWS_REGION: "eu-west-1" },
    args,
    ulimits: ["nofile=20000:20000", "nproc=900:1000"],
  });
const flag = (argv: string[], name: string) => argv.filter((_, i) => argv[i - 1] === name);

describe("the stand-in base", () => {
  test("is derived from the Dockerfile's pinned base: same Node version and Debian suite", () => {
    const base = pinnedBase(dockerfile);
    expect(base.ref).toMatch(/^node:24\.\d+\.\d+-bookworm-slim@sha256:[0-9a-f]{64}$/);
    expect(base.ref.startsWith(`node:${base.nodeVersion}-${base.suite}-slim@`)).toBe(true);
  });

  test("a base without a digest is refused", () => {
    expect(() => pinnedBase("ARG NODE_IMAGE=node:24.11.1-bookworm-slim\n")).toThrow(/sha256/);
  });

  test("takes npm's version from the newest npm entry of Node's CHANGELOG", () => {
    const changelog = [
      "## 2025-11-11, Version 24.11.1",
      "* [`a`] - **deps**: upgrade npm to 11.6.2 (npm team)",
      "## 2025-10-08, Version 24.10.0",
      "* [`b`] - **deps**: upgrade npm to 11.6.1 (npm team)",
    ].join("\n");
    expect(bundledNpmVersion(changelog)).toBe("11.6.2");
    expect(() => bundledNpmVersion("no npm here")).toThrow();
  });

  test("debootstraps from the Debian archive apt uses (deb822 or one-line), not security", () => {
    const deb822 = [
      "Types: deb\nURIs: http://mirror.example/debian-security\nSuites: bookworm-security\n",
      "Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\n",
    ].join("\n");
    expect(debianMirror([deb822], "bookworm")).toBe("http://mirror.example/debian");
    const oneLine = "deb [arch=amd64] http://other.example/debian bookworm main\n";
    expect(debianMirror(["", oneLine], "bookworm")).toBe("http://other.example/debian");
    expect(() => debianMirror([oneLine], "trixie")).toThrow(/trixie/);
  });

  test("its cache key and local name change with every version it is made of", () => {
    const a = standInKey({ suite: "bookworm", nodeVersion: "24.11.1" });
    expect(standInKey({ suite: "bookworm", nodeVersion: "24.12.0" })).not.toBe(a);
    expect(
      standInKey({ suite: "bookworm", nodeVersion: "24.11.1", caSha256: "ab".repeat(32) }),
    ).not.toBe(a);
    expect(standInImage(a)).toMatch(/^localhost\//);
  });
});

describe("the build", () => {
  const input = {
    context: root,
    dockerfile: join(root, ...DOCKERFILE),
    platform: stack.settings.image.platform,
    baseImage: "localhost/pipeline-node-standin:x",
    tag: "localhost/t:x",
  };
  const argv = buildArgs(store, input);

  test("builds infra/image.ts's Dockerfile, context and platform, the base only via NODE_IMAGE", () => {
    expect(flag(argv, "--file")).toEqual([join(root, "processor", "Dockerfile")]);
    expect(argv.at(-1)).toBe(root);
    expect(flag(argv, "--platform")).toEqual(["linux/amd64"]);
    expect(flag(argv, "--build-arg")).toEqual(["NODE_IMAGE=localhost/pipeline-node-standin:x"]);
  });

  test("never pulls and isolates with chroot", () => {
    expect(argv).toContain("--pull=never");
    expect(flag(argv, "--isolation")).toEqual(["chroot"]);
  });

  test("caches layers only in a persistent overlay store; --no-cache rebuilds every step", () => {
    expect(flag(argv, "--storage-driver")).toEqual(["overlay"]);
    expect(argv).toContain("--layers=true");
    expect(argv).not.toContain("--no-cache");
    const once = buildArgs({ root: "/tmp/s", driver: "vfs", persistent: false }, input);
    expect(flag(once, "--storage-driver")).toEqual(["vfs"]);
    expect(once).toContain("--layers=false");
    expect(buildArgs(store, { ...input, noCache: true })).toContain("--no-cache");
  });
});

describe("the runs", () => {
  test("run each pod as its spec says: non-root, read-only root, no capabilities", () => {
    for (const pod of Object.values(pods)) {
      const argv = run(pod);
      expect(flag(argv, "--user")).toEqual([`${PROCESSOR_UID}:${PROCESSOR_UID}`]);
      expect(argv).toContain("--read-only");
      expect(argv).toContain("--read-only-tmpfs=false");
      expect(flag(argv, "--cap-drop")).toEqual(["ALL"]);
      expect(flag(argv, "--security-opt")).toEqual(["no-new-privileges"]);
      expect(flag(argv, "--network")).toEqual(["host"]);
    }
  });

  test("the only writable path is the spec's size-limited /tmp; memory is the spec's limit", () => {
    const argv = run(pods.preprocess);
    const tmp = pods.preprocess.volumes[0]?.emptyDir?.sizeLimit;
    expect(flag(argv, "--tmpfs")).toEqual([`/tmp:rw,size=${quantityBytes(String(tmp))},mode=1777`]);
    const limit = String(pods.preprocess.container.resources?.limits?.memory);
    expect(flag(argv, "--memory")).toEqual([String(quantityBytes(limit))]);
    expect(flag(argv, "--volume")).toEqual([]);
  });

  test("the environment is the spec builders', with the emulator's variables on top", () => {
    const env = flag(run(pods.preprocess), "--env");
    for (const [k, v] of Object.entries(preprocessEnv(stack.settings, inputs))) {
      expect(env).toContain(`${k}=${v}`);
    }
    expect(env).toContain("AWS_ENDPOINT_URL=http://127.0.0.1:4566");
    expect(env.indexOf("NODE_ENV=production")).toBeLessThan(env.indexOf("LOG_LEVEL=info"));
  });

  test("the command is the image's ENTRYPOINT on its root filesystem, then the pod's args", () => {
    const argv = run(withEnv(pods.consumer, { RECEIVE_WAIT_SECONDS: "1" }), ["consume", "-x"]);
    expect(argv.slice(argv.indexOf("--rootfs"))).toEqual([
      "--rootfs",
      "/store/rootfs",
      "node",
      "/app/processor/bin/processor.js",
      "consume",
      "-x",
    ]);
    expect(run(pods.preprocess).at(-1)).toBe("preprocess");
    const byName = runArgs(store, pods.preprocess, {
      target: { image: "localhost/p:t" },
      image,
      env: {},
      args: ["--help"],
      ulimits: [],
    });
    expect(byName.slice(-2)).toEqual(["localhost/p:t", "--help"]);
    expect(byName).not.toContain("--rootfs");
  });

  test("a pod that would run as root or mount a host path is refused", () => {
    const asRoot: PodSpecParts = {
      ...pods.producer,
      container: { ...pods.producer.container, securityContext: { runAsUser: 0 } },
    };
    expect(() => run(asRoot)).toThrow(/non-root/);
    expect(() =>
      run({ ...pods.producer, volumes: [{ name: "tmp", hostPath: { path: "/" } }] }),
    ).toThrow(/emptyDir/);
  });

  test("reads quantities, process limits and image figures as the tools print them", () => {
    expect(quantityBytes("2Gi")).toBe(2 ** 31);
    expect(quantityBytes("64M")).toBe(64e6);
    expect(() => quantityBytes("2 GB")).toThrow();
    const limits = [
      "Max processes             96363                96363                processes",
      "Max open files            20000                30000                files",
    ].join("\n");
    expect(processLimits(limits)).toEqual(["nofile=20000:30000", "nproc=16384:16384"]);
    expect(processLimits(limits.replace(/96363/g, "1000"))).toContain("nproc=1000:1000");
    expect(imageFigures('[{"Size": 5, "RootFS": {"Layers": ["a", "b"]}}]')).toEqual({
      sizeBytes: 5,
      layers: 2,
    });
  });
});

describe("the verdicts", () => {
  const outputs = [
    "cleaned_data.csv",
    "transformed_data.csv",
    "department_statistics.csv",
    "quality_metrics.json",
  ].map((f) => `output/a/${f}`);
  const stored = (ids: string[], quarantined: string[] = []): StoredEvents => ({
    storedIds: ids,
    quarantinedIds: quarantined,
    quarantinedWithoutId: 0,
    byType: {},
    objects: 1,
  });

  test("preprocess passes only with exit 0, all four outputs and its message deleted", () => {
    expect(outputsVerdict("p", 0, outputs, "output/a/", { visible: 0, inFlight: 0 }).ok).toBe(true);
    expect(outputsVerdict("p", 0, outputs.slice(1), "output/a/").ok).toBe(false);
    expect(outputsVerdict("p", 0, outputs, "output/a/", { visible: 0, inFlight: 1 }).ok).toBe(
      false,
    );
    expect(outputsVerdict("p", 1, outputs, "output/a/").ok).toBe(false);
  });

  test("produce and consume pass only when every event is queued, then stored exactly once", () => {
    expect(produceVerdict(0, 3, 3).ok).toBe(true);
    expect(produceVerdict(0, 3, 2).ok).toBe(false);
    expect(consumeVerdict(0, 3, stored(["a", "b"], ["c"]), 0).ok).toBe(true);
    expect(consumeVerdict(0, 3, stored(["a", "a", "b"]), 0).ok).toBe(false);
    expect(consumeVerdict(0, 3, stored(["a", "b"]), 0).ok).toBe(false);
    expect(consumeVerdict(0, 3, stored(["a", "b", "c"]), 1).ok).toBe(false);
  });

  test("preprocess-file and --help pass only on exit 0 with their expected output", () => {
    const line = JSON.stringify({ msg: "preprocessed", total_rows: 7 });
    expect(fileVerdict(0, `noise\n${line}\n`, 7).ok).toBe(true);
    expect(fileVerdict(0, line, 8).ok).toBe(false);
    expect(fileVerdict(2, line, 7).ok).toBe(false);
    expect(helpVerdict(0, "usage: processor <command>\n  preprocess\n", ["preprocess"]).ok).toBe(
      true,
    );
    expect(helpVerdict(0, "usage: processor\n", ["consume"]).ok).toBe(false);
  });
});

describe("the Dockerfile's runtime stage against the lockfile", () => {
  // Found by the real build: npm nests a workspace's dependency under processor/node_modules when
  // the root tree holds another version of it, and the runtime stage had copied only the root
  // node_modules (produce and consume: "Cannot find module 'p-limit'").
  const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as {
    packages: Record<string, { dev?: boolean }>;
  };
  const nestedProduction = Object.entries(lock.packages)
    .filter(([path, entry]) => path.startsWith("processor/node_modules/") && entry.dev !== true)
    .map(([path]) => path);
  const runtime = dockerfile.slice(dockerfile.search(/^FROM .* AS runtime$/m));

  test("copies the processor's own node_modules when the lockfile nests production packages there", () => {
    expect(runtime).toMatch(/^FROM /);
    if (nestedProduction.length > 0) {
      expect(runtime).toMatch(
        /^COPY --from=deps \/app\/processor\/node_modules processor\/node_modules$/m,
      );
    }
  });

  test("the deps stage always makes that folder, so the COPY holds when nothing is nested", () => {
    const deps = dockerfile.slice(
      dockerfile.search(/^FROM .* AS deps$/m),
      dockerfile.search(/^FROM .* AS runtime$/m),
    );
    expect(deps).toMatch(/&& mkdir -p processor\/node_modules/);
  });
});

describe("the build log", () => {
  test("stamps each line once with the seconds since the build started, across chunks", () => {
    expect(stampLines("STEP 1\nSTEP 2\n", true, 3.2)).toBe("[   3 s] STEP 1\n[   3 s] STEP 2\n");
    expect(stampLines("rest of a line\nnext", false, 12)).toBe("rest of a line\n[  12 s] next");
    expect(stampLines("\n\nx", false, 1)).toBe("\n\n[   1 s] x");
  });
});

describe("running the tools", () => {
  test("a tool that exits without reading its input gives its exit code, not a crash (EPIPE)", async () => {
    // 8 MiB cannot fit the pipe's buffer, so the write meets the closed pipe.
    const input = Buffer.alloc(8 * 1024 * 1024, 0x61);
    const result = await exec(process.execPath, ["-e", "process.exit(3)"], {
      input,
      allowFailure: true,
      quietStderr: true,
    });
    expect(result.code).toBe(3);
  });
});
