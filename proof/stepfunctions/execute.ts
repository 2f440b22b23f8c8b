/**
 * Executes the deployed state machine definition with aws-local-stepfunctions (a maintained ASL
 * interpreter: JSONPath paths, payload templates, intrinsics, ResultSelector/ResultPath, Parallel,
 * Retry and Catch as Step Functions applies them), with the service integrations answered by the
 * in-memory {@link World}.
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
import { World, type Faults } from "./world";

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

/** The outcome of one execution. */
export interface Execution {
  readonly status: "SUCCEEDED" | "FAILED";
  readonly output?: any;
  /** The execution's error (`Error` and `Cause`) when it failed. */
  readonly error?: { Error: string; Cause: unknown };
  readonly world: World;
  /** Retries per state, from the execution's event history. */
  readonly retries: Record<string, number>;
  /** States entered, in order (branch states included). */
  readonly entered: string[];
}

/** How one execution starts. */
export interface ExecutionInput {
  readonly definition: Definition;
  readonly event: any;
  readonly faults?: Faults;
  /** The metrics the job writes. */
  readonly metrics: Record<string, unknown>;
  /** Objects that exist before the execution: `[bucket, key, body, versionId]`. */
  readonly objects: readonly (readonly [string, string, string, string])[];
  /** The context object (the interpreter does not fill `$$.State`). */
  readonly context: Record<string, any>;
}

const prepared = new Map<string, { machine: StateMachine; executable: Definition }>();

/**
 * The interpreter's machine for a definition, validated once (validation compiles the ASL schema,
 * seconds; a machine runs any number of executions).
 */
function prepare(definition: Definition): { machine: StateMachine; executable: Definition } {
  const key = JSON.stringify(definition);
  let entry = prepared.get(key);
  if (!entry) {
    const executable = executableDefinition(definition);
    // checkArn: the stand-in Resource is not a real integration ARN.
    const machine = new StateMachine(executable as never, {
      validationOptions: { checkArn: false },
    });
    entry = { machine, executable };
    prepared.set(key, entry);
  }
  return entry;
}

/** One entry of the interpreter's event history (the package does not export its type). */
type EventLog =
  ReturnType<StateMachine["run"]>["eventLogs"] extends AsyncGenerator<infer E> ? E : never;

/** Runs the definition once against a fresh world. */
export async function execute(input: ExecutionInput): Promise<Execution> {
  const world = new World(input.faults ?? {}, input.metrics);
  for (const [bucket, key, body, version] of input.objects) world.put(bucket, key, body, version);
  const original = Object.fromEntries(statesOf(input.definition));
  const handlers: Record<string, (request: any) => Promise<any>> = {};
  const retryIntervalOverrides: Record<string, number> = {};
  const { machine, executable } = prepare(input.definition);
  for (const [name, state] of statesOf(executable)) {
    if (state.Retry) retryIntervalOverrides[name] = 0;
    if (state.Type !== "Task") continue;
    const handler = integration(world, name, state.Resource as string, original[name], input);
    handlers[name] = async (request) => handler(request);
  }
  const run = machine.run(input.event, {
    overrides: { taskResourceLocalHandlers: handlers as never, retryIntervalOverrides },
    context: input.context as never,
  });
  const log: EventLog[] = [];
  const collect = (async () => {
    for await (const e of run.eventLogs) log.push(e);
  })();
  let status: Execution["status"] = "SUCCEEDED";
  let output: unknown;
  let error: Execution["error"];
  try {
    output = await run.result;
  } catch {
    status = "FAILED";
  }
  await collect;
  for (const e of log) {
    if (e.type === "ExecutionFailed") error = { Error: e.Error, Cause: e.Cause };
  }
  const retries: Record<string, number> = {};
  const entered: string[] = [];
  for (const e of log) {
    if (e.type === "StateRetried") retries[e.state.name] = (retries[e.state.name] ?? 0) + 1;
    if (e.type === "StateEntered") entered.push(e.state.name);
  }
  return { status, output, error, world, retries, entered };
}

/** The local handler of one Task state, chosen by its integration. */
function integration(
  world: World,
  name: string,
  resource: string,
  original: any,
  input: ExecutionInput,
): (request: any) => unknown {
  const api = resource.replace(/^arn:[^:]+:states:::/, "");
  switch (api) {
    case "proof:jsonata-pass":
      return (request) =>
        evaluateJsonataOutput(original.Output, { input: request, context: input.context });
    case "eks:runJob.sync":
      return (request) => world.runJob(name, request);
    case "aws-sdk:s3:copyObject":
      return (request) => world.copyObject(name, request);
    case "aws-sdk:s3:getObject":
      return (request) => world.getObject(name, request);
    case "dynamodb:updateItem":
      return (request) => world.updateItem(name, request);
    case "events:putEvents":
      return (request) => world.putEvents(name, request);
    default:
      throw new Error(`${name}: no local handler for ${resource}; add one to proof/stepfunctions`);
  }
}
