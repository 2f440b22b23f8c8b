/**
 * Data rules for every stack file: every bucket is encrypted, private and TLS-only; every queue is
 * encrypted and has a dead-letter queue; the raw bucket notifies the preprocess queue of
 * `input/*.csv` uploads through a scoped queue policy.
 */
import {
  byType,
  dependsOn,
  MOCK_ACCOUNT,
  one,
  runProgram,
  type ProgramRun,
  type RecordedResource,
} from "../harness/program";

const parse = (v: unknown) => (typeof v === "string" ? JSON.parse(v) : v);

/** The resources of `type` configuring `bucket` (matched by the bucket's name). */
function configOf(run: ProgramRun, type: string, bucket: RecordedResource): RecordedResource[] {
  return byType(run, type).filter((r) => r.inputs.bucket === bucket.state.bucket);
}

describe.each(["dev", "prod"])("buckets (%s)", (stack) => {
  let run: ProgramRun;
  let buckets: RecordedResource[];
  beforeAll(async () => {
    run = await runProgram(stack);
    buckets = byType(run, "aws:s3/bucket:Bucket");
  });

  test("the pipeline's three buckets exist, named with the stack's prefixes", () => {
    for (const role of ["raw", "processed", "events"]) {
      expect(one(run, "aws:s3/bucket:Bucket", `storage-${role}`).inputs.bucketPrefix).toBe(
        `event-pipeline-${stack}-${role}-`,
      );
    }
  });

  test("every bucket encrypts by default with a rotating customer-managed KMS key and a bucket key", () => {
    for (const bucket of buckets) {
      const [sse] = configOf(
        run,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        bucket,
      );
      expect({ bucket: bucket.name, rules: sse?.inputs.rules }).toEqual({
        bucket: bucket.name,
        rules: [
          {
            applyServerSideEncryptionByDefault: {
              sseAlgorithm: "aws:kms",
              kmsMasterKeyId: expect.stringMatching(/^arn:aws:kms:/),
            },
            bucketKeyEnabled: true,
          },
        ],
      });
      const key = byType(run, "aws:kms/key:Key").find(
        (k) =>
          k.state.arn === sse?.inputs.rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId,
      );
      expect(key?.inputs.enableKeyRotation).toBe(true);
    }
  });

  test("every bucket blocks all public access and disables ACLs", () => {
    for (const bucket of buckets) {
      const [block] = configOf(
        run,
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        bucket,
      );
      expect({ name: bucket.name, ...block?.inputs }).toEqual({
        name: bucket.name,
        bucket: bucket.state.bucket,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
      const [ownership] = configOf(
        run,
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
        bucket,
      );
      expect(ownership?.inputs.rule).toEqual({ objectOwnership: "BucketOwnerEnforced" });
    }
  });

  test("every bucket policy denies requests without TLS on the bucket and its objects", () => {
    for (const bucket of buckets) {
      const policies = configOf(run, "aws:s3/bucketPolicy:BucketPolicy", bucket);
      expect({ bucket: bucket.name, policies: policies.length }).toEqual({
        bucket: bucket.name,
        policies: 1,
      });
      const statements = parse(policies[0]?.inputs.policy).Statement as Record<string, unknown>[];
      expect(statements).toContainEqual(
        expect.objectContaining({
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: [bucket.state.arn, `${bucket.state.arn}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        }),
      );
    }
  });

  test("raw uploads are versioned; lifecycle rules abort stale multipart uploads and follow the retention settings", () => {
    const raw = one(run, "aws:s3/bucket:Bucket", "storage-raw");
    expect(
      configOf(run, "aws:s3/bucketVersioning:BucketVersioning", raw)[0]?.inputs
        .versioningConfiguration,
    ).toEqual({
      status: "Enabled",
    });
    const retention: Record<string, number> = {
      raw: run.settings.storage.rawRetentionDays,
      processed: run.settings.storage.processedRetentionDays,
      events: run.settings.storage.eventsRetentionDays,
    };
    for (const [role, days] of Object.entries(retention)) {
      const bucket = one(run, "aws:s3/bucket:Bucket", `storage-${role}`);
      const rules = configOf(
        run,
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        bucket,
      )[0]?.inputs.rules;
      expect(rules).toContainEqual(
        expect.objectContaining({ abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } }),
      );
      expect(rules).toContainEqual(expect.objectContaining({ expiration: { days } }));
    }
  });

  test("only stacks whose settings allow it may destroy non-empty buckets", () => {
    for (const role of ["raw", "processed", "events"]) {
      expect(one(run, "aws:s3/bucket:Bucket", `storage-${role}`).inputs.forceDestroy).toBe(
        run.settings.storage.forceDestroy,
      );
    }
    expect(run.settings.storage.forceDestroy).toBe(stack === "dev");
  });
});

describe.each(["dev", "prod"])("queues (%s)", (stack) => {
  let run: ProgramRun;
  let queues: RecordedResource[];
  beforeAll(async () => {
    run = await runProgram(stack);
    queues = byType(run, "aws:sqs/queue:Queue");
  });

  const dlqArns = () =>
    new Set(
      queues
        .filter((q) => q.inputs.redrivePolicy)
        .map((q) => parse(q.inputs.redrivePolicy).deadLetterTargetArn),
    );

  test("every queue is encrypted at rest", () => {
    for (const q of queues) {
      expect({
        queue: q.name,
        encrypted: q.inputs.sqsManagedSseEnabled === true || !!q.inputs.kmsMasterKeyId,
      }).toEqual({
        queue: q.name,
        encrypted: true,
      });
    }
  });

  test("every queue either redrives to a dead-letter queue of the stack or is one", () => {
    const arns = new Set(queues.map((q) => q.state.arn));
    const dlqs = dlqArns();
    for (const q of queues) {
      const redrive = q.inputs.redrivePolicy ? parse(q.inputs.redrivePolicy) : undefined;
      const ok =
        dlqs.has(q.state.arn) || (redrive !== undefined && arns.has(redrive.deadLetterTargetArn));
      expect({ queue: q.name, ok }).toEqual({ queue: q.name, ok: true });
    }
  });

  test("the pipeline's queues redrive after maxReceiveCount to DLQs that keep messages 14 days and accept only their source", () => {
    for (const key of ["preprocess", "events"]) {
      const queue = one(run, "aws:sqs/queue:Queue", `queues-${key}`);
      const dlq = one(run, "aws:sqs/queue:Queue", `queues-${key}-dlq`);
      expect(queue.inputs.name).toBe(`event-pipeline-${stack}-${key}`);
      expect(dlq.inputs.name).toBe(`event-pipeline-${stack}-${key}-dlq`);
      expect(parse(queue.inputs.redrivePolicy)).toEqual({
        deadLetterTargetArn: dlq.state.arn,
        maxReceiveCount: run.settings.queues.maxReceiveCount,
      });
      expect(dlq.inputs.messageRetentionSeconds).toBe(1209600);
      const allow = byType(run, "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy").find(
        (p) => p.inputs.queueUrl === dlq.state.url,
      );
      expect(parse(allow?.inputs.redriveAllowPolicy)).toEqual({
        redrivePermission: "byQueue",
        sourceQueueArns: [queue.state.arn],
      });
      expect(queue.inputs.receiveWaitTimeSeconds).toBe(20);
    }
  });

  test("a preprocess message stays invisible longer than a job is expected to run", () => {
    const queue = one(run, "aws:sqs/queue:Queue", "queues-preprocess");
    expect(queue.inputs.visibilityTimeoutSeconds).toBe(
      run.settings.queues.preprocessVisibilityTimeoutSeconds,
    );
    expect(queue.inputs.visibilityTimeoutSeconds).toBeGreaterThan(
      run.settings.queues.preprocessExpectedSeconds,
    );
  });

  test("every queue policy of the pipeline denies requests without TLS", () => {
    for (const policy of byType(run, "aws:sqs/queuePolicy:QueuePolicy").filter((p) =>
      p.name.startsWith("queues-"),
    )) {
      expect(parse(policy.inputs.policy).Statement).toContainEqual(
        expect.objectContaining({
          Effect: "Deny",
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        }),
      );
    }
  });

  test("only the raw bucket of this account may send to the preprocess queue", () => {
    const queue = one(run, "aws:sqs/queue:Queue", "queues-preprocess");
    const raw = one(run, "aws:s3/bucket:Bucket", "storage-raw");
    const policy = byType(run, "aws:sqs/queuePolicy:QueuePolicy").filter(
      (p) => p.inputs.queueUrl === queue.state.url,
    );
    expect(policy).toHaveLength(1);
    const allows = parse(policy[0]?.inputs.policy).Statement.filter(
      (s: { Effect: string }) => s.Effect === "Allow",
    );
    expect(allows).toEqual([
      {
        Sid: "AllowRawBucketNotifications",
        Effect: "Allow",
        Principal: { Service: "s3.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: queue.state.arn,
        Condition: {
          ArnEquals: { "aws:SourceArn": raw.state.arn },
          StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT },
        },
      },
    ]);
  });

  test("the raw bucket notifies the preprocess queue of input/*.csv and input/*.csv.gz creations, after the queue policy exists", () => {
    const notification = one(run, "aws:s3/bucketNotification:BucketNotification");
    const queue = one(run, "aws:sqs/queue:Queue", "queues-preprocess");
    expect(notification.inputs.bucket).toBe(
      one(run, "aws:s3/bucket:Bucket", "storage-raw").state.bucket,
    );
    expect(notification.inputs.queues).toEqual([
      {
        id: "preprocess-csv-uploads",
        queueArn: queue.state.arn,
        events: ["s3:ObjectCreated:*"],
        filterPrefix: "input/",
        filterSuffix: ".csv",
      },
      {
        id: "preprocess-csv-gz-uploads",
        queueArn: queue.state.arn,
        events: ["s3:ObjectCreated:*"],
        filterPrefix: "input/",
        filterSuffix: ".csv.gz",
      },
    ]);
    const policy = byType(run, "aws:sqs/queuePolicy:QueuePolicy").find(
      (p) => p.inputs.queueUrl === queue.state.url,
    );
    expect(policy && dependsOn(notification, policy)).toBe(true);
    expect(notification.inputs.eventbridge).toBe(run.settings.orchestration.enabled);
  });
});

test("with orchestration on, the same notification resource also feeds EventBridge", async () => {
  const run = await runProgram("dev", { "event-pipeline:orchestration": { enabled: true } });
  const notification = one(run, "aws:s3/bucketNotification:BucketNotification");
  expect(notification.name).toBe("queues-raw-notification");
  expect(notification.inputs.eventbridge).toBe(true);
  expect(notification.inputs.queues).toHaveLength(2);
});
