/**
 * The parallel preprocessing: chunks of whole records on worker threads, merged in file order,
 * give the pandas reference's golden outputs byte for byte; chunk cuts never fall inside a record;
 * failures name the file's record, not the chunk's; gzip input streams; the pool is sized from the
 * container's CPU limit.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { containerCpuLimit, parseCfsQuota, parseCpuMax } from "../src/preprocess/cpu-limit";
import { CsvTokenizer } from "../src/preprocess/csv-reader";
import { PermanentFileError } from "../src/preprocess/errors";
import {
  defaultWorkers,
  INLINE_MAX_CHUNKS,
  OUTPUT_FILES,
  preprocess,
  preprocessFile,
} from "../src/preprocess/pipeline";
import { chunksOfLengths, InputChangedError, recordChunks } from "../src/preprocess/record-chunks";
import { FileBytes } from "../src/preprocess/byte-reader";
import { BufferPool } from "../src/preprocess/buffer-pool";
import { ChunkPool } from "../src/preprocess/chunk-pool";
import { analyzeChunk } from "../src/preprocess/chunk-analysis";
import { tokenizeChunk } from "../src/preprocess/chunk-work";
import { analyzeChunks } from "../src/preprocess/analyze";
import { gunzipped } from "../src/preprocess/text-source";

const FIXTURES = join(__dirname, "fixtures", "preprocess");
const CASES = readdirSync(FIXTURES).filter((d) => !d.startsWith("."));

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "preprocess-parallel-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function expectGolden(caseName: string, outDir: string) {
  for (const file of Object.values(OUTPUT_FILES)) {
    const expected = readFileSync(join(FIXTURES, caseName, "expected", file), "utf8");
    expect({ file, text: readFileSync(join(outDir, file), "utf8") }).toEqual({
      file,
      text: expected,
    });
  }
}

function piecesOf(buffer: Uint8Array, size: number) {
  return async function* () {
    for (let i = 0; i < buffer.length; i += size) yield buffer.slice(i, i + size);
  };
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const chunk of source) out.push(chunk);
  return out;
}

function records(text: string, atStreamStart = true): string[][] {
  const out: string[][] = [];
  const tokenizer = new CsvTokenizer((r) => out.push(r.values()), undefined, atStreamStart);
  tokenizer.push(text);
  tokenizer.end();
  return out;
}

describe("outputs on worker threads equal the pandas reference", () => {
  // Chunks small enough that every case spans several workers' chunks, large enough that a busy
  // machine still finishes in time (the inline test below cuts at every size down to 1 byte).
  test.each(CASES)(
    "%s: byte-identical on 2 workers with 2 KB chunks",
    async (caseName) => {
      const out = join(work, caseName, "workers");
      const input = readFileSync(join(FIXTURES, caseName, "input.csv"));
      await preprocess(piecesOf(input, 97), out, { workers: 2, chunkBytes: 2048, chunkRows: 5 });
      expectGolden(caseName, out);
    },
    180_000,
  );

  test.each(CASES)("%s: byte-identical inline with chunks of 1 to 64 bytes", async (caseName) => {
    const input = readFileSync(join(FIXTURES, caseName, "input.csv"));
    for (const chunkBytes of [1, 7, 64]) {
      const out = join(work, caseName, `inline-${chunkBytes}`);
      await preprocess(piecesOf(input, 13), out, { workers: 0, chunkBytes });
      expectGolden(caseName, out);
    }
  });

  test("a gzip file gives the same outputs as the plain one (preprocess-file detects it)", async () => {
    const path = join(work, "mock.gz");
    writeFileSync(path, gzipSync(readFileSync(join(FIXTURES, "mock-400", "input.csv"))));
    const out = join(work, "gzip-out");
    await preprocessFile(path, out, { workers: 0 });
    expectGolden("mock-400", out);
  });

  test("pass 1 reads its input a third time only when a line cut fell inside a quoted field", async () => {
    // "awkward" has a quoted field holding a line end, where 48-byte chunks read 13 bytes at a
    // time cut; "mock-400" has none.
    for (const [caseName, reads] of [
      ["awkward", 3],
      ["mock-400", 2],
    ] as const) {
      const input = readFileSync(join(FIXTURES, caseName, "input.csv"));
      let opens = 0;
      const open = () => {
        opens++;
        return piecesOf(input, 13)();
      };
      const out = join(work, `${caseName}-reads`);
      await preprocess(open, out, { workers: 0, chunkBytes: 48 });
      expectGolden(caseName, out);
      expect({ caseName, opens }).toEqual({ caseName, opens: reads });
    }
  });

  test("a gzip input read a third time is decompressed afresh", async () => {
    const gz = gzipSync(readFileSync(join(FIXTURES, "awkward", "input.csv")));
    const open = gunzipped(piecesOf(gz, 13));
    const reads = await Promise.all([0, 1, 2].map(() => collect(open())));
    const texts = reads.map((pieces) => Buffer.concat(pieces).toString("utf8"));
    expect(new Set(texts).size).toBe(1);
    expect(texts[0]).toBe(readFileSync(join(FIXTURES, "awkward", "input.csv"), "utf8"));
  });

  test("a gzip file is refused, and a plain one required to be gzip is rejected, by code", async () => {
    const gz = join(work, "refused.csv");
    writeFileSync(gz, gzipSync("id\n"));
    const plain = join(FIXTURES, "mock-400", "input.csv");
    const code = (p: Promise<unknown>) =>
      p.then(
        () => "none",
        (e: unknown) => (e instanceof PermanentFileError ? e.code : String(e)),
      );
    expect(await code(preprocessFile(gz, join(work, "r1"), { gzip: "refuse" }))).toBe(
      "unexpected_gzip",
    );
    expect(await code(preprocessFile(plain, join(work, "r2"), { gzip: "require" }))).toBe(
      "bad_gzip",
    );
  });
});

describe("pass 1 cuts at line ends, and at record ends when it must", () => {
  const header = "id,name,age,salary,hire_date,profile,department,bonus\n";
  const row = (i: number, name: string) =>
    `${i},${name},${20 + (i % 40)},${50000 + i},2020-01-01,,HR,1.5\n`;
  const file = (name: (i: number) => string) => {
    let text = header;
    for (let i = 1; i <= 300; i++) text += row(i, name(i));
    return new TextEncoder().encode(text);
  };
  const analyze = (bytes: Uint8Array, cut?: "line" | "record") =>
    analyzeChunks(piecesOf(bytes, 13), new ChunkPool(0), { inFlight: 2, chunkBytes: 256, cut });

  test("a line end inside a quoted field that was a cut sends pass 1 back to record cuts", async () => {
    const bytes = file((i) => (i % 9 === 0 ? `"two\nlines ${i}"` : `n${i}`));
    const byRecords = await analyze(bytes, "record");
    // Cut at line ends only, some chunk ends inside a quoted field...
    await expect(analyze(bytes, "line")).rejects.toMatchObject({ code: "unterminated_quote" });
    // ...which the default run notices and cuts again: the same analysis and the same cuts.
    expect(await analyze(bytes)).toEqual(byRecords);
    expect(byRecords.analysis.rows).toBe(300);
  });

  test("without line ends in quoted fields, line cuts are the record cuts", async () => {
    const bytes = file((i) => (i % 9 === 0 ? `"quoted, ${i}"` : `n${i}`));
    expect(await analyze(bytes, "line")).toEqual(await analyze(bytes, "record"));
  });

  test("a quote left open fails the same way whichever cut found it", async () => {
    const bytes = new TextEncoder().encode(
      `${new TextDecoder().decode(file((i) => `n${i}`))}301,"open\n302,x,1,2,3,,HR,4\n`,
    );
    const failure = (cut?: "line" | "record") =>
      analyze(bytes, cut).then(
        () => "none",
        (e: unknown) => (e instanceof PermanentFileError ? `${e.code}: ${e.message}` : String(e)),
      );
    const byRecords = await failure("record");
    expect(byRecords).toMatch(/^unterminated_quote: .*record 302/);
    expect(await failure()).toBe(byRecords);
  });
});

describe("chunks hold whole records", () => {
  const tricky =
    'id,name,note\r\n1,"a\nb",x"y\n2,ab"c,"multi\r\nline ""q"""\n\n  \n3,"x"tail,\u00e9\u{1f3e0}\r4,"",""\n5,z,';

  test("cutting anywhere gives the sequential tokenizer's records, and no byte is lost", async () => {
    const bytes = new TextEncoder().encode(tricky);
    const expected = records(tricky);
    for (let chunkBytes = 1; chunkBytes <= bytes.length; chunkBytes++) {
      for (const piece of [1, 3, 16]) {
        const chunks = await collect(recordChunks(piecesOf(bytes, piece)(), chunkBytes));
        expect(Buffer.concat(chunks)).toEqual(Buffer.from(bytes));
        const got = chunks.flatMap((c, i) => records(new TextDecoder().decode(c), i === 0));
        expect(got).toEqual(expected);
      }
    }
  });

  test("any text of quotes, commas and line ends is cut only between the tokenizer's records", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.stringMatching(/^[a"",\r\n ]{0,80}$/),
        fc.integer({ min: 1, max: 24 }),
        fc.integer({ min: 1, max: 9 }),
        async (text, chunkBytes, piece) => {
          let expected: string[][];
          try {
            expected = records(text);
          } catch {
            return true; // Ends inside a quoted field: the tokenizer's own error, not a cut.
          }
          const bytes = new TextEncoder().encode(text);
          const chunks = await collect(recordChunks(piecesOf(bytes, piece)(), chunkBytes));
          const got = chunks.flatMap((c, i) => records(new TextDecoder().decode(c), i === 0));
          return JSON.stringify(got) === JSON.stringify(expected);
        },
      ),
      { numRuns: 2000, seed: 29 },
    );
  });

  test("a second read cut at the first read's chunk lengths gives the same chunks, however it is read", async () => {
    const bytes = new TextEncoder().encode(tricky);
    for (const chunkBytes of [1, 7, 20, 1000]) {
      const first = await collect(recordChunks(piecesOf(bytes, 5)(), chunkBytes));
      const lengths = first.map((c) => c.length);
      for (const piece of [1, 4, 64]) {
        const second = await collect(chunksOfLengths(piecesOf(bytes, piece)(), lengths));
        expect(second.map((c) => Buffer.from(c))).toEqual(first.map((c) => Buffer.from(c)));
        // Each chunk owns its memory (it is transferred to a worker).
        for (const c of second) expect(c.byteLength).toBe(c.buffer.byteLength);
      }
    }
  });

  test("a local file read in place is cut into whole records, and its second read at the same places", async () => {
    const bytes = new TextEncoder().encode(tricky);
    const path = join(work, "tricky.csv");
    writeFileSync(path, bytes);
    const file = new FileBytes(path);
    expect(Buffer.concat(await collect(file))).toEqual(Buffer.from(bytes));
    const expected = records(tricky);
    for (let chunkBytes = 1; chunkBytes <= bytes.length + 1; chunkBytes++) {
      const chunks = await collect(recordChunks(file, chunkBytes));
      expect(Buffer.concat(chunks)).toEqual(Buffer.from(bytes));
      const got = chunks.flatMap((c, i) => records(new TextDecoder().decode(c), i === 0));
      expect(got).toEqual(expected);
      const second = await collect(
        chunksOfLengths(
          file,
          chunks.map((c) => c.length),
        ),
      );
      expect(second.map((c) => Buffer.from(c))).toEqual(chunks.map((c) => Buffer.from(c)));
    }
  });

  test("a chunk decoded in pieces gives the whole text's records, whatever character a piece ends in", () => {
    // Past 64 KiB (one decode piece) several times over, with 1- to 4-byte characters at every
    // offset, and a quoted field across each piece boundary.
    const chars = ["a", "\u00e9", "\u20ac", "\u{1f3e0}"];
    let text = "";
    for (let i = 0; text.length < 300_000; i++) {
      const c = chars[i % 4] as string;
      text += `${i},${c.repeat(1 + (i % 7))},"q ${c}\n""x""",${"z".repeat(i % 97)}\n`;
    }
    const got: string[][] = [];
    tokenizeChunk(new TextEncoder().encode(text), false, (r) => got.push(r.values()));
    expect(got).toEqual(records(text, false));
  });

  test("a chunk decoded in pieces gives the whole text's records whatever its line ends", () => {
    // Pieces end at a line end when one is near: "\r" alone, "\r\n" and "\n", and a record
    // longer than a piece (no line end to cut at), each past 64 KiB.
    for (const end of ["\r", "\r\n", "\n"]) {
      let text = `1,${"\u20ac".repeat(70_000)}${end}`;
      for (let i = 2; text.length < 400_000; i++)
        text += `${i},"a${end}b",${"x".repeat(i % 89)}${end}`;
      const got: string[][] = [];
      tokenizeChunk(new TextEncoder().encode(text), false, (r) => got.push(r.values()));
      expect(got).toEqual(records(text, false));
    }
  });

  test("a chunk that is not UTF-8 fails as such, even after a record that would fail first", () => {
    const bytes = new Uint8Array([...new TextEncoder().encode("1,2,3,4,5\n"), 0xff, 0x0a]);
    const params = { width: 2, age: 0, salary: 1, settled: new Uint8Array(2) };
    expect(() => analyzeChunk(bytes, params)).toThrow(
      expect.objectContaining({ failure: expect.objectContaining({ code: "not_utf8_text" }) }),
    );
    const nul = new TextEncoder().encode("1,2,3,4,5\n1,\0\n");
    expect(() => analyzeChunk(nul, params)).toThrow(/NUL/);
  });

  test("a chunk run inline goes back to its pool once its work is done, as a worker's copy does", async () => {
    const inputs = new BufferPool(16, 4);
    const pool = new ChunkPool(0, inputs);
    const bytes = inputs.take(8);
    bytes.set(new TextEncoder().encode("1,2\n3,4\n"));
    const params = { width: 2, age: 0, salary: 1, settled: new Uint8Array(2) };
    const analysis = await pool.analyze(bytes, params);
    expect(analysis.rows).toBe(2);
    expect(inputs.idle).toBe(1);
    expect(inputs.take().buffer).toBe(bytes.buffer);
    // Inline, a buffer the pool cannot keep is left to the collector, not detached.
    const own = new TextEncoder().encode("1,2\n");
    await pool.analyze(own, params);
    expect([own.buffer.detached, own.length]).toEqual([false, 4]);
    await pool.close();
  });

  test("the next chunk's read is under way while the chunk handed on is worked on, in both passes", async () => {
    const bytes = new TextEncoder().encode("a,b\n".repeat(64));
    let reads = 0;
    // A local-file-like input (read into the caller's buffer) that counts the reads started.
    const input = Object.assign(piecesOf(bytes, 1 << 20)(), {
      reader: () => {
        let position = 0;
        return {
          read: async (into: Uint8Array, at: number) => {
            reads++;
            const n = Math.min(into.length - at, bytes.length - position, 16);
            into.set(bytes.subarray(position, position + n), at);
            position += n;
            return n;
          },
          close: async () => undefined,
        };
      },
    });
    const first = recordChunks(input, 32);
    const lengths: number[] = [];
    for await (const chunk of first) {
      const before = reads;
      lengths.push(chunk.length);
      // Nothing asked for yet, and the read of what follows has started.
      if (lengths.length < 8) expect(before).toBeGreaterThan(lengths.length * 2);
    }
    reads = 0;
    let seen = 0;
    for await (const chunk of chunksOfLengths(input, lengths)) {
      seen++;
      expect(chunk.length).toBe(lengths[seen - 1]);
      if (seen < lengths.length) expect(reads).toBeGreaterThan(seen * 2);
    }
    expect(seen).toBe(lengths.length);
  });

  test("a second read that does not fit the first read's cuts fails instead of splitting a record", async () => {
    const bytes = new TextEncoder().encode(tricky);
    const lengths = (await collect(recordChunks(piecesOf(bytes, 5)(), 20))).map((c) => c.length);
    const fails = (changed: Uint8Array) =>
      collect(chunksOfLengths(piecesOf(changed, 8)(), lengths)).then(
        () => undefined,
        (e: unknown) => e,
      );
    const longer = new Uint8Array([...bytes, 0x41]);
    const shorter = bytes.subarray(0, bytes.length - 1);
    // One character more before the first cut moves every line end after it.
    const shifted = new Uint8Array([0x41, ...bytes.subarray(0, bytes.length - 1)]);
    for (const changed of [longer, shorter, shifted]) {
      expect(await fails(changed)).toBeInstanceOf(InputChangedError);
    }
  });

  test("a failure in a later chunk names the file's data row", async () => {
    const header = "id,name,age,salary,hire_date,profile,department,bonus\n";
    const row = (i: number) => `${i},n,30,50000,2020-01-01,,HR,1\n`;
    let text = header;
    for (let i = 1; i <= 40; i++) text += i === 37 ? "37,a,2,3,4,5,6,7,8\n" : row(i);
    const error = await preprocess(piecesOf(Buffer.from(text), 50), join(work, "bad"), {
      workers: 2,
      chunkBytes: 64,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentFileError);
    expect((error as PermanentFileError).message).toBe(
      "data row 37 has 9 fields, the header has 8",
    );
  });

  test("an unbalanced quote is stopped at the record size limit, not read to the end", async () => {
    const header = "id,name,age,salary,hire_date,profile,department,bonus\n";
    const big = `${header}1,"${"x".repeat(17 * 1024 * 1024)}`;
    const error = await preprocess(piecesOf(Buffer.from(big), 1 << 20), join(work, "big"), {
      workers: 0,
    }).catch((e: unknown) => e);
    expect((error as PermanentFileError).code).toBe("record_too_large");
    expect((error as PermanentFileError).message).toMatch(/^record 2 /);
  });
});

describe("the pool follows the container's CPU limit", () => {
  test("cgroup v2 cpu.max and v1 CFS quotas give cores; no limit gives none", () => {
    expect(parseCpuMax("200000 100000\n")).toBe(2);
    expect(parseCpuMax("50000 100000")).toBe(0.5);
    expect(parseCpuMax("max 100000")).toBeUndefined();
    expect(parseCfsQuota("150000\n", "100000\n")).toBe(1.5);
    expect(parseCfsQuota("-1", "100000")).toBeUndefined();
  });

  test("the limit is rounded up, capped by the host's cores, and read from v2 before v1", () => {
    const dir = mkdtempSync(join(work, "cgroup-"));
    const file = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    const none = join(dir, "absent");
    const v2 = (text: string) => ({
      v2CpuMax: file("cpu.max", text),
      v1Quota: none,
      v1Period: none,
    });
    expect(containerCpuLimit(v2("150000 100000"), 16)).toBe(2);
    expect(containerCpuLimit(v2("50000 100000"), 16)).toBe(1);
    expect(containerCpuLimit(v2("800000 100000"), 4)).toBe(4);
    expect(containerCpuLimit(v2("max 100000"), 6)).toBe(6);
    const v1 = { v2CpuMax: none, v1Quota: file("q", "300000"), v1Period: file("p", "100000") };
    expect(containerCpuLimit(v1, 16)).toBe(3);
    expect(containerCpuLimit({ v2CpuMax: none, v1Quota: none, v1Period: none }, 5)).toBe(5);
  });
});

describe("pool size", () => {
  test("an input of up to INLINE_MAX_CHUNKS chunks runs inline; a larger one gets a worker per core of the CPU limit", () => {
    const chunk = 1024 * 1024;
    const cores = containerCpuLimit();
    expect(defaultWorkers(INLINE_MAX_CHUNKS * chunk, chunk)).toBe(0);
    expect(defaultWorkers(INLINE_MAX_CHUNKS * chunk + 1, chunk)).toBe(cores >= 2 ? cores : 0);
    // The 50k-row bench file (7.7 MB) is one of the small ones.
    expect(defaultWorkers(7_661_808)).toBe(0);
  });
});
