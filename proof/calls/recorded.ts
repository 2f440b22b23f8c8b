/**
 * The committed recordings, per workload, of the normalised IAM requests its code made:
 * `proof/calls/recorded.json` (the processor's commands on the wire, written by
 * tests/recorded-calls.test.ts) and `proof/calls/recorded-local.json` (what a local-mode run made
 * beyond it, with KEDA's operator and the state machine's integrations, written by
 * tests/local-recorded-calls.test.ts). The proof decides them beside the hand-written calls of
 * proof/iam/calls.ts and the calls derived from the program (./derived.ts), for every stack file.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { WORKLOADS, type CallSpec, type Workload } from "../iam/calls";
import { asCallSpec, requestId, type RecordedRequest } from "./iam-requests";

/** The processor's recording's path from the project root. */
export const RECORDED_FILE = "proof/calls/recorded.json";

/** Local mode's recording's path from the project root. */
export const RECORDED_LOCAL_FILE = "proof/calls/recorded-local.json";

/** Workload label (as in proof/iam/calls.ts) → its recorded requests. */
export type RecordedSet = Record<string, readonly RecordedRequest[]>;

const ROOT = path.join(__dirname, "..", "..");

function readSet(file: string): RecordedSet {
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as RecordedSet) : {};
}

/** The union of recorded sets, per workload, without duplicates, sorted. */
export function unionOf(...sets: readonly RecordedSet[]): RecordedSet {
  const out: Record<string, Map<string, RecordedRequest>> = {};
  for (const set of sets) {
    for (const [label, requests] of Object.entries(set)) {
      const byId = (out[label] ??= new Map());
      for (const r of requests) byId.set(requestId(r), r);
    }
  }
  return Object.fromEntries(
    Object.entries(out).map(([label, byId]) => [
      label,
      [...byId.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, r]) => r),
    ]),
  );
}

/** The processor's committed recording. */
export function readProcessorRecorded(root = ROOT): RecordedSet {
  return readSet(path.join(root, RECORDED_FILE));
}

/** Every committed recording: the processor's and local mode's. */
export function readRecorded(root = ROOT): RecordedSet {
  return unionOf(readProcessorRecorded(root), readSet(path.join(root, RECORDED_LOCAL_FILE)));
}

/**
 * The workloads with their recorded requests (and any derived calls) added to their calls; a
 * recorded or derived workload that proof/iam/calls.ts does not know is an error (its role would
 * go unchecked).
 */
export function withRecordedCalls(
  recorded: RecordedSet,
  workloads: readonly Workload[] = WORKLOADS,
  derived: Readonly<Record<string, readonly CallSpec[]>> = {},
): Workload[] {
  for (const label of [...Object.keys(recorded), ...Object.keys(derived)]) {
    if (!workloads.some((w) => w.label === label)) {
      throw new Error(`recorded workload ${label} has no entry in proof/iam/calls.ts`);
    }
  }
  return workloads.map((w) => ({
    ...w,
    calls: [
      ...w.calls,
      ...(derived[w.label] ?? []),
      ...(recorded[w.label] ?? []).map((r) => asCallSpec(r, w.label)),
    ],
  }));
}
