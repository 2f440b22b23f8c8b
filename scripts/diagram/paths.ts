/**
 * Splits the whole data-flow chart into one chart per data path. A path starts at its seed edges
 * (an S3 notification, an EventBridge rule on the default bus, a workload sending to a queue) and
 * follows edges forward; it stops at data stores (buckets and tables: what flows out of a store
 * belongs to whoever reads it), but keeps the reads into what it reached.
 */
import type { FlowEdge, Flowchart, FlowNode } from "./mermaid";

/** One data path: its title and its chart. */
export interface DataPath {
  readonly title: string;
  readonly chart: Flowchart;
}

/** Nodes whose outgoing edges do not belong to the path that reached them. */
function isStore(node: FlowNode | undefined): boolean {
  return node?.shape === "store";
}

/** The edges of one path through `chart` from its seed edges. */
export function pathEdges(chart: Flowchart, seeds: readonly FlowEdge[]): FlowEdge[] {
  const nodes = new Map(
    [...chart.nodes, ...chart.groups.flatMap((g) => g.nodes)].map((n) => [n.id, n]),
  );
  const same = (a: FlowEdge, b: FlowEdge) => a.from === b.from && a.to === b.to;
  const kept = chart.edges.filter((e) => seeds.some((s) => same(s, e)));
  const reached = new Set(kept.map((e) => e.to));
  const frontier = [...reached];
  for (let id = frontier.pop(); id !== undefined; id = frontier.pop()) {
    if (isStore(nodes.get(id))) continue;
    for (const e of chart.edges.filter((x) => x.from === id && !kept.includes(x))) {
      kept.push(e);
      if (!reached.has(e.to)) frontier.push(e.to);
      reached.add(e.to);
    }
  }
  for (const e of chart.edges) {
    const readInto = isStore(nodes.get(e.from)) && reached.has(e.to) && !isStore(nodes.get(e.to));
    if (readInto && !kept.includes(e)) kept.push(e);
  }
  // Keep the chart's edge order so that each path reads the way the whole chart does.
  return chart.edges.filter((e) => kept.includes(e));
}

/** The sub-chart of `chart` with just these edges and the nodes (and groups) they touch. */
export function subChart(chart: Flowchart, edges: readonly FlowEdge[]): Flowchart {
  const used = new Set(edges.flatMap((e) => [e.from, e.to]));
  return {
    direction: chart.direction,
    nodes: chart.nodes.filter((n) => used.has(n.id)),
    groups: chart.groups
      .map((g) => ({ ...g, nodes: g.nodes.filter((n) => used.has(n.id)) }))
      .filter((g) => g.nodes.length > 0),
    edges,
  };
}

/** One chart per path, in the order the paths were seeded. */
export function dataPaths(
  chart: Flowchart,
  paths: readonly { title: string; seeds: readonly FlowEdge[] }[],
): DataPath[] {
  return paths.map(({ title, seeds }) => ({
    title,
    chart: subChart(chart, pathEdges(chart, seeds)),
  }));
}
