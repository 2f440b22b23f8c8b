/**
 * The committed recording (`proof/calls/recorded.json`, written by tests/recorded-calls.test.ts):
 * per workload, the normalised IAM requests its command made on the wire. The proof decides them
 * beside the hand-written calls of proof/iam/calls.ts, for every stack file.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { WORKLOADS, type Workload } from "../iam/calls";
import { asCallSpec, type RecordedRequest } from "./iam-requests";

/** The recording's path from the project root. */
export const RECORDED_FILE = "proof/calls/recorded.json";

/** Workload label (as in proof/iam/calls.ts) → its recorded requests. */
export type RecordedSet = Record<string, readonly RecordedRequest[]>;

/** Reads the committed recording. */
export function readRecorded(root = path.join(__dirname, "..", "..")): RecordedSet {
  return JSON.parse(readFileSync(path.join(root, RECORDED_FILE), "utf8")) as RecordedSet;
}

/**
 * The workloads with their recorded requests added to their calls; a recorded workload that
 * proof/iam/calls.ts does not know is an error (its role would go unchecked).
 */
export function withRecordedCalls(
  recorded: RecordedSet,
  workloads: readonly Workload[] = WORKLOADS,
): Workload[] {
  for (const label of Object.keys(recorded)) {
    if (!workloads.some((w) => w.label === label)) {
      throw new Error(`recorded workload ${label} has no entry in proof/iam/calls.ts`);
    }
  }
  return workloads.map((w) => ({
    ...w,
    calls: [...w.calls, ...(recorded[w.label] ?? []).map((r) => asCallSpec(r, w.label))],
  }));
}
