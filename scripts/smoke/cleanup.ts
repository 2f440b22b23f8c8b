/**
 * What a smoke run sets up around its checks and takes away after them: its own queue subscribed
 * to the notification topic (orchestrated stacks), and the removal of what it created — the
 * uploads, their results, the event objects holding only its events, its workflow items, the queue
 * and the subscription — unless `--keep`.
 */
import { DeleteItemCommand } from "@aws-sdk/client-dynamodb";
import type { PipelineOutputs } from "../../config";
import { LAKE_RAW_PREFIX, RESULTS_TABLE_KEY } from "../../config/workflow-names";
import type { BusEvent } from "../../local/workflow/bus";
import { ownObjects, sentIds } from "./checks";
import type { SmokeClients } from "./clients";
import {
  closeNotificationQueue,
  openNotificationQueue,
  type NotificationQueue,
} from "./notifications";
import type { SmokePlan } from "./plan";
import { exists, listUnder } from "./probe";
import { remove, type Created } from "./send";
import { isMissingTable } from "./workflow-checks";

/** The event objects read so far (key → text), by bucket folder kind. */
export interface EventObjects {
  readonly stored: Map<string, string>;
  readonly quarantined: Map<string, string>;
}

/** What the notification steps read: the run's queue, once subscribed, and what it received. */
export interface Notified {
  queue?: NotificationQueue;
  readonly events: BusEvent[];
}

/**
 * With a notification topic in the outputs: the run's own queue, subscribed to it before anything
 * is uploaded (`notified.queue` is set as soon as the queue exists, so it is removed even when
 * Subscribe fails). Resolves to false, having said why, when that failed.
 */
export async function subscribe(
  clients: SmokeClients,
  outputs: PipelineOutputs,
  runId: string,
  notified: Notified,
  say: (t: string) => void,
): Promise<boolean> {
  const topicArn = outputs.notificationTopicArn;
  if (topicArn === undefined) return true;
  try {
    await openNotificationQueue(clients, topicArn, runId, (q) => (notified.queue = q));
  } catch (err) {
    say(
      `smoke: could not subscribe a queue of its own to the notification topic ${topicArn}: ` +
        `${(err as Error).message} (the smoke needs sqs:CreateQueue, sqs:GetQueueAttributes, ` +
        "sqs:SetQueueAttributes on smoke-* queues and sns:Subscribe on the topic)",
    );
    return false;
  }
  say(
    `smoke: subscribed its own queue ${notified.queue?.queueUrl} to ${topicArn} ` +
      `(${notified.queue?.subscriptionArn ?? "no subscription ARN"}; removed at the end)`,
  );
  return true;
}

/** Unsubscribes and deletes the run's queue (or, with `keep`, says how to). */
export async function closeQueue(
  clients: SmokeClients,
  queue: NotificationQueue | undefined,
  keep: boolean,
  region: string,
  say: (t: string) => void,
): Promise<void> {
  if (queue === undefined) return;
  if (keep) {
    const unsubscribe = queue.subscriptionArn?.startsWith("arn:")
      ? `aws sns unsubscribe --subscription-arn ${queue.subscriptionArn} --region ${region} && `
      : "";
    say(
      `smoke: --keep: left the queue ${queue.queueUrl} and its subscription ` +
        `${queue.subscriptionArn ?? "(none)"}; remove them with: ${unsubscribe}` +
        `aws sqs delete-queue --queue-url ${queue.queueUrl} --region ${region}`,
    );
    return;
  }
  const failures = await closeNotificationQueue(clients, queue);
  say(
    failures.length === 0
      ? `smoke: removed its subscription and queue ${queue.queueUrl}`
      : `smoke: could not remove: ${failures.join("; ")}`,
  );
}

/**
 * Removes the uploads (their exact versions), their results and error reports, the event objects
 * that hold only the run's own events, and the results table's items of its workflow uploads (their
 * keys are the run's own); says what it left.
 */
export async function cleanUp(
  clients: SmokeClients,
  plan: SmokePlan,
  outputs: PipelineOutputs,
  made: { readonly created: readonly Created[]; readonly eventObjects: EventObjects },
  keep: boolean,
  say: (t: string) => void,
): Promise<void> {
  const { s3 } = clients;
  const { created, eventObjects } = made;
  const workflow = plan.uploads.filter((u) => u.pathPrefix !== plan.uploads[0]?.pathPrefix);
  const table = outputs.resultsTableName;
  if (keep) {
    say(
      `smoke: --keep: left ${created.map((c) => `s3://${c.bucket}/${c.key}`).join(", ")} and their results` +
        (workflow.length > 0 && table ? ` (and their items in ${table})` : ""),
    );
    return;
  }
  const targets: Created[] = [...created];
  const failures: string[] = [];
  const processed = outputs.processedBucketName;
  for (const u of plan.uploads) {
    // A listing that fails is reported; the uploads themselves are removed all the same.
    try {
      for (const o of await listUnder(s3, processed, u.results.resultsPrefix)) {
        targets.push({ bucket: processed, key: o.key });
      }
      if (await exists(s3, processed, u.results.errorReportKey)) {
        targets.push({ bucket: processed, key: u.results.errorReportKey });
      }
    } catch (err) {
      failures.push(
        `the results of ${u.key} (s3://${processed}/${u.results.resultsPrefix}): ${(err as Error).message}`,
      );
    }
  }
  const ids = sentIds(plan.events);
  const events = ownObjects(new Map([...eventObjects.stored, ...eventObjects.quarantined]), ids);
  for (const key of events.own) targets.push({ bucket: outputs.eventsBucketName, key });
  const notRemoved = await remove(s3, targets);
  failures.push(...notRemoved);
  const objects = targets.length - notRemoved.length;
  let items = 0;
  if (table !== undefined) {
    for (const u of workflow) {
      try {
        // DeleteItem succeeds on a missing key too: only an item it returns was there.
        const deleted = await clients.dynamo.send(
          new DeleteItemCommand({
            TableName: table,
            Key: { [RESULTS_TABLE_KEY]: { S: u.key } },
            ReturnValues: "ALL_OLD",
          }),
        );
        if (deleted.Attributes !== undefined) items++;
      } catch (err) {
        // No table, no item: nothing of the run's to remove.
        if (isMissingTable(err)) continue;
        failures.push(`the item ${u.key} of ${table}: ${(err as Error).message}`);
      }
    }
  }
  if (workflow.length > 0) {
    // The outputs do not name the lake bucket, and the lake keeps current objects for good.
    say(
      `smoke: left the workflow's copy of ${workflow.map((u) => u.key).join(", ")} in the lake ` +
        `bucket (${LAKE_RAW_PREFIX}<key>, ${plan.uploads[0]?.body.length ?? 0} bytes each)`,
    );
  }
  say(
    `smoke: removed ${objects} object(s) it created` +
      (items > 0 ? ` and ${items} results table item(s)` : "") +
      (events.shared.length > 0
        ? `; left ${events.shared.length} event object(s) that also hold other events`
        : "") +
      (failures.length > 0 ? `; could not remove: ${failures.join("; ")}` : ""),
  );
}
