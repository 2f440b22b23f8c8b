/**
 * The `profile` column holds JSON such as `{"address": "...", "phone": "...", "email": "..."}`.
 * As in the reference, a missing, invalid or non-object profile, or a missing key, gives a missing
 * value. A value that is not a string (a number, true, a list) is also missing here; pandas would
 * print its Python repr, which no real profile contains.
 */

/** The keys extracted from `profile`, in output order. */
export const PROFILE_FIELDS = ["address", "phone", "email"] as const;

export type ProfileField = (typeof PROFILE_FIELDS)[number];

/** The extracted fields of one profile (`null` = missing). */
export type ProfileValues = Readonly<Record<ProfileField, string | null>>;

const NONE: ProfileValues = { address: null, phone: null, email: null };

// The exact shape Python's json.dumps writes, with plain strings (no escapes, no control
// characters): such text is valid JSON whose values are the captures, so JSON.parse can be skipped.
const PLAIN = '"([^"\\\\\\u0000-\\u001f]*)"';
const CANONICAL = new RegExp(`^\\{"address": ${PLAIN}, "phone": ${PLAIN}, "email": ${PLAIN}\\}$`);

/**
 * The same shape as it appears inside a quoted CSV field, quotes doubled: the text around the
 * three values (the byte path of pass 2 matches these pieces on bytes, transform-bytes.ts).
 */
export const CANONICAL_ESCAPED_PIECES: readonly string[] = [
  ...PROFILE_FIELDS.map((field, k) => `${k === 0 ? "{" : '"", '}""${field}"": ""`),
  '""}',
];
const CANONICAL_ESCAPED = new RegExp(
  `^${CANONICAL_ESCAPED_PIECES.map((piece) => piece.replace(/[{}]/g, "\\$&")).join(
    '([^"\\\\\\u0000-\\u001f]*)',
  )}$`,
);

/**
 * Parses a profile from its CSV text with quotes still doubled (as {@link CsvRecord.raw} gives it),
 * without unescaping first when the profile has the canonical shape; `unescaped` builds the value
 * for the general case.
 */
export function parseEscapedProfile(raw: string, unescaped: () => string): ProfileValues {
  const m = CANONICAL_ESCAPED.exec(raw);
  if (m) return { address: m[1] ?? null, phone: m[2] ?? null, email: m[3] ?? null };
  return parseProfile(unescaped());
}

/** Parses one profile token (`null` when pandas did not read it as text). */
export function parseProfile(token: string | null): ProfileValues {
  if (token === null || token.indexOf("{") === -1) return NONE;
  const m = CANONICAL.exec(token);
  if (m) return { address: m[1] ?? null, phone: m[2] ?? null, email: m[3] ?? null };
  let parsed: unknown;
  try {
    parsed = JSON.parse(token);
  } catch {
    return NONE;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return NONE;
  const record = parsed as Record<string, unknown>;
  return {
    address: typeof record.address === "string" ? record.address : null,
    phone: typeof record.phone === "string" ? record.phone : null,
    email: typeof record.email === "string" ? record.email : null,
  };
}
