/**
 * `npm run image:test [-- --dockerfile PATH] [--stack NAME] [--storage overlay|vfs] [--no-cache]`:
 * builds processor/Dockerfile for real (buildah, chroot isolation, on a locally assembled stand-in
 * for the pinned base), runs the image's commands as the cluster runs them against the fauxqs
 * emulator, prints the figures, and exits non-zero when the build or any command fails. Needs root,
 * buildah, podman, runc and debootstrap (scripts/image/install.sh); see README "The image test".
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { DOCKERFILE } from "../../infra/image";
import { loadStack } from "../../local/stack";
import { importStandIn, standIn } from "./assemble";
import { buildArgs, imageFigures, podmanOptions, type Store } from "./containers";
import { exec, say } from "./exec";
import { runScenario } from "./scenario";
import { pinnedBase } from "./standin";
import { closeStore, dropReplaced, imageId, openStore } from "./store";

/** The local name of the image under test. */
export const TEST_IMAGE = "localhost/pipeline-processor:image-test";

const ROOT = resolve(__dirname, "..", "..");

/** Seconds since `started` (a `performance.now()`), for the figures line. */
const since = (started: number) => `${((performance.now() - started) / 1000).toFixed(0)} s`;

function options() {
  const { values } = parseArgs({
    options: {
      dockerfile: { type: "string" },
      stack: { type: "string", default: "dev" },
      storage: { type: "string" },
      "no-cache": { type: "boolean", default: false },
    },
  });
  const storage = values.storage;
  if (storage !== undefined && storage !== "overlay" && storage !== "vfs") {
    throw new Error(`--storage must be overlay or vfs, not ${storage}`);
  }
  return { ...values, storage: storage as Store["driver"] | undefined };
}

async function main(): Promise<number> {
  const values = options();
  const stack = loadStack(values.stack, ROOT);
  const platform = stack.settings.image.platform;
  if (platform !== "linux/amd64" || process.arch !== "x64") {
    throw new Error(`the image test builds linux/amd64 on an x64 host (stack wants ${platform})`);
  }
  const dockerfile = resolve(values.dockerfile ?? join(ROOT, ...DOCKERFILE));
  const base = pinnedBase(readFileSync(dockerfile, "utf8"));
  const store = await openStore(values.storage);
  say(`store: ${store.driver} in ${store.root}${store.persistent ? " (kept, layers cached)" : ""}`);
  try {
    const started = performance.now();
    const s = await standIn(base);
    say(
      `stand-in for ${base.ref}: Debian ${base.suite} minbase, node ${s.nodeVersion}, ` +
        `npm ${s.npmVersion} (${s.cached ? "cached" : "assembled"} in ${s.tarball})`,
    );
    if ((await imageId(store, s.image)) === undefined) await importStandIn(store, s, platform);
    const baseTime = since(started);

    const buildStarted = performance.now();
    const previous = await imageId(store, TEST_IMAGE);
    const build = await exec(
      "buildah",
      buildArgs(store, {
        // The repository root, as infra/image.ts builds (the lockfile and the workspace are there).
        context: ROOT,
        dockerfile,
        platform,
        baseImage: s.image,
        tag: TEST_IMAGE,
        noCache: values["no-cache"],
      }),
      { echo: "stamped", allowFailure: true },
    );
    const buildTime = since(buildStarted);
    if (build.code !== 0) {
      say(`FAILED: the build of ${dockerfile} exited with ${build.code}`, process.stderr);
      return 1;
    }
    await dropReplaced(store, previous, await imageId(store, TEST_IMAGE));
    const inspect = await exec("podman", [...podmanOptions(store), "image", "inspect", TEST_IMAGE]);
    const figures = imageFigures(inspect.stdout);

    const runsStarted = performance.now();
    const result = await runScenario({ store, image: TEST_IMAGE, stack });
    const runsTime = since(runsStarted);
    say("results");
    for (const v of result.verdicts) say(`  ${v.ok ? "ok  " : "FAIL"} ${v.command}: ${v.detail}`);
    say(
      `image ${(figures.sizeBytes / 1e6).toFixed(1)} MB, ${figures.layers} layers; ` +
        `base ${baseTime}, build ${buildTime}, runs ${runsTime}, total ${since(started)}; ` +
        `preprocess: podman run → first log line ` +
        `${((result.preprocessFirstLogMs ?? NaN) / 1000).toFixed(2)} s`,
    );
    const failed = result.verdicts.filter((v) => !v.ok).length;
    say(`${result.verdicts.length - failed} passed, ${failed} failed`);
    return failed === 0 ? 0 : 1;
  } finally {
    await closeStore(store);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    say(`FAILED: ${err instanceof Error ? err.message : String(err)}`, process.stderr);
    process.exit(1);
  },
);
