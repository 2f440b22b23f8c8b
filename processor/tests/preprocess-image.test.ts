/**
 * Rules for the processor image (processor/Dockerfile), checked on the file itself. The real build
 * and runs are CI's own stage (`npm run image:test`, scripts/image), too slow for this suite.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROCESSOR_NODE_FLAGS } from "../src/contract/heap";
import { PROCESSOR_GLIBC_TUNABLES, PROCESSOR_NODE_OPTIONS } from "../src/preprocess/runtime";

const dockerfile = readFileSync(join(__dirname, "..", "Dockerfile"), "utf8");
const instructions = dockerfile
  .replace(/\\\n/g, " ")
  .split("\n")
  .filter((l) => l.trim() !== "" && !l.trim().startsWith("#"));
const from = instructions.filter((l) => /^FROM /i.test(l));

describe("processor image", () => {
  test("the base image is official Node 24, pinned by exact version and digest", () => {
    const arg = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1] ?? "";
    expect(arg).toMatch(/^node:24\.\d+\.\d+-bookworm-slim@sha256:[0-9a-f]{64}$/);
    expect(from.length).toBeGreaterThanOrEqual(2);
    for (const line of from) expect(line).toMatch(/^FROM \$\{NODE_IMAGE\} AS \w+$/);
  });

  test("the runtime installs production dependencies only, with npm ci", () => {
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    // The one `npm install` is npm itself, at the pinned version that can read our lockfile.
    const installs = instructions.filter((l) => /npm install/.test(l));
    for (const line of installs) {
      expect(line).toMatch(
        /^RUN npm install --global --no-audit --no-fund "npm@\$\{NPM_VERSION\}"$/,
      );
    }
    if (installs.length > 0) expect(dockerfile).toMatch(/^ARG NPM_VERSION=\d+\.\d+\.\d+$/m);
  });

  test("the container runs as a numeric non-root user", () => {
    const users = instructions.filter((l) => /^USER /.test(l));
    expect(users.at(-1)).toMatch(/^USER [1-9]\d*:[1-9]\d*$/);
  });

  test("the runtime runs compiled JavaScript, not TypeScript", () => {
    expect(dockerfile).toMatch(/COPY --from=build \/src\/processor\/dist processor\/dist/);
    const entry = ["node", ...PROCESSOR_NODE_FLAGS, "/app/processor/bin/processor.js"];
    expect(instructions).toContain(`ENTRYPOINT ${JSON.stringify(entry).replaceAll(",", ", ")}`);
    expect(dockerfile).not.toMatch(/tsx/);
  });

  test("the image's Node flags are the ones the benchmark measures", () => {
    expect(dockerfile).toContain(`NODE_OPTIONS="${PROCESSOR_NODE_OPTIONS}"`);
    // The compile cache is filled by a run with the entry point's own flags.
    const warm = instructions.find((l) => l.includes("preprocess-file /tmp/warm.csv"));
    expect(warm).toContain(`node ${PROCESSOR_NODE_FLAGS.join(" ")} processor/bin/processor.js`);
  });

  test("the image's malloc tunables are the ones the benchmark measures", () => {
    expect(dockerfile).toContain(`    GLIBC_TUNABLES=${PROCESSOR_GLIBC_TUNABLES} \\\n`);
  });

  test("the build context is the repository root and sends only what the image needs", () => {
    const ignore = readFileSync(join(__dirname, "..", "..", ".dockerignore"), "utf8");
    expect(ignore.split("\n")).toContain("**");
    expect(ignore).toContain("!package-lock.json");
    expect(ignore).toContain("!processor/src/**");
    expect(ignore).not.toContain("!node_modules");
  });
});
