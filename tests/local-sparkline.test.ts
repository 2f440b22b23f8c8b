/**
 * The live view's depth trend per queue: readings binned over the last minute, drawn as blocks
 * scaled to their peak, and the terminal's live block showing one such line under each queue.
 */
import { Writable } from "node:stream";
import { binMax, BLOCKS, RecentDepths, sparkline, trendLine } from "../local/sparkline";
import { LiveView, renderLive } from "../local/view";
import { snapshotFixture } from "./support/run-fixtures";

const snapshot = (elapsedMs: number, preprocess: number, events: number) =>
  snapshotFixture({
    elapsedMs,
    preprocessQueue: { visible: preprocess, inFlight: 0 },
    eventsQueue: { visible: 0, inFlight: events },
  });

describe("sparkline", () => {
  it("scales to the peak: 0 is the lowest block, the peak the highest", () => {
    expect(sparkline([0, 4, 8])).toBe(`${BLOCKS[0]}${BLOCKS[4]}${BLOCKS[7]}`);
  });

  it("keeps a small depth next to a large one above the zero block", () => {
    expect(sparkline([0, 1, 1000])).toBe(`${BLOCKS[0]}${BLOCKS[1]}${BLOCKS[7]}`);
  });

  it("draws all zeros flat and a missing reading as a space", () => {
    expect(sparkline([0, 0, undefined, 0])).toBe("▁▁ ▁");
    expect(sparkline([])).toBe("");
  });
});

describe("binMax", () => {
  it("puts each reading in its slice of the window and keeps each slice's largest", () => {
    const points = [
      { atMs: 500, depth: 3 }, // slice 0 is (0, 1000]
      { atMs: 1_000, depth: 5 },
      { atMs: 1_500, depth: 2 }, // slice 1 is (1000, 2000]
      { atMs: 3_999, depth: 7 }, // slice 3 is (3000, 4000]: the window's end is in it
      { atMs: 4_000, depth: 1 },
    ];
    expect(binMax(points, 4_000, 4_000, 4)).toEqual([5, 2, undefined, 7]);
  });

  it("leaves out readings outside the window", () => {
    const points = [
      { atMs: 0, depth: 9 },
      { atMs: 5_000, depth: 9 },
    ];
    expect(binMax(points, 4_000, 4_000, 2)).toEqual([undefined, undefined]);
  });
});

describe("RecentDepths", () => {
  it("forgets readings older than its window", () => {
    const recent = new RecentDepths(10_000, 10);
    recent.add(0, { preprocess: 100, events: 0 });
    recent.add(11_000, { preprocess: 1, events: 3 });
    const lines = recent.lines(11_000);
    // The 100 fell out: the one reading left is the peak.
    expect(lines.preprocess).toBe(`         ${BLOCKS[7]}  peak 1`);
    expect(lines.events).toBe(`         ${BLOCKS[7]}  peak 3`);
  });

  it("holds only the readings of its window, however long the run", () => {
    const recent = new RecentDepths(60_000, 30);
    for (let t = 0; t <= 3_600_000; t += 250) recent.add(t, { preprocess: 1, events: 1 });
    // 240 readings of 250 ms per queue make the last minute.
    expect(recent.size).toBe(2 * 240);
  });

  it("names the peak with thousands grouped", () => {
    expect(trendLine([{ atMs: 1, depth: 12_000 }], 1, 1_000, 1)).toBe(`${BLOCKS[7]}  peak 12,000`);
  });
});

describe("live view on a terminal", () => {
  it("shows a depth line under each main queue's line", () => {
    const lines = renderLive(snapshot(0, 1, 2), { preprocess: "▁▂ peak 2", events: "▁█ peak 9" });
    const at = (prefix: string) => lines.findIndex((l) => l.trimStart().startsWith(prefix));
    expect(lines[at("preprocess queue") + 1]).toBe("    depth, last minute  ▁▂ peak 2");
    expect(lines[at("events queue") + 1]).toBe("    depth, last minute  ▁█ peak 9");
  });

  it("draws the last minute of both queues' depths from what it was shown", () => {
    let written = "";
    const out = new Writable({
      write(chunk: Buffer, _encoding, done) {
        written = chunk.toString();
        done();
      },
    });
    const view = new LiveView(out, true);
    for (let i = 0; i < 30; i++) view.update(snapshot(i * 2_000, i, 29 - i));
    const lines = written.split("\n");
    const trendOf = (queue: string) => {
      const i = lines.findIndex((l) => l.trimStart().startsWith(queue));
      return lines[i + 1]?.replace("    depth, last minute  ", "");
    };
    // 30 readings 2 s apart fill the 30 cells of 2 s each: rising for one queue, falling for the other.
    expect(trendOf("preprocess queue")).toBe(
      `${sparkline(Array.from({ length: 30 }, (_, i) => i))}  peak 29`,
    );
    expect(trendOf("events queue")).toBe(
      `${sparkline(Array.from({ length: 30 }, (_, i) => 29 - i))}  peak 29`,
    );
  });

  it("keeps the plain log line free of trends", () => {
    let written = "";
    const out = new Writable({
      write(chunk: Buffer, _encoding, done) {
        written += chunk.toString();
        done();
      },
    });
    new LiveView(out, false).update(snapshot(0, 3, 4));
    expect(written).not.toMatch(/depth, last minute/);
  });
});
