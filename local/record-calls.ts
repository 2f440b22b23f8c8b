/**
 * `--record-calls FILE`: what every workload of a local run asked AWS, as the IAM requests the
 * proof decides. The processor's children and the KEDA scaler reach the emulator through the
 * recording proxy (proof/calls/proxy.ts), each signing with its workload's own access key; the
 * state machine's integration handlers append each request they answer (on AWS, Step Functions
 * makes those calls with the state machine's role). The file has the committed recordings' shape
 * (proof/calls/recorded.ts): workload label → normalised requests.
 */
import { writeFileSync } from "node:fs";
import { SQSClient } from "@aws-sdk/client-sqs";
import { distinctRequests } from "../proof/calls/iam-requests";
import {
  STATE_MACHINE_WORKLOAD,
  type IntegrationCall,
  type IntegrationTokens,
} from "../proof/calls/integrations";
import { integrationRequestSet, KEDA_OPERATOR_WORKLOAD } from "../proof/calls/derived";
import { startRecordingProxy, type RecordingProxy } from "../proof/calls/proxy";
import type { RecordedSet } from "../proof/calls/recorded";
import { EMULATOR_CREDENTIALS, type LocalResources } from "./emulator";
import type { WorkflowStack } from "./workflow/stack";

/** Processor command → the workload label it runs as (and signs with: its access key id). */
const WORKLOAD_OF_COMMAND: Readonly<Record<string, string>> = {
  preprocess: "preprocess",
  "preprocess-object": "preprocess-object",
  produce: "producer",
  consume: "consumer",
};

/** The access key id a processor command signs with: its workload's label. */
export function accessKeyOf(command: string): string {
  return WORKLOAD_OF_COMMAND[command] ?? command;
}

/** An SQS client for the local KEDA operator, signing as itself, to `endpoint`. */
export function kedaOperatorSqs(endpoint: string, region: string): SQSClient {
  return new SQSClient({
    region,
    endpoint,
    useQueueUrlAsEndpoint: false,
    credentials: { ...EMULATOR_CREDENTIALS, accessKeyId: KEDA_OPERATOR_WORKLOAD },
  });
}

/** A running recording. */
export interface CallRecorder {
  /** The proxy's endpoint: the children's and the KEDA scaler's AWS_ENDPOINT_URL. */
  readonly endpoint: string;
  readonly proxy: RecordingProxy;
  /** The state machine's integration calls (local/workflow/integrations.ts appends). */
  readonly integrationCalls: IntegrationCall[];
}

/** Starts recording in front of the emulator at `emulatorEndpoint`. */
export async function startCallRecorder(emulatorEndpoint: string): Promise<CallRecorder> {
  const proxy = await startRecordingProxy(emulatorEndpoint);
  return { endpoint: proxy.endpoint, proxy, integrationCalls: [] };
}

/** The run's physical names → the proof's template tokens (proof/iam/evaluate.ts). */
export function localTokens(
  resources: LocalResources,
  workflow: WorkflowStack | undefined,
): IntegrationTokens {
  const buckets: Record<string, string> = {
    [resources.rawBucket]: "raw",
    [resources.processedBucket]: "processed",
    [resources.eventsBucket]: "events",
    ...(workflow ? { [workflow.lakeBucket]: "lake" } : {}),
  };
  return {
    buckets,
    queues: {
      [resources.preprocessQueueUrl]: "preprocessQueue",
      [resources.preprocessDlqUrl]: "preprocessDlq",
      [resources.eventsQueueUrl]: "eventsQueue",
      [resources.eventsDlqUrl]: "eventsDlq",
    },
    // Every bucket of the stack is encrypted with the data key (infra/storage.ts, the lake too).
    kmsBuckets: new Set(Object.keys(buckets)),
    tables: workflow ? { [workflow.tableName]: "table" } : {},
    buses: workflow ? { [workflow.eventBusName]: "bus" } : {},
    clusters: workflow ? { [workflow.clusterName]: "cluster" } : {},
  };
}

/**
 * The recording as a recorded set: wire calls per signing access key (a key that is no workload's
 * shows up under its own name, for the test to reject), the state machine's integration calls.
 */
export function recordedSetOf(recorder: CallRecorder, names: IntegrationTokens): RecordedSet {
  const set: Record<string, RecordedSet[string]> = {};
  const keys = [...new Set(recorder.proxy.calls.map((c) => c.accessKeyId))].sort();
  for (const key of keys) {
    set[key] = distinctRequests(
      recorder.proxy.calls.filter((c) => c.accessKeyId === key),
      names,
    );
  }
  if (recorder.integrationCalls.length > 0) {
    set[STATE_MACHINE_WORKLOAD] = integrationRequestSet(recorder.integrationCalls, names);
  }
  return set;
}

/** Writes a recorded set as the committed files are written. */
export function writeRecordedSet(file: string, set: RecordedSet): void {
  writeFileSync(file, `${JSON.stringify(set, null, 2)}\n`);
}
