/**
 * What a browser made of a run's report (local/report/page.ts): each chart as drawn — its legend,
 * axis labels, rendered size, and per series the points the SVG engine parsed — and the samples the
 * page carries. The probe runs in the page; the few DOM shapes it needs are declared here because
 * the project compiles without the DOM library.
 */
import type { Page } from "playwright-core";
import type { RunSample } from "../../local/samples";
import { SAMPLES_ELEMENT_ID } from "../../local/report/page";

/** One chart as the browser drew it. */
export interface ProbedChart {
  readonly title: string;
  readonly legend: string[];
  readonly xLabel: string;
  readonly yLabel: string;
  /** Rendered size in CSS pixels. */
  readonly box: { readonly width: number; readonly height: number };
  readonly lines: {
    readonly name: string;
    /** Points of the polyline as parsed by the browser. */
    readonly points: number;
    /** Rendered width in CSS pixels. */
    readonly drawnWidth: number;
    /** The last point's y, in the chart's SVG units. */
    readonly lastY: number;
  }[];
  /** The y axis' labels and their heights, in the chart's SVG units. */
  readonly yTicks: { readonly label: string; readonly y: number }[];
}

/** The report as the browser shows it. */
export interface ProbedReport {
  readonly samples: RunSample[];
  readonly charts: ProbedChart[];
  readonly verdict: string;
  /** The text of every table. */
  readonly tableText: string;
}

interface Box {
  width: number;
  height: number;
}
interface Node {
  textContent: string | null;
  getAttribute(name: string): string | null;
  getBoundingClientRect(): Box;
  querySelector(selector: string): Node | null;
  querySelectorAll(selector: string): ArrayLike<Node>;
}
interface Polyline extends Node {
  points: { numberOfItems: number; getItem(i: number): { y: number } };
}
interface Line extends Node {
  y1: { baseVal: { value: number } };
}

/** Runs in the page: no imports, no closures over this module. */
function probe(samplesId: string): ProbedReport {
  const doc = (globalThis as unknown as { document: Node }).document;
  const all = (root: Node, selector: string) => Array.from(root.querySelectorAll(selector));
  const text = (node: Node | null) => (node?.textContent ?? "").trim();
  const charts = all(doc, "svg.chart").map((svg) => {
    const box = svg.getBoundingClientRect();
    const grid = all(svg, "line.grid") as Line[];
    return {
      title: svg.getAttribute("data-chart") ?? "",
      legend: all(svg, ".legend-item text").map(text),
      xLabel: text(svg.querySelector(".x-label")),
      yLabel: text(svg.querySelector(".y-label")),
      box: { width: box.width, height: box.height },
      lines: (all(svg, "polyline.series") as Polyline[]).map((p) => {
        const n = p.points.numberOfItems;
        return {
          name: p.getAttribute("data-series") ?? "",
          points: n,
          drawnWidth: p.getBoundingClientRect().width,
          lastY: n > 0 ? p.points.getItem(n - 1).y : Number.NaN,
        };
      }),
      yTicks: all(svg, ".y-tick").map((t, i) => ({
        label: text(t),
        y: grid[i]?.y1.baseVal.value ?? Number.NaN,
      })),
    };
  });
  return {
    samples: JSON.parse(text(doc.querySelector(`#${samplesId}`)) || "[]") as RunSample[],
    charts,
    verdict: text(doc.querySelector(".verdict")),
    tableText: all(doc, "table").map(text).join("\n"),
  };
}

/** What `page` (a report) shows. */
export function probeReport(page: Page): Promise<ProbedReport> {
  return page.evaluate(probe, SAMPLES_ELEMENT_ID);
}
