/**
 * The preprocess commands set their V8 flags (src/preprocess/v8-flags.ts) before any of their own
 * modules load, in a real process through the CLI: V8 reads the flag when it creates a function,
 * so a flag set after the pipeline's modules loaded would miss the code it is for.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { PREPROCESS_V8_FLAGS } from "../src/preprocess/v8-flags";

const SRC = join(__dirname, "..", "src");

/** Runs `processor <argv>` and reports each V8 flag set and each processor module loaded, in order. */
function eventsOf(argv: readonly string[]): string[] {
  const code = `const v8 = require("node:v8");
const Module = require("node:module");
const events = [];
const setFlags = v8.setFlagsFromString;
v8.setFlagsFromString = (flag) => { events.push("flag " + flag); return setFlags(flag); };
const load = Module._load;
Module._load = function (request, parent, isMain) {
  const resolved = Module._resolveFilename(request, parent, isMain);
  if (resolved.startsWith(${JSON.stringify(SRC)}) && !events.includes("load " + resolved)) events.push("load " + resolved);
  return load.apply(this, arguments);
};
process.stdout.write = () => true;
process.stderr.write = () => true;
require(${JSON.stringify(join(SRC, "cli.ts"))}).main(${JSON.stringify(argv)}).then(() => {
  require("node:fs").writeSync(3, JSON.stringify(events));
});`;
  const run = spawnSync(process.execPath, ["--import", "tsx", "-e", code], {
    encoding: "utf8",
    stdio: ["ignore", "ignore", "pipe", "pipe"],
    env: { ...process.env, PREPROCESS_QUEUE_URL: "", OUTPUT_BUCKET: "", EVENTS_QUEUE_URL: "" },
    timeout: 30_000,
  });
  if (run.error) throw run.error;
  const out = run.output[3];
  if (!out) throw new Error(`no events reported: ${run.stderr}`);
  return JSON.parse(String(out)) as string[];
}

test.each([["preprocess-file"], ["preprocess-object"], ["preprocess"]])(
  "processor %s sets the preprocess V8 flags before its command module loads",
  (command) => {
    const events = eventsOf([command, "--not-an-argument"]);
    const flags = events.filter((e) => e.startsWith("flag "));
    expect(flags).toEqual(PREPROCESS_V8_FLAGS.map((f) => `flag ${f}`));
    const commandModule = events.findIndex(
      (e) => e.startsWith(`load ${join(SRC, "preprocess")}`) && !e.includes("v8-flags"),
    );
    expect(commandModule).toBeGreaterThan(-1);
    expect(commandModule).toBeGreaterThan(events.indexOf(flags[flags.length - 1] as string));
  },
);

test("the event commands leave V8's flags alone", () => {
  const events = eventsOf(["produce", "--not-an-argument"]);
  expect(events.some((e) => e.startsWith("load "))).toBe(true);
  expect(events.filter((e) => e.startsWith("flag "))).toEqual([]);
});
