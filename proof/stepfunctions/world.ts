/**
 * The local stand-ins for the state machine's service integrations: an in-memory S3 (versioned
 * objects), a DynamoDB table, the custom event bus and the processing job (which places its
 * outputs with the processor's own key rule). Each handler takes the request the interpreter
 * resolved from the deployed definition's `Parameters` and answers or throws the way the Step
 * Functions integration reports the service's answer (`<Service>.<Exception>` error names).
 */
import { resultKeysFor } from "../../processor/src/contract";
import { TaskError } from "../../harness/stepfunctions";
import { applyUpdate, type Item } from "./dynamodb";

/* eslint-disable @typescript-eslint/no-explicit-any -- integration requests are untyped JSON */

/** What one scenario breaks. */
export interface Faults {
  /** The processing job ends failed (every attempt). */
  readonly jobFails?: boolean;
  /** The processor rejects the file: it writes the error report and no metrics. */
  readonly fileRejected?: boolean;
  /** CopyObject into the lake is denied (every attempt). */
  readonly lakeCopyDenied?: boolean;
  /** Every DynamoDB UpdateItem fails. */
  readonly dynamoDbFails?: boolean;
}

/** One object version in the in-memory S3. */
interface StoredObject {
  readonly body: string;
  readonly versionId: string;
}

/** A request one handler received, in order. */
export interface IntegrationCall {
  readonly state: string;
  readonly request: any;
}

/** The in-memory services one execution runs against. */
export class World {
  /** `bucket/key` → versions, newest last. */
  readonly objects = new Map<string, StoredObject[]>();
  readonly table = new Map<string, Item>();
  readonly events: any[] = [];
  readonly calls: IntegrationCall[] = [];

  constructor(
    private readonly faults: Faults,
    /** The metrics the processing job writes when it succeeds. */
    private readonly metrics: Record<string, unknown>,
  ) {}

  /** Stores one version of an object. */
  put(bucket: string, key: string, body: string, versionId: string): void {
    const versions = this.objects.get(`${bucket}/${key}`) ?? [];
    versions.push({ body, versionId });
    this.objects.set(`${bucket}/${key}`, versions);
  }

  /** The newest version (or the named one) of an object, if it exists. */
  get(bucket: string, key: string, versionId?: string): StoredObject | undefined {
    const versions = this.objects.get(`${bucket}/${key}`) ?? [];
    return versionId ? versions.find((v) => v.versionId === versionId) : versions.at(-1);
  }

  private record(state: string, request: any): void {
    this.calls.push({ state, request: structuredClone(request) });
  }

  /** `eks:runJob.sync`: the Job runs `processor preprocess-object` with the manifest's args. */
  runJob(state: string, request: any): any {
    this.record(state, request);
    const container = request.Job.spec.template.spec.containers[0];
    const args = container.args as string[];
    const arg = (flag: string) => args[args.indexOf(flag) + 1] as string;
    const [bucket, key, prefix] = [arg("--bucket"), arg("--key"), arg("--prefix")];
    const output = container.env.find((e: any) => e.name === "OUTPUT_BUCKET")?.value as string;
    if (this.faults.jobFails || !this.get(bucket, key)) {
      // runJob.sync fails the task when the Job reports a failed condition.
      // A plain-text cause: aws-local-stepfunctions 3.0.0 strips every backslash from intrinsic
      // results (BaseIntrinsicFunction.call), so a JSON cause would come out of
      // States.JsonToString unescaped; Step Functions escapes it.
      throw new TaskError("States.TaskFailed", "Job failed: BackoffLimitExceeded");
    }
    // Where the processor places its results: the contract's own key mapping.
    const keys = resultKeysFor(key, prefix);
    if (this.faults.fileRejected) {
      this.put(output, keys.errorReportKey, '{"error":"wrong header"}', "v1");
    } else {
      this.put(output, keys.metricsKey, JSON.stringify({ ...this.metrics, source_key: key }), "v1");
    }
    return { status: { succeeded: 1 } };
  }

  /** `aws-sdk:s3:copyObject`: CopySource is `bucket/<url-encoded key>[?versionId=<encoded>]`. */
  copyObject(state: string, request: any): any {
    this.record(state, request);
    if (this.faults.lakeCopyDenied) throw new TaskError("S3.S3Exception", "Access Denied (403)");
    const source = request.CopySource as string;
    const [path, query] = source.split("?") as [string, string | undefined];
    const slash = path.indexOf("/");
    const bucket = path.slice(0, slash);
    const key = decodeURIComponent(path.slice(slash + 1));
    const versionId = query?.startsWith("versionId=")
      ? decodeURIComponent(query.slice("versionId=".length))
      : undefined;
    const object = this.get(bucket, key, versionId);
    if (!object) throw new TaskError("S3.NoSuchKeyException", `NoSuchKey: ${source}`);
    this.put(request.Bucket, request.Key, object.body, "lake-v1");
    return { CopyObjectResult: { ETag: '"copied"' } };
  }

  /** `aws-sdk:s3:getObject`: the body as a string (what the SDK integration returns). */
  getObject(state: string, request: any): any {
    this.record(state, request);
    const object = this.get(request.Bucket, request.Key);
    if (!object) throw new TaskError("S3.NoSuchKeyException", `NoSuchKey: ${request.Key}`);
    return { Body: object.body, ContentType: "application/json" };
  }

  /** `dynamodb:updateItem`. */
  updateItem(state: string, request: any): any {
    this.record(state, request);
    if (this.faults.dynamoDbFails) {
      throw new TaskError("DynamoDB.AmazonDynamoDBException", "Service unavailable");
    }
    const key = JSON.stringify(request.Key);
    this.table.set(key, applyUpdate(this.table.get(key) ?? { ...request.Key }, request));
    return {};
  }

  /** `events:putEvents`. */
  putEvents(state: string, request: any): any {
    this.record(state, request);
    this.events.push(...request.Entries);
    return {
      Entries: request.Entries.map((_: unknown, i: number) => ({ EventId: `event-${i}` })),
      FailedEntryCount: 0,
    };
  }
}
