/**
 * The smoke test of the orchestrated stack proven against local mode: `npm start -- --stack
 * orchestrated --serve --outputs-json FILE` keeps the workflow running (S3's EventBridge
 * notification → the upload rule → state machine executions with real jobs → results table on
 * dynalite → bus → topic) and writes the orchestration outputs; `npm run smoke -- --outputs FILE`
 * passes against it with the item and the notification checked, removing its queue and its
 * subscription (left, and named, with --keep); with the results table deleted it fails at once,
 * saying what did not appear, where, and where to look next — and still removes them, as it does
 * when interrupted.
 */
import { DeleteTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  ListSubscriptionsByTopicCommand,
  SNSClient,
  UnsubscribeCommand,
} from "@aws-sdk/client-sns";
import { DeleteQueueCommand, ListQueuesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { OPTIONAL_OUTPUTS } from "../config";
import { loadStack } from "../local/stack";
import { cleanUp } from "../scripts/smoke/cleanup";
import { smokeClients } from "../scripts/smoke/clients";
import { parseSmokeOptions } from "../scripts/smoke/options";
import { checkOutputs, outputsProblems } from "../scripts/smoke/outputs";
import { newRunId, planSmoke } from "../scripts/smoke/plan";
import { upload } from "../scripts/smoke/send";
import { runSmoke } from "../scripts/smoke/run";
import { exitOf, waitFor } from "./support/local-run";
import {
  runSmokeAgainst,
  servedClientConfig,
  servedSuite,
  type Served,
} from "./support/serve-smoke";

const suite = servedSuite("smoke-local-workflow-", "orchestrated", [
  ...["--files", "1", "--no-bad-file", "--max-rows", "200", "--events", "20"],
]);
const { smoke } = suite;
const ROOT = join(__dirname, "..");

let local: Served;
let sns: SNSClient;
let sqs: SQSClient;

/** The topic's subscriptions and the emulator's queues whose name starts with `smoke-`. */
async function smokeLeftovers(): Promise<{ subscriptions: string[]; queues: string[] }> {
  const topic = String(local.outputs().notificationTopicArn);
  const subs = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topic }));
  const queues = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: "smoke-" }));
  return {
    subscriptions: (subs.Subscriptions ?? []).map((s) => s.Endpoint ?? "").sort(),
    queues: queues.QueueUrls ?? [],
  };
}

/** Runs `fn` with the served stack's credentials in this process's environment (the SDK's chain). */
async function withServedCredentials<T>(fn: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  Object.assign(process.env, local.vars);
  delete process.env.AWS_PROFILE;
  try {
    return await fn();
  } finally {
    for (const k of Object.keys(local.vars)) Reflect.deleteProperty(process.env, k);
    Object.assign(process.env, saved);
  }
}

beforeAll(() => {
  local = suite.local();
  sns = new SNSClient(servedClientConfig(local));
  sqs = new SQSClient(servedClientConfig(local));
});

afterAll(() => {
  sns?.destroy();
  sqs?.destroy();
});

it("writes the orchestration outputs beside the required ones, and DynamoDB's own endpoint for clients", () => {
  expect(local.output()).toContain("Workflow OK");
  const outputs = local.outputs();
  expect(outputsProblems(outputs, true)).toEqual([]);
  for (const name of OPTIONAL_OUTPUTS) expect(typeof outputs[name]).toBe("string");
  expect(outputs.resultsTableName).toBe("event-pipeline-orchestrated-batch-results");
  expect(outputs.stateMachineArn).toMatch(/:stateMachine:event-pipeline-orchestrated-batch$/);
  expect(local.vars.AWS_ENDPOINT_URL_DYNAMODB).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(local.vars.AWS_ENDPOINT_URL_DYNAMODB).not.toBe(local.vars.AWS_ENDPOINT_URL);
});

it("passes against the served orchestrated stack with the item and the notification checked, and removes its queue and subscription", async () => {
  const before = await suite.bucketKeys();
  const leftoversBefore = await smokeLeftovers();
  const run = await smoke();
  if (run.code !== 0)
    throw new Error(`smoke exited ${run.code}:\n${run.output}\n${local.output()}`);
  expect(run.output).toContain("smoke test passed");
  for (const step of [
    "workflow outputs \\(batch/\\)",
    "workflow item \\(batch/\\)",
    "workflow notification \\(batch/\\)",
  ]) {
    expect(run.output).toMatch(new RegExp(`  ${step} +\\d+\\.\\d s\\n`));
  }
  expect(run.output).toMatch(/workflow item \(batch\/\) ok \(SUCCEEDED, totalRows 50\)/);
  expect(run.output).toMatch(
    /workflow notification \(batch\/\) ok \(InputDataProcessed, total_rows 50\)/,
  );
  expect(run.output).toMatch(/DynamoDB http:\/\/127\.0\.0\.1:\d+/);
  expect(run.output).toMatch(/subscribed its own queue \S+smoke-\S+-notifications to arn:aws:sns:/);
  expect(run.output).toMatch(/removed \d+ object\(s\) it created and 1 results table item\(s\)\n/);
  expect(run.output).toMatch(/removed its subscription and queue \S+smoke-\S+-notifications\n/);
  // The upload went S3 → EventBridge's stand-in → the upload rule → an execution.
  expect(local.output()).toMatch(
    /serve: EventBridge notification: Object Created for batch\/smoke-\S+\.csv/,
  );
  expect(local.output()).toMatch(/execution \w+ for batch\/smoke-\S+\.csv: SUCCEEDED/);
  expect(await suite.bucketKeys()).toEqual(before);
  expect(await smokeLeftovers()).toEqual(leftoversBefore);
}, 90_000);

it("with --keep leaves its queue and subscription, and names them", async () => {
  const leftoversBefore = await smokeLeftovers();
  const run = await runSmokeAgainst(suite.runs, local, [...suite.smokeArgs(), "--keep"]);
  expect(run.code).toBe(0);
  const m =
    /--keep: left the queue (\S+) and its subscription (\S+); remove them with: aws sns unsubscribe --subscription-arn (\S+) --region eu-west-1 && aws sqs delete-queue --queue-url (\S+) --region eu-west-1\n/.exec(
      run.output,
    );
  if (!m) throw new Error(`no --keep line:\n${run.output}`);
  expect([m[3], m[4]]).toEqual([m[2], m[1]]);
  const after = await smokeLeftovers();
  expect(after.queues).toEqual([...leftoversBefore.queues, m[1]]);
  expect(after.subscriptions.length).toBe(leftoversBefore.subscriptions.length + 1);
  // What a user does with the commands it printed.
  await sns.send(new UnsubscribeCommand({ SubscriptionArn: m[3] }));
  await sqs.send(new DeleteQueueCommand({ QueueUrl: m[4] }));
  expect(await smokeLeftovers()).toEqual(leftoversBefore);
}, 90_000);

it("fails with exit 1 when the results table is gone, naming the item, the failure notification and where to look, and still removes its queue and subscription", async () => {
  const leftoversBefore = await smokeLeftovers();
  const dynamo = new DynamoDBClient(
    servedClientConfig(local, local.vars.AWS_ENDPOINT_URL_DYNAMODB),
  );
  const table = String(local.outputs().resultsTableName);
  await dynamo.send(new DeleteTableCommand({ TableName: table }));
  dynamo.destroy();
  const started = Date.now();
  const run = await smoke();
  expect(run.code).toBe(1);
  const out = run.output;
  // The job still writes its outputs; the state machine cannot record them.
  expect(out).toMatch(/ {2}workflow outputs \(batch\/\) +\d+\.\d s\n/);
  expect(out).toContain("FAILED workflow item (batch/):");
  expect(out).toContain(`the results table ${table} does not exist`);
  expect(out).toMatch(
    new RegExp(`expected in the results table ${table}, item objectKey = batch/smoke-`),
  );
  expect(out).toContain("FAILED workflow notification (batch/):");
  expect(out).toMatch(
    /notified InputDataProcessingFailed for batch\/smoke-\S+\.csv \(execution arn:aws:states:eu-west-1:000000000000:execution:event-pipeline-orchestrated-batch:[\w-]+\): \{"Error":"DynamoDB\.ResourceNotFoundException"/,
  );
  expect(out).toContain(
    "aws stepfunctions list-executions --state-machine-arn arn:aws:states:eu-west-1:000000000000:stateMachine:event-pipeline-orchestrated-batch --region eu-west-1",
  );
  expect(out).toMatch(
    /aws stepfunctions get-execution-history --execution-arn arn:aws:states:\S+:execution:event-pipeline-orchestrated-batch:[\w-]+ --region eu-west-1/,
  );
  expect(out).toContain(
    `aws dynamodb get-item --table-name ${table} --key '{"objectKey":{"S":"batch/smoke-`,
  );
  expect(out).toContain("rules DLQ event-pipeline-orchestrated-batch-rules-dlq");
  expect(out).toContain(
    "aws events list-rules --event-bus-name event-pipeline-orchestrated-pipeline --region eu-west-1",
  );
  expect(out).toContain(
    "smoke test failed: workflow item (batch/), workflow notification (batch/)",
  );
  expect(out).toMatch(/removed its subscription and queue \S+smoke-\S+-notifications\n/);
  // Both verdicts are final: the run does not wait out the steps' time limits.
  expect(Date.now() - started).toBeLessThan(60_000);
  expect(await smokeLeftovers()).toEqual(leftoversBefore);
}, 90_000);

it("an interrupted smoke test exits 130 and still removes its queue and subscription", async () => {
  const leftoversBefore = await smokeLeftovers();
  const run = suite.runs.script("scripts/smoke/main.ts", suite.smokeArgs(), local.env);
  await waitFor(run.output, /subscribed its own queue/, 20_000);
  expect((await smokeLeftovers()).queues.length).toBe(leftoversBefore.queues.length + 1);
  await waitFor(run.output, /^\[\d+\.\d s\] /m, 20_000);
  process.kill(run.proc.pid as number, "SIGTERM");
  expect(await exitOf(run.proc)).toEqual({ code: 130, signal: null });
  expect(run.output()).toMatch(/removed its subscription and queue \S+smoke-\S+-notifications\n/);
  expect(await smokeLeftovers()).toEqual(leftoversBefore);
}, 60_000);

it("a signal before anything is sent stops it there: nothing uploaded or sent, its queue removed, exit 130", async () => {
  const leftoversBefore = await smokeLeftovers();
  // The uploads bucket only: the interrupted run before this one left work in flight (its upload's
  // error report, its events) that lands in the other buckets whenever it finishes.
  const raw = `${String(local.outputs().rawBucketName)}/`;
  const uploads = async () => (await suite.bucketKeys()).filter((k) => k.startsWith(raw));
  const before = await uploads();
  const stop = new AbortController();
  let text = "";
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      // Ctrl-C right after the subscription, before the first upload.
      if (text.includes("subscribed its own queue")) stop.abort("SIGINT");
      done();
    },
  });
  const code = await withServedCredentials(() =>
    runSmoke(parseSmokeOptions(suite.smokeArgs()), {
      out,
      tty: false,
      root: ROOT,
      env: local.env,
      signal: stop.signal,
    }),
  );
  expect(code).toBe(130);
  expect(text).toContain("interrupted (SIGINT) before it had sent everything");
  expect(text).not.toMatch(/: uploading /);
  expect(text).toMatch(/removed its subscription and queue \S+smoke-\S+-notifications\n/);
  expect(await uploads()).toEqual(before);
  expect(await smokeLeftovers()).toEqual(leftoversBefore);
}, 60_000);

it("a clean-up that cannot list the results still removes the uploads, and says what it could not look at", async () => {
  const settings = loadStack("orchestrated", ROOT).settings;
  const outputs = checkOutputs(local.outputs(), true);
  const clients = smokeClients(settings.region, local.env);
  // ListObjectsV2 denied, as for a caller without s3:ListBucket on the processed bucket.
  clients.s3.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === "ListObjectsV2Command") throw new Error("Access Denied (test)");
      return next(args);
    },
    { step: "initialize", name: "denyListing" },
  );
  const plan = planSmoke(settings, { rows: 5, events: 2 }, newRunId());
  const first = plan.uploads[0]!;
  // Under no watched prefix: nothing processes it, so only the clean-up touches it.
  const probe = { ...first, key: `cleanup-probe/${plan.runId}.csv` };
  const created = [
    await withServedCredentials(() => upload(clients.s3, outputs.rawBucketName, probe)),
  ];
  let said = "";
  try {
    await withServedCredentials(() =>
      cleanUp(
        clients,
        plan,
        outputs,
        { created, eventObjects: { stored: new Map(), quarantined: new Map() } },
        false,
        (t) => (said += `${t}\n`),
      ),
    );
  } finally {
    clients.destroy();
  }
  expect(said).toContain(
    `removed 1 object(s) it created; could not remove: the results of ${first.key}`,
  );
  expect(said).toContain("Access Denied (test)");
  expect(await suite.bucketKeys()).not.toContain(`${outputs.rawBucketName}/${probe.key}`);
}, 30_000);

it("stops serving on SIGTERM with exit 0", async () => {
  process.kill(local.proc.pid as number, "SIGTERM");
  expect(await exitOf(local.proc)).toEqual({ code: 0, signal: null });
}, 60_000);
