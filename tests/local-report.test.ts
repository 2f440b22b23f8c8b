/**
 * The run's HTML report without a browser: the samples and their bound, the SVG builders (scales,
 * ticks, empty and single-point series, escaping), the charts drawn from samples, the page with the
 * summary and accounting, and where it is written. tests/local-report-browser.test.ts renders a real
 * run's report in Chromium.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runCharts, storedPerSecond } from "../local/report/charts";
import { htmlTable, renderReport, SAMPLES_ELEMENT_ID, scriptJson } from "../local/report/page";
import {
  escapeXml,
  LAYOUT,
  lineChartSvg,
  linearScale,
  niceTicks,
  tickLabel,
  type LineChart,
} from "../local/report/svg";
import { DEFAULT_REPORT_NAME, reportFileFor, writeReport } from "../local/report/write";
import { halve, mergeSamples, SampleLog, sampleOf, type RunSample } from "../local/samples";
import { renderSummary } from "../local/summary";
import { snapshotFixture, summaryFixture } from "./support/run-fixtures";

const sample = (t: number, fields: Partial<RunSample> = {}): RunSample => ({
  t,
  preprocessVisible: 0,
  preprocessInFlight: 0,
  preprocessDlq: 0,
  eventsVisible: 0,
  eventsInFlight: 0,
  eventsDlq: 0,
  consumers: 0,
  jobs: 0,
  stored: 0,
  quarantined: 0,
  filesUploaded: 0,
  filesDone: 0,
  ...fields,
});

const summary = summaryFixture();

/** The `points` of every polyline in `svg`, as point counts, in order. */
const polylinePointCounts = (svg: string) =>
  [...svg.matchAll(/<polyline [^>]*points="([^"]*)"/g)].map((m) =>
    (m[1] ?? "") === "" ? 0 : (m[1] ?? "").split(" ").length,
  );

describe("samples", () => {
  it("take each charted number of the live view's snapshot", () => {
    const snapshot = snapshotFixture({ elapsedMs: 1500, preprocessDlq: 1, eventsDlq: 4 });
    expect(sampleOf(snapshot)).toEqual({
      t: 1.5,
      preprocessVisible: 3,
      preprocessInFlight: 2,
      preprocessDlq: 1,
      eventsVisible: 400,
      eventsInFlight: 800,
      eventsDlq: 4,
      consumers: 2,
      jobs: 2,
      stored: 1650,
      quarantined: 31,
      filesUploaded: 6,
      filesDone: 4,
    });
  });

  it("merge into the peak of each gauge and the later value of each counter", () => {
    const merged = mergeSamples(
      sample(1, { eventsVisible: 90, consumers: 1, stored: 10 }),
      sample(2, { eventsVisible: 30, consumers: 2, stored: 25 }),
    );
    expect(merged).toEqual(sample(2, { eventsVisible: 90, consumers: 2, stored: 25 }));
  });

  it("halve by merging pairs and keep an odd last one", () => {
    const halved = halve([1, 2, 3, 4, 5].map((t) => sample(t, { jobs: t % 2 })));
    expect(halved.map((s) => [s.t, s.jobs])).toEqual([
      [2, 1],
      [4, 1],
      [5, 1],
    ]);
  });

  it("stay within the log's capacity however many ticks, evenly spaced", () => {
    const log = new SampleLog(10);
    for (let t = 1; t <= 1000; t++) log.add(sample(t, { stored: t }));
    const all = log.all();
    expect(all.length).toBeLessThanOrEqual(10);
    expect(all.length).toBeGreaterThanOrEqual(5);
    expect(all[all.length - 1]?.stored).toBe(1000);
    const gaps = new Set(all.slice(1).map((s, i) => s.t - (all[i] as RunSample).t));
    expect(gaps.size).toBeLessThanOrEqual(2); // the last one may be partly merged
  });

  it("keep every tick while the run is short", () => {
    const log = new SampleLog(10);
    for (let t = 1; t <= 9; t++) log.add(sample(t));
    expect(log.all().map((s) => s.t)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("refuse a capacity that cannot halve", () => {
    expect(() => new SampleLog(1)).toThrow(/capacity must be an integer of at least 2/);
  });
});

describe("SVG builders", () => {
  it("escape every character that could end an element or an attribute", () => {
    expect(escapeXml(`<a href="x" title='y'>&amp;</a>`)).toBe(
      "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;",
    );
  });

  it("map a domain onto a range, inverted for the y axis", () => {
    const y = linearScale(0, 10, 200, 0);
    expect([y(0), y(5), y(10)]).toEqual([200, 100, 0]);
  });

  it("map an empty domain to the middle of the range", () => {
    expect(linearScale(3, 3, 0, 100)(3)).toBe(50);
  });

  it("pick round ticks from 0 that cover the largest value", () => {
    expect(niceTicks(0, 9)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(0, 400)).toEqual([0, 100, 200, 300, 400]);
    expect(niceTicks(12, 1180)).toEqual([0, 500, 1000, 1500]);
    expect(niceTicks(0, 0.3)).toEqual([0, 0.1, 0.2, 0.3]); // 0.1 + 0.2 is not 0.30000000000000004
    expect(niceTicks(-3, 4)).toEqual([-4, -2, 0, 2, 4]);
  });

  it("refuse bounds that are not numbers", () => {
    expect(() => niceTicks(0, Number.NaN)).toThrow(/finite bounds/);
  });

  it("label ticks with the decimals their step needs", () => {
    expect(tickLabel(1200, 200)).toBe("1,200");
    expect(tickLabel(0.15, 0.05)).toBe("0.15");
    expect(tickLabel(2, 0.5)).toBe("2.0");
  });

  const chart = (series: LineChart["series"]): LineChart => ({
    title: "Events queue",
    xLabel: "seconds",
    yLabel: "messages",
    series,
  });

  it("draw one polyline per series with one point per sample, and its legend", () => {
    const svg = lineChartSvg(
      chart([
        {
          name: "visible",
          points: [
            [0, 1],
            [1, 3],
            [2, 2],
          ],
        },
        {
          name: "in flight",
          points: [
            [0, 0],
            [1, 1],
            [2, 0],
          ],
        },
      ]),
    );
    expect(polylinePointCounts(svg)).toEqual([3, 3]);
    expect(svg).toContain('<g class="legend-item" data-series="visible">');
    expect(svg).toContain(">in flight</text>");
    expect(svg).toContain(">seconds</text>");
    expect(svg).toContain(">messages</text>");
    expect(svg).not.toContain("no samples");
  });

  it("place points by their values: the peak at the top tick, zero on the x axis", () => {
    const svg = lineChartSvg(
      chart([
        {
          name: "visible",
          points: [
            [0, 0],
            [4, 10],
          ],
        },
      ]),
    );
    const [first, last] = (/points="([^"]*)"/.exec(svg)?.[1] ?? "").split(" ");
    // x ticks 0..4 and y ticks 0..10 span the plot area exactly.
    expect(first).toBe(`${LAYOUT.left},${LAYOUT.height - LAYOUT.bottom}`);
    expect(last).toBe(`${LAYOUT.width - LAYOUT.right},${LAYOUT.top}`);
  });

  it("draw an empty chart with its axes and a note instead of failing", () => {
    const svg = lineChartSvg(chart([{ name: "visible", points: [] }]));
    expect(svg).toContain("no samples");
    expect(polylinePointCounts(svg)).toEqual([0]);
    expect(svg).toContain('class="tick y-tick"');
    expect(svg).not.toMatch(/NaN|Infinity/);
  });

  it("mark a single point, which a polyline alone would not show", () => {
    const svg = lineChartSvg(chart([{ name: "visible", points: [[5, 7]] }]));
    expect(polylinePointCounts(svg)).toEqual([1]);
    expect(svg).toMatch(/<circle class="point" data-series="visible" cx="[\d.]+" cy="[\d.]+"/);
    expect(svg).not.toMatch(/NaN|Infinity/);
  });

  it("escape series names, titles and labels", () => {
    const svg = lineChartSvg({
      title: "<script>alert(1)</script>",
      xLabel: "a & b",
      yLabel: "'y'",
      series: [{ name: '"><img src=x>', points: [[0, 1]] }],
    });
    expect(svg).not.toContain("<script>");
    expect(svg).not.toContain("<img");
    expect(svg).toContain('data-series="&quot;&gt;&lt;img src=x&gt;"');
    expect(svg).toContain(">a &amp; b</text>");
    expect(svg).toContain(">&#39;y&#39;</text>");
  });
});

describe("charts of a run", () => {
  const samples = [0, 1, 2, 3, 4].map((t) =>
    sample(t, { eventsVisible: 10 * t, stored: [0, 0, 100, 300, 300][t] ?? 0, filesDone: t }),
  );

  it("are the queues with their DLQs, the pods, the stored rate and the files", () => {
    expect(runCharts(samples).map((c) => [c.title, c.series.map((s) => s.name)])).toEqual([
      ["Preprocess queue", ["visible", "in flight", "DLQ"]],
      ["Events queue", ["visible", "in flight", "DLQ"]],
      ["Pods", ["consumer replicas", "running jobs"]],
      ["Events stored per second", ["stored"]],
      ["Files", ["uploaded", "done (outputs or error report)"]],
    ]);
  });

  it("give every series one point per sample, at the sample's time", () => {
    for (const c of runCharts(samples)) {
      for (const s of c.series) expect(s.points.map(([t]) => t)).toEqual([0, 1, 2, 3, 4]);
    }
    const events = runCharts(samples)[1]?.series[0]?.points.map(([, v]) => v);
    expect(events).toEqual([0, 10, 20, 30, 40]);
  });

  it("measure the stored rate over the last two seconds (less at the start)", () => {
    expect(storedPerSecond(samples, 2).map(([, v]) => v)).toEqual([0, 0, 50, 150, 100]);
  });
});

describe("report page", () => {
  const samples = [sample(0.5), sample(1, { eventsVisible: 120, stored: 50 })];
  const page = renderReport(summary, samples);

  it("is one self-contained page: no script to run, nothing fetched", () => {
    expect(page.startsWith("<!doctype html>")).toBe(true);
    expect(page).not.toMatch(/<script(?![^>]*type="application\/json")/);
    expect(page).not.toMatch(/\b(src|href)=/);
    expect(page).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it("holds the five charts with one point per sample", () => {
    expect(page.match(/<svg /g)).toHaveLength(5);
    expect(new Set(polylinePointCounts(page))).toEqual(new Set([2]));
  });

  it("carries the samples as JSON for machines", () => {
    const json = new RegExp(
      `<script type="application/json" id="${SAMPLES_ELEMENT_ID}">(.*)</script>`,
    ).exec(page)?.[1];
    expect(JSON.parse(json ?? "null")).toEqual(samples);
  });

  it("shows the accounting, the scaling and the summary as printed", () => {
    expect(page).toContain("Accounting OK");
    expect(page).toContain('<td>Events stored</td><td class="num">98</td>');
    expect(page).toContain('<td>Peak consumers</td><td class="num">1</td>');
    expect(page).toContain("<td>input/a.csv</td>");
    expect(page).toContain('<td class="num">1.3 s</td>');
    expect(page).toContain(escapeXml(renderSummary(summary)));
  });

  it("escapes what the run's input names, such as a file key", () => {
    expect(page).toContain("<td>input/&lt;b&gt; &amp; &quot;c&quot;.csv</td>");
    expect(page).not.toContain("<b>");
  });

  it("lists every problem of a failed run", () => {
    const failed = renderReport(
      {
        ...summary,
        ok: false,
        aborted: "timed out after 5 s",
        accounting: {
          ...summary.accounting,
          ok: false,
          problems: ["events DLQ holds 1 message(s)"],
        },
      },
      samples,
    );
    expect(failed).toContain("Accounting FAILED");
    expect(failed).toContain("<li>events DLQ holds 1 message(s)</li>");
    expect(failed).toContain("<li>timed out after 5 s</li>");
  });

  it("draws its charts even before the first sample", () => {
    const empty = renderReport(summary, []);
    expect(empty.match(/no samples/g)).toHaveLength(5);
    expect(empty).not.toMatch(/NaN|Infinity/);
  });

  it("keeps a </script> in the data from ending the samples element", () => {
    expect(scriptJson({ key: "</script><script>alert(1)</script>" })).not.toContain("</script>");
    expect(JSON.parse(scriptJson({ key: "</script>" }))).toEqual({ key: "</script>" });
  });

  it("escapes every table cell", () => {
    expect(htmlTable(["<h>"], [["a&b"]], new Set([0]))).toContain('<td class="num">a&amp;b</td>');
  });
});

describe("report file", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "local-report-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("goes to the log folder unless --report names one", () => {
    expect(reportFileFor(undefined, "logs")).toBe(path.join("logs", DEFAULT_REPORT_NAME));
    expect(reportFileFor("run.html", "logs")).toBe("run.html");
  });

  it("is written, with its folders, and named in the summary", () => {
    const file = path.join(dir, "sub", "run.html");
    const written = writeReport(file, "sub/run.html", summary, [sample(1)]);
    expect(written.ok).toBe(true);
    expect(written.report).toEqual({ file: "sub/run.html" });
    expect(readFileSync(file, "utf8")).toContain("<title>Local run of stack dev</title>");
    expect(renderSummary(written)).toContain("  Report   sub/run.html\n");
  });

  it("that cannot be written fails the run and says why", () => {
    const blocker = path.join(dir, "a-file");
    writeFileSync(blocker, "");
    const written = writeReport(path.join(blocker, "run.html"), "a-file/run.html", summary, []);
    expect(written.ok).toBe(false);
    expect(written.report?.failure).toMatch(/EEXIST/);
    const text = renderSummary(written);
    expect(text).toMatch(/Report {3}a-file\/run\.html; writing it FAILED: .*EEXIST/);
    expect(text).toMatch(/Accounting FAILED:\n {2}- report: .*EEXIST/);
  });
});
