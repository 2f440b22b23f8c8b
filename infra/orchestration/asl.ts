/**
 * Types for the part of the Amazon States Language the orchestrated variant uses, so the state
 * machine definition is typed data (checked by the compiler, asserted by tests, validated with
 * asl-validator) rather than a string template. Reference: https://states-language.net/spec.html and
 * the Step Functions additions (QueryLanguage, JSONata `Output`, intrinsic functions).
 * Pure: types and tiny constructors only.
 */
import type { PayloadTemplate, PayloadValue } from "../../k8s/specs/batch-job";

/** A JSONPath reference (`$.a.b`, `$$.Execution.Id`) or an intrinsic call (`States.Format(...)`). */
export type JsonPathExpression = string;

/**
 * A payload template (`Parameters`, `ResultSelector`): keys ending in `.$` take a JSONPath or an
 * intrinsic; other keys are literal values, nested objects and arrays are templates in turn. Defined
 * with the Job manifest builder (k8s/specs/batch-job.ts), the one payload built outside this folder.
 */
export type { PayloadTemplate, PayloadValue };

/** A retrier: which errors, how often, how far apart. */
export interface Retrier {
  readonly ErrorEquals: readonly string[];
  /** Seconds before the first retry. */
  readonly IntervalSeconds?: number;
  /** Retries after the first attempt; 0 means "never retry these errors". */
  readonly MaxAttempts?: number;
  readonly BackoffRate?: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: "FULL" | "NONE";
}

/** A catcher: which errors go to which state, and where the error object lands in the input. */
export interface Catcher {
  readonly ErrorEquals: readonly string[];
  readonly Next: string;
  readonly ResultPath?: string | null;
}

/** How a state ends: either it names the next state or it is terminal. */
export type Transition =
  { readonly Next: string; readonly End?: never } | { readonly End: true; readonly Next?: never };

interface StateBase {
  readonly Comment?: string;
}

/** Input/output processing fields of JSONPath states. */
interface JsonPathIo {
  readonly InputPath?: string | null;
  readonly OutputPath?: string | null;
}

/** A Task state (JSONPath): calls a service integration. */
export type TaskState = StateBase &
  JsonPathIo &
  Transition & {
    readonly Type: "Task";
    /** `arn:<partition>:states:::<service>:<api>[.sync]` */
    readonly Resource: string;
    readonly Parameters?: PayloadTemplate;
    readonly ResultSelector?: PayloadTemplate;
    readonly ResultPath?: string | null;
    readonly TimeoutSeconds?: number;
    readonly HeartbeatSeconds?: number;
    readonly Retry?: readonly Retrier[];
    readonly Catch?: readonly Catcher[];
  };

/** A Pass state written in JSONata: computes its whole output. */
export type JsonataPassState = StateBase &
  Transition & {
    readonly Type: "Pass";
    readonly QueryLanguage: "JSONata";
    /** Values may embed JSONata expressions as `{% expression %}`. */
    readonly Output: PayloadTemplate;
  };

/** A Parallel state: runs its branches at once; the result is the array of branch outputs. */
export type ParallelState = StateBase &
  JsonPathIo &
  Transition & {
    readonly Type: "Parallel";
    readonly Branches: readonly Branch[];
    readonly ResultSelector?: PayloadTemplate;
    readonly ResultPath?: string | null;
    readonly Retry?: readonly Retrier[];
    readonly Catch?: readonly Catcher[];
  };

/** A Fail state: ends the execution as failed. */
export interface FailState extends StateBase {
  readonly Type: "Fail";
  readonly Error?: string;
  readonly Cause?: string;
}

/** A Succeed state: ends the execution (or branch) as successful. */
export interface SucceedState extends StateBase {
  readonly Type: "Succeed";
}

export type State = TaskState | JsonataPassState | ParallelState | FailState | SucceedState;

/** A branch of a Parallel state: a state machine of its own. */
export interface Branch {
  readonly Comment?: string;
  readonly StartAt: string;
  readonly States: Readonly<Record<string, State>>;
}

/** A whole state machine definition. */
export interface StateMachineDefinition extends Branch {
  readonly QueryLanguage?: "JSONPath" | "JSONata";
  /** Hard limit on one execution, seconds. */
  readonly TimeoutSeconds?: number;
}

/** The ARN of an optimized or AWS SDK integration: `arn:<partition>:states:::<integration>`. */
export function integrationArn(partition: string, integration: string): string {
  return `arn:${partition}:states:::${integration}`;
}

/** Every state of a definition, branches included, as `[name, state]` pairs. */
export function allStates(definition: Branch): [string, State][] {
  const out: [string, State][] = [];
  for (const [name, state] of Object.entries(definition.States)) {
    out.push([name, state]);
    if (state.Type === "Parallel") for (const b of state.Branches) out.push(...allStates(b));
  }
  return out;
}
