/**
 * A missing key must be a 404 NoSuchKey, not a 403: S3 answers a GetObject of a missing key with
 * 403 unless the caller also has s3:ListBucket on the bucket
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html, Permissions). Every reader
 * that tells "missing" from "denied" therefore lists the bucket, but only under what it reads.
 */
import type { PolicyDocument, PolicyStatement } from "../infra/iam/documents";
import { preprocessPolicy } from "../infra/identity";
import { jobRolePolicy, stateMachinePolicy } from "../infra/iam/orchestration";
import { byType, runProgram } from "../harness/program";

const arn = {
  raw: "arn:aws:s3:::raw",
  processed: "arn:aws:s3:::processed",
  lake: "arn:aws:s3:::lake",
  key: "arn:aws:kms:eu-west-1:123456789012:key/k",
  queue: "arn:aws:sqs:eu-west-1:123456789012:q",
};
const kms = { region: "eu-west-1" };

const listing = (doc: PolicyDocument): PolicyStatement[] =>
  doc.Statement.filter((s) => [s.Action].flat().includes("s3:ListBucket"));

describe("readers may list a bucket only under the prefix they read", () => {
  test("preprocess lists the raw bucket under input/ only", () => {
    const doc = preprocessPolicy({
      rawBucketArn: arn.raw,
      processedBucketArn: arn.processed,
      preprocessQueueArn: arn.queue,
      dataKeyArn: arn.key,
      kms,
    });
    expect(listing(doc)).toEqual([
      {
        Sid: "ListUploads",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: arn.raw,
        Condition: { StringLike: { "s3:prefix": ["input/*"] } },
      },
    ]);
  });

  test("the orchestrated job lists the raw bucket under its prefix only", () => {
    const doc = jobRolePolicy({
      rawBucketArn: arn.raw,
      prefix: "batch/",
      processedBucketArn: arn.processed,
      dataKeyArn: arn.key,
      kms,
    });
    expect(listing(doc)).toEqual([
      {
        Sid: "ListInputsUnderThePrefix",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: arn.raw,
        Condition: { StringLike: { "s3:prefix": ["batch/*"] } },
      },
    ]);
  });

  test("the state machine lists the processed bucket under its results roots (output-batch/, output-batch.gz/) only, so its NoSuchKey retrier can match", () => {
    const doc = stateMachinePolicy({
      rawBucketArn: arn.raw,
      prefix: "batch/",
      processedBucketArn: arn.processed,
      lakeBucketArn: arn.lake,
      dataKeyArn: arn.key,
      kms,
      tableArn: "arn:aws:dynamodb:eu-west-1:123456789012:table/t",
      eventBusArn: "arn:aws:events:eu-west-1:123456789012:event-bus/b",
      engine: { kind: "eks", clusterArn: "arn:aws:eks:eu-west-1:123456789012:cluster/c" },
    });
    expect(listing(doc)).toEqual([
      {
        Sid: "ListQualityMetrics",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: arn.processed,
        Condition: { StringLike: { "s3:prefix": ["output-batch.gz/*", "output-batch/*"] } },
      },
    ]);
  });

  test("no role of the orchestrated stack lists a bucket without an s3:prefix condition", async () => {
    const run = await runProgram("orchestrated");
    const statements = byType(run, "aws:iam/rolePolicy:RolePolicy").flatMap(
      (p) => (JSON.parse(p.inputs.policy as string) as PolicyDocument).Statement,
    );
    const lists = statements.filter((s) => [s.Action].flat().includes("s3:ListBucket"));
    expect(lists.length).toBeGreaterThanOrEqual(3);
    for (const s of lists) {
      expect(s.Condition?.StringLike?.["s3:prefix"]).toEqual(expect.any(Array));
    }
  });
});
