/**
 * Line charts as inline SVG text: linear scales, round tick values, axes, one polyline per series
 * and a legend. Pure. Hand-written because the report needs only this much and must open offline
 * as one file; a chart library would be a bundle to inline for a few dozen lines of markup.
 */

/** Text safe inside an XML/HTML element or a quoted attribute. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/**
 * The map from `[d0, d1]` onto `[r0, r1]`. An empty domain (`d0 === d1`) maps every value to the
 * middle of the range, so a flat series is drawn rather than divided by zero.
 */
export function linearScale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  if (d1 === d0) return () => (r0 + r1) / 2;
  const k = (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

/**
 * Round tick values from 0 (or below, for negative data) covering `[min, max]`: a step of 1, 2 or 5
 * times a power of ten giving about `count` intervals. The last tick is at least `max`.
 */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) {
    throw new Error(`niceTicks needs finite bounds (got ${min}, ${max})`);
  }
  const lo = Math.min(0, min);
  const hi = Math.max(lo + Number.EPSILON, max);
  const raw = (hi - lo) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const first = Math.floor(lo / step) * step;
  const ticks: number[] = [];
  for (let v = first; ; v += step) {
    // Rounded to the step's precision, so 0.1 + 0.2 prints as 0.3.
    const tick = Number(v.toPrecision(12));
    ticks.push(tick);
    if (tick >= hi) break;
  }
  return ticks;
}

/** A tick's label: whole numbers grouped (1,200), others with the decimals their step needs. */
export function tickLabel(v: number, step: number): string {
  const decimals = step >= 1 ? 0 : Math.min(6, Math.ceil(-Math.log10(step)));
  return v.toLocaleString("en-US", {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  });
}

/** One line of a chart: `[x, y]` points in x order. */
export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
}

/** A chart to draw. */
export interface LineChart {
  /** Also the chart's id in the page (`data-chart`). */
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
}

/** Colours of the series, in order (distinct in print and for the common colour blindnesses). */
export const PALETTE = ["#0072b2", "#e69f00", "#d55e00", "#009e73", "#cc79a7", "#56b4e9"] as const;

/** The drawing's size and margins, in SVG units. */
export const LAYOUT = {
  width: 560,
  height: 260,
  left: 56,
  right: 16,
  top: 34,
  bottom: 64,
} as const;

const fixed = (v: number) => Number(v.toFixed(1)).toString();

/** `chart` as an `<svg>` element. */
export function lineChartSvg(chart: LineChart): string {
  const { width, height, left, right, top, bottom } = LAYOUT;
  const all = chart.series.flatMap((s) => s.points);
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => y);
  const xMin = xs.length > 0 ? Math.min(...xs) : 0;
  const xMax = xs.length > 0 ? Math.max(...xs) : 1;
  const yTicks = niceTicks(ys.length > 0 ? Math.min(...ys) : 0, Math.max(1, ...ys));
  const xTicks = niceTicks(xMin, Math.max(xMax, xMin + 1));
  const x = linearScale(xTicks[0] ?? 0, xTicks[xTicks.length - 1] ?? 1, left, width - right);
  const y = linearScale(yTicks[0] ?? 0, yTicks[yTicks.length - 1] ?? 1, height - bottom, top);
  const yStep = (yTicks[1] ?? 1) - (yTicks[0] ?? 0);
  const xStep = (xTicks[1] ?? 1) - (xTicks[0] ?? 0);
  const title = escapeXml(chart.title);

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" class="chart" data-chart="${title}">`,
    `<title>${title}</title>`,
    `<text class="chart-title" x="${left}" y="20">${title}</text>`,
  ];
  for (const v of yTicks) {
    parts.push(
      `<line class="grid" x1="${left}" x2="${width - right}" y1="${fixed(y(v))}" y2="${fixed(y(v))}"/>`,
      `<text class="tick y-tick" x="${left - 6}" y="${fixed(y(v) + 4)}" text-anchor="end">${tickLabel(v, yStep)}</text>`,
    );
  }
  for (const v of xTicks) {
    parts.push(
      `<text class="tick x-tick" x="${fixed(x(v))}" y="${height - bottom + 16}" text-anchor="middle">${tickLabel(v, xStep)}</text>`,
    );
  }
  parts.push(
    `<line class="axis" x1="${left}" x2="${width - right}" y1="${height - bottom}" y2="${height - bottom}"/>`,
    `<line class="axis" x1="${left}" x2="${left}" y1="${top}" y2="${height - bottom}"/>`,
    `<text class="axis-label x-label" x="${(left + width - right) / 2}" y="${height - bottom + 34}" text-anchor="middle">${escapeXml(chart.xLabel)}</text>`,
    `<text class="axis-label y-label" transform="translate(14 ${(top + height - bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(chart.yLabel)}</text>`,
  );
  if (all.length === 0) {
    parts.push(
      `<text class="no-data" x="${(left + width - right) / 2}" y="${(top + height - bottom) / 2}" text-anchor="middle">no samples</text>`,
    );
  }
  chart.series.forEach((s, i) => {
    const colour = PALETTE[i % PALETTE.length] as string;
    const name = escapeXml(s.name);
    const points = s.points.map(([px, py]) => `${fixed(x(px))},${fixed(y(py))}`).join(" ");
    parts.push(
      `<polyline class="series" data-series="${name}" fill="none" stroke="${colour}" stroke-width="2" points="${points}"/>`,
    );
    // A single point makes a polyline of zero length: mark it so it is seen.
    const only = s.points.length === 1 ? s.points[0] : undefined;
    if (only) {
      parts.push(
        `<circle class="point" data-series="${name}" cx="${fixed(x(only[0]))}" cy="${fixed(y(only[1]))}" r="3" fill="${colour}"/>`,
      );
    }
    const lx = left + i * 130;
    const ly = height - 10;
    parts.push(
      `<g class="legend-item" data-series="${name}"><rect x="${lx}" y="${ly - 9}" width="14" height="4" fill="${colour}"/><text x="${lx + 20}" y="${ly - 4}">${name}</text></g>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n");
}
