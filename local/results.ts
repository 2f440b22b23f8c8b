/**
 * `--results DIR`: after the run, every output and error report of the processed bucket and every
 * stored or quarantined event object of the events bucket, downloaded into DIR laid out by key
 * (`DIR/output/<name>/cleaned_data.csv`, `DIR/output.gz/<name>/…` for `.csv.gz` uploads,
 * `DIR/errors/input/<name>.csv.json`, `DIR/events/…`).
 */
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { KEYS, RESULTS_ROOT_STEM } from "@pipeline/processor/contract";
import { listKeys } from "./bucket-reads";
import type { LocalResources } from "./emulator";

/** What was downloaded. */
export interface DownloadedResults {
  readonly dir: string;
  /** Objects written before the download ended. */
  readonly objects: number;
  /** Why the download stopped early, if it did (the run then fails: its results are incomplete). */
  readonly failure?: string;
}

/** The result prefixes of each bucket: they are disjoint, so one folder holds them all. */
export function resultPrefixes(
  resources: Pick<LocalResources, "processedBucket" | "eventsBucket">,
): readonly { readonly bucket: string; readonly prefix: string }[] {
  return [
    // Every results root (`output/`, `output.gz/`, `output-<folder>/`) starts with the stem.
    { bucket: resources.processedBucket, prefix: RESULTS_ROOT_STEM },
    { bucket: resources.processedBucket, prefix: KEYS.errorsPrefix },
    { bucket: resources.eventsBucket, prefix: KEYS.eventsPrefix },
    { bucket: resources.eventsBucket, prefix: KEYS.quarantinePrefix },
  ];
}

/** Where `key` goes under `dir`; a key that would land outside it (`..` segments) is refused. */
export function resultPath(dir: string, key: string): string {
  const root = path.resolve(dir);
  const target = path.resolve(root, key);
  if (!target.startsWith(`${root}${path.sep}`)) {
    throw new Error(`object key ${JSON.stringify(key)} would be written outside ${dir}`);
  }
  return target;
}

/** Refuses a results folder that already holds files (they would mix with this run's). */
export function checkResultsDir(dir: string): void {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return; // absent: created after the run
  }
  if (entries.length > 0) throw new Error(`--results ${dir}: the folder is not empty`);
}

/** Downloads every result object into `dir`. */
export async function downloadResults(
  s3: S3Client,
  resources: Pick<LocalResources, "processedBucket" | "eventsBucket">,
  dir: string,
): Promise<DownloadedResults> {
  let objects = 0;
  try {
    mkdirSync(dir, { recursive: true });
    for (const { bucket, prefix } of resultPrefixes(resources)) {
      for (const key of await listKeys(s3, bucket, prefix)) {
        if (key.endsWith("/")) continue; // a folder marker, not an object the pipeline wrote
        const target = resultPath(dir, key);
        const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        mkdirSync(path.dirname(target), { recursive: true });
        writeFileSync(target, out.Body ? await out.Body.transformToByteArray() : new Uint8Array());
        objects++;
      }
    }
  } catch (err) {
    return { dir, objects, failure: err instanceof Error ? err.message : String(err) };
  }
  return { dir, objects };
}
