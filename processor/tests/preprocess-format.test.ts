import fc from "fast-check";
import {
  classifyToken,
  ColumnTypeTracker,
  isBeyondInt64,
  isNaToken,
  NA_TOKENS,
  TokenClass,
} from "../src/preprocess/column-types";
import { CsvTokenizer } from "../src/preprocess/csv-reader";
import {
  csvField,
  formatFloat,
  formatFloatToken,
  formatIntToken,
  pythonJsonDumps,
} from "../src/preprocess/pandas-format";
import { parseProfile } from "../src/preprocess/profile";
import { writeFingerprintedLines } from "../src/preprocess/row-lines";
import {
  codePointLength,
  compareCodePoints,
  fingerprintInto,
  FingerprintSet,
  KahanMean,
  MedianCounter,
} from "../src/preprocess/stats";
import { Utf8Sink } from "../src/preprocess/utf8-sink";

describe("missing values", () => {
  test("a token is missing exactly when it is absent or one of pandas' NA tokens", () => {
    expect(isNaToken(undefined)).toBe(true);
    for (const token of NA_TOKENS) expect(isNaToken(token)).toBe(true);
    // Near misses of every NA token (a character added, dropped or changed) are values.
    const nearMisses = [...NA_TOKENS].flatMap((t) => [
      `${t}x`,
      `x${t}`,
      t.slice(1),
      `${t.slice(0, -1)}0`,
    ]);
    for (const token of nearMisses.filter((t) => !NA_TOKENS.has(t))) {
      expect({ token, missing: isNaToken(token) }).toEqual({ token, missing: false });
    }
    const tokens = fc.oneof(
      fc.string({ maxLength: 10 }),
      fc.constantFrom(...NA_TOKENS),
      fc.constantFrom(...NA_TOKENS).map((t) => t.toLowerCase()),
    );
    fc.assert(fc.property(tokens, (t) => isNaToken(t) === NA_TOKENS.has(t)));
  });
});

describe("pandas number formats", () => {
  test.each([
    [50000, "50000.0"],
    [61234.56789012345, "61234.56789012345"],
    [0.1, "0.1"],
    [1e-5, "1e-05"],
    [0.0001, "0.0001"],
    [1e16, "1e+16"],
    [12345678901234568, "1.2345678901234568e+16"],
    [1.5e-7, "1.5e-07"],
    [1e100, "1e+100"],
    [-0, "-0.0"],
    [Infinity, "inf"],
    [-Infinity, "-inf"],
    [NaN, ""],
  ])("float %p prints as Python repr %p", (value, text) => {
    expect(formatFloat(value)).toBe(text);
  });

  test.each([
    "698.55",
    "3",
    "-12.5",
    "0.5",
    "1e5",
    " 1.5 ",
    "1.50",
    "0.00001",
    "123456789012.3456789",
  ])("the fast path for float token %p agrees with the general one", (token) => {
    expect(formatFloatToken(token)).toBe(formatFloat(Number(token)));
  });

  test("int tokens lose signs, zeros and spaces as int64 does", () => {
    expect(["+5", "007", "-0", " 42 ", "-12"].map(formatIntToken)).toEqual([
      "5",
      "7",
      "0",
      "42",
      "-12",
    ]);
  });

  test("fields are quoted like Python's csv writer (not for \\r)", () => {
    expect(["a", "a,b", 'say "hi"', "two\nlines", "cr\rinside", ""].map(csvField)).toEqual([
      "a",
      '"a,b"',
      '"say ""hi"""',
      '"two\nlines"',
      "cr\rinside",
      "",
    ]);
  });

  test("JSON is written like Python's json.dump", () => {
    expect(pythonJsonDumps({ total_rows: 3, key: "café", ok: true, none: null })).toBe(
      '{"total_rows": 3, "key": "caf\\u00e9", "ok": true, "none": null}',
    );
  });
});

describe("pandas type inference", () => {
  test("tokens are classified as pandas' C parser does", () => {
    expect(
      [
        "1",
        "+5",
        " 7 ",
        "1.",
        ".5",
        "1e5",
        "inf",
        "-Infinity",
        "TRUE",
        "false",
        "0x10",
        "1_000",
        "1e309",
        "None",
      ].map(classifyToken),
    ).toEqual([
      TokenClass.Int,
      TokenClass.Int,
      TokenClass.Int,
      TokenClass.Float,
      TokenClass.Float,
      TokenClass.Float,
      TokenClass.Float,
      TokenClass.Float,
      TokenClass.Bool,
      TokenClass.Bool,
      TokenClass.Text,
      TokenClass.Text,
      TokenClass.Text,
      TokenClass.Text,
    ]);
  });

  test("the shape of a token decides its class as pandas' patterns say, for any token", () => {
    // pandas' C parser's shapes written as regular expressions: the reference the loop must match.
    const int = /^[ \t]*[+-]?\d+[ \t]*$/;
    const float =
      /^[ \t]*[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|inf|infinity)[ \t]*$/i;
    const bool = /^(?:true|false)$/i;
    const expected = (t: string): TokenClass => {
      if (int.test(t)) {
        const digits = t.trim().replace(/^[+-]/, "");
        if (digits.length <= 18) return TokenClass.Int;
        const n = BigInt(t.trim());
        return n >= -(2n ** 63n) && n < 2n ** 64n ? TokenClass.Int : TokenClass.Text;
      }
      if (float.test(t)) {
        return Number.isFinite(Number(t)) || /inf/i.test(t) ? TokenClass.Float : TokenClass.Text;
      }
      return bool.test(t) ? TokenClass.Bool : TokenClass.Text;
    };
    // Tokens built from the characters the shapes turn on, and some that only look like them
    // (long s and Kelvin sign fold to ASCII letters in some case mappings; Arabic-Indic zero).
    const pieces = fc.constantFrom(
      ..." \t+-.0123456789eEiInNfFtTyYrRuUaAlLsS\u017f\u212a\u0660\n,xX".split(""),
      "inf",
      "Infinity",
      "true",
      "FALSE",
      "1e309",
      "9".repeat(19),
      "18446744073709551616",
      "-9223372036854775809",
    );
    fc.assert(
      fc.property(fc.array(pieces, { minLength: 1, maxLength: 8 }), (parts) => {
        const token = parts.join("");
        expect(classifyToken(token)).toBe(expected(token));
        if (int.test(token)) {
          expect(isBeyondInt64(token)).toBe(BigInt(token.trim()) > 2n ** 63n - 1n);
        }
      }),
      { numRuns: 20_000 },
    );
  });

  test.each([
    [["1", "2"], "int"],
    [["1", ""], "float"],
    [["1", "2.5"], "float"],
    [["True", "false"], "bool"],
    [["1", "True"], "text"],
    [["", "NA", "null"], "empty"],
    [["1", "x"], "text"],
  ])("a column of %p is %p", (tokens, kind) => {
    const tracker = new ColumnTypeTracker();
    for (const t of tokens) tracker.add(t);
    expect(tracker.kind).toBe(kind);
  });
});

describe("streaming aggregates", () => {
  test("medians skip missing values and average the middle pair", () => {
    const m = new MedianCounter();
    for (const v of [30, NaN, 25, 26, 45, 0, 56, 35, 55, 40, 40, 100, 24]) m.add(v);
    expect(m.median()).toBe(37.5);
    expect(new MedianCounter().median()).toBeNaN();
  });

  test("means use compensated summation like pandas' group_mean", () => {
    const k = new KahanMean();
    for (let i = 0; i < 10; i++) k.add(0.1);
    // Naive summation gives 0.09999999999999999.
    expect(k.value).toBe(0.1);
  });

  test("the fingerprint set counts exact repeats only", () => {
    const f = new FingerprintSet();
    for (let i = 0; i < 50_000; i++) f.add(`row ${i % 40_000}`);
    f.add("row 1", 1);
    expect(f.duplicates).toBe(10_000);
    expect(f.size).toBe(40_001);
  });

  test("a fingerprint set made for its row count counts the same and never grows", () => {
    const grown = new FingerprintSet();
    const sized = new FingerprintSet(50_000);
    const capacity = sized.capacity;
    for (let i = 0; i < 50_000; i++) {
      grown.add(`row ${i % 40_000}`);
      sized.add(`row ${i % 40_000}`);
    }
    expect([sized.duplicates, sized.size]).toEqual([grown.duplicates, grown.size]);
    expect(sized.capacity).toBe(capacity);
    expect(grown.capacity).toBeGreaterThan(new FingerprintSet().capacity);
  });

  test("each half of a fingerprint changes when any one byte of the text changes", () => {
    const text = "17,Ann Lee,42,61000.0,2020-01-31,HR,1500.5,1 Elm St,555-0101,a@b.c";
    const out = new Uint32Array(2);
    const halves = [new Set<number>(), new Set<number>()];
    for (let i = 0; i <= text.length; i++) {
      for (const c of i === text.length ? ["", "x"] : ["#", "~"]) {
        fingerprintInto(text.slice(0, i) + c + text.slice(i + 1), 0, out, 0);
        halves[0]?.add(out[0] as number);
        halves[1]?.add(out[1] as number);
      }
    }
    // Every variant (two per position, and the text cut short or made longer) is a distinct text.
    expect(halves.map((h) => h.size)).toEqual([2 * text.length + 2, 2 * text.length + 2]);
  });

  test("lines written with their fingerprints get the fingerprints of their own text", () => {
    const lines = ["1,plain", "2,caf\u00e9,\u00e9t\u00e9", "3,\u{1f3e0} home", "4,", "5,\u00e9"];
    const fingerprints = new Uint32Array(2 * (lines.length + 1)).fill(7);
    const sink = new Utf8Sink(16);
    const salts = Uint8Array.from([0, 1, 2, 3, 4]);
    writeFingerprintedLines(sink, lines, salts, fingerprints, 1);
    expect(Buffer.from(sink.take()).toString("utf8")).toBe(`${lines.join("\n")}\n`);
    const expected = new Uint32Array(2 * (lines.length + 1)).fill(7);
    lines.forEach((line, r) => fingerprintInto(line, r, expected, 2 * (r + 1)));
    expect([...fingerprints]).toEqual([...expected]);
  });

  test("code points count and sort like Python strings", () => {
    expect(codePointLength("a🏠b")).toBe(3);
    expect(["\uffff", "🏠", "a"].sort(compareCodePoints)).toEqual(["a", "\uffff", "🏠"]);
  });
});

describe("CSV reading and profiles", () => {
  function records(...pieces: string[]) {
    const out: string[][] = [];
    const t = new CsvTokenizer((r) => out.push(r.values()));
    for (const p of pieces) t.push(p);
    t.end();
    return out;
  }

  test("CRLF, lone CR, blank lines and a BOM are handled", () => {
    expect(records("\ufeffa,b\r\n1,2\r\n\r\n   \n3,4\r5,6")).toEqual([
      ["a", "b"],
      ["1", "2"],
      ["3", "4"],
      ["5", "6"],
    ]);
  });

  test("quoted fields keep commas, newlines and doubled quotes, even split across pieces", () => {
    expect(records('a,"x, ""y""\n', 'z"', ",b\n")).toEqual([["a", 'x, "y"\nz', "b"]]);
  });

  test("text after a closing quote stays in the field", () => {
    expect(records('"x"y,2\n')).toEqual([["xy", "2"]]);
  });

  test("profiles: canonical, reordered, invalid and non-object JSON", () => {
    expect(parseProfile('{"address": "1 Main", "phone": "5", "email": "e"}')).toEqual({
      address: "1 Main",
      phone: "5",
      email: "e",
    });
    expect(parseProfile('{"email":"e","address":"a\\"b"}')).toEqual({
      address: 'a"b',
      phone: null,
      email: "e",
    });
    expect(parseProfile("not json")).toEqual({ address: null, phone: null, email: null });
    expect(parseProfile("[1,2]")).toEqual({ address: null, phone: null, email: null });
    expect(parseProfile(null)).toEqual({ address: null, phone: null, email: null });
  });
});

describe("danfojs loading", () => {
  test("mathjs, TensorFlow.js and table are deferred by the DataFrame step and load on first use", async () => {
    const { execFileSync } = await import("node:child_process");
    const { join } = await import("node:path");
    const stdout = execFileSync(
      process.execPath,
      ["--import", "tsx", join(__dirname, "support", "preprocess-defer-check.ts")],
      { cwd: join(__dirname, "..", ".."), encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
    );
    expect(JSON.parse(stdout.trim().split("\n").at(-1) as string)).toEqual({
      afterStep: ["mathjs", "table", "tfjs"],
      step: ["Early Career", "Mid Career"],
      median: [2.5],
      afterMedian: ["table", "tfjs"],
      printed: true,
      afterPrint: ["tfjs"],
    });
  });
});
