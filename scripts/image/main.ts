/**
 * `npm run image:test [-- --dockerfile PATH] [--stack NAME] [--keep]`: builds processor/Dockerfile
 * for real (buildah, chroot isolation, vfs store, on a locally assembled stand-in for the pinned
 * base), runs the image's commands as the cluster runs them against the fauxqs emulator, prints the
 * figures, and exits non-zero when the build or any command fails. Needs root, buildah, podman,
 * runc and debootstrap (scripts/image/install.sh); see README "The image test".
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { DOCKERFILE } from "../../infra/image";
import { loadStack } from "../../local/stack";
import { importStandIn, standIn } from "./assemble";
import { buildArgs, imageFigures, podmanOptions, storageOptions } from "./containers";
import { exec, say } from "./exec";
import { runScenario } from "./scenario";
import { pinnedBase } from "./standin";

/** The local name of the image under test. */
export const TEST_IMAGE = "localhost/pipeline-processor:image-test";

const ROOT = resolve(__dirname, "..", "..");

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      dockerfile: { type: "string" },
      stack: { type: "string", default: "dev" },
      keep: { type: "boolean", default: false },
    },
  });
  const stack = loadStack(values.stack, ROOT);
  const platform = stack.settings.image.platform;
  if (platform !== "linux/amd64" || process.arch !== "x64") {
    throw new Error(`the image test builds linux/amd64 on an x64 host (stack wants ${platform})`);
  }
  const dockerfile = resolve(values.dockerfile ?? join(ROOT, ...DOCKERFILE));
  const base = pinnedBase(readFileSync(dockerfile, "utf8"));
  const store = mkdtempSync("/var/tmp/pipeline-image-test-");
  try {
    const started = performance.now();
    const s = await standIn(base);
    say(
      `stand-in for ${base.ref}: Debian ${base.suite} minbase, node ${s.nodeVersion}, ` +
        `npm ${s.npmVersion} (${s.cached ? "cached" : "assembled"} in ${s.tarball})`,
    );
    await importStandIn(store, s, platform);
    const baseSeconds = (performance.now() - started) / 1000;

    const buildStarted = performance.now();
    const build = await exec(
      "buildah",
      buildArgs(store, {
        // The repository root, as infra/image.ts builds (the lockfile and the workspace are there).
        context: ROOT,
        dockerfile,
        platform,
        baseImage: s.image,
        tag: TEST_IMAGE,
      }),
      { echo: true, allowFailure: true },
    );
    const buildSeconds = (performance.now() - buildStarted) / 1000;
    if (build.code !== 0) {
      say(`FAILED: the build of ${dockerfile} exited with ${build.code}`, process.stderr);
      return 1;
    }
    const inspect = await exec("podman", [...podmanOptions(store), "image", "inspect", TEST_IMAGE]);
    const figures = imageFigures(inspect.stdout);

    const result = await runScenario({ store, image: TEST_IMAGE, stack });
    say("results");
    for (const v of result.verdicts) say(`  ${v.ok ? "ok  " : "FAIL"} ${v.command}: ${v.detail}`);
    say(
      `image ${(figures.sizeBytes / 1e6).toFixed(1)} MB, ${figures.layers} layers; ` +
        `base ${baseSeconds.toFixed(0)} s, build ${buildSeconds.toFixed(0)} s; preprocess: ` +
        `podman run → first log line ${((result.preprocessFirstLogMs ?? NaN) / 1000).toFixed(2)} s`,
    );
    const failed = result.verdicts.filter((v) => !v.ok).length;
    say(`${result.verdicts.length - failed} passed, ${failed} failed`);
    return failed === 0 ? 0 : 1;
  } finally {
    if (values.keep) say(`store kept in ${store}`);
    else await removeStore(store);
  }
}

/** Unmounts and deletes the test's private image store. */
async function removeStore(store: string): Promise<void> {
  await exec("podman", [...podmanOptions(store), "image", "unmount", "--all"], {
    allowFailure: true,
  });
  await exec("buildah", [...storageOptions(store), "rm", "--all"], { allowFailure: true });
  rmSync(store, { recursive: true, force: true });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    say(`FAILED: ${err instanceof Error ? err.message : String(err)}`, process.stderr);
    process.exit(1);
  },
);
