/**
 * EventBridge event pattern matching, shared by the proof (proof/patterns) and local mode (which
 * routes its emulated events by the program's own rules).
 *
 * Hand-written: no maintained EventBridge pattern matcher for JavaScript is on the npm registry
 * (AWS's event-ruler is Java). Implements EventBridge's documented matching
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html and
 * eb-create-pattern-operators.html): fields AND-ed, values in a field's array OR-ed, nested objects
 * matched field by field, an array in the event matches when any element does; exact strings,
 * numbers and null; prefix and suffix (also with equals-ignore-case), equals-ignore-case,
 * anything-but (values, prefix, suffix, equals-ignore-case, wildcard), exists, numeric ranges,
 * wildcard and `$or`. An operator it does not know throws, so a pattern never half-matches.
 */

/* eslint-disable @typescript-eslint/no-explicit-any -- patterns and events are JSON */

/** Whether `event` matches `pattern`. */
export function matches(pattern: Record<string, any>, event: Record<string, any>): boolean {
  return Object.entries(pattern).every(([field, rule]) => {
    if (field === "$or") {
      if (!Array.isArray(rule)) throw new Error("$or takes an array of patterns");
      return rule.some((p: Record<string, any>) => matches(p, event));
    }
    const value = event?.[field];
    if (Array.isArray(rule)) return matchesLeaf(rule, value, field in (event ?? {}));
    if (rule && typeof rule === "object") {
      return !!value && typeof value === "object" && !Array.isArray(value) && matches(rule, value);
    }
    throw new Error(`pattern field ${field} must be an array or an object`);
  });
}

/** A leaf: any matcher matches the value (or any element of an array value). */
function matchesLeaf(matchers: unknown[], value: unknown, present: boolean): boolean {
  return matchers.some((m) => {
    if (m && typeof m === "object" && "exists" in m) {
      return (m as { exists: boolean }).exists === (present && value !== undefined);
    }
    if (!present) return false;
    const values = Array.isArray(value) ? value : [value];
    return values.some((v) => matchesOne(m, v));
  });
}

function matchesOne(m: unknown, v: unknown): boolean {
  if (m === null || typeof m !== "object") {
    if (typeof m === "number" && typeof v === "number") return m === v;
    return m === v;
  }
  const entries = Object.entries(m as Record<string, any>);
  if (entries.length !== 1) throw new Error(`a matcher has one operator: ${JSON.stringify(m)}`);
  const [op, arg] = entries[0] as [string, any];
  const s = typeof v === "string" ? v : undefined;
  switch (op) {
    case "prefix":
      return s !== undefined && affix(arg, s, (a, b) => a.startsWith(b));
    case "suffix":
      return s !== undefined && affix(arg, s, (a, b) => a.endsWith(b));
    case "equals-ignore-case":
      return s !== undefined && s.toLowerCase() === String(arg).toLowerCase();
    case "wildcard":
      return s !== undefined && wildcard(String(arg)).test(s);
    case "numeric":
      return typeof v === "number" && numeric(arg as unknown[], v);
    case "anything-but":
      return anythingBut(arg, v);
    default:
      throw new Error(`unsupported pattern operator ${op}`);
  }
}

/** prefix/suffix with a plain string or `{ "equals-ignore-case": … }`. */
function affix(arg: any, s: string, test: (a: string, b: string) => boolean): boolean {
  if (typeof arg === "string") return test(s, arg);
  if (arg && typeof arg["equals-ignore-case"] === "string") {
    return test(s.toLowerCase(), (arg["equals-ignore-case"] as string).toLowerCase());
  }
  throw new Error(`unsupported prefix/suffix argument ${JSON.stringify(arg)}`);
}

function anythingBut(arg: any, v: unknown): boolean {
  if (v === undefined) return false;
  if (Array.isArray(arg)) return !arg.some((a) => matchesOne(a, v));
  if (arg && typeof arg === "object") {
    const [op, inner] = Object.entries(arg)[0] as [string, any];
    if (op === "equals-ignore-case" && Array.isArray(inner)) {
      return !inner.some((i: unknown) => matchesOne({ [op]: i }, v));
    }
    if (!["prefix", "suffix", "equals-ignore-case", "wildcard"].includes(op)) {
      throw new Error(`unsupported anything-but operator ${op}`);
    }
    return typeof v === "string" && !matchesOne(arg, v);
  }
  return !matchesOne(arg, v);
}

/** `*` matches any run of characters; everything else is literal. */
function wildcard(pattern: string): RegExp {
  const escaped = pattern.split("*").map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${escaped.join(".*")}$`, "s");
}

function numeric(conditions: unknown[], v: number): boolean {
  for (let i = 0; i < conditions.length; i += 2) {
    const [op, n] = [conditions[i], conditions[i + 1] as number];
    const ok =
      op === "="
        ? v === n
        : op === ">"
          ? v > n
          : op === ">="
            ? v >= n
            : op === "<"
              ? v < n
              : op === "<="
                ? v <= n
                : undefined;
    if (ok === undefined) throw new Error(`unsupported numeric operator ${String(op)}`);
    if (!ok) return false;
  }
  return true;
}
