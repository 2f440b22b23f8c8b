/**
 * `parseSettings`: validates raw settings against the schema and the cross-field rules, fills the
 * defaults, and reports every problem with the key a user writes, the bad value and what is allowed.
 */
import { PROJECT, settingsSchema, type Settings } from "./schema";
import { crossFieldProblems } from "./rules";
import { stackNameProblems } from "./fit";
import type { StackIdentity } from "./physical";

/** Thrown for invalid settings; `message` lists every problem, one per line. */
export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid settings:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "SettingsError";
  }
}

/**
 * Validates raw settings (already un-namespaced: `{ region, network: {...}, ... }`) and fills defaults.
 * Every problem names the key (with the `<project>:` prefix a user writes), the bad value and what is allowed.
 * Given the project and stack names (`id`), it also checks every physical name derived from them
 * against AWS's limits (`fit.ts`), so a name AWS would reject fails here, not in `pulumi preview`.
 */
export function parseSettings(raw: unknown, id?: StackIdentity): Settings {
  const result = settingsSchema.safeParse(raw);
  if (result.success) {
    const crossField = crossFieldProblems(result.data).map((p) => {
      const key = `${PROJECT}:${p.path.join(".")}`;
      return `${key}: ${p.message} (got ${JSON.stringify(valueAt(result.data, p.path))})`;
    });
    const names = id ? stackNameProblems(id, result.data) : [];
    const problems = [...crossField, ...names];
    if (problems.length === 0) return result.data;
    throw new SettingsError(problems);
  }
  const problems = result.error.issues.map((i) => {
    const path = i.path.map(String);
    const key = path[0] === "region" ? "aws:region" : `${PROJECT}:${path.join(".")}`;
    if (i.code === "unrecognized_keys") {
      const where = path.length ? `${PROJECT}:${path.join(".")}` : PROJECT;
      return `${where}: unknown key(s) ${i.keys.map((k) => JSON.stringify(k)).join(", ")} (check the spelling against Pulumi.yaml)`;
    }
    const value = valueAt(raw, i.path as PropertyKey[]);
    const got = value === undefined ? "nothing" : JSON.stringify(value);
    return `${key}: ${i.message} (got ${got})`;
  });
  throw new SettingsError(problems);
}

function valueAt(raw: unknown, path: PropertyKey[]): unknown {
  let cur: unknown = raw;
  for (const key of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}
