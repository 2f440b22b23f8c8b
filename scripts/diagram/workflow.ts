/**
 * The event-routed part of the data-flow diagram: EventBridge rules (their source, pattern and
 * targets, retries and dead letters), the Step Functions tasks of each state machine (which
 * service each touches, read from the definition), and SNS subscriptions.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- recorded inputs are untyped payloads. */
import type { ProgramRun, RecordedResource } from "../../harness/query";
import type { FlowBuilder, Uploads } from "./builder";
import { duration, storeNode, workloadNode } from "./nodes";
import { displayName, ofType, resolve, TYPES } from "./graph";
import type { Workload } from "./workloads";

/** The node of a rule's source: a bus, the bucket an S3 pattern names, or the AWS sources. */
function ruleSource(b: FlowBuilder, run: ProgramRun, rule: RecordedResource, pattern: any): string {
  const busName = rule.inputs.eventBusName as string | undefined;
  const bus = ofType(run, TYPES.bus).find((x) => x.id === busName);
  if (bus) return storeNode(b, run, bus);
  const bucketName = pattern.detail?.bucket?.name?.[0] as string | undefined;
  const bucket = bucketName ? resolve(run, `arn:aws:s3:::${bucketName}`) : undefined;
  if (bucket) return storeNode(b, run, bucket);
  const sources = ((pattern.source ?? []) as string[]).join(", ");
  return b.add(`events ${sources}`, "actor", [`${sources} events`, "default event bus"]);
}

/** A short text of a pattern's key filter (`Object Created · key prefix batch/`). */
function patternSummary(pattern: any): string | undefined {
  const prefixes = ((pattern.detail?.object?.key ?? []) as any[])
    .map((k) => (typeof k?.prefix === "string" ? `key prefix ${k.prefix}` : undefined))
    .filter((k): k is string => k !== undefined);
  const types = (pattern["detail-type"] ?? []) as string[];
  return prefixes.length ? [...types, ...prefixes].join(" · ") : undefined;
}

/** One rule with what it routes to. */
interface RoutedRule {
  readonly rule: RecordedResource;
  readonly pattern: any;
  readonly source: string;
  readonly targets: { target: RecordedResource; destination: RecordedResource }[];
}

function routedRules(b: FlowBuilder, run: ProgramRun): RoutedRule[] {
  const targets = ofType(run, TYPES.target);
  return ofType(run, TYPES.rule).map((rule) => {
    const pattern = JSON.parse(rule.inputs.eventPattern as string) as any;
    const mine = targets.filter(
      (t) => t.inputs.rule === rule.state.name || t.inputs.rule === rule.id,
    );
    return {
      rule,
      pattern,
      source: ruleSource(b, run, rule, pattern),
      targets: mine.flatMap((target) => {
        const destination = resolve(run, target.inputs.arn as string);
        return destination ? [{ target, destination }] : [];
      }),
    };
  });
}

function addRules(b: FlowBuilder, run: ProgramRun, uploads: Uploads): void {
  // Rules with the same source and destinations (Karpenter's four) share one node.
  const groups = new Map<string, RoutedRule[]>();
  for (const routed of routedRules(b, run)) {
    const key = `${routed.source} ${routed.targets.map((t) => t.destination.name).join(",")}`;
    groups.set(key, [...(groups.get(key) ?? []), routed]);
  }
  for (const [key, rules] of groups) {
    const first = rules[0] as RoutedRule;
    const title = rules.length > 1 ? `${rules.length} EventBridge rules` : "EventBridge rule";
    const named = rules.length === 1 && typeof first.rule.inputs.name === "string";
    const lines = named ? [title, displayName(first.rule)] : [title];
    const node = b.add(`rule ${key}`, "rule", lines, first.rule);
    const into = first.targets.map((t) => displayName(t.destination)).join(", ");
    for (const { rule, pattern } of rules) {
      const summary = patternSummary(pattern);
      const label = summary ?? ((pattern["detail-type"] ?? []) as string[]).join(", ");
      const prefix = summary ? /key prefix (\S+)/.exec(summary)?.[1] : undefined;
      const path = prefix ? `Uploads under ${prefix} → ${into}` : `AWS events → ${into}`;
      if (prefix) b.seed(path, uploads(prefix), first.source, `PUT ${prefix}*`);
      // A rule on a custom bus continues a path (the workflow's announcements); others start one.
      if (rule.inputs.eventBusName) b.edge(first.source, node, label);
      else b.seed(path, first.source, node, label);
    }
    for (const { target, destination } of first.targets) {
      const retry = target.inputs.retryPolicy as any;
      const label = retry
        ? `${retry.maximumRetryAttempts} retries within ${duration(retry.maximumEventAgeInSeconds)}`
        : undefined;
      b.edge(node, targetNode(b, run, destination), label);
      const dlqArn = target.inputs.deadLetterConfig?.arn as string | undefined;
      const dlq = dlqArn ? resolve(run, dlqArn) : undefined;
      if (dlq) b.edge(node, storeNode(b, run, dlq), "undeliverable events", "dotted");
    }
  }
}

function targetNode(b: FlowBuilder, run: ProgramRun, r: RecordedResource): string {
  if (r.type === TYPES.stateMachine) {
    const timeout = (JSON.parse(r.inputs.definition as string) as any).TimeoutSeconds as number;
    return b.resource(r, "box", ["Step Functions", displayName(r), `timeout ${duration(timeout)}`]);
  }
  return storeNode(b, run, r);
}

/** Every Task state of a definition (Parallel branches included), with its name. */
function taskStates(states: Record<string, any>): [string, any][] {
  return Object.entries(states).flatMap(([name, s]) => [
    ...(s.Type === "Task" ? [[name, s] as [string, any]] : []),
    ...((s.Branches ?? []) as any[]).flatMap((branch) => taskStates(branch.States ?? {})),
  ]);
}

/** Edges of a state machine's tasks to what they touch, labelled `State (service:action)`. */
function addTasks(
  b: FlowBuilder,
  run: ProgramRun,
  machine: RecordedResource,
  workloads: readonly Workload[],
): void {
  const definition = JSON.parse(machine.inputs.definition as string) as any;
  const sm = targetNode(b, run, machine);
  for (const [name, task] of taskStates(definition.States ?? {})) {
    const action = String(task.Resource).replace(/^arn:[^:]+:states:::(aws-sdk:)?/, "");
    const args = task.Parameters ?? task.Arguments ?? {};
    const label = `${name} (${action})`;
    if (action.startsWith("eks:runJob")) {
      const job = workloads.find((w) => w.resource === machine && w.name === name);
      const retries = ((task.Retry ?? []) as any[]).map((r) => r.MaxAttempts as number);
      const detail = `${label}, timeout ${duration(task.TimeoutSeconds as number)}, ${retries.join("/") || 0} retries`;
      if (job) b.edge(sm, workloadNode(b, job), detail);
      continue;
    }
    const reference = args.Bucket
      ? `arn:aws:s3:::${args.Bucket}`
      : (args.TableName ?? args.Entries?.[0]?.EventBusName ?? args.TopicArn);
    const target =
      typeof reference === "string"
        ? (resolve(run, reference) ?? ofType(run, TYPES.bus).find((x) => x.id === reference))
        : undefined;
    if (!target) {
      // A task on something the graph does not hold (an EMR on EKS job run) still shows.
      const task = b.resource(machine, "box", ["Step Functions task", name, action], name);
      b.edge(sm, task);
      continue;
    }
    const node = storeNode(b, run, target);
    if (/:(get|head|list)/i.test(action)) b.edge(node, sm, label);
    else b.edge(sm, node, label);
  }
}

/** Adds rules, state machines and subscriptions of the run to the data-flow builder. */
export function addWorkflow(
  b: FlowBuilder,
  run: ProgramRun,
  workloads: readonly Workload[],
  uploads: Uploads,
): void {
  addRules(b, run, uploads);
  for (const machine of ofType(run, TYPES.stateMachine)) addTasks(b, run, machine, workloads);
  const byProtocol = new Map<string, { topic: RecordedResource; count: number }>();
  for (const s of ofType(run, TYPES.subscription)) {
    const topic = resolve(run, s.inputs.topic as string);
    if (!topic) continue;
    const key = `${topic.name} ${String(s.inputs.protocol)}`;
    byProtocol.set(key, { topic, count: (byProtocol.get(key)?.count ?? 0) + 1 });
  }
  for (const [key, { topic, count }] of byProtocol) {
    const protocol = key.split(" ").pop() ?? "";
    const subscribers = b.add(`subscribers ${key}`, "actor", [
      `${count} ${protocol} subscription(s)`,
    ]);
    b.edge(targetNode(b, run, topic), subscribers);
  }
}
