/**
 * The calls of the two workloads that run no code of ours, derived from what the program deploys
 * rather than listed by hand:
 * - KEDA's operator: its aws-sqs-queue scaler asks `GetQueueAttributes` of each trigger's
 *   `queueURL` (the approximate visible, in-flight and delayed counts) every polling interval,
 *   with the operator's own credentials (KEDA 2.20, pkg/scalers/aws_sqs_queue_scaler.go,
 *   `getAwsSqsQueueLength`); IAM decides `sqs:GetQueueAttributes` on the queue's ARN. The triggers
 *   are read from the ScaledObjects and ScaledJobs of the program run.
 * - The state machine: the integration calls of the proof's executions of the exact definition
 *   the program deploys (proof/stepfunctions), mapped to IAM requests by ./integrations.ts.
 */
import { byType, MOCK_PARTITION, type ProgramRun } from "../../harness/program";
import { SQS_TRIGGER_TYPE } from "../../k8s/specs/keda";
import type { CallSpec } from "../iam/calls";
import { orchestrationOf, type Orchestration } from "../program";
import { runScenarios } from "../stepfunctions/scenarios";
import { requestId, type RecordedRequest } from "./iam-requests";
import {
  integrationRequests,
  STATE_MACHINE_WORKLOAD,
  type IntegrationCall,
  type IntegrationTokens,
} from "./integrations";

/* eslint-disable @typescript-eslint/no-explicit-any -- Kubernetes objects are JSON */

/** The label KEDA's operator is decided under (proof/iam/calls.ts). */
export const KEDA_OPERATOR_WORKLOAD = "keda-operator";

/** The kinds whose triggers KEDA's operator polls. */
const KEDA_KINDS = [
  "kubernetes:keda.sh/v1alpha1:ScaledObject",
  "kubernetes:keda.sh/v1alpha1:ScaledJob",
];

/**
 * An SQS queue URL (`https://sqs.<region>.amazonaws.com/<account>/<name>`) → the queue's ARN
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-queue-message-identifiers.html).
 */
export function queueArnOfUrl(url: string, partition = MOCK_PARTITION): string {
  const m = /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/(\d{12})\/([^/]+)$/.exec(url);
  if (!m) throw new Error(`not an SQS queue URL: ${url}`);
  return `arn:${partition}:sqs:${m[1] ?? ""}:${m[2] ?? ""}:${m[3] ?? ""}`;
}

/** The distinct aws-sqs-queue trigger queue URLs of the run's ScaledObjects and ScaledJobs. */
export function kedaTriggerQueueUrls(run: ProgramRun): string[] {
  const urls = new Set<string>();
  for (const kind of KEDA_KINDS) {
    for (const r of byType(run, kind)) {
      const triggers = ((r.inputs as any).spec?.triggers ?? []) as any[];
      for (const t of triggers) {
        if (t.type === SQS_TRIGGER_TYPE) urls.add(String(t.metadata?.queueURL));
      }
    }
  }
  return [...urls].sort();
}

/** KEDA's operator's calls: `sqs:GetQueueAttributes` on every queue a trigger scales on. */
export function kedaOperatorCalls(run: ProgramRun): CallSpec[] {
  return kedaTriggerQueueUrls(run).map((url) => ({
    action: "sqs:GetQueueAttributes",
    resource: queueArnOfUrl(url),
    why: `KEDA's aws-sqs-queue scaler polls ${url}`,
  }));
}

/** The state machine's names → tokens, as proof/iam/evaluate.ts resolves them. */
export function orchestrationTokens(o: Orchestration, clusterName: string): IntegrationTokens {
  return {
    buckets: { [o.rawBucket]: "raw", [o.processedBucket]: "processed", [o.lakeBucket]: "lake" },
    queues: {},
    kmsBuckets: new Set([o.rawBucket, o.processedBucket, o.lakeBucket]),
    tables: { [o.tableName]: "table" },
    buses: { [o.eventBusName]: "bus" },
    clusters: { [clusterName]: "cluster" },
  };
}

/** The distinct IAM requests of integration calls, sorted. */
export function integrationRequestSet(
  calls: readonly IntegrationCall[],
  names: IntegrationTokens,
): RecordedRequest[] {
  const byId = new Map<string, RecordedRequest>();
  for (const call of calls) {
    for (const r of integrationRequests(call, names)) byId.set(requestId(r), r);
  }
  return [...byId.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, r]) => r);
}

/** The state machine's calls in the proof's executions of the deployed definition. */
export async function stateMachineCalls(run: ProgramRun): Promise<CallSpec[]> {
  const o = orchestrationOf(run);
  if (!o) return [];
  const calls = (await runScenarios(o)).flatMap((r) => r.execution.integrationCalls);
  const names = orchestrationTokens(o, String(run.outputs.clusterName));
  return integrationRequestSet(calls, names).map((r) => ({
    ...r,
    why: "made by an execution of the deployed definition",
  }));
}

/** Workload label → its derived calls. */
export async function derivedCalls(run: ProgramRun): Promise<Record<string, CallSpec[]>> {
  return {
    [KEDA_OPERATOR_WORKLOAD]: kedaOperatorCalls(run),
    [STATE_MACHINE_WORKLOAD]: await stateMachineCalls(run),
  };
}
