/**
 * Local mode records every AWS call of its workloads (`npm start -- --record-calls FILE`): the
 * processor's children (each signing with its workload's access key, through the recording proxy),
 * the local KEDA operator's scaler, and the state machine's integration handlers. Every call a run
 * of the orchestrated stack makes must be in the committed recordings (proof/calls/recorded.json
 * and recorded-local.json), which `npm run proof` decides against every stack's policies: code
 * that starts making a new call fails here until the recording — and the proof — include it.
 * After a deliberate change: `UPDATE_CALLS=1 npx jest tests/local-recorded-calls.test.ts` adds
 * this run's new calls to recorded-local.json.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { requestId } from "../proof/calls/iam-requests";
import {
  readProcessorRecorded,
  readRecorded,
  RECORDED_LOCAL_FILE,
  unionOf,
  type RecordedSet,
} from "../proof/calls/recorded";
import { WORKLOADS } from "../proof/iam/calls";
import { writeRecordedSet } from "../local/record-calls";
import { exitOf, localRunSuite, ROOT } from "./support/local-run";

const { work, runs } = localRunSuite("local-recorded-calls-");

/** `label: request` of every request of `set` that `committed` lacks. */
function missingFrom(set: RecordedSet, committed: RecordedSet): string[] {
  return Object.entries(set).flatMap(([label, requests]) => {
    const known = new Set((committed[label] ?? []).map(requestId));
    return requests
      .map(requestId)
      .filter((id) => !known.has(id))
      .map((id) => `${label}: ${id}`);
  });
}

/** The set without what the processor's recording already has. */
function beyond(set: RecordedSet, base: RecordedSet): RecordedSet {
  return Object.fromEntries(
    Object.entries(set)
      .map(([label, requests]) => {
        const known = new Set((base[label] ?? []).map(requestId));
        return [label, requests.filter((r) => !known.has(requestId(r)))] as const;
      })
      .filter(([, requests]) => requests.length > 0),
  );
}

it("makes only calls the committed recordings have, every workload signing as itself", async () => {
  const file = path.join(work, "calls.json");
  const run = runs.start([
    ...["--stack", "orchestrated", "--files", "2", "--max-rows", "300"],
    ...["--events", "100", "--rate", "400", "--time-scale", "0.05", "--plain"],
    ...["--log-dir", path.join(work, "logs"), "--record-calls", file],
  ]);
  const exit = await exitOf(run.proc);
  if (exit.code !== 0) {
    throw new Error(`local mode exited ${exit.code ?? exit.signal}:\n${run.output()}`);
  }
  const recorded = JSON.parse(readFileSync(file, "utf8")) as RecordedSet;
  // Every call was made by one of the proof's workloads (nothing unsigned or signed as another).
  expect(Object.keys(recorded).sort()).toEqual(WORKLOADS.map((w) => w.label).sort());
  for (const requests of Object.values(recorded)) expect(requests.length).toBeGreaterThan(0);

  if (process.env.UPDATE_CALLS === "1") {
    const local = path.join(ROOT, RECORDED_LOCAL_FILE);
    const previous = readRecorded();
    writeRecordedSet(local, beyond(unionOf(previous, recorded), readProcessorRecorded()));
  }
  expect(missingFrom(recorded, readRecorded())).toEqual([]);
}, 240_000);
