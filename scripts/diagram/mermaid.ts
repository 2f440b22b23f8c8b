/**
 * A small Mermaid flowchart model, its renderer (labels escaped) and a structural check of the
 * rendered text. Hand-written because the maintained parsers do not fit: `@mermaid-js/parser`
 * has no flowchart grammar, and `mermaid` itself (whose jison parser does) installs ~200 MB and
 * needs a DOM; the check below covers exactly the subset the renderer emits.
 */

/** Node shapes the diagrams use (Mermaid flowchart syntax around a quoted label). */
export const SHAPES = {
  box: ["[", "]"],
  store: ["[(", ")]"],
  queue: ["[[", "]]"],
  scaler: ["{{", "}}"],
  actor: ["([", "])"],
  rule: ["[/", "/]"],
} as const;

/** A node shape name. */
export type Shape = keyof typeof SHAPES;

/** One node: a stable id, a shape and label lines (plain text; escaped when rendered). */
export interface FlowNode {
  readonly id: string;
  readonly shape: Shape;
  readonly lines: readonly string[];
}

/**
 * One edge: solid for data, dotted for control (scaling, dead letters), hidden (`~~~`, no label)
 * only to lay nodes out in a row.
 */
export interface FlowEdge {
  readonly from: string;
  readonly to: string;
  readonly label?: string;
  readonly style?: "solid" | "dotted" | "hidden";
}

const ARROWS = { solid: "-->", dotted: "-.->", hidden: "~~~" } as const;

/** A subgraph: a titled group of nodes (one per component). */
export interface FlowGroup {
  readonly id: string;
  readonly title: string;
  readonly nodes: readonly FlowNode[];
}

/** A flowchart: nodes outside any group, groups, and edges between node ids. */
export interface Flowchart {
  readonly direction: "LR" | "TB";
  readonly nodes: readonly FlowNode[];
  readonly groups: readonly FlowGroup[];
  readonly edges: readonly FlowEdge[];
}

/**
 * Escapes one line of label text for a double-quoted Mermaid label. Mermaid's entity codes
 * (`#quot;`, `#35;`) stand for the characters its lexer or the HTML label would take as syntax:
 * `"` ends the string, `#` starts an entity code, `<`, `>` and `&` are HTML, `|` closes an edge
 * label and a backtick opens a Markdown string.
 */
export function escapeLabelLine(text: string): string {
  const codes: Record<string, string> = {
    "#": "#35;",
    '"': "#quot;",
    "<": "#lt;",
    ">": "#gt;",
    "&": "#amp;",
    "|": "#124;",
    "`": "#96;",
  };
  return text.replace(/[\n\r]+/g, " ").replace(/[#"<>&|`]/g, (c) => codes[c] ?? c);
}

/** A double-quoted label of escaped lines joined by Mermaid's line break. */
export function quotedLabel(lines: readonly string[]): string {
  return `"${lines.map(escapeLabelLine).join("<br/>")}"`;
}

/**
 * A node id from any text: letters, digits and `_` only, prefixed so that it never is a keyword
 * (`end`, `subgraph`) nor starts with `o`/`x` (which Mermaid would read as an edge's end marker).
 */
export function nodeId(text: string): string {
  return `n_${text.replace(/[^A-Za-z0-9]+/g, "_")}`;
}

function renderNode(node: FlowNode, indent: string): string {
  const [open, close] = SHAPES[node.shape];
  return `${indent}${node.id}${open}${quotedLabel(node.lines)}${close}`;
}

function renderEdge(edge: FlowEdge): string {
  const style = edge.style ?? "solid";
  const arrow = ARROWS[style];
  const label =
    edge.label === undefined || style === "hidden" ? "" : `|${quotedLabel([edge.label])}|`;
  return `  ${edge.from} ${arrow}${label} ${edge.to}`;
}

/** The flowchart as Mermaid text (no fences). Edges are rendered in the order given. */
export function renderFlowchart(chart: Flowchart): string {
  const lines = [`flowchart ${chart.direction}`];
  for (const node of chart.nodes) lines.push(renderNode(node, "  "));
  for (const group of chart.groups) {
    lines.push(`  subgraph ${group.id}[${quotedLabel([group.title])}]`);
    for (const node of group.nodes) lines.push(renderNode(node, "    "));
    lines.push("  end");
  }
  for (const edge of chart.edges) lines.push(renderEdge(edge));
  return lines.join("\n");
}

const ID = "n_[A-Za-z0-9_]+";
/** A quoted label: no raw quote inside, and every `#` the start of an entity code. */
const LABEL = '"(?:[^"#]|#(?:[a-z]+|[0-9]+);)*"';
const SHAPE_ALTERNATIVES = Object.values(SHAPES)
  .map(([open, close]) => `${escapeRegExp(open)}${LABEL}${escapeRegExp(close)}`)
  .join("|");
const NODE_LINE = new RegExp(`^\\s*(${ID})(?:${SHAPE_ALTERNATIVES})$`);
const SUBGRAPH_LINE = new RegExp(`^\\s*subgraph (${ID})\\[${LABEL}\\]$`);
const EDGE_LINE = new RegExp(`^\\s*(${ID}) (?:(?:-->|-\\.->)(?:\\|${LABEL}\\|)?|~~~) (${ID})$`);

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/**
 * Structural problems of a rendered flowchart (empty when it is sound): the header, every line one
 * of the forms the renderer emits with properly quoted labels, `subgraph`/`end` balanced, ids
 * unique, and every edge between declared nodes.
 */
export function checkFlowchart(text: string): string[] {
  const problems: string[] = [];
  const [header, ...body] = text.split("\n");
  if (!/^flowchart (LR|TB)$/.test(header ?? "")) problems.push(`bad header: ${header ?? ""}`);
  const declared = new Set<string>();
  const edges: [string, string, number][] = [];
  let depth = 0;
  body.forEach((line, i) => {
    const at = `line ${i + 2}`;
    const declare = (id: string) => {
      if (declared.has(id)) problems.push(`${at}: ${id} declared twice`);
      declared.add(id);
    };
    const subgraph = SUBGRAPH_LINE.exec(line);
    const node = NODE_LINE.exec(line);
    const edge = EDGE_LINE.exec(line);
    if (line.trim() === "end") {
      depth -= 1;
      if (depth < 0) problems.push(`${at}: end without subgraph`);
    } else if (subgraph?.[1]) {
      depth += 1;
      declare(subgraph[1]);
    } else if (node?.[1]) declare(node[1]);
    else if (edge?.[1] && edge[2]) edges.push([edge[1], edge[2], i + 2]);
    else problems.push(`${at}: not a node, edge or subgraph line: ${line}`);
  });
  if (depth > 0) problems.push(`${depth} subgraph(s) not closed`);
  for (const [from, to, line] of edges) {
    for (const id of [from, to]) {
      if (!declared.has(id)) problems.push(`line ${line}: edge to undeclared node ${id}`);
    }
  }
  return problems;
}
