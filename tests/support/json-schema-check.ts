/**
 * Schema checks for the kinds no maintained model package covers (EKS Auto Mode's NodeClass): JSON
 * schemas in `tests/support/schemas/`, written from the vendor's documented fields, with
 * `additionalProperties: false` at every level, validated by Ajv. One problem list in the shape
 * `schema-check.ts` uses: wrong types and missing fields as model problems, undeclared keys as
 * unknown fields.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import type { SchemaProblem } from "./schema-check";

/** JSON schema files by `apiVersion kind`. */
export const JSON_SCHEMA_FILES: Readonly<Record<string, string>> = {
  "eks.amazonaws.com/v1 NodeClass": "eks.amazonaws.com_v1_NodeClass.json",
};

const ajv = new Ajv({ allErrors: true, strict: true });
const compiled = new Map<string, ValidateFunction>();

/** The compiled validator of `apiVersion kind`, or undefined when there is no JSON schema for it. */
export function jsonSchemaValidator(
  apiVersion: string,
  kind: string,
): ValidateFunction | undefined {
  const file = JSON_SCHEMA_FILES[`${apiVersion} ${kind}`];
  if (!file) return undefined;
  let validate = compiled.get(file);
  if (!validate) {
    const schema = JSON.parse(readFileSync(join(__dirname, "schemas", file), "utf8")) as object;
    validate = ajv.compile(schema);
    compiled.set(file, validate);
  }
  return validate;
}

/** `/spec/subnetSelectorTerms/0` → `spec.subnetSelectorTerms[0]`. */
function dotted(pointer: string, extra?: string): string {
  const parts = pointer.split("/").slice(1);
  if (extra !== undefined) parts.push(extra);
  return parts.reduce(
    (p, part) => (/^\d+$/.test(part) ? `${p}[${part}]` : p ? `${p}.${part}` : part),
    "",
  );
}

/** Every problem of `obj` against its JSON schema, split into unknown fields and the rest. */
export function jsonSchemaProblems(
  validate: ValidateFunction,
  obj: unknown,
): { unknown: SchemaProblem[]; other: SchemaProblem[] } {
  validate(obj);
  const errors: ErrorObject[] = validate.errors ?? [];
  const unknown: SchemaProblem[] = [];
  const other: SchemaProblem[] = [];
  for (const e of errors) {
    if (e.keyword === "additionalProperties") {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      unknown.push({ path: dotted(e.instancePath, key), message: `unknown field "${key}"` });
    } else {
      other.push({ path: dotted(e.instancePath), message: e.message ?? e.keyword });
    }
  }
  return { unknown, other };
}
