/**
 * Evaluates the pack's policies over a list of resources the way the Pulumi engine hands them to an
 * analyzer: each resource's inputs to `validateResource`, every resource's outputs (with property
 * dependencies) to `validateStack`. Used by `policy/run.ts` (the offline stand-in for
 * `pulumi preview --policy-pack policy`) and by the policy tests. Pure: no engine, no server.
 */
import type {
  Policies,
  PolicyResource,
  PolicyResourceOptions,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { Props } from "./support";

/** A resource to evaluate. */
export interface EvaluatedResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  /** What the program passed (a `validateResource` sees these). */
  readonly inputs: Props;
  /** What the provider returned (a `validateStack` sees these); defaults to the inputs. */
  readonly outputs?: Props;
  /** Which resources (by URN) each input was computed from, when known. */
  readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
}

/** One violation a policy reported. */
export interface Finding {
  readonly policy: string;
  readonly urn: string;
  readonly message: string;
}

const OPTIONS: PolicyResourceOptions = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
};

class NotApplicable extends Error {}

const common = {
  stackTags: new Map<string, string>(),
  getConfig<T extends object>(): T {
    return {} as T;
  },
  notApplicable(reason?: string): never {
    throw new NotApplicable(reason);
  },
};

function typeOf(resourceClass: unknown): string | undefined {
  return (resourceClass as { __pulumiType?: string }).__pulumiType;
}

function validationArgs(r: EvaluatedResource): ResourceValidationArgs {
  return {
    ...common,
    type: r.type,
    name: r.name,
    urn: r.urn,
    props: r.inputs,
    opts: OPTIONS,
    isType: (cls) => typeOf(cls) === r.type,
    asType: ((cls: unknown) => (typeOf(cls) === r.type ? r.inputs : undefined)) as never,
  };
}

function stackArgs(resources: readonly EvaluatedResource[]): StackValidationArgs {
  const byUrn = new Map<string, PolicyResource>();
  const list: PolicyResource[] = resources.map((r) => {
    const resource: PolicyResource = {
      type: r.type,
      name: r.name,
      urn: r.urn,
      props: r.outputs ?? r.inputs,
      opts: OPTIONS,
      dependencies: [],
      propertyDependencies: {},
      isType: (cls) => typeOf(cls) === r.type,
      asType: ((cls: unknown) => (typeOf(cls) === r.type ? r.outputs : undefined)) as never,
    };
    byUrn.set(r.urn, resource);
    return resource;
  });
  resources.forEach((r, i) => {
    const target = list[i] as PolicyResource;
    for (const [prop, urns] of Object.entries(r.propertyDependencies ?? {})) {
      target.propertyDependencies[prop] = urns
        .map((u) => byUrn.get(u))
        .filter((d): d is PolicyResource => d !== undefined);
    }
  });
  return { ...common, resources: list };
}

function isStackPolicy(p: Policies[number]): p is StackValidationPolicy {
  return typeof (p as StackValidationPolicy).validateStack === "function";
}

/** Runs one policy over the resources and returns what it reported. */
export async function evaluatePolicy(
  policy: ResourceValidationPolicy | StackValidationPolicy,
  resources: readonly EvaluatedResource[],
): Promise<Finding[]> {
  const findings: Finding[] = [];
  const run = async (urn: string, validate: (report: ReportViolation) => Promise<void> | void) => {
    const report: ReportViolation = (message, at) =>
      findings.push({ policy: policy.name, urn: at ?? urn, message });
    try {
      await validate(report);
    } catch (e) {
      if (!(e instanceof NotApplicable)) throw e;
    }
  };
  if (isStackPolicy(policy)) {
    const args = stackArgs(resources);
    await run("", (report) => policy.validateStack(args, report));
    return findings;
  }
  const validations = policy.validateResource === undefined ? [] : [policy.validateResource].flat();
  for (const r of resources) {
    const args = validationArgs(r);
    for (const validate of validations) await run(r.urn, (report) => validate(args, report));
  }
  return findings;
}

/**
 * How many of the resources a policy governs (by the types its validation names), or undefined when
 * the policy does not say.
 */
export function governedCount(
  policy: ResourceValidationPolicy | StackValidationPolicy,
  resources: readonly { type: string }[],
): number | undefined {
  const validations = isStackPolicy(policy)
    ? [policy.validateStack]
    : [policy.validateResource ?? []].flat();
  const types = validations.flatMap((v) => (v as { governs?: readonly string[] }).governs ?? []);
  if (types.length === 0) return undefined;
  return resources.filter((r) => types.includes(r.type)).length;
}

/** Runs every policy over the resources; findings per policy name, in the pack's order. */
export async function evaluatePolicies(
  policies: Policies,
  resources: readonly EvaluatedResource[],
): Promise<Map<string, Finding[]>> {
  const result = new Map<string, Finding[]>();
  for (const p of policies) result.set(p.name, await evaluatePolicy(p, resources));
  return result;
}
