/** Local mode's per-file latency: upload → results from the job's own log lines, p50/p95 by rank. */
import { fileLatency, percentile, resultTimeOf } from "../local/latency";
import { renderSummary } from "../local/summary";
import { summaryFixture } from "./support/run-fixtures";

describe("upload → results latency", () => {
  it("a file's results are marked by the preprocess job's written or error-report line, with its key", () => {
    const base = { command: "preprocess", key: "input/a.csv", time: "2026-12-01T10:00:05.500Z" };
    expect(resultTimeOf({ ...base, msg: "written" })).toEqual({
      key: "input/a.csv",
      at: Date.parse(base.time),
    });
    expect(resultTimeOf({ ...base, msg: "error report written" })?.key).toBe("input/a.csv");
    expect(resultTimeOf({ ...base, msg: "downloaded" })).toBeUndefined();
    expect(resultTimeOf({ ...base, command: "consume", msg: "written" })).toBeUndefined();
    expect(resultTimeOf({ ...base, key: undefined, msg: "written" })).toBeUndefined();
  });

  it("percentiles are nearest-rank over the files", () => {
    const values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20];
    expect(percentile(values, 50)).toBe(10);
    expect(percentile(values, 95)).toBe(19);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it("each file counts once, from its upload to its first results, files without results left out", () => {
    const up = new Map([
      ["input/a.csv", 1_000],
      ["input/b.csv", 2_000],
      ["input/c.csv", 3_000],
    ]);
    const done = new Map([
      ["input/a.csv", 4_000],
      ["input/b.csv", 12_000],
    ]);
    expect(fileLatency(up, done)).toEqual({
      seconds: { "input/a.csv": 3, "input/b.csv": 10 },
      files: 2,
      p50Seconds: 3,
      p95Seconds: 10,
      maxSeconds: 10,
    });
  });

  it("the summary shows each file's latency and the p50/p95 line", () => {
    const file = (key: string) =>
      ({ key, rows: 1, expected: "outputs", found: "outputs" }) as const;
    const summary = summaryFixture({
      timeScale: 1,
      accounting: {
        ...summaryFixture().accounting,
        files: [file("input/a.csv"), file("input/b.csv")],
      },
      latency: fileLatency(
        new Map([
          ["input/a.csv", 0],
          ["input/b.csv", 0],
        ]),
        new Map([
          ["input/a.csv", 12_300],
          ["input/b.csv", 20_000],
        ]),
      ),
    });
    const text = renderSummary(summary);
    expect(text).toMatch(/input\/a\.csv .* 12\.3 s {2}ok/);
    expect(text).toContain(
      "Latency  upload → results over 2 file(s): p50 12.3 s, p95 20.0 s, max 20.0 s",
    );
  });
});
