/**
 * Running the program's state machine definition in aws-local-stepfunctions (a maintained ASL
 * interpreter: JSONPath paths, payload templates, intrinsics, ResultSelector/ResultPath, Parallel,
 * Retry, Catch and TimeoutSeconds as Step Functions applies them), shared by the proof
 * (proof/stepfunctions, in-memory services) and local mode (local/workflow, emulated services).
 *
 * aws-local-stepfunctions 3.0.0 has no JSONata. The definition's one JSONata state (DescribeInput:
 * a Pass state that derives the processor's output prefix and URL-encodes CopySource, which no
 * JSONPath intrinsic can do — there is no substring, replace or URL encoding among them) is the
 * only part it cannot run; {@link executableDefinition} turns exactly that state into a Task whose
 * local handler evaluates the state's own `Output` with the `jsonata` library (the implementation
 * Step Functions' JSONata states are specified against), binding `$states.input` and
 * `$states.context`. Every other state runs unchanged.
 */
import { StateMachine } from "aws-local-stepfunctions";
import jsonata from "jsonata";

/* eslint-disable @typescript-eslint/no-explicit-any -- ASL definitions and payloads are JSON */

/** The Resource of the stand-in Task for a JSONata Pass state. */
export const JSONATA_PASS_RESOURCE = "arn:aws:states:::proof:jsonata-pass";

/** A definition as JSON (the program's `definition` string, parsed). */
export type Definition = { StartAt: string; States: Record<string, any>; [k: string]: unknown };

/** Every state, branches included, as `[name, state]`. */
export function statesOf(definition: { States: Record<string, any> }): [string, any][] {
  return Object.entries(definition.States).flatMap(([name, state]) => [
    [name, state] as [string, any],
    ...((state.Branches ?? []) as Definition[]).flatMap(statesOf),
  ]);
}

/** Names of the JSONata states (the ones the interpreter cannot run). */
export function jsonataStates(definition: Definition): string[] {
  const topLevel = definition.QueryLanguage === "JSONata";
  return statesOf(definition)
    .filter(
      ([, s]) => s.QueryLanguage === "JSONata" || (topLevel && s.QueryLanguage !== "JSONPath"),
    )
    .map(([name]) => name);
}

/**
 * The definition as the interpreter runs it: each JSONata *Pass* state becomes a Task with
 * {@link JSONATA_PASS_RESOURCE}; any other JSONata state is refused (it would need a real port).
 */
export function executableDefinition(definition: Definition): Definition {
  const convert = (d: Definition): Definition => ({
    ...d,
    QueryLanguage: undefined,
    States: Object.fromEntries(
      Object.entries(d.States).map(([name, s]) => {
        if (s.QueryLanguage === "JSONata") {
          if (s.Type !== "Pass" || !s.Output) {
            throw new Error(`${name}: only JSONata Pass states with Output can be stood in for`);
          }
          const { Comment, Next, End } = s;
          return [name, { Type: "Task", Comment, Resource: JSONATA_PASS_RESOURCE, Next, End }];
        }
        return [name, s.Branches ? { ...s, Branches: s.Branches.map(convert) } : s];
      }),
    ),
  });
  if (definition.QueryLanguage === "JSONata") throw new Error("a JSONata definition cannot run");
  return JSON.parse(JSON.stringify(convert(definition))) as Definition;
}

/** Evaluates a JSONata state's `Output` template: every `{% … %}` string, recursively. */
export async function evaluateJsonataOutput(template: unknown, states: object): Promise<unknown> {
  if (typeof template === "string") {
    const m = /^\{%(.*)%\}$/s.exec(template);
    return m ? jsonata(m[1] as string).evaluate({}, { states }) : template;
  }
  if (Array.isArray(template)) {
    return Promise.all(template.map((t) => evaluateJsonataOutput(t, states)));
  }
  if (template && typeof template === "object") {
    const entries = await Promise.all(
      Object.entries(template).map(async ([k, v]) => [k, await evaluateJsonataOutput(v, states)]),
    );
    return Object.fromEntries(entries);
  }
  return template;
}

/**
 * An error as a Step Functions task reports it: `name` is the `Error` Retry and Catch match on,
 * the message its `Cause` (the interpreter reads both from the thrown error).
 */
export class TaskError extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}

/** A prepared machine and the executable definition it runs. */
export interface PreparedMachine {
  readonly machine: StateMachine;
  readonly executable: Definition;
  /** The original definition's states by name (a stand-in Task's handler needs its `Output`). */
  readonly original: Readonly<Record<string, any>>;
}

const prepared = new Map<string, PreparedMachine>();

/**
 * The interpreter's machine for a definition, validated once by the interpreter's own asl-validator
 * (validation compiles the ASL schema, seconds; a machine runs any number of executions).
 * `transform` may rewrite the executable definition after validation (local mode scales its
 * intervals and timeouts by the run's time scale).
 */
export function prepareMachine(
  definition: Definition,
  transform?: { readonly key: string; readonly apply: (d: Definition) => Definition },
): PreparedMachine {
  const cacheKey = `${transform?.key ?? ""}\u0000${JSON.stringify(definition)}`;
  let entry = prepared.get(cacheKey);
  if (!entry) {
    const validated = executableDefinition(definition);
    // checkArn: the stand-in Resource is not a real integration ARN.
    let machine = new StateMachine(validated as never, {
      validationOptions: { checkArn: false },
    });
    let executable = validated;
    if (transform) {
      executable = transform.apply(validated);
      machine = new StateMachine(executable as never, { validationOptions: { noValidate: true } });
    }
    entry = { machine, executable, original: Object.fromEntries(statesOf(definition)) };
    prepared.set(cacheKey, entry);
  }
  return entry;
}

/** One entry of the interpreter's event history (the package does not export its type). */
export type EventLog =
  ReturnType<StateMachine["run"]>["eventLogs"] extends AsyncGenerator<infer E> ? E : never;

/** The integration of a Task's Resource: `eks:runJob.sync`, `aws-sdk:s3:copyObject`, … */
export function integrationOf(resource: string): string {
  return resource.replace(/^arn:[^:]+:states:::/, "");
}

/** The local handler of the JSONata stand-in Task of state `name`. */
export function jsonataPassHandler(
  machine: PreparedMachine,
  name: string,
  context: object,
): (request: unknown) => Promise<unknown> {
  const original = machine.original[name];
  return (request) => evaluateJsonataOutput(original.Output, { input: request, context });
}
