/**
 * The raw bucket's event notifications while local mode serves (`--serve`): someone else (the smoke
 * test, a user with the AWS CLI) uploads, so there is no upload call to follow with the event. The
 * emulator has no bucket notifications, so a watch lists a prefix every interval and raises, for
 * every new or overwritten object, what S3 would: the `ObjectCreated:Put` message to the preprocess
 * queue for `input/` (its filters decide), and the `Object Created` event to EventBridge for the
 * orchestration prefix (the upload rule decides) — later than S3 by at most one interval.
 */
import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { KEYS } from "@pipeline/processor/contract";
import { every, loopError } from "./loop";
import {
  matchesInputFilter,
  objectCreatedEvent,
  sequencerSource,
  type NotifierTarget,
  type Upload,
} from "./notifier";

/** One listed object. */
export interface ListedObject {
  readonly key: string;
  readonly eTag: string;
  readonly size: number;
}

/**
 * The objects of `listed` S3 would have notified about since `known` was taken (a new key, or a
 * key whose ETag changed: an overwrite is a new `ObjectCreated:Put`) among those `filter` keeps,
 * and the new `known`. Pure.
 */
export function newUploads(
  known: ReadonlyMap<string, string>,
  listed: readonly ListedObject[],
  filter: (key: string) => boolean = matchesInputFilter,
): { created: ListedObject[]; known: Map<string, string> } {
  const next = new Map<string, string>();
  const created: ListedObject[] = [];
  for (const o of listed) {
    next.set(o.key, o.eTag);
    if (known.get(o.key) !== o.eTag && filter(o.key)) created.push(o);
  }
  return { created, known: next };
}

async function listPrefix(s3: S3Client, bucket: string, prefix: string): Promise<ListedObject[]> {
  const out: ListedObject[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) {
      if (o.Key)
        out.push({ key: o.Key, eTag: (o.ETag ?? "").replace(/"/g, ""), size: o.Size ?? 0 });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

/** What one watch lists, and what it does with each new object. */
interface PrefixWatch {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly prefix: string;
  readonly filter: (key: string) => boolean;
  readonly onCreated: (o: ListedObject) => Promise<void>;
  /** Names the watch in error notes. */
  readonly what: string;
}

/**
 * Lists `w.prefix` every `intervalMs`; objects there when it starts were notified already (by the
 * run's own uploads) and are not notified again.
 */
async function startPrefixWatch(
  w: PrefixWatch,
  intervalMs: number,
  note: (text: string) => void,
): Promise<{ stop(): Promise<void> }> {
  let known = newUploads(new Map(), await listPrefix(w.s3, w.bucket, w.prefix), w.filter).known;
  return every(
    intervalMs,
    async () => {
      const found = newUploads(known, await listPrefix(w.s3, w.bucket, w.prefix), w.filter);
      for (const o of found.created) await w.onCreated(o);
      known = found.known;
    },
    loopError(note, w.what),
  );
}

/** Watches `input/` of the raw bucket and sends S3's message to the preprocess queue. */
export async function startInputWatch(
  target: NotifierTarget,
  intervalMs: number,
  note: (text: string) => void,
): Promise<{ stop(): Promise<void> }> {
  const nextSequencer = sequencerSource();
  return startPrefixWatch(
    {
      s3: target.s3,
      bucket: target.bucket,
      prefix: KEYS.inputPrefix,
      filter: matchesInputFilter,
      what: "bucket notification",
      onCreated: async (o) => {
        const event = objectCreatedEvent({
          region: target.region,
          bucket: target.bucket,
          key: o.key,
          size: o.size,
          eTag: o.eTag,
          sequencer: nextSequencer(),
          eventTime: new Date(),
        });
        await target.sqs.send(
          new SendMessageCommand({ QueueUrl: target.queueUrl, MessageBody: JSON.stringify(event) }),
        );
        note(`bucket notification: ObjectCreated:Put for ${o.key}`);
      },
    },
    intervalMs,
    note,
  );
}

/**
 * Watches the orchestration `prefix` of the raw bucket and hands every new object to
 * `onUpload` — the workflow's EventBridge part, whose upload rule starts an execution.
 */
export async function startWorkflowWatch(
  target: { readonly s3: S3Client; readonly bucket: string; readonly prefix: string },
  onUpload: (upload: Upload) => void,
  intervalMs: number,
  note: (text: string) => void,
): Promise<{ stop(): Promise<void> }> {
  return startPrefixWatch(
    {
      ...target,
      filter: () => true,
      what: "EventBridge notification",
      onCreated: (o) => {
        note(`EventBridge notification: Object Created for ${o.key}`);
        onUpload({ key: o.key, size: o.size, eTag: o.eTag, notified: false });
        return Promise.resolve();
      },
    },
    intervalMs,
    note,
  );
}
