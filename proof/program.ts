/**
 * What the proof reads from one program run under mocks: the state machine as deployed, the names
 * its integrations use, and every EventBridge rule's pattern.
 */
import { byType, one, type ProgramRun } from "../harness/program";
import type { Definition } from "../harness/stepfunctions";

/** The deployed state machine and the resources its definition names. */
export interface Orchestration {
  readonly definition: Definition;
  readonly rawBucket: string;
  readonly processedBucket: string;
  readonly lakeBucket: string;
  readonly tableName: string;
  readonly eventBusName: string;
  /** The raw key prefix the orchestrated path owns (`orchestration.prefix`). */
  readonly prefix: string;
}

/** The orchestration facts of a run, or undefined when the stack does not enable it. */
export function orchestrationOf(run: ProgramRun): Orchestration | undefined {
  if (byType(run, "aws:sfn/stateMachine:StateMachine").length === 0) return undefined;
  const machine = one(run, "aws:sfn/stateMachine:StateMachine");
  return {
    definition: JSON.parse(machine.inputs.definition as string) as Definition,
    rawBucket: one(run, "aws:s3/bucket:Bucket", "storage-raw").state.bucket as string,
    processedBucket: one(run, "aws:s3/bucket:Bucket", "storage-processed").state.bucket as string,
    lakeBucket: one(run, "aws:s3/bucket:Bucket", "orchestration-lake").state.bucket as string,
    tableName: one(run, "aws:dynamodb/table:Table").state.name as string,
    eventBusName: one(run, "aws:cloudwatch/eventBus:EventBus").state.name as string,
    prefix: run.settings.orchestration.prefix,
  };
}

/** One EventBridge rule: its logical name and parsed pattern. */
export interface Rule {
  readonly name: string;
  readonly pattern: Record<string, unknown>;
}

/** Every EventBridge rule the program creates. */
export function rulesOf(run: ProgramRun): Rule[] {
  return byType(run, "aws:cloudwatch/eventRule:EventRule").map((r) => ({
    name: r.name,
    pattern: JSON.parse(r.inputs.eventPattern as string) as Record<string, unknown>,
  }));
}
