/**
 * Accumulates nodes (each filed under the component that owns its resource) and edges, merging
 * edges between the same pair of nodes into one labelled edge, then yields a {@link Flowchart}.
 */
import type { ProgramRun, RecordedResource } from "../../harness/query";
import { componentOf, componentTitle } from "./graph";
import { nodeId, type FlowEdge, type Flowchart, type FlowNode, type Shape } from "./mermaid";

/** Adds (once) the node of whoever uploads under `prefix` and returns its id. */
export type Uploads = (prefix: string) => string;

/** Builds one flowchart; nodes appear once, in the order first added. */
export class FlowBuilder {
  private readonly nodes = new Map<string, { node: FlowNode; group?: RecordedResource }>();
  private readonly edges = new Map<
    string,
    { from: string; to: string; style: FlowEdge["style"]; labels: string[] }
  >();

  constructor(
    private readonly run: ProgramRun,
    private readonly direction: "LR" | "TB" = "LR",
  ) {}

  /**
   * Adds (once) the node of a resource, in its component's group; returns its id. `aspect` tells
   * apart several nodes of one resource (a ScaledJob's scaler and the jobs it starts).
   */
  resource(
    resource: RecordedResource,
    shape: Shape,
    lines: readonly string[],
    aspect = "",
  ): string {
    const kind = resource.type.split(":").pop() ?? "";
    return this.add(`${kind} ${resource.name} ${aspect}`.trim(), shape, lines, resource);
  }

  /**
   * Adds (once) a node keyed by `key`, in the group of the component that owns `owner` when given
   * (ungrouped otherwise); returns its id.
   */
  add(key: string, shape: Shape, lines: readonly string[], owner?: RecordedResource): string {
    const id = nodeId(key);
    if (!this.nodes.has(id)) {
      const group = owner ? { group: componentOf(this.run, owner) } : {};
      this.nodes.set(id, { node: { id, shape, lines }, ...group });
    }
    return id;
  }

  /** Titles of the data paths and the edges each starts with, in the order first seeded. */
  private readonly seeds = new Map<string, FlowEdge[]>();

  /** Adds an edge (as {@link edge}) that starts the data path `title`. */
  seed(title: string, from: string, to: string, label?: string): void {
    this.edge(from, to, label);
    this.seeds.set(title, [...(this.seeds.get(title) ?? []), { from, to }]);
  }

  /** The data paths seeded so far: each title with its first edges. */
  paths(): { title: string; seeds: FlowEdge[] }[] {
    return [...this.seeds].map(([title, seeds]) => ({ title, seeds }));
  }

  /** Adds an edge; a second edge between the same nodes and style adds its label to the first. */
  edge(from: string, to: string, label?: string, style: FlowEdge["style"] = "solid"): void {
    const key = `${from}->${to}:${style}`;
    const existing = this.edges.get(key);
    if (existing) {
      if (label && !existing.labels.includes(label)) existing.labels.push(label);
      return;
    }
    this.edges.set(key, { from, to, style, labels: label ? [label] : [] });
  }

  /** The flowchart: ungrouped nodes, one group per component (registration order), the edges. */
  build(): Flowchart {
    const loose: FlowNode[] = [];
    const groups = new Map<string, { title: string; nodes: FlowNode[] }>();
    for (const { node, group } of this.nodes.values()) {
      if (!group) {
        loose.push(node);
        continue;
      }
      const id = nodeId(`group ${group.name}`);
      const entry = groups.get(id) ?? { title: componentTitle(group), nodes: [] };
      entry.nodes.push(node);
      groups.set(id, entry);
    }
    const order = this.run.resources.map((r) => nodeId(`group ${r.name}`));
    const sorted = [...groups.entries()].sort(([a], [b]) => order.indexOf(a) - order.indexOf(b));
    const edges: FlowEdge[] = [...this.edges.values()].map((e) => ({
      from: e.from,
      to: e.to,
      ...(e.labels.length ? { label: e.labels.join(" · ") } : {}),
      ...(e.style && e.style !== "solid" ? { style: e.style } : {}),
    }));
    return {
      direction: this.direction,
      nodes: loose,
      groups: sorted.map(([id, g]) => ({ id, title: g.title, nodes: g.nodes })),
      edges,
    };
  }
}
