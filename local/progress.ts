/**
 * Live progress read from where the work lands, not from logs: the processed bucket (complete
 * output prefixes and error reports) and the events bucket (NDJSON lines, each object read once;
 * batch objects are never rewritten because every batch gets a new id).
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { KEYS } from "@pipeline/processor/contract";
import { errorReportKey, OUTPUT_FILES, outputPrefix } from "./accounting";
import { listKeys } from "./bucket-reads";

/** Counts so far. */
export interface Progress {
  readonly outputs: number;
  readonly errors: number;
  readonly stored: number;
  readonly quarantined: number;
}

/** Incremental reader of the two result buckets for a fixed set of input keys. */
export class ProgressReader {
  private readonly lines = new Map<string, number>();
  private last: Progress = { outputs: 0, errors: 0, stored: 0, quarantined: 0 };

  constructor(
    private readonly s3: S3Client,
    private readonly processedBucket: string,
    private readonly eventsBucket: string,
    private readonly inputKeys: () => readonly string[],
  ) {}

  /** The counts after reading what is new. */
  async read(): Promise<Progress> {
    const processed = new Set(await listKeys(this.s3, this.processedBucket));
    let outputs = 0;
    let errors = 0;
    for (const key of this.inputKeys()) {
      const prefix = outputPrefix(key);
      if (OUTPUT_FILES.every((f) => processed.has(`${prefix}${f}`))) outputs++;
      else if (processed.has(errorReportKey(key))) errors++;
    }
    const eventKeys = [
      ...(await listKeys(this.s3, this.eventsBucket, KEYS.eventsPrefix)),
      ...(await listKeys(this.s3, this.eventsBucket, KEYS.quarantinePrefix)),
    ];
    for (const key of eventKeys) {
      if (this.lines.has(key)) continue;
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.eventsBucket, Key: key }));
      const text = out.Body ? await out.Body.transformToString("utf8") : "";
      this.lines.set(key, text.split("\n").filter((l) => l.trim() !== "").length);
    }
    let stored = 0;
    let quarantined = 0;
    for (const [key, count] of this.lines) {
      if (key.startsWith(KEYS.quarantinePrefix)) quarantined += count;
      else stored += count;
    }
    this.last = { outputs, errors, stored, quarantined };
    return this.last;
  }

  /** The counts of the last read. */
  get current(): Progress {
    return this.last;
  }
}
