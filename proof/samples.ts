/**
 * Sample events in the shapes AWS documents, for the event patterns and the state machine:
 * - S3 via EventBridge: https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html
 * - EC2 spot interruption / rebalance / state change:
 *   https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/spot-instance-termination-notices.html,
 *   https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/rebalance-recommendations.html,
 *   https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/monitoring-instance-state-changes.html
 * - AWS Health: https://docs.aws.amazon.com/health/latest/ug/aws-health-events-eventbridge-schema.html
 */
import { MOCK_ACCOUNT } from "../harness/mocks";
import { DETAIL_TYPES, EVENT_SOURCE } from "../config/workflow-names";

/* eslint-disable @typescript-eslint/no-explicit-any -- events are JSON */

/** The account of every sample: the mocked account, so samples and the program agree. */
const ACCOUNT = MOCK_ACCOUNT;

/** An EventBridge envelope. */
function envelope(
  source: string,
  detailType: string,
  region: string,
  detail: any,
  resources: string[] = [],
) {
  return {
    version: "0",
    id: "17793124-05d4-b198-2fde-7ededc63b103",
    "detail-type": detailType,
    source,
    account: ACCOUNT,
    time: "2026-11-23T10:00:00Z",
    region,
    resources,
    detail,
  };
}

/** S3 `Object Created` (PutObject) on the default bus. */
export function objectCreated(
  bucket: string,
  key: string,
  region = "eu-west-1",
  versionId = "IYV3p45BT0ac8hjHg1houSdS1a.Mpexe",
): any {
  return envelope(
    "aws.s3",
    "Object Created",
    region,
    {
      version: "0",
      bucket: { name: bucket },
      object: {
        key,
        size: 5,
        etag: "b1946ac92492d2347c6235b4d2611184",
        "version-id": versionId,
        sequencer: "00617F08299329D189",
      },
      "request-id": "N4N7GDK58NMKJ12R",
      requester: ACCOUNT,
      "source-ip-address": "203.0.113.15",
      reason: "PutObject",
    },
    [`arn:aws:s3:::${bucket}`],
  );
}

/** S3 `Object Deleted`. */
export function objectDeleted(bucket: string, key: string): any {
  return envelope(
    "aws.s3",
    "Object Deleted",
    "eu-west-1",
    {
      version: "0",
      bucket: { name: bucket },
      object: { key, sequencer: "00617F08299329D189" },
      "deletion-type": "Permanently Deleted",
      reason: "DeleteObject",
    },
    [`arn:aws:s3:::${bucket}`],
  );
}

/** What the state machine puts on the custom bus, as EventBridge delivers it. */
export function announcement(detailType: string, source = EVENT_SOURCE): any {
  return envelope(source, detailType, "eu-west-1", { bucket: "raw", key: "batch/a.csv" });
}

export const PROCESSED = DETAIL_TYPES.processed;
export const FAILED = DETAIL_TYPES.failed;

const instance = "arn:aws:ec2:eu-west-1a:instance/i-1234567890abcdef0";

/** EC2 Spot Instance Interruption Warning. */
export const spotInterruption = envelope(
  "aws.ec2",
  "EC2 Spot Instance Interruption Warning",
  "eu-west-1",
  { "instance-id": "i-1234567890abcdef0", "instance-action": "terminate" },
  [instance],
);

/** EC2 Instance Rebalance Recommendation. */
export const rebalance = envelope(
  "aws.ec2",
  "EC2 Instance Rebalance Recommendation",
  "eu-west-1",
  { "instance-id": "i-1234567890abcdef0" },
  [instance],
);

/** EC2 Instance State-change Notification. */
export function stateChange(state: string): any {
  return envelope(
    "aws.ec2",
    "EC2 Instance State-change Notification",
    "eu-west-1",
    { "instance-id": "i-1234567890abcdef0", state },
    [instance],
  );
}

/** AWS Health scheduled change for EC2. */
export const healthScheduledChange = envelope(
  "aws.health",
  "AWS Health Event",
  "eu-west-1",
  {
    eventArn:
      "arn:aws:health:eu-west-1::event/EC2/AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED/AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED_1",
    service: "EC2",
    eventTypeCode: "AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED",
    eventTypeCategory: "scheduledChange",
    startTime: "Sat, 05 Jun 2026 15:10:09 GMT",
    eventDescription: [
      { language: "en_US", latestDescription: "A description of the event will be provided here" },
    ],
    affectedEntities: [{ entityValue: "i-1234567890abcdef0" }],
  },
  [instance],
);

/** AWS Health issue (not a scheduled change) for EC2. */
export const healthIssue = {
  ...healthScheduledChange,
  detail: {
    ...healthScheduledChange.detail,
    eventTypeCategory: "issue",
    eventTypeCode: "AWS_EC2_OPERATIONAL_ISSUE",
  },
};
