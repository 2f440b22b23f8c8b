/**
 * Hand-written (no maintained in-memory DynamoDB installs without native builds here): applies an
 * UpdateItem's `SET a = :v, …` and `REMOVE a, …` clauses with ExpressionAttributeNames/Values —
 * the only update forms the definition uses — and rejects anything else, so a new form fails
 * loudly instead of being half-applied.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.UpdateExpressions.html
 */

/** A DynamoDB item in the wire format (`{ attr: { S: "…" } }`). */
export type Item = Record<string, Record<string, unknown>>;

/** The parts of an UpdateItem request the expression needs. */
export interface UpdateRequest {
  readonly UpdateExpression: string;
  readonly ExpressionAttributeNames?: Record<string, string>;
  readonly ExpressionAttributeValues?: Record<string, Record<string, unknown>>;
}

/** The item after the update (a copy; `item` is unchanged). */
export function applyUpdate(item: Item, request: UpdateRequest): Item {
  const names = request.ExpressionAttributeNames ?? {};
  const values = request.ExpressionAttributeValues ?? {};
  const name = (token: string): string => {
    if (!token.startsWith("#")) return token;
    const resolved = names[token];
    if (resolved === undefined) throw new Error(`ExpressionAttributeNames has no ${token}`);
    return resolved;
  };
  const out: Item = { ...item };
  const clauses = request.UpdateExpression.trim()
    .split(/\s*\b(SET|REMOVE)\b\s*/)
    .filter(Boolean);
  for (let i = 0; i < clauses.length; i += 2) {
    const [action, body] = [clauses[i], clauses[i + 1] ?? ""];
    for (const part of body
      .split(",")
      .map((p) => p.trim())
      .filter(Boolean)) {
      if (action === "SET") {
        const m = /^(#?[A-Za-z0-9_]+)\s*=\s*(:[A-Za-z0-9_]+)$/.exec(part);
        if (!m) throw new Error(`unsupported SET action: ${part}`);
        const value = values[m[2] as string];
        if (value === undefined) throw new Error(`ExpressionAttributeValues has no ${m[2]}`);
        out[name(m[1] as string)] = value;
      } else if (action === "REMOVE") {
        if (!/^#?[A-Za-z0-9_]+$/.test(part)) throw new Error(`unsupported REMOVE action: ${part}`);
        Reflect.deleteProperty(out, name(part));
      } else {
        throw new Error(`unsupported update clause ${action}`);
      }
    }
  }
  return out;
}
