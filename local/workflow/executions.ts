/**
 * Executions of the program's state machine, started the way EventBridge starts them: every
 * S3 `Object Created` event of the raw bucket is matched against the upload rule's own pattern,
 * and a match starts one execution with the event as its input (the rule's target passes the
 * event unchanged). Each execution runs in aws-local-stepfunctions with the local integrations;
 * its states in flight are followed from the interpreter's event history for the live view.
 */
import { randomUUID } from "node:crypto";
import { matches } from "../../harness/event-patterns";
import {
  prepareMachine,
  statesOf,
  type Definition,
  type EventLog,
  type PreparedMachine,
} from "../../harness/stepfunctions";
import { integrationHandler, type Services } from "./integrations";
import type { ObjectCreatedEvent } from "./s3-events";
import { timeScaledDefinition } from "./timing";

/* eslint-disable @typescript-eslint/no-explicit-any -- execution data is JSON */

/** Where an execution is. */
export type ExecutionStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";

/** One execution as the run follows it. */
export interface ExecutionRecord {
  readonly name: string;
  readonly arn: string;
  readonly key: string;
  readonly startedAt: number;
  endedAt?: number;
  status: ExecutionStatus;
  /** States entered and not yet left (both branches of the Parallel state while they run). */
  readonly inFlight: Set<string>;
  /** Every state entered, in order. */
  readonly entered: string[];
  /** Retries per state. */
  readonly retries: Record<string, number>;
  /** The execution's error, when it failed. */
  error?: { Error: string; Cause: unknown };
}

/** Runs executions of one definition against local services. */
export class Executions {
  readonly records: ExecutionRecord[] = [];
  /** Object Created events seen (the upload rule matched those with a record). */
  eventsSeen = 0;
  /** Most executions running at once. */
  peakRunning = 0;
  private readonly running = new Map<ExecutionRecord, { abort(): void; done: Promise<void> }>();
  /** Per running execution, the scope its jobs start in (ended by a failed Parallel branch). */
  private readonly scopes = new Map<ExecutionRecord, { current: AbortController }>();
  private readonly machine: PreparedMachine;
  private stopped = false;

  constructor(
    private readonly services: Services,
    timeScale: number,
    private readonly note: (text: string) => void,
  ) {
    const definition = services.workflow.definition as unknown as Definition;
    this.machine = prepareMachine(definition, {
      key: `time-scale ${timeScale}`,
      apply: (d) => timeScaledDefinition(d, timeScale),
    });
  }

  /** Executions not yet ended. */
  get active(): number {
    return this.running.size;
  }

  /**
   * EventBridge's part: the event reaches the upload rule; a match starts an execution. Returns
   * the execution, or undefined when the rule does not match (e.g. a KEDA-path upload).
   */
  onObjectCreated(event: ObjectCreatedEvent): ExecutionRecord | undefined {
    this.eventsSeen++;
    if (this.stopped) return undefined;
    if (!matches({ ...this.services.workflow.uploadRule.pattern }, { ...event })) return undefined;
    return this.start(event);
  }

  private start(event: ObjectCreatedEvent): ExecutionRecord {
    const w = this.services.workflow;
    const name = randomUUID();
    const arn = `${w.stateMachineArn.replace(":stateMachine:", ":execution:")}:${name}`;
    const record: ExecutionRecord = {
      name,
      arn,
      key: event.detail.object.key,
      startedAt: Date.now(),
      status: "RUNNING",
      inFlight: new Set(),
      entered: [],
      retries: {},
    };
    this.records.push(record);
    // The context object: the interpreter fills Execution.Input/StartTime, not $$.State, so
    // EnteredTime is read when a state's Parameters read it, i.e. as the state is entered.
    const context = {
      Execution: { Id: arn, Name: name, RoleArn: `${w.stateMachineArn}-role` },
      StateMachine: { Id: w.stateMachineArn, Name: w.stateMachineName },
      State: {
        get EnteredTime() {
          return new Date().toISOString();
        },
      },
    };
    // Step Functions stops the other branches of a Parallel state when one fails, and a stopped
    // runJob.sync task deletes its Job; the interpreter aborts the sibling branch but cannot reach
    // a running local handler, so the jobs this execution starts share a scope that a failed
    // branch (or a retry of the Parallel state, which starts afresh) ends. "If any branch fails,
    // ... the entire Parallel state fails and all its branches are stopped":
    // https://docs.aws.amazon.com/step-functions/latest/dg/state-parallel.html
    const scope = { current: new AbortController() };
    this.scopes.set(record, scope);
    const handlers: Record<string, (request: any) => Promise<unknown>> = {};
    for (const [state, def] of statesOf(this.machine.executable)) {
      if (def.Type !== "Task") continue;
      handlers[state] = integrationHandler(
        this.services,
        this.machine,
        state,
        def.Resource,
        context,
        () => scope.current.signal,
      );
    }
    const run = this.machine.machine.run(event as never, {
      overrides: { taskResourceLocalHandlers: handlers as never },
      context: context as never,
    });
    const follow = (async () => {
      for await (const e of run.eventLogs) this.follow(record, e);
    })();
    const done = (async () => {
      try {
        await run.result;
        record.status = "SUCCEEDED";
      } catch (err) {
        const name = err instanceof Error ? err.name : "";
        record.status =
          name === "ExecutionAbortedError"
            ? "ABORTED"
            : name === "ExecutionTimeoutError"
              ? "TIMED_OUT"
              : "FAILED";
      }
      await follow;
      // An execution that ended (stopped, timed out) leaves no job running.
      scope.current.abort();
      this.scopes.delete(record);
      record.endedAt = Date.now();
      record.inFlight.clear();
      this.running.delete(record);
      const took = ((record.endedAt - record.startedAt) / 1000).toFixed(1);
      const why = record.error ? ` (${record.error.Error})` : "";
      this.note(
        `execution ${name.slice(0, 8)} for ${record.key}: ${record.status}${why} in ${took} s`,
      );
    })();
    this.running.set(record, { abort: run.abort, done });
    this.peakRunning = Math.max(this.peakRunning, this.running.size);
    this.note(
      `execution ${name.slice(0, 8)} started for ${record.key} (rule ${w.uploadRule.name})`,
    );
    return record;
  }

  private follow(record: ExecutionRecord, e: EventLog): void {
    switch (e.type) {
      case "StateEntered":
        record.inFlight.add(e.state.name);
        record.entered.push(e.state.name);
        break;
      case "StateExited":
      case "StateFailed":
        record.inFlight.delete(e.state.name);
        break;
      case "StateRetried":
        record.retries[e.state.name] = (record.retries[e.state.name] ?? 0) + 1;
        if (e.state.type === "Parallel") this.renewScope(record);
        break;
      case "ParallelBranchFailed":
        this.scopes.get(record)?.current.abort();
        break;
      case "ExecutionFailed":
        record.error = { Error: e.Error, Cause: e.Cause };
        break;
      default:
        break;
    }
  }

  /** A retried Parallel state runs its branches afresh: jobs may start again. */
  private renewScope(record: ExecutionRecord): void {
    const scope = this.scopes.get(record);
    if (scope?.current.signal.aborted) scope.current = new AbortController();
  }

  /** Resolves when every execution started so far has ended. */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()].map((r) => r.done));
  }

  /** Aborts every running execution (Step Functions' StopExecution); no new one starts. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const r of this.running.values()) r.abort();
    await this.settled();
  }
}
