/**
 * Pass 2's byte path against its tokenizer path (whose output the golden and parity tests hold to
 * pandas): the same output bytes and aggregates for every chunk the byte path takes, on texts of
 * every token shape, column kind and CSV structure, and the tokenizer's path for every chunk it
 * does not take.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import type { Analysis } from "../src/preprocess/analyze";
import { analyzeInput } from "../src/preprocess/analyze";
import { FileBytes } from "../src/preprocess/byte-reader";
import {
  splitHeader,
  transformChunkBytes,
  transformChunkText,
  type ChunkTransform,
} from "../src/preprocess/chunk-work";
import type { ColumnKind } from "../src/preprocess/column-types";
import { layoutFromHeader, REQUIRED_COLUMNS } from "../src/preprocess/schema";
import { FloatPrint, floatPrint, intPrintedAsIs } from "../src/preprocess/token-bytes";
import { transformScanned } from "../src/preprocess/transform-bytes";
import { formatFloatToken, formatIntToken } from "../src/preprocess/pandas-format";
import { FIELD_SHAPES } from "./support/csv-tokens";

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** A chunk's pass 2 as comparable data: the outputs' text and the aggregates, or the failure. */
function outcome(
  transform: () => ChunkTransform | undefined,
): { cleaned: string; transformed: string; aggregates: unknown } | { failed: string } | undefined {
  try {
    const result = transform();
    if (result === undefined) return undefined;
    return {
      cleaned: decode(result.cleaned),
      transformed: decode(result.transformed),
      aggregates: result.aggregates,
    };
  } catch (err) {
    return { failed: String(err) };
  }
}

const PROFILES = [
  '"{""address"": ""1 Elm St, Springfield"", ""phone"": ""555-0100"", ""email"": ""a@example.com""}"',
  '"{""address"": ""Straße 5"", ""phone"": """", ""email"": ""é@x.org""}"',
  '"{""address"": ""🏠 Home"", ""phone"": ""1"", ""email"": ""b""}"',
  '"{""address"": ""a\\\\b"", ""phone"": ""1"", ""email"": ""c""}"',
  '"{""address"": ""x \\"" y"", ""phone"": ""1"", ""email"": ""c""}"',
  '"{""phone"": ""555"", ""address"": ""Back, order""}"',
  '"{""address"": 5, ""phone"": null, ""email"": ""q""}"',
  '"{""address"":""tight"",""phone"":""1"",""email"":""2""}"',
  '"{""address"": ""1"", ""phone"": ""2"", ""email"": ""3""} "',
  '"[1, 2]"',
  '"{not json"',
  '"{}"',
  "{}",
  "plain",
  "NA",
  "",
  '"{""address"": ""line\nbreak"", ""phone"": ""1"", ""email"": ""2""}"',
];

// Fields of every shape, and departments spelt alike or not.
const token = fc.constantFrom(...FIELD_SHAPES, "HR", '"plain"', '"Finance"');

const ageKind = fc.constantFrom<ColumnKind>("int", "float");
const anyKind = fc.constantFrom<ColumnKind>("text", "int", "float", "bool", "empty");

/** A header (the required columns, shuffled, maybe one extra) and each column's kind. */
const analysis = fc
  .record({
    order: fc.shuffledSubarray([...REQUIRED_COLUMNS, "extra"], {
      minLength: REQUIRED_COLUMNS.length,
    }),
    age: ageKind,
    salary: ageKind,
    profile: fc.constantFrom<ColumnKind>("text", "text", "empty", "float"),
    others: fc.array(anyKind, { minLength: 9, maxLength: 9 }),
    ageMedian: fc.constantFrom(35, 35.5, NaN),
    salaryMedian: fc.constantFrom(60000, 61234.5, NaN),
  })
  .filter((a) => REQUIRED_COLUMNS.every((c) => a.order.includes(c)))
  .map((a): Analysis => {
    const layout = layoutFromHeader(a.order);
    const kinds = a.order.map((name, i): ColumnKind => {
      if (name === "age") return a.age;
      if (name === "salary") return a.salary;
      if (name === "department") return "text";
      if (name === "profile") return a.profile;
      return a.others[i] as ColumnKind;
    });
    return { layout, rows: 0, kinds, ageMedian: a.ageMedian, salaryMedian: a.salaryMedian };
  });

const intAgeOrSalary = (a: Analysis): boolean =>
  a.kinds[a.layout.age] === "int" || a.kinds[a.layout.salary] === "int";

/** A row: a field per column (a profile-like one for the profile), sometimes short. */
function rowOf(a: Analysis, wide = false): fc.Arbitrary<string> {
  const width = a.layout.header.length;
  const field = (c: number) =>
    c === a.layout.profile ? fc.oneof(fc.constantFrom(...PROFILES), token) : token;
  return fc
    .tuple(
      fc.tuple(...Array.from({ length: width + 1 }, (_, c) => field(Math.min(c, width - 1)))),
      wide
        ? fc.constant(width + 1)
        : // A short row leaves an int age or salary undefined, which pass 1 never lets through.
          intAgeOrSalary(a)
          ? fc.constant(width)
          : fc.constantFrom(width, width, width, width - 2),
      fc.constantFrom("\n", "\n", "\r\n", "\r", "\n\n", "\n  \n"),
    )
    .map(([fields, count, end]) => fields.slice(0, count).join(",") + end);
}

const chunk = analysis.chain((a) =>
  fc.record({
    analysis: fc.constant(a),
    rows: fc.array(rowOf(a), { minLength: 1, maxLength: 12 }),
    // One chunk in ten has a record wider than the header.
    wide: fc.oneof(
      { weight: 9, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: rowOf(a, true) },
    ),
    trailingComma: fc.boolean(),
    frameRows: fc.integer({ min: 1, max: 5 }),
  }),
);

describe("pass 2 reads a chunk's bytes as its tokenizer path reads the text", () => {
  test("any chunk the byte path takes gets the tokenizer path's output bytes and aggregates; the others get that path itself", () => {
    let taken = 0;
    fc.assert(
      fc.property(chunk, ({ analysis: a, rows, wide, trailingComma, frameRows }) => {
        // A chunk may end with a comma: the last record's last field is empty.
        const last = trailingComma ? `${"1,".repeat(a.layout.header.length - 1)}` : "";
        const text = [...rows, wide ?? "", last].join("");
        const bytes = encode(text);
        const expected = outcome(() => transformChunkText(bytes, a, frameRows));
        // A chunk pass 1 would have refused (an int column with a missing value) is not compared.
        if (expected === undefined || "failed" in expected) return;
        const scanned = outcome(() => transformScanned(bytes, a, frameRows));
        if (scanned !== undefined) {
          taken++;
          expect(scanned).toEqual(expected);
        }
        expect(outcome(() => transformChunkBytes(bytes, a, frameRows))).toEqual(expected);
      }),
      { numRuns: 3000, seed: 23 },
    );
    // The comparison is about the byte path: most generated chunks must be taken by it.
    expect(taken).toBeGreaterThan(1000);
  });

  test("every fixture's data rows give the tokenizer path's output, and the seed-shaped rows are read as bytes", async () => {
    const dir = join(__dirname, "fixtures", "preprocess");
    for (const name of readdirSync(dir)) {
      const input = join(dir, name, "input.csv");
      let a: Analysis;
      try {
        a = await analyzeInput(() => new FileBytes(input));
      } catch {
        continue; // A fixture pass 1 rejects never reaches pass 2.
      }
      const split = splitHeader(new Uint8Array(readFileSync(input)), true);
      if (split === undefined) continue;
      const expected = outcome(() => transformChunkText(split.rest, a, 1024));
      expect([name, outcome(() => transformChunkBytes(split.rest, a, 1024))]).toEqual([
        name,
        expected,
      ]);
      if (name === "mock-400") {
        expect(outcome(() => transformScanned(split.rest, a, 64))).toEqual(
          outcome(() => transformChunkText(split.rest, a, 64)),
        );
      }
    }
  });

  test("a quote left open, text after a closing quote, a wider record and a department that is not text go to the tokenizer path", () => {
    const header = [...REQUIRED_COLUMNS];
    const layout = layoutFromHeader(header);
    const kinds = header.map((): ColumnKind => "text");
    const base: Analysis = { layout, rows: 0, kinds, ageMedian: 1, salaryMedian: 2 };
    const row = (fields: string[]) => encode(`${fields.join(",")}\n`);
    const good = ["1", "n", "3", "4", "d", "{}", "HR", "5"];
    expect(transformScanned(row(good), base, 8)).toBeDefined();
    expect(transformScanned(row([...good.slice(0, 7), '"5"x']), base, 8)).toBeUndefined();
    expect(transformScanned(row([...good, "9"]), base, 8)).toBeUndefined();
    expect(transformScanned(encode('1,"open\n'), base, 8)).toBeUndefined();
    const numeric = { ...base, kinds: kinds.map((k, c) => (c === layout.department ? "int" : k)) };
    expect(
      transformScanned(row(good.map((f, c) => (c === layout.department ? "7" : f))), numeric, 8),
    ).toBeUndefined();
  });
});

test("two departments whose bytes hash alike (FNV-1a) keep their own names", () => {
  const header = [...REQUIRED_COLUMNS];
  const layout = layoutFromHeader(header);
  const kinds = header.map((): ColumnKind => "text");
  const a: Analysis = { layout, rows: 0, kinds, ageMedian: 1, salaryMedian: 2 };
  const row = (department: string) =>
    header.map((c) => (c === "department" ? department : "1")).join(",");
  // A collision found by a search over random seven-letter names.
  const bytes = encode(`${row("WswNiTp")}\n${row("XtvJMGb")}\n`);
  const result = transformScanned(bytes, a, 8);
  expect(result?.aggregates.departments).toEqual(["WswNiTp", "XtvJMGb"]);
  expect(outcome(() => result)).toEqual(outcome(() => transformChunkText(bytes, a, 8)));
});

describe("a number's printed text read from its bytes is the formatter's", () => {
  const numberText = fc.oneof(
    fc.stringMatching(/^-?[0-9]{0,18}(\.[0-9]{0,18})?$/),
    fc.stringMatching(/^[-+. 0-9eE]{0,18}$/),
  );

  test("a float token printed as it is, or with .0, is exactly what formatFloatToken prints", () => {
    fc.assert(
      fc.property(numberText, (text) => {
        const bytes = encode(text);
        const shape = floatPrint(bytes, 0, bytes.length);
        if (shape === FloatPrint.AsIs) expect(formatFloatToken(text)).toBe(text);
        if (shape === FloatPrint.PointZero) expect(formatFloatToken(text)).toBe(`${text}.0`);
      }),
      { numRuns: 5000, seed: 7 },
    );
    expect(floatPrint(encode("2578.16"), 0, 7)).toBe(FloatPrint.AsIs);
    expect(floatPrint(encode("50000"), 0, 5)).toBe(FloatPrint.PointZero);
    expect(floatPrint(encode("1.50"), 0, 4)).toBe(FloatPrint.Other);
  });

  test("an int token printed as it is, is exactly what formatIntToken prints, and the common ones are", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[-+]?[0-9]{1,20}$/), (text) => {
        const bytes = encode(text);
        expect(intPrintedAsIs(bytes, 0, bytes.length)).toBe(formatIntToken(text) === text);
      }),
      { numRuns: 5000, seed: 11 },
    );
  });
});
