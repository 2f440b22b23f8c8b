/**
 * What the smoke test prints: a progress line per look, each step's latency at the end, and for a
 * step that did not pass, what did not appear, where it should be, and where to look next (the
 * DLQs, the alarm topic, the kubectl commands for the jobs and the consumer; for the orchestrated
 * variant the executions in Step Functions, the item, the rules and the topic's subscriptions).
 * Pure.
 */
import type { PipelineOutputs } from "../../config";
import { RESULTS_TABLE_KEY } from "../../config/workflow-names";
import { selectorLabels } from "../../k8s/specs/common";
import type { StepBudget } from "./budget";
import type { StepStatus } from "./checks";
import { workflowPlaces } from "./outputs";

/** The kinds of step, which decide where to look next. */
export type StepKind = "outputs" | "workflow" | "item" | "notification" | "stored" | "quarantined";

/** A step as the report sees it. */
export interface StepResult {
  readonly kind: StepKind;
  readonly name: string;
  /** Where it must appear (`s3://bucket/prefix`, or the table and key of an item, or a queue). */
  readonly where: string;
  readonly budget: StepBudget;
  readonly status: StepStatus;
  /** Seconds from the sending until it passed; undefined when it did not. */
  readonly latencySeconds: number | undefined;
  readonly timedOut: boolean;
  /** The uploaded key the step is about (orchestrated steps). */
  readonly subject?: string;
}

/** Messages in a queue (undefined when it could not be read). */
export type Depth = { readonly visible: number; readonly inFlight: number } | undefined;

/** Depths of the queues and DLQs when the run ended. */
export interface QueueDepths {
  readonly preprocess: Depth;
  readonly preprocessDlq: Depth;
  readonly events: Depth;
  readonly eventsDlq: Depth;
  /** The orchestrated variant's rules' DLQ (undefined also when the stack has none). */
  readonly rulesDlq?: Depth;
}

const show = (d: Depth) =>
  d === undefined ? "unreadable" : `${d.visible} visible, ${d.inFlight} in flight`;

const label = (workload: "consumer" | "preprocess") =>
  Object.entries(selectorLabels(workload))
    .map(([k, v]) => `${k}=${v}`)
    .join(",");

/** Where to look when the orchestrated variant's item or notification did not appear. */
function workflowHints(
  step: Pick<StepResult, "kind" | "subject" | "status">,
  outputs: PipelineOutputs,
  region: string,
  depths: QueueDepths,
): string[] {
  const r = `--region ${region}`;
  const places = workflowPlaces(outputs);
  const execution = step.status.executionArn;
  const hints = [
    `aws stepfunctions list-executions --state-machine-arn ${outputs.stateMachineArn ?? "?"} ${r} --max-results 10` +
      `   (the one whose input names ${step.subject ?? "the upload"})`,
    execution
      ? `aws stepfunctions get-execution-history --execution-arn ${execution} ${r} --reverse-order --max-results 20`
      : "aws stepfunctions get-execution-history --execution-arn <its executionArn> " +
        `${r} --reverse-order --max-results 20`,
    `aws dynamodb get-item --table-name ${outputs.resultsTableName ?? "?"} --key ` +
      `'${JSON.stringify({ [RESULTS_TABLE_KEY]: { S: step.subject ?? "?" } })}' ${r}`,
  ];
  if (places) {
    hints.push(
      `rules DLQ ${places.rulesDlqName}: ${show(depths.rulesDlq)} (events EventBridge could not ` +
        `deliver to the state machine or the topic; aws sqs get-queue-url --queue-name ${places.rulesDlqName} ${r})`,
    );
    if (step.kind === "item") {
      hints.push(`aws events describe-rule --name ${places.uploadRuleName} ${r}   (ENABLED?)`);
    }
  }
  if (step.kind === "notification") {
    hints.push(
      `aws events list-rules --event-bus-name ${outputs.eventBusName ?? "?"} ${r}   (the announcement rule, ENABLED?)`,
      `aws sns list-subscriptions-by-topic --topic-arn ${outputs.notificationTopicArn ?? "?"} ${r}`,
    );
  }
  return hints;
}

/** The commands and places to look at when a step of `kind` did not pass. */
export function lookNext(
  kind: StepKind,
  outputs: PipelineOutputs,
  region: string,
  depths: QueueDepths,
  step: Pick<StepResult, "subject" | "status"> = { status: { done: false, detail: "" } },
): string[] {
  const ns = outputs.workloadNamespace;
  const common = [
    `aws eks update-kubeconfig --name ${outputs.clusterName} --region ${region}`,
    `kubectl -n ${outputs.kedaNamespace} logs deploy/keda-operator --tail 100`,
    `alarms: SNS topic ${outputs.alarmTopicArn}, dashboard ${outputs.dashboardName}`,
  ];
  if (kind === "item" || kind === "notification") {
    return [
      ...workflowHints({ ...step, kind }, outputs, region, depths),
      ...common,
      `kubectl -n ${ns} get jobs,pods   (the workflow's job)`,
      `kubectl -n ${ns} logs -l ${label("preprocess")} --tail 100`,
    ];
  }
  if (kind === "outputs" || kind === "workflow") {
    return [
      `preprocess queue ${outputs.preprocessQueueUrl}: ${show(depths.preprocess)}`,
      `preprocess DLQ ${outputs.preprocessDlqUrl}: ${show(depths.preprocessDlq)}`,
      ...common,
      kind === "outputs"
        ? `kubectl -n ${ns} get scaledjob,jobs,pods -l ${label("preprocess")}`
        : `kubectl -n ${ns} get jobs,pods   (the workflow's job; state machine ${outputs.stateMachineArn ?? "?"})`,
      `kubectl -n ${ns} logs -l ${label("preprocess")} --tail 100`,
    ];
  }
  return [
    `events queue ${outputs.eventsQueueUrl}: ${show(depths.events)}` +
      (depths.events && depths.events.visible > 0 ? " (waiting: is a consumer receiving?)" : ""),
    `events DLQ ${outputs.eventsDlqUrl}: ${show(depths.eventsDlq)}`,
    ...common,
    `kubectl -n ${ns} get scaledobject,hpa,deploy,pods -l ${label("consumer")}`,
    `kubectl -n ${ns} logs -l ${label("consumer")} --tail 100`,
  ];
}

/** One line of live progress: each step's state. */
export function progressLine(elapsedSeconds: number, steps: readonly StepResult[]): string {
  const parts = steps.map((s) => {
    const mark =
      s.latencySeconds !== undefined ? "ok" : s.status.failure || s.timedOut ? "FAIL" : "..";
    return `${s.name} ${mark} (${s.status.detail})`;
  });
  return `[${elapsedSeconds.toFixed(1)} s] ${parts.join(" | ")}`;
}

/** The final report: latencies, and for each failed step what, where and where to look next. */
export function finalReport(
  steps: readonly StepResult[],
  outputs: PipelineOutputs,
  region: string,
  depths: QueueDepths,
): string {
  const lines = ["", "step latencies (from sending):"];
  const width = Math.max(...steps.map((s) => s.name.length));
  for (const s of steps) {
    const value =
      s.latencySeconds !== undefined
        ? `${s.latencySeconds.toFixed(1)} s`
        : `did not pass (${s.status.detail})`;
    lines.push(`  ${s.name.padEnd(width)}  ${value}`);
  }
  const failed = steps.filter((s) => s.latencySeconds === undefined);
  if (failed.length === 0) {
    lines.push("", "smoke test passed: every step appeared with the right contents");
    return `${lines.join("\n")}\n`;
  }
  for (const s of failed) {
    lines.push("", `FAILED ${s.name}:`);
    lines.push(
      s.status.failure ??
        `did not appear within ${s.budget.seconds.toFixed(0)} s (${s.budget.because}); ` +
          `found ${s.status.detail}`,
    );
    lines.push(`  expected ${s.where.startsWith("s3://") ? "under" : "in"} ${s.where}`);
    lines.push("  look next:");
    for (const hint of lookNext(s.kind, outputs, region, depths, s)) lines.push(`    ${hint}`);
  }
  if (failed.some((s) => s.kind === "stored" || s.kind === "quarantined")) {
    lines.push(
      "",
      "The events that were not stored stay in the events queue (a smoke test cannot take them out " +
        "without receiving other producers' events): a consumer stores them when it runs, under " +
        "the folders above, and the queue's retention drops them otherwise.",
    );
  }
  lines.push("", `smoke test failed: ${failed.map((s) => s.name).join(", ")}`);
  return `${lines.join("\n")}\n`;
}

/** A note when a DLQ holds more at the end than at the start (a message of this run, likely). */
export function dlqNote(before: QueueDepths, after: QueueDepths): string | undefined {
  const total = (d: QueueDepths["eventsDlq"]) => (d ? d.visible + d.inFlight : 0);
  const names = { preprocessDlq: "preprocess", eventsDlq: "events", rulesDlq: "rules" } as const;
  const grew = (["preprocessDlq", "eventsDlq", "rulesDlq"] as const).filter(
    (q) => total(after[q]) > total(before[q]),
  );
  if (grew.length === 0) return undefined;
  return `smoke: note: ${grew
    .map((q) => `the ${names[q]} DLQ grew from ${total(before[q])} to ${total(after[q])}`)
    .join(", ")} during the run`;
}
