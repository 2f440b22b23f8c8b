/**
 * The custom event bus: `PutEvents` entries become events in EventBridge's envelope
 * (https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html), the
 * announcement rule's own pattern decides which go on, and its SNS target publishes each matched
 * event as JSON (EventBridge sends the whole event to an SNS target when no input transformer is
 * set) to the topic on the emulator.
 */
import { randomUUID } from "node:crypto";
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import { matches } from "../../harness/event-patterns";
import { EMULATOR_ACCOUNT } from "../emulator";
import type { WorkflowStack } from "./stack";

/** An event as EventBridge delivers it. */
export interface BusEvent {
  readonly version: "0";
  readonly id: string;
  readonly "detail-type": string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Record<string, unknown>;
}

/** One `PutEvents` entry, as the state machine's integration sends it. */
export interface PutEventsEntry {
  readonly EventBusName?: string;
  readonly Source: string;
  readonly DetailType: string;
  /** A JSON object (the optimized integration takes it as is) or a JSON string. */
  readonly Detail: unknown;
  readonly Resources?: readonly string[];
}

/** The envelope EventBridge puts around an entry. */
export function busEvent(entry: PutEventsEntry, region: string, now = new Date()): BusEvent {
  const detail: unknown =
    typeof entry.Detail === "string" ? JSON.parse(entry.Detail) : (entry.Detail ?? {});
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": entry.DetailType,
    source: entry.Source,
    account: EMULATOR_ACCOUNT,
    // EventBridge's `time` has second precision.
    time: now.toISOString().replace(/\.\d{3}Z$/, "Z"),
    region,
    resources: [...(entry.Resources ?? [])],
    detail: detail as Record<string, unknown>,
  };
}

/** The custom bus with its one rule and the topic it targets. */
export class EventBus {
  /** Every event put on the bus, in order. */
  readonly events: BusEvent[] = [];
  /** How many of them the rule matched and published to the topic. */
  published = 0;

  constructor(
    private readonly w: WorkflowStack,
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  /** `PutEvents`: every entry on this bus; matched ones are published to the topic. */
  async put(entries: readonly PutEventsEntry[]): Promise<{ EventId: string }[]> {
    const out: { EventId: string }[] = [];
    for (const entry of entries) {
      if (entry.EventBusName !== undefined && entry.EventBusName !== this.w.eventBusName) {
        throw new Error(`PutEvents to unknown bus ${entry.EventBusName}`);
      }
      const event = busEvent(entry, this.w.region);
      this.events.push(event);
      if (matches({ ...this.w.notifyRule.pattern }, { ...event })) {
        await this.sns.send(
          new PublishCommand({ TopicArn: this.topicArn, Message: JSON.stringify(event) }),
        );
        this.published++;
      }
      out.push({ EventId: event.id });
    }
    return out;
  }
}
