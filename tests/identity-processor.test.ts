/**
 * The roles against the code that uses them: every AWS SDK call the processor's source makes for a
 * workload must be an action that workload's policy allows. A new call (or a helper such as
 * lib-storage's `Upload`, which issues calls of its own) without its permission fails here instead
 * of failing with AccessDenied in the cluster.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { consumerPolicy, preprocessPolicy, producerPolicy } from "../infra/identity";
import { jobRolePolicy } from "../infra/iam/orchestration";
import type { PolicyDocument } from "../infra/iam/documents";

const SRC = join(__dirname, "..", "processor", "src");

/** The IAM actions each SDK command (or helper) needs. An unknown command fails the test. */
const ACTIONS_OF: Record<string, string[]> = {
  GetObjectCommand: ["s3:GetObject"],
  PutObjectCommand: ["s3:PutObject"],
  // Create/UploadPart/Complete are s3:PutObject; the clean-up after a failure is its own action.
  Upload: ["s3:PutObject", "s3:AbortMultipartUpload"],
  ReceiveMessageCommand: ["sqs:ReceiveMessage"],
  DeleteMessageCommand: ["sqs:DeleteMessage"],
  DeleteMessageBatchCommand: ["sqs:DeleteMessage"],
  ChangeMessageVisibilityCommand: ["sqs:ChangeMessageVisibility"],
  ChangeMessageVisibilityBatchCommand: ["sqs:ChangeMessageVisibility"],
  SendMessageCommand: ["sqs:SendMessage"],
  SendMessageBatchCommand: ["sqs:SendMessage"],
  GetQueueAttributesCommand: ["sqs:GetQueueAttributes"],
};

/** The SDK commands and helpers a source file constructs (`new XCommand(`, `new Upload(`). */
function sdkCallsIn(source: string): string[] {
  return [...source.matchAll(/\bnew\s+(\w+Command|Upload)\s*\(/g)].map((m) => m[1] as string);
}

function actionsOf(files: string[]): Set<string> {
  const out = new Set<string>();
  for (const file of files) {
    for (const call of sdkCallsIn(readFileSync(join(SRC, file), "utf8"))) {
      const actions = ACTIONS_OF[call];
      if (!actions) throw new Error(`${file} calls ${call}: add its IAM actions to ACTIONS_OF`);
      actions.forEach((a) => out.add(a));
    }
  }
  return out;
}

function allowed(doc: PolicyDocument): Set<string> {
  return new Set(
    doc.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => [s.Action].flat() as string[]),
  );
}

const A = {
  raw: "arn:aws:s3:::raw",
  processed: "arn:aws:s3:::processed",
  events: "arn:aws:s3:::events",
  key: "arn:aws:kms:eu-west-1:123456789012:key/k",
  preprocessQ: "arn:aws:sqs:eu-west-1:123456789012:p",
  eventsQ: "arn:aws:sqs:eu-west-1:123456789012:e",
};
const kms = { region: "eu-west-1" };

/**
 * Per role: the files its command runs, and calls it may lack on purpose (with the reason).
 */
const ROLES: [string, PolicyDocument, string[], Record<string, string>][] = [
  [
    "preprocess",
    preprocessPolicy({
      rawBucketArn: A.raw,
      processedBucketArn: A.processed,
      preprocessQueueArn: A.preprocessQ,
      dataKeyArn: A.key,
      kms,
    }),
    [
      "preprocess/command.ts",
      "preprocess/job.ts",
      "preprocess/redelivery.ts",
      "preprocess/object-processing.ts",
      "preprocess/transfer.ts",
    ],
    {},
  ],
  [
    "orchestrated processing job (preprocess-object)",
    jobRolePolicy({
      rawBucketArn: A.raw,
      prefix: "batch/",
      processedBucketArn: A.processed,
      dataKeyArn: A.key,
      kms,
    }),
    // It runs object-processing.ts's processObject (checked below), never the queue job.
    ["preprocess/object-command.ts", "preprocess/object-processing.ts", "preprocess/transfer.ts"],
    {},
  ],
  ["producer", producerPolicy({ eventsQueueArn: A.eventsQ }), ["events/producer.ts"], {}],
  [
    "consumer",
    consumerPolicy({
      eventsQueueArn: A.eventsQ,
      eventsBucketArn: A.events,
      dataKeyArn: A.key,
      kms,
    }),
    [
      "events/consumer.ts",
      "events/receiver.ts",
      "events/object-writer.ts",
      "events/message-deleter.ts",
    ],
    {
      "sqs:GetQueueAttributes":
        "only `consume --until-empty` (local runs) reads the depth, and it falls back to empty receives",
    },
  ],
];

describe("every AWS call a workload's code makes is allowed by its role", () => {
  test("the source scan finds the calls it is meant to find", () => {
    expect(sdkCallsIn("await new Upload({}); s.send(new GetObjectCommand({}))")).toEqual([
      "Upload",
      "GetObjectCommand",
    ]);
    const preprocess = [
      "preprocess/job.ts",
      "preprocess/redelivery.ts",
      "preprocess/object-processing.ts",
      "preprocess/transfer.ts",
    ];
    expect(actionsOf(preprocess)).toEqual(
      new Set([
        "s3:GetObject",
        "s3:PutObject",
        "s3:AbortMultipartUpload",
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
      ]),
    );
  });

  test("the consumer's files are the ones that make its calls (a split must not drop one)", () => {
    const consumer = ROLES.find(([role]) => role === "consumer")?.[2] ?? [];
    expect(actionsOf(consumer)).toEqual(
      new Set([
        "sqs:ReceiveMessage",
        "sqs:GetQueueAttributes",
        "sqs:DeleteMessage",
        "s3:PutObject",
      ]),
    );
  });

  test.each(ROLES)("%s", (_role, policy, files, mayLack) => {
    const granted = allowed(policy);
    const missing = [...actionsOf(files)].filter((a) => !granted.has(a) && !(a in mayLack));
    expect(missing).toEqual([]);
  });

  test("the orchestrated job's processing is the queue job's processing (same module)", () => {
    const object = readFileSync(join(SRC, "preprocess/object-command.ts"), "utf8");
    const queue = readFileSync(join(SRC, "preprocess/job.ts"), "utf8");
    const from = /import \{[^}]*\bprocessObject\b[^}]*\} from "\.\/object-processing"/;
    expect(object).toMatch(from);
    expect(queue).toMatch(from);
  });
});
