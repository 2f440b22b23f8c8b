/**
 * `npm run diagram`: the committed docs/architecture.md and README block are what the generator
 * writes for every stack file (so they cannot go stale), and each diagram shows what the stack's
 * resource graph holds — every queue and bucket, every component, every Pod Identity binding,
 * and the paths with the stack's own settings. After an intended change: `npm run diagram`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { KEYS, UPLOAD_SUFFIXES } from "@pipeline/processor/contract";
import { byType, runProgram, stackNames, type ProgramRun } from "../harness/program";
import { componentTree, identityBindings } from "../scripts/diagram/components";
import { dataFlow, dataFlowModel } from "../scripts/diagram/dataflow";
import { stackDiagrams } from "../scripts/diagram/document";
import { generatedFiles, OUTPUTS } from "../scripts/diagram/main";
import type { Flowchart, FlowNode } from "../scripts/diagram/mermaid";
import { dataPaths } from "../scripts/diagram/paths";

const ROOT = join(__dirname, "..");
const STACKS = stackNames();

/** The name of the queue behind a stack output holding its URL. */
function queueName(run: ProgramRun, output: string): string {
  return (run.outputs[output] as string).split("/").pop() ?? "?";
}

/** Every node of a chart, grouped or not. */
function allNodes(chart: Flowchart): FlowNode[] {
  return [...chart.nodes, ...chart.groups.flatMap((g) => g.nodes)];
}

/** The node with a label line for each of `parts` (the line itself or its first words). */
function node(chart: Flowchart, ...parts: string[]): FlowNode {
  const found = allNodes(chart).filter((n) =>
    parts.every((p) => n.lines.some((l) => l === p || l.startsWith(`${p} `))),
  );
  if (found.length !== 1) {
    throw new Error(`${found.length} nodes labelled ${parts.join(" + ")}`);
  }
  return found[0] as FlowNode;
}

/** The label of the edge from → to (throws when there is none). */
function edge(chart: Flowchart, from: FlowNode, to: FlowNode): string {
  const found = chart.edges.find((e) => e.from === from.id && e.to === to.id);
  if (!found) throw new Error(`no edge ${from.lines.join(" ")} → ${to.lines.join(" ")}`);
  return found.label ?? "";
}

describe.each(STACKS)("the diagrams of %s", (stack) => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram(stack);
  });

  test("the data flow shows every queue and bucket of the resource graph by its name", () => {
    const text = allNodes(dataFlow(run))
      .map((n) => n.lines.join("\n"))
      .join("\n");
    const resources = [
      ...byType(run, "aws:sqs/queue:Queue"),
      ...byType(run, "aws:s3/bucket:Bucket"),
    ];
    expect(resources.length).toBeGreaterThanOrEqual(7);
    for (const r of resources) {
      const name = (r.inputs.name ?? r.inputs.bucketPrefix ?? `${r.name}-`) as string;
      expect(text).toContain(name);
    }
  });

  test("the per-path diagrams together show every queue and bucket, and each path starts at an upload, an AWS event or a sender", () => {
    const { chart, paths } = dataFlowModel(run);
    const split = dataPaths(chart, paths);
    const text = split.flatMap((p) => allNodes(p.chart).map((n) => n.lines.join("\n"))).join("\n");
    for (const r of [
      ...byType(run, "aws:sqs/queue:Queue"),
      ...byType(run, "aws:s3/bucket:Bucket"),
    ]) {
      expect(text).toContain((r.inputs.name ?? r.inputs.bucketPrefix ?? `${r.name}-`) as string);
    }
    const titles = split.map((p) => p.title);
    expect(titles).toContain(
      `Uploads under ${KEYS.inputPrefix} → ${queueName(run, "preprocessQueueUrl")}`,
    );
    expect(titles).toContain(`Deployment producer → ${queueName(run, "eventsQueueUrl")}`);
    if (run.settings.orchestration.enabled) {
      expect(
        titles.some((t) => t.startsWith(`Uploads under ${run.settings.orchestration.prefix} → `)),
      ).toBe(true);
    }
  });

  test("the component tree has one group per component", () => {
    const components = run.resources.filter((r) => !r.parent && r.type.startsWith("pipeline:"));
    const titles = componentTree(run).groups.map((g) => g.title);
    expect(titles).toEqual(components.map((c) => `${c.type.split(":").pop()} · ${c.name}`));
  });

  test("the identity diagram binds each Pod Identity role to its service account and workload", () => {
    const chart = identityBindings(run);
    const associations = byType(run, "aws:eks/podIdentityAssociation:PodIdentityAssociation");
    expect(associations.length).toBeGreaterThanOrEqual(5);
    for (const a of associations) {
      const account = `${a.inputs.namespace}/${a.inputs.serviceAccount}`;
      const link = node(chart, "Pod Identity association", account);
      const role = byType(run, "aws:iam/role:Role").find((r) => r.state.arn === a.inputs.roleArn);
      expect(edge(chart, node(chart, "IAM role", role?.name ?? "?"), link)).toBe("");
      const sa = node(chart, "ServiceAccount", account);
      edge(chart, link, sa);
      const workloads = chart.edges.filter((e) => e.from === sa.id && e.label === "runs as");
      expect(workloads.length).toBeGreaterThan(0);
    }
  });

  test("the KEDA path carries the stack's filters, redrive and scaler settings", () => {
    const chart = dataFlow(run);
    const { queues, keda } = run.settings;
    const raw = node(chart, "raw bucket");
    const preprocess = node(
      chart,
      `${run.outputs.preprocessQueueUrl as string}`.split("/").pop() ?? "?",
    );
    const notification = edge(chart, raw, preprocess);
    for (const suffix of UPLOAD_SUFFIXES)
      expect(notification).toContain(`${KEYS.inputPrefix}*${suffix}`);
    const dlq = node(chart, queueName(run, "preprocessDlqUrl"));
    expect(edge(chart, preprocess, dlq)).toBe(`after ${queues.maxReceiveCount} receives`);
    const scaledJob = node(chart, "KEDA ScaledJob");
    expect(scaledJob.lines).toContain(`pollingInterval ${keda.preprocess.pollingInterval} s`);
    expect(scaledJob.lines.join(" ")).toContain(
      `maxReplicaCount ${keda.preprocess.maxReplicaCount}`,
    );
    expect(edge(chart, preprocess, scaledJob)).toContain(
      `queueLength ${keda.preprocess.targetQueueLength}`,
    );
    const job = node(chart, "processor preprocess");
    expect(edge(chart, scaledJob, job)).toBe("starts jobs");
    expect(edge(chart, preprocess, job)).toBe("receives");
    const writes = edge(chart, job, node(chart, "processed bucket"));
    expect(writes).toContain(`${KEYS.outputPrefix}*`);
    expect(writes).toContain(`${KEYS.errorsPrefix}${KEYS.inputPrefix}*`);
  });

  test("the events path goes producer → queue → consumer → events and quarantine", () => {
    const chart = dataFlow(run);
    const queue = node(chart, queueName(run, "eventsQueueUrl"));
    expect(edge(chart, node(chart, "processor produce"), queue)).toBe("sends");
    const consumer = node(chart, "processor consume");
    expect(edge(chart, queue, consumer)).toBe("receives");
    const scaler = node(chart, "KEDA ScaledObject");
    expect(edge(chart, queue, scaler)).toContain(
      `queueLength ${run.settings.keda.consumer.queueLength}`,
    );
    expect(scaler.lines).toContain(
      `replicas ${run.settings.keda.consumer.minReplicas}–${run.settings.keda.consumer.maxReplicas}`,
    );
    const stored = edge(chart, consumer, node(chart, "events bucket"));
    expect(stored).toBe(`writes ${KEYS.eventsPrefix}*, ${KEYS.quarantinePrefix}*`);
  });
});

test("the orchestrated data flow goes S3 → EventBridge rule → Step Functions → EKS job → lake, DynamoDB and bus → SNS", async () => {
  const run = await runProgram("orchestrated");
  const chart = dataFlow(run);
  const prefix = run.settings.orchestration.prefix;
  const raw = node(chart, "raw bucket");
  const uploads = byType(run, "aws:cloudwatch/eventRule:EventRule").find((r) =>
    String(r.inputs.eventPattern).includes('"aws.s3"'),
  );
  const rule = node(chart, "EventBridge rule", uploads?.inputs.name as string);
  expect(edge(chart, raw, rule)).toContain(`key prefix ${prefix}`);
  const machineName = byType(run, "aws:sfn/stateMachine:StateMachine")[0]?.inputs.name as string;
  const machine = node(chart, "Step Functions", machineName);
  expect(edge(chart, rule, machine)).toMatch(/retries/);
  const job = node(chart, "Step Functions job");
  expect(edge(chart, machine, job)).toContain("eks:runJob");
  expect(edge(chart, raw, job)).toBe(`reads ${prefix}*`);
  expect(edge(chart, machine, node(chart, "lake bucket"))).toContain("s3:copyObject");
  expect(edge(chart, machine, node(chart, "DynamoDB table"))).toContain("dynamodb:");
  const bus = node(chart, "EventBridge bus");
  expect(edge(chart, machine, bus)).toContain("events:putEvents");
  const announcements = allNodes(chart).find((n) =>
    chart.edges.some((e) => e.from === bus.id && e.to === n.id),
  );
  expect(announcements?.lines).toEqual(["EventBridge rule"]);
  const topic = node(chart, "SNS topic");
  expect(edge(chart, announcements as FlowNode, topic)).toMatch(/retries/);
  const subscribers = run.settings.orchestration.notificationEmails.length;
  expect(edge(chart, topic, node(chart, `${subscribers} email subscription(s)`))).toBe("");
});

test("the dev data flow has no orchestrated path", async () => {
  const chart = dataFlow(await runProgram("dev"));
  expect(allNodes(chart).some((n) => n.lines.includes("Step Functions"))).toBe(false);
});

test("the EMR variant of the workflow (no stack file yet) still draws every queue and bucket in checked diagrams", async () => {
  const run = await runProgram("dev", {
    "event-pipeline:orchestration": { enabled: true, engine: "emr" },
  });
  const diagrams = stackDiagrams(run);
  const text = diagrams.paths.map((p) => p.diagram).join("\n");
  for (const r of [...byType(run, "aws:sqs/queue:Queue"), ...byType(run, "aws:s3/bucket:Bucket")]) {
    expect(text).toContain((r.inputs.name ?? r.inputs.bucketPrefix ?? `${r.name}-`) as string);
  }
  expect(text).toMatch(/Step Functions task<br\/>\w+<br\/>emr-containers:startJobRun/);
  expect(diagrams.paths.map((p) => p.title)).toContain(
    `Uploads under ${run.settings.orchestration.prefix} → ${
      byType(run, "aws:sfn/stateMachine:StateMachine")[0]?.inputs.name as string
    }`,
  );
});

// Last in the file: the runs above (one per stack, each in its own beforeAll) are cached by then.
test("the committed docs/architecture.md and README block are what npm run diagram writes for every stack file", async () => {
  const diagrams = [];
  for (const stack of STACKS) diagrams.push(stackDiagrams(await runProgram(stack)));
  const readme = readFileSync(join(ROOT, OUTPUTS.readme), "utf8");
  const files = generatedFiles(diagrams, readme);
  for (const [path, expected] of Object.entries(files)) {
    const committed = readFileSync(join(ROOT, path), "utf8");
    if (committed !== expected) throw new Error(`${path} is stale: run npm run diagram`);
  }
  expect(Object.keys(files).sort()).toEqual([OUTPUTS.architecture, OUTPUTS.readme].sort());
}, 120_000);

test("the README keeps its two commands first and opens with the dev data flow right after them", () => {
  const lines = readFileSync(join(ROOT, OUTPUTS.readme), "utf8").split("\n");
  expect(lines[4]).toMatch(/^ {4}npm ci && npm start/);
  expect(lines[5]).toMatch(/^ {4}npm ci && npm test/);
  expect(lines[7]).toContain("diagram:start");
  expect(lines[9]).toBe("```mermaid");
});
