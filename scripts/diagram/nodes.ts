/**
 * The nodes the data-flow diagram draws for data stores and workloads (one per resource, labelled
 * with its role, name and the settings that matter for the flow).
 */
import type { ProgramRun, RecordedResource } from "../../harness/query";
import type { FlowBuilder } from "./builder";
import { bucketRole, displayName, TYPES } from "./graph";
import type { Workload } from "./workloads";

/** A duration in the largest unit that divides it (`14 d`, `5 min`, `900 s`). */
export function duration(seconds: number): string {
  const units: [number, string][] = [
    [86_400, "d"],
    [3_600, "h"],
    [60, "min"],
  ];
  const unit = units.find(([size]) => seconds > 0 && seconds % size === 0);
  return unit ? `${seconds / unit[0]} ${unit[1]}` : `${seconds} s`;
}

/** What a store is called in a label, by type (falls back to the type's last segment). */
const KINDS: Record<string, string> = {
  [TYPES.table]: "DynamoDB table",
  [TYPES.bus]: "EventBridge bus",
  [TYPES.topic]: "SNS topic",
};

// SQS defaults when a queue leaves them unset: 4 days' retention, 30 s visibility timeout
// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html).
const SQS_DEFAULT_RETENTION_SECONDS = 345_600;
const SQS_DEFAULT_VISIBILITY_SECONDS = 30;

/** Adds the node of a bucket or queue (or any resource) and returns its id. */
export function storeNode(b: FlowBuilder, run: ProgramRun, r: RecordedResource): string {
  if (r.type === TYPES.bucket) {
    return b.resource(r, "store", [`${bucketRole(run, r)} bucket`, displayName(r)]);
  }
  if (r.type === TYPES.queue) {
    const retention = `retention ${duration(Number(r.inputs.messageRetentionSeconds ?? SQS_DEFAULT_RETENTION_SECONDS))}`;
    const visibility = Number(r.inputs.visibilityTimeoutSeconds ?? SQS_DEFAULT_VISIBILITY_SECONDS);
    const details = r.inputs.redrivePolicy
      ? `visibility ${duration(visibility)} · ${retention}`
      : retention;
    return b.resource(r, "queue", [displayName(r), details]);
  }
  const kind = KINDS[r.type] ?? r.type.split(":").pop() ?? r.type;
  return b.resource(r, r.type === TYPES.table ? "store" : "box", [kind, displayName(r)]);
}

/** Adds the node of a workload (what it runs and its service account) and returns its id. */
export function workloadNode(b: FlowBuilder, w: Workload): string {
  const chart = w.resource.inputs;
  const what = w.command
    ? `processor ${w.command}`
    : `chart ${String(chart.chart)} ${String(chart.version ?? "")}`.trim();
  const lines = [`${w.kind} ${w.name}`, what, `as ${w.namespace}/${w.serviceAccount}`];
  return b.resource(w.resource, "box", lines, w.key);
}
