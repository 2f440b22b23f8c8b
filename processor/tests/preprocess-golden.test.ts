/**
 * Outputs equal, byte for byte, the golden outputs of the pandas reference (pandas 1.5), committed
 * under fixtures/preprocess/<case>/expected. Each case is also run with tiny chunks and tiny read
 * pieces, so records, CRLF pairs and UTF-8 sequences are split at every possible place.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PermanentFileError } from "../src/preprocess/errors";
import { OUTPUT_FILES, preprocess, preprocessFile } from "../src/preprocess/pipeline";

const FIXTURES = join(__dirname, "fixtures", "preprocess");
const CASES = readdirSync(FIXTURES).filter((d) => !d.startsWith("."));

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "preprocess-golden-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function expectSameOutputs(caseName: string, outDir: string) {
  for (const file of Object.values(OUTPUT_FILES)) {
    const expected = readFileSync(join(FIXTURES, caseName, "expected", file), "utf8");
    const actual = readFileSync(join(outDir, file), "utf8");
    expect({ file, text: actual }).toEqual({ file, text: expected });
  }
}

/** Streams a buffer in pieces of `size` bytes. */
function piecesOf(buffer: Buffer, size: number) {
  return async function* () {
    for (let i = 0; i < buffer.length; i += size) yield buffer.subarray(i, i + size);
  };
}

describe("outputs equal the pandas reference", () => {
  test("the golden cases cover the awkward inputs", () => {
    expect(CASES).toEqual(
      expect.arrayContaining(["mock-400", "awkward", "types", "header-only", "reordered-extra"]),
    );
  });

  test.each(CASES)("%s: byte-identical outputs", async (caseName) => {
    const out = join(work, caseName, "default");
    await preprocessFile(join(FIXTURES, caseName, "input.csv"), out);
    expectSameOutputs(caseName, out);
  });

  test.each(CASES)("%s: identical with 7-row chunks and 13-byte reads", async (caseName) => {
    const out = join(work, caseName, "small");
    const input = readFileSync(join(FIXTURES, caseName, "input.csv"));
    await preprocess(piecesOf(input, 13), out, { chunkRows: 7 });
    expectSameOutputs(caseName, out);
  });

  test("a CSV split one byte at a time gives the same outputs", async () => {
    const out = join(work, "awkward-bytes");
    const input = readFileSync(join(FIXTURES, "awkward", "input.csv"));
    await preprocess(piecesOf(input, 1), out, { chunkRows: 3 });
    expectSameOutputs("awkward", out);
  });
});

describe("awkward CSV content is handled as pandas does", () => {
  const awkward = () =>
    readFileSync(join(FIXTURES, "awkward", "expected", "cleaned_data.csv"), "utf8");

  test("quoted commas and doubled quotes survive the round trip", () => {
    expect(awkward()).toContain('1,"Smith, Ana",');
    expect(awkward()).toContain('2,"He said ""hi""",');
  });

  test("invalid, non-object or missing profile JSON gives empty address, phone and email", () => {
    expect(awkward()).toContain("3,,25.0,50000.0,2020-01-03,Unknown,1e-05,,,\n");
    expect(awkward()).toContain("4,,26.0,70000.0,2020-01-04,Unknown,1e+16,,,\n");
  });

  test("address_length counts unicode code points, not UTF-16 units", () => {
    const transformed = readFileSync(
      join(FIXTURES, "awkward", "expected", "transformed_data.csv"),
      "utf8",
    );
    expect(transformed).toContain("Zoë Straße 5 🏠,,z@x.com,14,medium,Mid Career");
  });

  test("duplicate rows are counted on the transformed table", () => {
    const metrics = JSON.parse(
      readFileSync(join(FIXTURES, "awkward", "expected", "quality_metrics.json"), "utf8"),
    );
    expect(metrics.duplicate_rows).toBe(2);
  });
});

describe("files that can never be processed", () => {
  const cases: [string, string | Buffer, string][] = [
    ["an empty file", "", "empty_file"],
    ["only blank lines", "\n\n  \n", "empty_file"],
    ["a header without required columns", "id,name,age\n1,a,2\n", "wrong_header"],
    [
      "a repeated column",
      "id,id,name,age,salary,hire_date,profile,department,bonus\n",
      "wrong_header",
    ],
    [
      "a row with more fields than the header",
      "id,name,age,salary,hire_date,profile,department,bonus\n1,a,2,3,4,5,6,7,8\n",
      "too_many_fields",
    ],
    [
      "a non-numeric age",
      "id,name,age,salary,hire_date,profile,department,bonus\n1,a,old,3,4,,HR,1\n",
      "not_numeric",
    ],
    [
      "an unterminated quote",
      'id,name,age,salary,hire_date,profile,department,bonus\n1,"a,2,3\n',
      "unterminated_quote",
    ],
    [
      "bytes that are not UTF-8",
      Buffer.from([0x69, 0x64, 0x2c, 0xff, 0xfe, 0x0a]),
      "not_utf8_text",
    ],
    [
      "a binary file with NUL bytes",
      Buffer.from("PK\u0003\u0004\u0000\u0000binary"),
      "not_utf8_text",
    ],
  ];

  test.each(cases)("%s is rejected with a clear code", async (_name, content, code) => {
    const buffer = typeof content === "string" ? Buffer.from(content) : content;
    const error = await preprocess(piecesOf(buffer, 4096), join(work, "rejected")).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PermanentFileError);
    expect((error as PermanentFileError).code).toBe(code);
    expect((error as PermanentFileError).message.length).toBeGreaterThan(10);
  });
});
