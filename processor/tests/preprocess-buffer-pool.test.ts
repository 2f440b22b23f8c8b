/**
 * Chunk buffers go round instead of being made anew (buffer-pool.ts): a buffer given back is
 * handed out again, a reader that gives each chunk back at once still gets every record, and the
 * outputs written into reused buffers are the same bytes.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { BufferPool } from "../src/preprocess/buffer-pool";
import { ChunkPool, surplusRelease } from "../src/preprocess/chunk-pool";
import type { ChunkTransform } from "../src/preprocess/chunk-work";
import { OUTPUT_FILES, preprocessFile } from "../src/preprocess/pipeline";
import { chunksOfLengths, recordChunks } from "../src/preprocess/record-chunks";
import { Utf8Sink } from "../src/preprocess/utf8-sink";

const FIXTURES = join(__dirname, "fixtures", "preprocess");

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "preprocess-buffer-pool-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function piecesOf(bytes: Uint8Array, size: number) {
  return async function* () {
    for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
  };
}

describe("BufferPool", () => {
  test("a buffer given back is handed out again, up to the pool's size", () => {
    const pool = new BufferPool(64, 2);
    const a = pool.take();
    const b = pool.take(10);
    expect([a.length, b.length, b.buffer.byteLength]).toEqual([64, 10, 64]);
    pool.give(a);
    pool.give(b);
    expect(pool.idle).toBe(2);
    expect(pool.take(5).buffer).toBe(b.buffer);
    expect(pool.take().buffer).toBe(a.buffer);
    expect(pool.idle).toBe(0);
  });

  test.each([
    ["detach", [0, 0, 64], true],
    ["collect", [64, 65, 64], false],
  ] as const)(
    "beyond the pool's size, or of another size, a buffer given back to a %s pool is freed that way",
    (surplus, lengths, detached) => {
      const pool = new BufferPool(64, 1, surplus);
      const kept = pool.take();
      const extra = pool.take();
      const other = new Uint8Array(65);
      pool.give(kept);
      pool.give(extra);
      pool.give(other);
      expect(pool.idle).toBe(1);
      // A detached buffer: every view of it is empty.
      expect([extra.length, other.length, kept.length]).toEqual(lengths);
      const freed = [extra, other].map((b) => (b.buffer as ArrayBuffer).detached);
      expect(freed).toEqual([detached, detached]);
      // Longer than the pool's buffers: a buffer of its own.
      expect(pool.take(100).buffer.byteLength).toBe(100);
    },
  );

  test("a pool leaves its surplus to the collector unless told to detach it", () => {
    expect(new BufferPool(64, 1).surplus).toBe("collect");
  });

  test("a thread with workers detaches its surplus, one without leaves it to the collector", () => {
    expect(surplusRelease(2)).toBe("detach");
    expect(surplusRelease(0)).toBe("collect");
  });

  test("a pool that keeps nothing hands out buffers of the exact length", () => {
    const pool = new BufferPool(1024, 0);
    const b = pool.take(7);
    expect(b.buffer.byteLength).toBe(7);
    pool.give(b);
    expect(pool.idle).toBe(0);
  });
});

describe("chunks read into reused buffers", () => {
  test("a reader that gives each chunk back at once gets the same chunks as one that keeps them", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            a: fc.stringMatching(/^[a-z"\n,]{0,12}$/),
            b: fc.stringMatching(/^[a-z,]{0,30}$/),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        fc.integer({ min: 4, max: 64 }),
        fc.integer({ min: 1, max: 17 }),
        async (rows, chunkBytes, piece) => {
          const text = rows.map((r) => `"${r.a.replaceAll('"', '""')}",${r.b}\n`).join("");
          const bytes = new TextEncoder().encode(text);
          const kept: Buffer[] = [];
          for await (const c of recordChunks(piecesOf(bytes, piece)(), chunkBytes)) {
            kept.push(Buffer.from(c));
          }
          const pool = new BufferPool(chunkBytes, 4);
          const reused: Buffer[] = [];
          for await (const c of recordChunks(
            piecesOf(bytes, piece)(),
            chunkBytes,
            undefined,
            pool,
          )) {
            reused.push(Buffer.from(c));
            // Scribbled over and given back: the next chunk may be read into this very buffer.
            c.fill(0x41);
            pool.give(c);
          }
          const lengths = kept.map((c) => c.length);
          const again: Buffer[] = [];
          for await (const c of chunksOfLengths(piecesOf(bytes, piece)(), lengths, pool)) {
            again.push(Buffer.from(c));
            c.fill(0x42);
            pool.give(c);
          }
          return (
            Buffer.concat(kept).equals(Buffer.from(bytes)) &&
            reused.length === kept.length &&
            reused.every((c, i) => c.equals(kept[i] as Buffer)) &&
            again.every((c, i) => c.equals(kept[i] as Buffer))
          );
        },
      ),
      { numRuns: 150, seed: 23 },
    );
  });

  test("a chunk run inline goes back to the pool once its work is done", async () => {
    const inputs = new BufferPool(16, 4);
    const pool = new ChunkPool(0, inputs);
    const bytes = inputs.take(8);
    bytes.set(new TextEncoder().encode("1,2\n3,4\n"));
    const params = { width: 2, age: 0, salary: 1, settled: new Uint8Array(2) };
    expect((await pool.analyze(bytes, params)).rows).toBe(2);
    expect(inputs.idle).toBe(1);
    expect(inputs.take().buffer).toBe(bytes.buffer);
    await pool.close();
  });

  test("outputs written into a pool's buffer are the text's UTF-8, handed over without a copy", () => {
    const pool = new BufferPool(256, 2);
    const sink = new Utf8Sink(100, pool);
    sink.write("a,\u00e9\n");
    const out = sink.take();
    expect(Buffer.from(out).toString("utf8")).toBe("a,\u00e9\n");
    expect(out.buffer.byteLength).toBe(256);
    // Outgrowing the pool's buffer: the text is still whole, and the pool gets its buffer back.
    const small = new Utf8Sink(100, pool);
    small.write("x".repeat(300));
    expect(Buffer.from(small.take()).toString("utf8")).toBe("x".repeat(300));
    expect(pool.idle).toBe(1);
  });
});

describe("a run whose buffers go round", () => {
  test.each([
    [2, "freed at once, not left to a rare collection"],
    [0, "left to the collector (a detach would cost the thread its optimized code)"],
  ])("with %i workers, a merged chunk's per-row arrays are %s", async (workers) => {
    const name = readdirSync(FIXTURES).filter((d) => !d.startsWith("."))[0] as string;
    const results: Promise<ChunkTransform>[] = [];
    const original = ChunkPool.prototype.transform;
    const spy = jest.spyOn(ChunkPool.prototype, "transform").mockImplementation(function (
      this: ChunkPool,
      ...args: Parameters<ChunkPool["transform"]>
    ) {
      const result = original.apply(this, args);
      results.push(result);
      return result;
    });
    try {
      await preprocessFile(join(FIXTURES, name, "input.csv"), join(work, `freed-${workers}`), {
        workers,
        chunkBytes: 256,
      });
    } finally {
      spy.mockRestore();
    }
    expect(results.length).toBeGreaterThan(1);
    for (const { aggregates: a } of await Promise.all(results)) {
      const arrays = [a.fingerprints, a.departmentIds, a.salary, a.age];
      // Detached: every view of a freed buffer is empty.
      const detached = arrays.map((x) => (x.buffer as ArrayBuffer).detached);
      expect(detached).toEqual(arrays.map(() => workers > 0));
      expect(arrays.every((x) => x.length === 0)).toBe(workers > 0);
    }
  });

  test.each([0, 2])(
    "with %i workers and small chunks, every golden case comes out byte for byte",
    async (workers) => {
      const cases = readdirSync(FIXTURES).filter((d) => !d.startsWith("."));
      for (const name of cases) {
        const out = join(work, `${name}-${workers}`);
        // 256-byte chunks: many chunks per file, so buffers are reused many times over.
        await preprocessFile(join(FIXTURES, name, "input.csv"), out, { workers, chunkBytes: 256 });
        for (const file of Object.values(OUTPUT_FILES)) {
          const expected = readFileSync(join(FIXTURES, name, "expected", file), "utf8");
          expect({ name, file, text: readFileSync(join(out, file), "utf8") }).toEqual({
            name,
            file,
            text: expected,
          });
        }
      }
    },
  );
});
