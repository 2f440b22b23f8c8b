/**
 * What a program run recorded, and the small queries tests make of it (by type, by name suffix, by
 * URN, dependencies), plus `promiseOf` for a single Output.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- recorded inputs and state are untyped
   provider payloads that tests index freely. */
import type { Settings } from "../config";

/** One resource the program registered (custom resources, components and providers alike). */
export interface RecordedResource {
  /** Type token, e.g. `aws:sqs/queue:Queue`, `pipeline:infra:Queues`, `pulumi:providers:kubernetes`. */
  type: string;
  /** Logical name. */
  name: string;
  /** Inputs as the program passed them (Outputs resolved, secrets unwrapped; unknowns are absent). */
  inputs: Record<string, any>;
  /** Top-level input names whose value is or contains a secret. */
  secretInputs: string[];
  /** Physical id the mock returned. */
  id: string;
  /** Output state the mock returned (inputs plus computed properties such as `arn`). */
  state: Record<string, any>;
  /** Whether it is a custom resource (false for components). */
  custom: boolean;
  /** URN of this resource. */
  urn: string;
  /** URN of its parent ("" for top-level resources). */
  parent: string;
  /** Provider reference (`<urn>::<id>`) when the resource names one explicitly or inherits one. */
  provider: string;
  /** URNs of every resource this one depends on (`dependsOn` and the resources behind its inputs). */
  dependencies: string[];
}

/** The result of one program run. */
export interface ProgramRun {
  /** Every registered resource in registration order. */
  resources: RecordedResource[];
  /** Every export of `index.ts`, fully resolved (Outputs, secrets and promises unwrapped). */
  outputs: Record<string, unknown>;
  /** Names of the exports that are secret Outputs. */
  secretOutputs: string[];
  /** The validated settings of the stack (after overrides). */
  settings: Settings;
  /** The stack name the run used. */
  stack: string;
}

/** The parts of an SDK Output the harness awaits (with rejections, unlike `apply`). */
export interface InternalOutput {
  readonly isSecret: Promise<boolean>;
  promise(): Promise<unknown>;
}

/**
 * Resolves an Output to its value (secrets unwrapped; a failed Output rejects); other values as
 * they are.
 */
export function promiseOf<T>(output: { apply<U>(f: (t: T) => U): unknown } | T): Promise<T> {
  const candidate = output as Partial<InternalOutput> | null;
  if (candidate && typeof candidate === "object" && typeof candidate.promise === "function") {
    return candidate.promise() as Promise<T>;
  }
  return Promise.resolve(output as T);
}

/** Every recorded resource of a type token, e.g. `byType(run, "aws:sqs/queue:Queue")`. */
export function byType(run: ProgramRun, type: string): RecordedResource[] {
  return run.resources.filter((r) => r.type === type);
}

/**
 * Exactly one resource of `type` (whose logical name ends with `nameSuffix`, when given);
 * throws, listing the candidates, when there is none or more than one.
 */
export function one(run: ProgramRun, type: string, nameSuffix?: string): RecordedResource {
  const all = byType(run, type);
  const matches = nameSuffix === undefined ? all : all.filter((r) => r.name.endsWith(nameSuffix));
  if (matches.length !== 1) {
    throw new Error(
      `expected one ${type}${nameSuffix ? ` named *${nameSuffix}` : ""}, found ${matches.length} among [${all
        .map((r) => r.name)
        .join(", ")}]`,
    );
  }
  return matches[0] as RecordedResource;
}

/** The resource with this URN (e.g. one of `dependencies` or a `parent`). */
export function byUrn(run: ProgramRun, urn: string): RecordedResource | undefined {
  return run.resources.find((r) => r.urn === urn);
}

/** Whether `resource` depends on `other` (through `dependsOn` or an input). */
export function dependsOn(resource: RecordedResource, other: RecordedResource): boolean {
  return resource.dependencies.includes(other.urn);
}
