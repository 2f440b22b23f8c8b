/**
 * Child processes of local mode with a stand-in for the processor CLI: every line a pod writes is
 * seen before its exit is reported, a stopped pod gets SIGTERM, then SIGKILL after the grace, and
 * a pod's Node runs with the image entry point's flags.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { PROCESSOR_NODE_FLAGS } from "@pipeline/processor/contract";
import { spawnProcessor, type Launcher } from "../local/processes";

const work = mkdtempSync(path.join(tmpdir(), "local-processes-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A launcher whose "processor" is `script`; records the JSON lines the pods log. */
function launcher(script: string): { launcher: Launcher; records: Record<string, unknown>[] } {
  const bin = path.join(work, `${Math.random().toString(36).slice(2)}.js`);
  writeFileSync(bin, script);
  const records: Record<string, unknown>[] = [];
  const log = new PassThrough();
  log.resume();
  return {
    records,
    launcher: {
      node: process.execPath,
      processorBin: bin,
      env: {},
      log,
      onLog: (_child, record) => records.push(record),
    },
  };
}

describe("a pod", () => {
  it("has every line it wrote read when its exit resolves (the final summary line included)", async () => {
    // Much more than a pipe holds, then the summary line local mode reads, then exit at once.
    const { launcher: l, records } = launcher(
      `const line = JSON.stringify({ msg: "filler", pad: "x".repeat(1000) }) + "\\n";
       process.stdout.write(line.repeat(2000));
       process.stdout.write(JSON.stringify({ msg: "producer stopped", sent: 7 }) + "\\n");`,
    );
    const pod = spawnProcessor(l, "producer-1", "produce", {});
    const exit = await pod.exit;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(records).toHaveLength(2001);
    expect(records.at(-1)).toEqual({ msg: "producer stopped", sent: 7 });
  });

  it("runs Node with the flags of the image's entry point, before the CLI and its arguments", async () => {
    const { launcher: l, records } = launcher(
      `console.log(JSON.stringify({ msg: "argv", execArgv: process.execArgv, args: process.argv.slice(2) }));`,
    );
    const pod = spawnProcessor(l, "preprocess-1", "preprocess-file", {}, ["in.csv", "out"]);
    expect(await pod.exit).toEqual({ code: 0, signal: null });
    expect(records).toEqual([
      {
        msg: "argv",
        execArgv: [...PROCESSOR_NODE_FLAGS],
        args: ["preprocess-file", "in.csv", "out"],
      },
    ]);
  });

  it("that ignores SIGTERM is killed after the grace period", async () => {
    const { launcher: l } = launcher(
      `process.on("SIGTERM", () => console.log(JSON.stringify({ msg: "ignoring SIGTERM" })));
       console.log(JSON.stringify({ msg: "ready" }));
       setInterval(() => {}, 1000);`,
    );
    const pod = spawnProcessor(l, "consumer-1", "consume", {});
    while (!pod.booted) await new Promise((r) => setTimeout(r, 10));
    const exit = await pod.stop(200);
    expect(exit).toEqual({ code: null, signal: "SIGKILL" });
    expect(pod.stopping).toBe(true);
  });
});
