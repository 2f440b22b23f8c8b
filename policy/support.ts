/**
 * Shared helpers of the policy rules: the shapes they read, IAM document parsing, and how one
 * resource refers to another. Pure: no Pulumi engine, nothing at import time.
 */
import type { PolicyResource, ReportViolation, ResourceValidationArgs } from "@pulumi/policy";

/** The part of a resource a resource-level check reads (a subset of `ResourceValidationArgs`). */
export type ResourceArgs = Pick<ResourceValidationArgs, "type" | "name" | "urn" | "props">;

/**
 * The part of a stack resource a stack-level check reads (a subset of `PolicyResource`): its outputs,
 * and, when the engine knows them, which resources each property was computed from.
 */
export interface StackResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly props: Record<string, unknown>;
  readonly propertyDependencies?: Readonly<Record<string, readonly { readonly urn: string }[]>>;
}

/** Resource properties: untyped JSON, as the engine hands them over. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- arbitrary provider inputs/outputs
export type Props = Record<string, any>;

/** A resource-level check: the messages of every violation, none when the resource complies. */
export type ResourceCheck = (props: Props, args: ResourceArgs) => string[];

/** A stack-level check: every violation with the URN of the resource at fault. */
export type StackCheck = (resources: readonly StackResource[]) => Violation[];

/** One violation found by a stack-level check. */
export interface Violation {
  readonly urn: string;
  readonly message: string;
}

/** A validation function that names the resource types it governs (for reports). */
export interface Governing {
  readonly governs: readonly string[];
}

/** Adapts a pure resource check to the `validateResource` signature, for the listed type tokens. */
export function forTypes(
  types: readonly string[],
  check: ResourceCheck,
): ((args: ResourceValidationArgs, report: ReportViolation) => void) & Governing {
  const validate = (args: ResourceValidationArgs, report: ReportViolation) => {
    if (!types.includes(args.type)) return;
    for (const message of check(args.props, args)) report(message);
  };
  return Object.assign(validate, { governs: types });
}

/** Adapts a pure stack check about resources of `governs` to the `validateStack` signature. */
export function forStack(
  governs: readonly string[],
  check: StackCheck,
): ((args: { resources: PolicyResource[] }, report: ReportViolation) => void) & Governing {
  const validate = (args: { resources: PolicyResource[] }, report: ReportViolation) => {
    for (const v of check(args.resources)) report(v.message, v.urn);
  };
  return Object.assign(validate, { governs });
}

/** A value as a list: `undefined` → `[]`, a scalar → `[scalar]`. */
export function asList<T>(value: T | readonly T[] | undefined | null): T[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? [...(value as T[])] : [value as T];
}

/** The label of a resource in messages: `type name`. */
export function label(r: { type: string; name: string }): string {
  return `${r.type.split(":").pop() ?? r.type} "${r.name}"`;
}

// ---------------------------------------------------------------------------------------------
// IAM documents

/** One statement of an IAM policy document, normalised to lists. */
export interface Statement {
  readonly sid: string;
  readonly effect: "Allow" | "Deny";
  readonly actions: string[];
  readonly notActions: string[];
  readonly resources: string[];
  readonly notResources: string[];
  /** `"*"` as `{ "*": ["*"] }`, otherwise principal type → values. */
  readonly principals: Record<string, string[]>;
  readonly hasNotPrincipal: boolean;
  readonly condition: Record<string, Record<string, unknown>>;
}

/**
 * Parses an IAM policy document given as JSON text or an object (as `pulumi.jsonStringify` or an
 * `aws.iam.getPolicyDocument` result gives it). Throws on text that is not JSON.
 */
export function parseDocument(document: unknown): Statement[] {
  const doc = typeof document === "string" ? (JSON.parse(document) as unknown) : document;
  if (!doc || typeof doc !== "object") return [];
  const statements = asList((doc as { Statement?: unknown }).Statement);
  return statements.map((raw, i) => {
    const s = (raw ?? {}) as Record<string, unknown>;
    const principal = s.Principal;
    const principals: Record<string, string[]> = {};
    if (principal === "*") principals["*"] = ["*"];
    else if (principal && typeof principal === "object") {
      for (const [k, v] of Object.entries(principal)) principals[k] = asList(v as string);
    }
    return {
      sid: typeof s.Sid === "string" ? s.Sid : `#${i}`,
      effect: s.Effect === "Deny" ? "Deny" : "Allow",
      actions: asList(s.Action as string),
      notActions: asList(s.NotAction as string),
      resources: asList(s.Resource as string),
      notResources: asList(s.NotResource as string),
      principals,
      hasNotPrincipal: s.NotPrincipal !== undefined,
      condition: (s.Condition ?? {}) as Record<string, Record<string, unknown>>,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// References between resources

/** Thrown by `@pulumi/policy` when a check reads a value that is unknown during preview. */
function isUnknownValueError(e: unknown): boolean {
  return e instanceof Error && e.constructor.name === "UnknownValueError";
}

/** Reads a property, or `undefined` when it is unknown during a preview. */
export function readKnown(read: () => unknown): unknown {
  try {
    return read();
  } catch (e) {
    if (isUnknownValueError(e)) return undefined;
    throw e;
  }
}

/** The values by which other resources may name `target` (id, name, ARN, URL). */
export function identifiersOf(target: StackResource): string[] {
  const ids: string[] = [];
  for (const key of ["id", "arn", "bucket", "name", "url"]) {
    const value = readKnown(() => target.props[key]);
    if (typeof value === "string" && value !== "") ids.push(value);
  }
  return ids;
}

/**
 * Whether `source.props[property]` refers to `target`: through the engine's property dependencies
 * when it has them (a preview of new resources, where ids are still unknown), otherwise by value
 * (an id, name or ARN of the target, or a list containing one).
 */
export function refersTo(source: StackResource, property: string, target: StackResource): boolean {
  const deps = source.propertyDependencies?.[property];
  if (deps && deps.length > 0) return deps.some((d) => d.urn === target.urn);
  const value = readKnown(() => source.props[property]);
  const ids = identifiersOf(target);
  return asList(value as string).some((v) => typeof v === "string" && ids.includes(v));
}
