/**
 * Pass 1's byte scan against its string path (the tokenizer's records and the string type
 * inference, which the golden and parity tests hold to pandas): the same analysis of every chunk
 * the scan takes, and the string path for every chunk it does not.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import {
  analyzeChunk,
  analyzeChunkText,
  scanChunk,
  type AnalyzeParams,
  type ChunkAnalysis,
} from "../src/preprocess/chunk-analysis";
import { ByteRecords, NOT_TAKEN } from "../src/preprocess/byte-records";
import { splitHeader } from "../src/preprocess/chunk-work";
import { DEFAULT_MAX_RECORD_CHARS } from "../src/preprocess/csv-reader";
import {
  classifyToken,
  isBeyondInt64,
  isNaToken,
  TokenClass,
} from "../src/preprocess/column-types";
import { layoutFromHeader } from "../src/preprocess/schema";
import { SimpleToken, simpleTokenClass, simpleTokenValue } from "../src/preprocess/token-bytes";
import { FIELD_SHAPES } from "./support/csv-tokens";

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

/** What pass 1 on a chunk gives: its analysis, or the failure it throws (message and details). */
function outcome(
  analyze: (bytes: Uint8Array, params: AnalyzeParams) => ChunkAnalysis,
  bytes: Uint8Array,
  params: AnalyzeParams,
): ChunkAnalysis | { failed: { message: string; failure: unknown } } {
  try {
    return analyze(bytes, params);
  } catch (err) {
    const { message, failure } = err as { message: string; failure?: unknown };
    return { failed: { message, failure } };
  }
}

/** The data rows of a fixture's input and the params pass 1 would give its chunks. */
function fixtureChunk(name: string): { bytes: Uint8Array; params: AnalyzeParams } {
  const file = readFileSync(join(__dirname, "fixtures", "preprocess", name, "input.csv"));
  const split = splitHeader(new Uint8Array(file), true);
  if (split === undefined) throw new Error(`fixture ${name} has no header`);
  const layout = layoutFromHeader(split.header);
  const width = layout.header.length;
  return {
    bytes: split.rest,
    params: { width, age: layout.age, salary: layout.salary, settled: new Uint8Array(width) },
  };
}

// Fields of every shape, and pieces of CSV structure (some of them broken).
const piece = fc.constantFrom(
  ...FIELD_SHAPES,
  ".",
  "+",
  "99999999999999999999",
  '"',
  '"1"2',
  ",",
  "\n",
  "\r",
  "\r\n",
  "  \n",
);

const params = fc.integer({ min: 1, max: 5 }).chain((width) =>
  fc.record({
    width: fc.constant(width),
    age: fc.integer({ min: 0, max: width - 1 }),
    salary: fc.integer({ min: 0, max: width - 1 }),
    settled: fc.uint8Array({ minLength: width, maxLength: width, min: 0, max: 1 }),
  }),
);

describe("pass 1 reads a chunk's bytes as its string path reads the text", () => {
  test("any chunk the scan takes gets the string path's analysis; a chunk the string path fails, the scan leaves to it", () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), params, (pieces, p) => {
        const bytes = encode(pieces.join(""));
        const scanned = scanChunk(bytes, p);
        const expected = outcome(analyzeChunkText, bytes, p);
        if ("failed" in expected) expect(scanned).toBeUndefined();
        else if (scanned !== undefined) expect(scanned).toEqual(expected);
        // Whichever path answers, the chunk's analysis (or failure) is the string path's.
        expect(outcome(analyzeChunk, bytes, p)).toEqual(expected);
      }),
      { numRuns: 3000, seed: 19 },
    );
  });

  test("rows of many fields with numbers, blanks and missing values are scanned, not sent to the string path", () => {
    const row = fc
      .array(
        fc.constantFrom("", "1", "-2", "3.25", "-.5", "8.", "NA", "x y", '"q, ""r"""', '"9"'),
        {
          minLength: 1,
          maxLength: 6,
        },
      )
      .map((fields) => fields.join(","));
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 30 }), params, (rows, p) => {
        const bytes = encode(`${rows.join("\n")}\n`);
        const wide = { ...p, width: 6, settled: new Uint8Array(6) };
        const scanned = scanChunk(bytes, wide);
        expect(scanned).toBeDefined();
        expect(scanned).toEqual(analyzeChunkText(bytes, wide));
      }),
      { numRuns: 1000, seed: 5 },
    );
  });

  test("every fixture's data rows give the string path's analysis, and seed-shaped rows are scanned", () => {
    for (const name of readdirSync(join(__dirname, "fixtures", "preprocess"))) {
      if (name === "header-only") continue;
      const { bytes, params: p } = fixtureChunk(name);
      expect([name, analyzeChunk(bytes, p)]).toEqual([name, analyzeChunkText(bytes, p)]);
    }
    const { bytes, params: p } = fixtureChunk("mock-400");
    expect(scanChunk(bytes, p)).toEqual(analyzeChunkText(bytes, p));
  });

  test("text after a closing quote, a record wider than the header and a quote left open go to the string path", () => {
    const p = { width: 2, age: 0, salary: 1, settled: new Uint8Array(2) };
    expect(scanChunk(encode('1,"2"3\n'), p)).toBeUndefined();
    expect(analyzeChunk(encode('1,"2"3\n'), p).trackers[1]).toEqual({ flags: 1, missing: 0 });
    expect(scanChunk(encode("1,2,3\n"), p)).toBeUndefined();
    expect(() => analyzeChunk(encode("1,2\n1,2,3\n"), p)).toThrow(
      expect.objectContaining({
        failure: expect.objectContaining({ code: "too_many_fields", record: 2 }),
      }),
    );
    expect(scanChunk(encode('1,"2\n'), p)).toBeUndefined();
    expect(() => analyzeChunk(encode('1,"2\n'), p)).toThrow(/inside a quoted field/);
  });
});

test("a record beyond the record size limit, its quotes closed, goes to the string path, which refuses it", () => {
  const p = { width: 2, age: 0, salary: 1, settled: new Uint8Array(2) };
  // Past the limit by more than a decoded piece (64 KiB), where the tokenizer checks it.
  const bytes = encode(`1,"${"x".repeat(DEFAULT_MAX_RECORD_CHARS + 256 * 1024)}"\n`);
  expect(new ByteRecords(bytes, 2).next()).toBe(NOT_TAKEN);
  expect(scanChunk(bytes, p)).toBeUndefined();
  expect(() => analyzeChunk(bytes, p)).toThrow(
    expect.objectContaining({ failure: expect.objectContaining({ code: "record_too_large" }) }),
  );
});

describe("a token's shape read from its bytes is the type inference's", () => {
  const tokenText = fc.oneof(
    fc.stringMatching(/^[-+]?[0-9]{0,20}(\.[0-9]{0,20})?$/),
    fc.stringMatching(/^[-+. 0-9eE\t]{0,20}$/),
    fc.string({ maxLength: 12 }),
  );

  test("a simple token is missing, an int (negative or not) or a float exactly when the string functions say so", () => {
    fc.assert(
      fc.property(tokenText, (token) => {
        const bytes = encode(`,${token},`);
        const shape = simpleTokenClass(bytes, 1, bytes.length - 1);
        if (shape === SimpleToken.Other) return;
        expect(isNaToken(token)).toBe(shape === SimpleToken.Missing);
        if (shape === SimpleToken.Missing) return;
        const cls = classifyToken(token);
        expect(cls).toBe(shape === SimpleToken.Float ? TokenClass.Float : TokenClass.Int);
        if (cls === TokenClass.Int) {
          expect(isBeyondInt64(token)).toBe(false);
          expect(token.trim().startsWith("-")).toBe(shape === SimpleToken.NegativeInt);
        }
      }),
      { numRuns: 5000, seed: 3 },
    );
  });

  test("a simple number's value is Number's to the bit, or NaN (ask Number) only beyond 15 digits", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[-+]?[0-9]{0,17}(\.[0-9]{0,17})?$/), (token) => {
        const bytes = encode(token);
        const shape = simpleTokenClass(bytes, 0, bytes.length);
        fc.pre(shape !== SimpleToken.Missing && shape !== SimpleToken.Other);
        const value = simpleTokenValue(bytes, 0, bytes.length);
        const digits = token.replace(/[^0-9]/g, "").length;
        // Up to 15 digits the value is always given; whatever is given is exact.
        if (digits <= 15) expect(value).not.toBeNaN();
        if (!Number.isNaN(value)) expect([token, value]).toEqual([token, Number(token)]);
      }),
      { numRuns: 5000, seed: 7 },
    );
  });

  test("the common shapes are simple: seed ages, salaries and bonuses need no decoding", () => {
    for (const token of ["37", "50000", "2578.16", "-5", "0.1", ".5", "3."]) {
      expect([token, simpleTokenClass(encode(token), 0, token.length)]).not.toEqual([
        token,
        SimpleToken.Other,
      ]);
    }
    for (const token of ["1e5", " 4", "nan", "NA", "true", "1234567890123456789", "+", "."]) {
      expect([token, simpleTokenClass(encode(token), 0, token.length)]).toEqual([
        token,
        SimpleToken.Other,
      ]);
    }
  });
});
