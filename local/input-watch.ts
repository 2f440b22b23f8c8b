/**
 * The raw bucket's event notification while local mode serves (`--serve`): someone else (the smoke
 * test, a user with the AWS CLI) uploads, so there is no upload call to follow with the event. The
 * emulator has no bucket notifications, so this watch lists `input/` every interval and sends the
 * `ObjectCreated:Put` event S3 would send for every new or overwritten upload its filters match —
 * later than S3 by at most one interval.
 */
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { KEYS } from "@pipeline/processor/contract";
import { every, loopError } from "./loop";
import {
  matchesInputFilter,
  objectCreatedEvent,
  sequencerSource,
  type NotifierTarget,
} from "./notifier";

/** One listed object. */
export interface ListedObject {
  readonly key: string;
  readonly eTag: string;
  readonly size: number;
}

/**
 * The objects of `listed` S3 would have notified about since `known` was taken (a new key, or a
 * key whose ETag changed: an overwrite is a new `ObjectCreated:Put`), and the new `known`. Pure.
 */
export function newUploads(
  known: ReadonlyMap<string, string>,
  listed: readonly ListedObject[],
): { created: ListedObject[]; known: Map<string, string> } {
  const next = new Map<string, string>();
  const created: ListedObject[] = [];
  for (const o of listed) {
    next.set(o.key, o.eTag);
    if (known.get(o.key) !== o.eTag && matchesInputFilter(o.key)) created.push(o);
  }
  return { created, known: next };
}

async function listInput(target: NotifierTarget): Promise<ListedObject[]> {
  const out: ListedObject[] = [];
  let token: string | undefined;
  do {
    const page = await target.s3.send(
      new ListObjectsV2Command({
        Bucket: target.bucket,
        Prefix: KEYS.inputPrefix,
        ContinuationToken: token,
      }),
    );
    for (const o of page.Contents ?? []) {
      if (o.Key)
        out.push({ key: o.Key, eTag: (o.ETag ?? "").replace(/"/g, ""), size: o.Size ?? 0 });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

/**
 * Watches `input/` of the raw bucket every `intervalMs`; objects there when it starts were
 * notified already (by the run's own uploads) and are not notified again.
 */
export async function startInputWatch(
  target: NotifierTarget,
  intervalMs: number,
  note: (text: string) => void,
): Promise<{ stop(): Promise<void> }> {
  let known = newUploads(new Map(), await listInput(target)).known;
  const nextSequencer = sequencerSource();
  return every(
    intervalMs,
    async () => {
      const found = newUploads(known, await listInput(target));
      for (const o of found.created) {
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
      }
      known = found.known;
    },
    loopError(note, "bucket notification"),
  );
}
