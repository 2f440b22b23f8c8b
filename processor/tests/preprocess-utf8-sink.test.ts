/** The output sink of pass 2: what is written comes out as TextEncoder's UTF-8, however it grows. */
import fc from "fast-check";
import { Utf8Sink } from "../src/preprocess/utf8-sink";

const encoder = new TextEncoder();

describe("Utf8Sink", () => {
  test("pieces of any text written into any starting size come out as the text's UTF-8", () => {
    fc.assert(
      fc.property(
        // "max": fast-check's default size keeps texts short, and the sink would never grow.
        fc.array(fc.string({ unit: "binary", maxLength: 400, size: "max" }), {
          maxLength: 12,
          size: "max",
        }),
        fc.integer({ min: 0, max: 4096 }),
        (pieces, expected) => {
          const sink = new Utf8Sink(expected);
          for (const p of pieces) sink.write(p);
          // A boolean, not expect(): a failing case then shrinks without diffing large buffers.
          return Buffer.from(sink.take()).equals(encoder.encode(pieces.join("")));
        },
      ),
      { numRuns: 300, seed: 19 },
    );
  });

  test("texts, single bytes and copied bytes mixed in any order come out as the whole text's UTF-8", () => {
    const piece = fc.oneof(
      fc.string({ unit: "binary", maxLength: 300, size: "max" }).map((t) => ({ text: t })),
      fc.integer({ min: 0, max: 0x7f }).map((b) => ({ byte: b })),
      fc.string({ unit: "binary", maxLength: 300, size: "max" }).map((t) => ({ copy: t })),
    );
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 16 }),
        fc.integer({ min: 0, max: 512 }),
        (pieces, size) => {
          const sink = new Utf8Sink(size);
          let whole = "";
          for (const p of pieces) {
            if ("text" in p) {
              sink.text(p.text);
              whole += p.text;
            } else if ("byte" in p) {
              sink.byte(p.byte);
              whole += String.fromCharCode(p.byte);
            } else {
              // Copied from the middle of a larger buffer, as fields are copied from a chunk.
              const source = encoder.encode(`<<${p.copy}>>`);
              sink.copy(source, 2, source.length - 2);
              whole += p.copy;
            }
          }
          return Buffer.from(sink.take()).equals(encoder.encode(whole));
        },
      ),
      { numRuns: 300, seed: 29 },
    );
  });

  test("a whole number's digits are String's, for every safe integer", () => {
    fc.assert(
      fc.property(fc.array(fc.maxSafeInteger(), { maxLength: 200 }), (values) => {
        const sink = new Utf8Sink(8);
        for (const v of values) {
          sink.integer(v);
          sink.byte(0x2c);
        }
        return new TextDecoder().decode(sink.take()) === values.map((v) => `${v},`).join("");
      }),
      { numRuns: 300, seed: 31 },
    );
  });

  test("take hands over a buffer without much spare room, and starts afresh", () => {
    const sink = new Utf8Sink(1 << 20);
    sink.write("a,b\n");
    const first = sink.take();
    expect(new TextDecoder().decode(first)).toBe("a,b\n");
    expect(first.buffer.byteLength).toBe(first.length);
    sink.write("\u00e9\u{1f3e0}");
    expect(sink.take()).toEqual(encoder.encode("\u00e9\u{1f3e0}"));
  });
});
