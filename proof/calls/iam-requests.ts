/**
 * What AWS authorizes for a recorded wire call: the IAM action(s) of the operation on the resource
 * it touches, plus the KMS actions S3 performs on the caller's behalf for SSE-KMS buckets (with
 * `kms:ViaService`). Resources become templates over the stack's names (`{raw}/input/a.csv`,
 * `{eventsQueue}`) so one recording is decided against every stack file, and keys are normalised
 * (the variable part of a key becomes `a`), so the recorded set is stable from run to run. Pure.
 *
 * Sources: actions per operation, the Service Authorization Reference for S3
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html) and SQS
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsqs.html); KMS
 * for SSE-KMS: GetObject needs kms:Decrypt, PutObject kms:GenerateDataKey
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#require-sse-kms),
 * multipart uploads both (https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html#mpuAndPermissions).
 */
import { RESULT_FILES } from "../../processor/src/contract";
import type { CallSpec } from "../iam/calls";
import type { WireCall } from "./operations";

/** A call in the committed, normalised form (a `CallSpec` without its `why`). */
export interface RecordedRequest {
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, string>>;
}

/** The test's physical names → template tokens. */
export interface NameTokens {
  /** Bucket name → token (`raw`, `processed`, `events`, `lake`). */
  readonly buckets: Readonly<Record<string, string>>;
  /** Queue URL → token (`preprocessQueue`, `eventsQueue`, …). */
  readonly queues: Readonly<Record<string, string>>;
  /** Buckets encrypted with the data key (SSE-KMS): S3 calls KMS for their objects. */
  readonly kmsBuckets: ReadonlySet<string>;
}

const VIA_S3 = { "kms:ViaService": "s3.{region}.amazonaws.com" };
const RESULT_NAMES: ReadonlySet<string> = new Set(Object.values(RESULT_FILES));

/**
 * A key with its variable part replaced, keeping what policies scope on: the root folder, the
 * path folder of an error report (`errors/input/`), the results file name, and the extension.
 * `output/sales q1/cleaned_data.csv` → `output/a/cleaned_data.csv`,
 * `errors/input/x.csv.json` → `errors/input/a.csv.json`, `events/event_type=o/dt=d/b.jsonl.gz` →
 * `events/a.jsonl.gz`, `input/new hires.csv.gz` → `input/a.csv.gz`.
 */
export function normaliseKey(key: string): string {
  const parts = key.split("/");
  const root = parts[0] ?? "";
  const last = parts[parts.length - 1] ?? "";
  if (parts.length === 1) return `a${extensionOf(last)}`;
  if (RESULT_NAMES.has(last) && parts.length >= 3) return `${root}/a/${last}`;
  if (root === "errors" && parts.length >= 3) return `${root}/${parts[1]}/a${extensionOf(last)}`;
  return `${root}/a${extensionOf(last)}`;
}

/** Everything from the first `.` of a file name (`.csv.gz`, `.jsonl`), or nothing. */
function extensionOf(name: string): string {
  const dot = name.indexOf(".");
  return dot < 0 ? "" : name.slice(dot);
}

function bucketToken(bucket: string, names: NameTokens): string {
  const token = names.buckets[bucket];
  return token ? `{${token}}` : `unknown-bucket:${bucket}`;
}

function objectResource(bucket: string, key: string, names: NameTokens): string {
  return `${bucketToken(bucket, names)}/${normaliseKey(key)}`;
}

const S3_OBJECT_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  GetObject: ["s3:GetObject"],
  HeadObject: ["s3:GetObject"],
  PutObject: ["s3:PutObject"],
  CreateMultipartUpload: ["s3:PutObject"],
  UploadPart: ["s3:PutObject"],
  CompleteMultipartUpload: ["s3:PutObject"],
  AbortMultipartUpload: ["s3:AbortMultipartUpload"],
  ListParts: ["s3:ListMultipartUploadParts"],
  DeleteObject: ["s3:DeleteObject"],
};

/** KMS actions S3 performs for the caller on an SSE-KMS bucket, per operation. */
const S3_KMS_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  GetObject: ["kms:Decrypt"],
  PutObject: ["kms:GenerateDataKey"],
  CreateMultipartUpload: ["kms:GenerateDataKey", "kms:Decrypt"],
  UploadPart: ["kms:GenerateDataKey", "kms:Decrypt"],
  CompleteMultipartUpload: ["kms:Decrypt"],
};

const SQS_ACTIONS: Readonly<Record<string, string>> = {
  ReceiveMessage: "sqs:ReceiveMessage",
  DeleteMessage: "sqs:DeleteMessage",
  DeleteMessageBatch: "sqs:DeleteMessage",
  ChangeMessageVisibility: "sqs:ChangeMessageVisibility",
  ChangeMessageVisibilityBatch: "sqs:ChangeMessageVisibility",
  SendMessage: "sqs:SendMessage",
  SendMessageBatch: "sqs:SendMessage",
  GetQueueAttributes: "sqs:GetQueueAttributes",
  GetQueueUrl: "sqs:GetQueueUrl",
  ListQueues: "sqs:ListQueues",
};

/** The IAM requests one wire call makes AWS decide. */
export function iamRequestsOf(call: WireCall, names: NameTokens): RecordedRequest[] {
  if (call.service === "sqs") {
    const action = SQS_ACTIONS[call.operation] ?? `sqs:${call.operation}`;
    const token = call.queueUrl ? names.queues[call.queueUrl] : undefined;
    const resource = token ? `{${token}}` : `unknown-queue:${call.queueUrl ?? ""}`;
    return [{ action, resource }];
  }
  const bucket = call.bucket ?? "";
  const kms = (operation: string): RecordedRequest[] =>
    names.kmsBuckets.has(bucket)
      ? (S3_KMS_ACTIONS[operation] ?? []).map((action) => ({
          action,
          resource: "{dataKey}",
          context: VIA_S3,
        }))
      : [];
  switch (call.operation) {
    case "ListObjectsV2":
    case "ListObjects":
      return [
        {
          action: "s3:ListBucket",
          resource: bucketToken(bucket, names),
          context: { "s3:prefix": normaliseKey(call.prefix ?? "") },
        },
      ];
    case "DeleteObjects":
      return (call.keys ?? []).map((key) => ({
        action: "s3:DeleteObject",
        resource: objectResource(bucket, key, names),
      }));
    case "CopyObject": {
      const [srcBucket = "", ...srcKey] = (call.copySource ?? "").replace(/^\//, "").split("/");
      const source = srcKey.join("/").split("?")[0] ?? "";
      return [
        { action: "s3:GetObject", resource: objectResource(srcBucket, source, names) },
        { action: "s3:PutObject", resource: objectResource(bucket, call.key ?? "", names) },
        ...(names.kmsBuckets.has(srcBucket) ? kms("GetObject") : []),
        ...kms("PutObject"),
      ];
    }
    default: {
      const actions = S3_OBJECT_ACTIONS[call.operation];
      if (!actions || call.key === undefined) {
        return [{ action: `s3:${call.operation}`, resource: bucketToken(bucket, names) }];
      }
      const key = call.key;
      return [
        ...actions.map((action) => ({ action, resource: objectResource(bucket, key, names) })),
        ...kms(call.operation),
      ];
    }
  }
}

/** A stable identity of a request (for sets and sorting). */
export function requestId(r: RecordedRequest): string {
  const context = Object.entries(r.context ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  return `${r.action} ${r.resource}${context ? ` [${context}]` : ""}`;
}

/** The distinct requests of `calls`, sorted. */
export function distinctRequests(calls: readonly WireCall[], names: NameTokens): RecordedRequest[] {
  const byId = new Map<string, RecordedRequest>();
  for (const call of calls) {
    for (const r of iamRequestsOf(call, names)) byId.set(requestId(r), r);
  }
  return [...byId.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, r]) => r);
}

/** A recorded request as a call spec the evaluator decides (`why`: it was recorded). */
export function asCallSpec(r: RecordedRequest, workload: string): CallSpec {
  return { ...r, why: `recorded from ${workload}` };
}
