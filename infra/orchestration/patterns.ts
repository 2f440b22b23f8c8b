/**
 * EventBridge event patterns of the orchestrated variant. Pure: plain objects the component
 * serialises, and tests assert field by field.
 */
import { DETAIL_TYPES, EVENT_SOURCE } from "../../config/workflow-names";

/** An EventBridge event pattern (the subset used here). */
export interface EventPattern {
  readonly source: readonly string[];
  readonly "detail-type": readonly string[];
  readonly detail?: Readonly<Record<string, unknown>>;
}

/**
 * Objects created in `bucketName` under `prefix` (S3's EventBridge notifications). The prefix keeps
 * this path and the KEDA path (`input/`) apart: no object is processed by both.
 */
export function objectCreatedPattern(bucketName: string, prefix: string): EventPattern {
  if (prefix.length === 0)
    throw new Error("prefix must not be empty: the rule would match every upload");
  return {
    source: ["aws.s3"],
    "detail-type": ["Object Created"],
    detail: {
      bucket: { name: [bucketName] },
      object: { key: [{ prefix }] },
    },
  };
}

/** Completion and failure announcements the state machine puts on the custom bus. */
export function announcementsPattern(): EventPattern {
  return {
    source: [EVENT_SOURCE],
    "detail-type": [DETAIL_TYPES.processed, DETAIL_TYPES.failed],
  };
}
