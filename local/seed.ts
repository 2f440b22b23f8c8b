/**
 * Generated input files shaped like the seed's employee CSVs (docs/DESIGN.md, Data flows 1): columns
 * `id,name,age,salary,hire_date,profile,department,bonus`, a JSON `profile` with address, phone and
 * e-mail, some missing ages, salaries and departments, and a few duplicate rows. Deterministic for a
 * given seed, so a run can be repeated. Pure.
 */
import { gzipSync } from "node:zlib";
import { KEYS } from "@pipeline/processor/contract";
import { REQUIRED_COLUMNS } from "../processor/src/preprocess/schema";

/** The seed's header: the columns the preprocess job requires, in the seed's order. */
export const SEED_COLUMNS = REQUIRED_COLUMNS;

/** A generated file. */
export interface SeedFile {
  /** Object key in the raw bucket (under `input/`, `.csv` or `.csv.gz`). */
  readonly key: string;
  readonly body: Buffer;
  /** Data rows (without the header). */
  readonly rows: number;
  /** Whether preprocessing must reject it (it then expects an error report, not outputs). */
  readonly expectError: boolean;
}

/** A small deterministic PRNG (mulberry32): the same seed gives the same files. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = [
  "Ada",
  "Grace",
  "Alan",
  "Linus",
  "Barbara",
  "Ken",
  "Margaret",
  "Dennis",
  "Radia",
  "Tim",
];
const LAST = [
  "Lovelace",
  "Hopper",
  "Turing",
  "Torvalds",
  "Liskov",
  "Thompson",
  "Hamilton",
  "Ritchie",
];
const DEPARTMENTS = ["Engineering", "Sales", "Marketing", "Finance", "HR", "Operations"];
const STREETS = ["Main St", "Oak Ave", "Pine Rd", "Maple Dr", "Cedar Ln", "Elm St"];
const CITIES = ["Springfield", "Riverton", "Lakeside", "Fairview", "Georgetown"];

/** Quotes a CSV field when it holds a comma, quote or line break (RFC 4180). */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** One file of `rows` seed-shaped rows. */
export function seedCsv(rows: number, next: () => number): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const lines = [SEED_COLUMNS.join(",")];
  let previous: string | undefined;
  for (let id = 1; id <= rows; id++) {
    // About 1 % duplicates of the previous row, as the seed data has.
    if (previous !== undefined && next() < 0.01) {
      lines.push(previous);
      continue;
    }
    const first = pick(FIRST);
    const last = pick(LAST);
    const profile = JSON.stringify({
      address: `${int(1, 999)} ${pick(STREETS)}, ${pick(CITIES)}`,
      phone: `555-${String(int(0, 9999)).padStart(4, "0")}`,
      email: `${first}.${last}${id}@example.com`.toLowerCase(),
    });
    const hire = `${int(2008, 2025)}-${String(int(1, 12)).padStart(2, "0")}-${String(int(1, 28)).padStart(2, "0")}`;
    const row = [
      String(id),
      `${first} ${last}`,
      next() < 0.05 ? "" : String(int(21, 66)),
      next() < 0.05 ? "" : String(int(28, 140) * 1000),
      hire,
      profile,
      next() < 0.05 ? "" : pick(DEPARTMENTS),
      next() < 0.1 ? "" : (int(0, 1_000_000) / 100).toFixed(2),
    ]
      .map(csvField)
      .join(",");
    lines.push(row);
    previous = row;
  }
  return `${lines.join("\n")}\n`;
}

/** Row counts for `count` files, spread geometrically from `minRows` to `maxRows`. */
export function fileSizes(count: number, minRows: number, maxRows: number): number[] {
  if (count <= 0) return [];
  if (count === 1) return [maxRows];
  const ratio = (maxRows / minRows) ** (1 / (count - 1));
  return Array.from({ length: count }, (_, i) => Math.round(minRows * ratio ** i));
}

/** Options of {@link seedFiles}. */
export interface SeedOptions {
  /** Good files to generate. */
  readonly files: number;
  /** Also generate one file with a wrong header, which must end in an error report. */
  readonly badFile: boolean;
  readonly minRows: number;
  readonly maxRows: number;
  readonly seed: number;
}

/** The suffix of the compressed uploads (contract: INPUT_FORMATS). */
export const COMPRESSED_SUFFIX = ".csv.gz";

/**
 * The files of a run: `files` good ones of varied sizes (one name has spaces, so the event key's
 * URL encoding is exercised; the last of two or more is gzip-compressed as `.csv.gz`, as uploads
 * often are) and, optionally, one that preprocessing must reject.
 */
export function seedFiles(options: SeedOptions): SeedFile[] {
  const next = random(options.seed);
  const out: SeedFile[] = fileSizes(options.files, options.minRows, options.maxRows).map(
    (rows, i) => {
      const n = String(i + 1).padStart(2, "0");
      const name = i === 1 ? `new hires ${n}` : `employees-${n}`;
      const text = Buffer.from(seedCsv(rows, next), "utf8");
      const compressed = options.files >= 2 && i === options.files - 1;
      return {
        key: `${KEYS.inputPrefix}${name}${compressed ? COMPRESSED_SUFFIX : KEYS.inputSuffix}`,
        body: compressed ? gzipSync(text) : text,
        rows,
        expectError: false,
      };
    },
  );
  if (options.badFile) {
    const body = "employee,full_name,years\n1,Ada Lovelace,36\n2,Alan Turing,41\n";
    out.push({
      key: `${KEYS.inputPrefix}wrong-header${KEYS.inputSuffix}`,
      body: Buffer.from(body, "utf8"),
      rows: 2,
      expectError: true,
    });
  }
  return out;
}
