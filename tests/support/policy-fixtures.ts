/** Builders for policy tests: resources as the engine hands them to the pack, and a runner. */
import { evaluatePolicy, type EvaluatedResource } from "../../policy/evaluate";
import { policies } from "../../policy/policies";

/** A resource with the given inputs (outputs = inputs plus `extraOutputs`). */
export function res(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  extraOutputs: Record<string, unknown> = {},
  propertyDependencies?: Record<string, string[]>,
): EvaluatedResource {
  return {
    type,
    name,
    urn: urn(type, name),
    inputs,
    outputs: { ...inputs, ...extraOutputs },
    propertyDependencies,
  };
}

/** The URN `res` gives a resource. */
export function urn(type: string, name: string): string {
  return `urn:pulumi:test::event-pipeline::${type}::${name}`;
}

/** The messages the named policy reports for these resources (throws on an unknown name). */
export async function violations(
  policyName: string,
  ...resources: EvaluatedResource[]
): Promise<string[]> {
  const policy = policies.find((p) => p.name === policyName);
  if (!policy) throw new Error(`no policy named ${policyName}`);
  return (await evaluatePolicy(policy, resources)).map((f) => f.message);
}

/** A JSON IAM policy document with these statements. */
export function doc(...statements: Record<string, unknown>[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}
