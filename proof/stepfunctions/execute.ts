/**
 * Executes the deployed state machine definition with aws-local-stepfunctions, with the service
 * integrations answered by the in-memory {@link World} (the interpreter's preparation and the
 * JSONata stand-in are in harness/stepfunctions, which local mode shares).
 */
import {
  integrationOf,
  jsonataPassHandler,
  prepareMachine,
  statesOf,
  type Definition,
  type EventLog,
  type PreparedMachine,
} from "../../harness/stepfunctions";
import { recordingHandler, type IntegrationCall } from "../calls/integrations";
import { World, type Faults } from "./world";

/* eslint-disable @typescript-eslint/no-explicit-any -- ASL definitions and payloads are JSON */

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
  /** Every integration call the execution made: what Step Functions asks AWS on its behalf. */
  readonly integrationCalls: IntegrationCall[];
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

/** Runs the definition once against a fresh world. */
export async function execute(input: ExecutionInput): Promise<Execution> {
  const world = new World(input.faults ?? {}, input.metrics);
  for (const [bucket, key, body, version] of input.objects) world.put(bucket, key, body, version);
  const handlers: Record<string, (request: any) => Promise<any>> = {};
  const integrationCalls: IntegrationCall[] = [];
  const retryIntervalOverrides: Record<string, number> = {};
  const prepared = prepareMachine(input.definition);
  const { machine, executable } = prepared;
  for (const [name, state] of statesOf(executable)) {
    if (state.Retry) retryIntervalOverrides[name] = 0;
    if (state.Type !== "Task") continue;
    const resource = state.Resource as string;
    const handler = integration(world, name, resource, prepared, input);
    handlers[name] = recordingHandler(resource, handler, integrationCalls);
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
  return { status, output, error, world, retries, entered, integrationCalls };
}

/** The local handler of one Task state, chosen by its integration. */
function integration(
  world: World,
  name: string,
  resource: string,
  prepared: PreparedMachine,
  input: ExecutionInput,
): (request: any) => unknown {
  switch (integrationOf(resource)) {
    case "proof:jsonata-pass":
      return jsonataPassHandler(prepared, name, input.context);
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
