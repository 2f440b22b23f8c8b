/**
 * The input contract of the preprocessing (the seed's mock data): which columns must be present,
 * and the output columns derived from them. Extra input columns pass through, as with pandas.
 */
import { PermanentFileError } from "./errors";
import { PROFILE_FIELDS } from "./profile";

/** Columns every input must have (any order). */
export const REQUIRED_COLUMNS = [
  "id",
  "name",
  "age",
  "salary",
  "hire_date",
  "profile",
  "department",
  "bonus",
] as const;

/** Columns the transformation adds after the cleaned ones. */
export const DERIVED_COLUMNS = ["address_length", "salary_category", "age_group"] as const;

/** Where the columns the preprocessing reads sit in the input. */
export interface InputLayout {
  readonly header: readonly string[];
  readonly age: number;
  readonly salary: number;
  readonly department: number;
  readonly profile: number;
  /** Output columns of `cleaned_data.csv`. */
  readonly cleanedColumns: readonly string[];
  /** Output columns of `transformed_data.csv`. */
  readonly transformedColumns: readonly string[];
}

/**
 * Validates a header and returns the layout, or throws `wrong_header` naming what is wrong:
 * a missing required column, an unnamed or repeated column, or a column name the output creates.
 */
export function layoutFromHeader(header: readonly string[]): InputLayout {
  const problems: string[] = [];
  const seen = new Set<string>();
  header.forEach((name, i) => {
    if (name.trim() === "") problems.push(`column ${i + 1} has no name`);
    else if (seen.has(name)) problems.push(`column ${JSON.stringify(name)} appears twice`);
    seen.add(name);
  });
  const missing = REQUIRED_COLUMNS.filter((c) => !seen.has(c));
  if (missing.length > 0) problems.push(`missing column(s) ${missing.join(", ")}`);
  const reserved = [...PROFILE_FIELDS, ...DERIVED_COLUMNS].filter((c) => seen.has(c));
  if (reserved.length > 0) problems.push(`column(s) ${reserved.join(", ")} are produced, not read`);
  if (problems.length > 0) {
    throw new PermanentFileError(
      "wrong_header",
      `wrong header: ${problems.join("; ")} (expected columns ${REQUIRED_COLUMNS.join(",")})`,
    );
  }
  const cleanedColumns = [...header.filter((c) => c !== "profile"), ...PROFILE_FIELDS];
  return {
    header: [...header],
    age: header.indexOf("age"),
    salary: header.indexOf("salary"),
    department: header.indexOf("department"),
    profile: header.indexOf("profile"),
    cleanedColumns,
    transformedColumns: [...cleanedColumns, ...DERIVED_COLUMNS],
  };
}
