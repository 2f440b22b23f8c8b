/**
 * The hand-written calls of the processor's workloads (beside the ones recorded on the wire,
 * proof/calls/recorded.ts; KEDA's operator and the state machine have only derived and recorded
 * calls, proof/calls/derived.ts) and the probes each workload must NOT be able to make. Resources
 * are templates over the stack's own names: `{raw}` a bucket, `{preprocessQueue}` a queue ARN,
 * `{dataKey}` the data key ARN, `{region}` the stack's region (resolved in evaluate.ts).
 *
 * Request context: every call is over TLS (`aws:SecureTransport`) in the stack's region; the KMS
 * calls are the ones S3 makes on the caller's behalf for SSE-KMS objects, so they carry
 * `kms:ViaService = s3.<region>.amazonaws.com`
 * (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service);
 * GetObject of a missing key needs `s3:ListBucket` to answer 404 instead of 403
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html, "Permissions").
 */

import { resultKeysFor } from "../../processor/src/contract";

/** One call (or probe) of a workload. */
export interface CallSpec {
  readonly action: string;
  readonly resource: string;
  /** Context keys beyond TLS and region. */
  readonly context?: Readonly<Record<string, string>>;
  /** Why the call is made / why the probe must fail. */
  readonly why: string;
  /**
   * A known defect another change fixes: the call is expected to be denied today and is
   * reported apart; once allowed, the mark itself is a mismatch (remove it).
   */
  readonly pending?: string;
}

/** Calls and probes of one role, by the role's logical name in the program. */
export interface Workload {
  readonly role: string;
  readonly label: string;
  readonly calls: readonly CallSpec[];
  readonly probes: readonly CallSpec[];
}

const viaS3 = { "kms:ViaService": "s3.{region}.amazonaws.com" };
const insecure = { "aws:SecureTransport": "false" };

/** Reading an input and writing its results, for the KEDA path and the orchestrated job alike. */
function preprocessCalls(prefix: string): CallSpec[] {
  // Where the processor writes for this path: the contract's key mapping.
  const results = resultKeysFor(`${prefix}a.csv`, prefix).resultsPrefix;
  return [
    { action: "s3:GetObject", resource: `{raw}/${prefix}a.csv`, why: "read the upload" },
    { action: "kms:Decrypt", resource: "{dataKey}", context: viaS3, why: "S3 decrypts the upload" },
    {
      action: "s3:ListBucket",
      resource: "{raw}",
      context: { "s3:prefix": `${prefix}gone.csv` },
      why: "GetObject of a missing key answers 404 (S3 answers 403 without ListBucket)",
    },
    {
      action: "s3:PutObject",
      resource: `{processed}/${results}cleaned_data.csv`,
      why: "write results (multipart)",
    },
    {
      action: "s3:PutObject",
      resource: `{processed}/errors/${prefix}bad.csv.json`,
      why: "write the error report",
    },
    {
      action: "s3:AbortMultipartUpload",
      resource: `{processed}/${results}cleaned_data.csv`,
      why: "abort a failed upload",
    },
    {
      action: "kms:GenerateDataKey",
      resource: "{dataKey}",
      context: viaS3,
      why: "S3 encrypts the results",
    },
  ];
}

/** Every workload's calls and probes. */
export const WORKLOADS: readonly Workload[] = [
  {
    role: "identity-preprocess",
    label: "preprocess",
    calls: [
      ...preprocessCalls("input/"),
      {
        action: "sqs:ReceiveMessage",
        resource: "{preprocessQueue}",
        why: "receive upload notifications",
      },
      { action: "sqs:DeleteMessage", resource: "{preprocessQueue}", why: "delete after success" },
      { action: "sqs:ChangeMessageVisibility", resource: "{preprocessQueue}", why: "heartbeat" },
    ],
    probes: [
      { action: "s3:GetObject", resource: "{events}/events/a.json", why: "another bucket" },
      { action: "s3:GetObject", resource: "{raw}/other/a.csv", why: "another prefix" },
      {
        action: "s3:ListBucket",
        resource: "{raw}",
        context: { "s3:prefix": "other/" },
        why: "list another prefix",
      },
      { action: "s3:DeleteObject", resource: "{raw}/input/a.csv", why: "DeleteObject" },
      { action: "s3:PutObject", resource: "{raw}/input/a.csv", why: "write to the raw bucket" },
      {
        action: "s3:PutObject",
        resource: "{processed}/events/a.json",
        why: "another output prefix",
      },
      {
        action: "s3:PutObject",
        resource: "{processed}/errors/batch/a.csv.json",
        why: "the orchestrated path's error reports",
      },
      {
        action: "s3:PutObject",
        resource: "{processed}/output-batch/a/cleaned_data.csv",
        why: "the orchestrated path's results",
      },
      { action: "s3:GetObject", resource: "{raw}/input/a.csv", context: insecure, why: "non-TLS" },
      { action: "sqs:ReceiveMessage", resource: "{eventsQueue}", why: "another role's queue" },
      {
        action: "sqs:ReceiveMessage",
        resource: "{preprocessQueue}",
        context: insecure,
        why: "non-TLS queue access",
      },
      {
        action: "sqs:ReceiveMessage",
        resource: "{preprocessQueueOtherRegion}",
        why: "the queue's name in another region",
      },
      { action: "kms:Decrypt", resource: "{dataKey}", why: "kms:Decrypt outside S3" },
      {
        action: "kms:Decrypt",
        resource: "{dataKey}",
        context: { "kms:ViaService": "s3.us-east-1.amazonaws.com" },
        why: "S3 of another region",
      },
    ],
  },
  {
    role: "orchestration-job",
    label: "preprocess-object",
    calls: preprocessCalls("batch/"),
    probes: [
      { action: "s3:GetObject", resource: "{raw}/input/a.csv", why: "the KEDA path's prefix" },
      {
        action: "s3:ListBucket",
        resource: "{raw}",
        context: { "s3:prefix": "input/" },
        why: "list the KEDA path's prefix",
      },
      { action: "s3:DeleteObject", resource: "{raw}/batch/a.csv", why: "DeleteObject" },
      { action: "sqs:ReceiveMessage", resource: "{preprocessQueue}", why: "the KEDA path's queue" },
      {
        action: "s3:PutObject",
        resource: "{processed}/errors/input/a.csv.json",
        why: "the KEDA path's error reports",
      },
      {
        action: "s3:PutObject",
        resource: "{processed}/output.gz/a/cleaned_data.csv",
        why: "the KEDA path's results",
      },
    ],
  },
  {
    role: "identity-producer",
    label: "producer",
    calls: [{ action: "sqs:SendMessage", resource: "{eventsQueue}", why: "send store events" }],
    probes: [
      { action: "sqs:SendMessage", resource: "{preprocessQueue}", why: "another queue" },
      { action: "sqs:ReceiveMessage", resource: "{eventsQueue}", why: "consume its own queue" },
      { action: "sqs:SendMessage", resource: "{eventsQueue}", context: insecure, why: "non-TLS" },
      { action: "s3:PutObject", resource: "{events}/events/a.json", why: "S3 at all" },
    ],
  },
  {
    role: "identity-consumer",
    label: "consumer",
    calls: [
      { action: "sqs:ReceiveMessage", resource: "{eventsQueue}", why: "receive events" },
      {
        action: "sqs:DeleteMessage",
        resource: "{eventsQueue}",
        why: "delete after the batch is stored",
      },
      {
        action: "s3:PutObject",
        resource: "{events}/events/2026/11/23/batch.jsonl",
        why: "store a batch",
      },
      {
        action: "s3:PutObject",
        resource: "{events}/quarantine/2026/11/23/batch.jsonl",
        why: "quarantine invalid events",
      },
      {
        action: "kms:GenerateDataKey",
        resource: "{dataKey}",
        context: viaS3,
        why: "S3 encrypts the batch",
      },
    ],
    probes: [
      { action: "s3:PutObject", resource: "{events}/other/a.json", why: "another prefix" },
      { action: "s3:GetObject", resource: "{events}/events/a.json", why: "read back" },
      { action: "s3:DeleteObject", resource: "{events}/events/a.json", why: "DeleteObject" },
      {
        action: "kms:Decrypt",
        resource: "{dataKey}",
        context: viaS3,
        why: "no reads, so no Decrypt",
      },
      { action: "kms:GenerateDataKey", resource: "{dataKey}", why: "GenerateDataKey outside S3" },
      { action: "sqs:ReceiveMessage", resource: "{preprocessQueue}", why: "another role's queue" },
      { action: "sqs:PurgeQueue", resource: "{eventsQueue}", why: "PurgeQueue" },
    ],
  },
  {
    role: "identity-keda-operator",
    label: "keda-operator",
    // Derived from the ScaledObject's and ScaledJob's triggers (proof/calls/derived.ts) and
    // recorded from local mode's scaler (proof/calls/recorded-local.json).
    calls: [],
    probes: [
      { action: "sqs:ReceiveMessage", resource: "{preprocessQueue}", why: "read messages" },
      {
        action: "sqs:GetQueueAttributes",
        resource: "{preprocessDlq}",
        why: "a queue it does not scale on",
      },
    ],
  },
  {
    role: "orchestration-state-machine",
    label: "state machine",
    // Derived from the proof's executions of the deployed definition (proof/calls/derived.ts)
    // and recorded from local mode's integration handlers (proof/calls/recorded-local.json).
    calls: [],
    probes: [
      { action: "s3:GetObject", resource: "{raw}/input/a.csv", why: "the KEDA path's prefix" },
      { action: "s3:PutObject", resource: "{raw}/batch/a.csv", why: "write to the raw bucket" },
      { action: "dynamodb:DeleteItem", resource: "{table}", why: "DeleteItem" },
      { action: "kms:Decrypt", resource: "{dataKey}", why: "kms:Decrypt outside S3" },
    ],
  },
];
