/**
 * What one smoke run puts into the stack: one small seed-shaped CSV file per processing path
 * (`input/`, and the orchestrated prefix when that variant is on), with the keys its results must
 * appear under (the processor contract's `resultKeysFor`), and producer-shaped store events (the
 * producer's own generator), exactly one of them invalid. Pure, given the run id and randomness.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { KEYS, resultKeysFor, type ResultKeys } from "@pipeline/processor/contract";
import type { Settings } from "../../config";
import { random, seedCsv } from "../../local/seed";
import { EventGenerator, type GeneratedEvent } from "../../processor/src/events/generator";

/** One uploaded file and where its results must appear. */
export interface PlannedUpload {
  /** The processing path: `input/` (KEDA) or the orchestration prefix. */
  readonly pathPrefix: string;
  readonly key: string;
  readonly body: Buffer;
  /** Data rows: what quality_metrics.json must count. */
  readonly rows: number;
  readonly results: ResultKeys;
}

/** Everything a run sends. */
export interface SmokePlan {
  /** Names this run's objects, so a run never touches another's. */
  readonly runId: string;
  readonly uploads: readonly PlannedUpload[];
  /** The events, in sending order; exactly one has `bad: true`. */
  readonly events: readonly GeneratedEvent[];
}

/** A run id that sorts by time: `smoke-20261201T231500Z-<8 hex>`. */
export function newRunId(now: Date = new Date(), hex: string = randomBytes(4).toString("hex")) {
  return `smoke-${now.toISOString().replace(/[-:]|\.\d{3}/g, "")}-${hex}`;
}

/**
 * The plan of a run: the file under `input/` (and under `orchestration.prefix` when enabled) and
 * `events` events, the one at the middle invalid (it lacks `store_id`, as the producer's are).
 */
export function planSmoke(
  settings: Settings,
  options: { readonly rows: number; readonly events: number },
  runId: string,
  uuid: () => string = randomUUID,
): SmokePlan {
  const paths = [KEYS.inputPrefix as string];
  if (settings.orchestration.enabled) paths.push(settings.orchestration.prefix);
  const seed = Number.parseInt(runId.slice(-8), 16) || 1;
  const body = Buffer.from(seedCsv(options.rows, random(seed)), "utf8");
  const uploads = paths.map((pathPrefix) => {
    const key = `${pathPrefix}${runId}${KEYS.inputSuffix}`;
    return { pathPrefix, key, body, rows: options.rows, results: resultKeysFor(key, pathPrefix) };
  });
  const good = new EventGenerator({ badEventRatio: 0, uuid });
  const bad = new EventGenerator({ badEventRatio: 1, uuid });
  const badAt = Math.floor(options.events / 2);
  const events = Array.from({ length: options.events }, (_, i) =>
    i === badAt ? bad.next() : good.next(),
  );
  return { runId, uploads, events };
}
