/**
 * What the smoke test prints: a progress line per look, each step's latency at the end, and for a
 * step that did not pass, what did not appear, where it should be, and where to look next (the
 * DLQs, the alarm topic, the kubectl commands for the jobs and the consumer). Pure.
 */
import type { PipelineOutputs } from "../../config";
import { selectorLabels } from "../../k8s/specs/common";
import type { StepBudget } from "./budget";
import type { StepStatus } from "./checks";

/** The kinds of step, which decide where to look next. */
export type StepKind = "outputs" | "workflow" | "stored" | "quarantined";

/** A step as the report sees it. */
export interface StepResult {
  readonly kind: StepKind;
  readonly name: string;
  /** Where its objects must appear (`s3://bucket/prefix`). */
  readonly where: string;
  readonly budget: StepBudget;
  readonly status: StepStatus;
  /** Seconds from the sending until it passed; undefined when it did not. */
  readonly latencySeconds: number | undefined;
  readonly timedOut: boolean;
}

/** Messages in a queue (undefined when it could not be read). */
export type Depth = { readonly visible: number; readonly inFlight: number } | undefined;

/** Depths of the queues and DLQs when the run ended. */
export interface QueueDepths {
  readonly preprocess: Depth;
  readonly preprocessDlq: Depth;
  readonly events: Depth;
  readonly eventsDlq: Depth;
}

const show = (d: Depth) =>
  d === undefined ? "unreadable" : `${d.visible} visible, ${d.inFlight} in flight`;

const label = (workload: "consumer" | "preprocess") =>
  Object.entries(selectorLabels(workload))
    .map(([k, v]) => `${k}=${v}`)
    .join(",");

/** The commands and places to look at when a step of `kind` did not pass. */
export function lookNext(
  kind: StepKind,
  outputs: PipelineOutputs,
  region: string,
  depths: QueueDepths,
): string[] {
  const ns = outputs.workloadNamespace;
  const common = [
    `aws eks update-kubeconfig --name ${outputs.clusterName} --region ${region}`,
    `kubectl -n ${outputs.kedaNamespace} logs deploy/keda-operator --tail 100`,
    `alarms: SNS topic ${outputs.alarmTopicArn}, dashboard ${outputs.dashboardName}`,
  ];
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
    lines.push(`  expected under ${s.where}`);
    lines.push("  look next:");
    for (const hint of lookNext(s.kind, outputs, region, depths)) lines.push(`    ${hint}`);
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
  const grew = (["preprocessDlq", "eventsDlq"] as const).filter(
    (q) => total(after[q]) > total(before[q]),
  );
  if (grew.length === 0) return undefined;
  return `smoke: note: ${grew
    .map(
      (q) =>
        `the ${q === "eventsDlq" ? "events" : "preprocess"} DLQ grew from ${total(before[q])} to ${total(after[q])}`,
    )
    .join(", ")} during the run`;
}
