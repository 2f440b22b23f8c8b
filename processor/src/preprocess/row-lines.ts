/**
 * The output lines of pass 2, written as UTF-8, and the rows' fingerprints computed from the
 * written bytes of their cleaned lines. A line is a string of many small pieces; hashing its UTF-16
 * units first flattens it (a copy) and then reads it a unit at a time, while its bytes are already
 * in the output buffer once the lines are encoded. Pass 2 on 24 chunks of 1M rows, the two builds
 * alternating in one process (median of 14-16 rounds): 20.2 -> 19.4, 22.7 -> 21.4 and 24.9 -> 22.4
 * ms a chunk, one round of four even.
 */
import { fingerprintBytes } from "./stats";
import type { Utf8Sink } from "./utf8-sink";

/**
 * Lines joined per this many: a frame's text joined whole (over 128 KiB) would be a large object to
 * V8, with fresh pages from the system each time; on 1M rows, flattening and joining such strings
 * took a sixth of the run's page faults.
 */
const LINES_PER_WRITE = 256;

/** Writes `lines`, each ended by "\n", in strings of {@link LINES_PER_WRITE} lines. */
export function writeLines(sink: Utf8Sink, lines: readonly string[]): void {
  for (let start = 0; start < lines.length; start += LINES_PER_WRITE) {
    writeGroup(sink, lines, start, start + LINES_PER_WRITE);
  }
}

/**
 * Writes `lines` like {@link writeLines}, and the fingerprint of each (its UTF-8 bytes, salted
 * with `salts[row]`, for what the text does not show) to `fingerprints[2 * (at + row)]` and the
 * word after it.
 */
export function writeFingerprintedLines(
  sink: Utf8Sink,
  lines: readonly string[],
  salts: Uint8Array,
  fingerprints: Uint32Array,
  at: number,
): void {
  for (let start = 0; start < lines.length; start += LINES_PER_WRITE) {
    const end = Math.min(lines.length, start + LINES_PER_WRITE);
    let offset = sink.size;
    const units = writeGroup(sink, lines, start, end);
    // As many bytes as UTF-16 units only when all are ASCII: a line's bytes are then its length.
    const ascii = sink.size - offset === units;
    const bytes = sink.bytes;
    for (let r = start; r < end; r++) {
      const line = lines[r] as string;
      const stop = offset + (ascii ? line.length : Buffer.byteLength(line, "utf8"));
      fingerprintBytes(bytes, offset, stop, salts[r] as number, fingerprints, 2 * (at + r));
      offset = stop + 1;
    }
  }
}

/** Writes `lines[start..end)` as one string, each ended by "\n"; returns its UTF-16 length. */
function writeGroup(sink: Utf8Sink, lines: readonly string[], start: number, end: number): number {
  const group = lines.slice(start, end);
  group.push("");
  const text = group.join("\n");
  sink.write(text);
  return text.length;
}
