/**
 * The Mermaid writer of `npm run diagram` (scripts/diagram/mermaid.ts): labels are escaped so no
 * text can break out of its quotes, and the structural check rejects what Mermaid would reject in
 * the subset the renderer emits. The generated documents themselves are checked in
 * tests/diagram.test.ts.
 */
import fc from "fast-check";
import { spliceReadme, README_MARKERS } from "../scripts/diagram/document";
import { pathEdges } from "../scripts/diagram/paths";
import {
  checkFlowchart,
  escapeLabelLine,
  nodeId,
  quotedLabel,
  renderFlowchart,
  SHAPES,
  type Flowchart,
  type Shape,
} from "../scripts/diagram/mermaid";

/** Mermaid's reading of the entity codes the escaper writes (named and numeric). */
function decode(label: string): string {
  const named: Record<string, string> = { quot: '"', lt: "<", gt: ">", amp: "&" };
  return label.replace(/#([a-z]+|[0-9]+);/g, (_, code: string) =>
    /^[0-9]+$/.test(code) ? String.fromCharCode(Number(code)) : (named[code] ?? ""),
  );
}

const chart = (label: string): Flowchart => ({
  direction: "LR",
  nodes: [{ id: "n_a", shape: "box", lines: [label] }],
  groups: [
    { id: "n_g", title: label, nodes: [{ id: "n_b", shape: "queue", lines: [label, "x"] }] },
  ],
  edges: [
    { from: "n_a", to: "n_b", label },
    { from: "n_b", to: "n_a", style: "dotted" },
    { from: "n_a", to: "n_g", style: "hidden" },
  ],
});

describe("Mermaid labels", () => {
  test.each([
    ['say "hi"', "say #quot;hi#quot;"],
    ["a#b", "a#35;b"],
    ["<b>&</b>", "#lt;b#gt;#amp;#lt;/b#gt;"],
    ["a|b", "a#124;b"],
    ["`md`", "#96;md#96;"],
    ["[brackets] (parens) {braces}", "[brackets] (parens) {braces}"],
    ["two\nlines", "two lines"],
  ])("%j is escaped as %j", (text, escaped) => {
    expect(escapeLabelLine(text)).toBe(escaped);
  });

  test("every label, whatever its text, stays inside its quotes and reads back as written", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 40 }), (text) => {
        const quoted = quotedLabel([text]);
        expect(quoted.slice(1, -1)).not.toContain('"');
        expect(decode(quoted.slice(1, -1))).toBe(text.replace(/[\n\r]+/g, " "));
        expect(checkFlowchart(renderFlowchart(chart(text)))).toEqual([]);
      }),
    );
  });

  test("lines of a label are joined with Mermaid's line break after escaping", () => {
    expect(quotedLabel(["a<b", "c"])).toBe('"a#lt;b<br/>c"');
  });

  test("node ids are never a Mermaid keyword nor start with an edge marker", () => {
    for (const text of ["end", "subgraph", "o", "x-ray", "a b/c:d"]) {
      expect(nodeId(text)).toMatch(/^n_[A-Za-z0-9_]+$/);
    }
    expect(nodeId("aws:sqs/queue:Queue::q")).toBe("n_aws_sqs_queue_Queue_q");
  });
});

describe("the structural check of a flowchart", () => {
  test("every shape the renderer draws passes", () => {
    const shapes = Object.keys(SHAPES) as Shape[];
    const text = renderFlowchart({
      direction: "TB",
      nodes: shapes.map((shape, i) => ({ id: `n_${i}`, shape, lines: [shape] })),
      groups: [],
      edges: [{ from: "n_0", to: "n_1", label: "x" }],
    });
    expect(checkFlowchart(text)).toEqual([]);
  });

  test.each([
    ["a raw quote inside a label", 'flowchart LR\n  n_a["say "hi""]'],
    ["a # that is not an entity code", 'flowchart LR\n  n_a["a#b"]'],
    ["an edge to an undeclared node", 'flowchart LR\n  n_a["a"]\n  n_a --> n_b'],
    ["a node declared twice", 'flowchart LR\n  n_a["a"]\n  n_a["b"]'],
    ["an unclosed subgraph", 'flowchart LR\n  subgraph n_g["g"]\n  n_a["a"]'],
    ["an end without subgraph", 'flowchart LR\n  n_a["a"]\n  end'],
    ["a bare keyword id", 'flowchart LR\n  end["a"]'],
    ["an unknown header", 'graph XY\n  n_a["a"]'],
    ["an unquoted label", "flowchart LR\n  n_a[a]"],
  ])("rejects %s", (_, text) => {
    expect(checkFlowchart(text)).not.toEqual([]);
  });
});

describe("the README block", () => {
  const readme = [
    "# Title",
    "",
    "Intro:",
    "",
    "    npm ci && npm start     # a",
    "    npm ci && npm test      # b",
    "",
    "Rest.",
  ].join("\n");
  const block = (body: string) => [README_MARKERS.start, body, README_MARKERS.end].join("\n");

  test("goes right after the two commands, leaving the opening lines as they are", () => {
    const out = spliceReadme(readme, block("one"));
    expect(out.split("\n").slice(0, 6)).toEqual(readme.split("\n").slice(0, 6));
    expect(out.split("\n").slice(7, 10)).toEqual(block("one").split("\n"));
    expect(out.endsWith("\n\nRest.")).toBe(true);
  });

  test("is replaced in place on the next run (idempotent)", () => {
    const once = spliceReadme(readme, block("one"));
    expect(spliceReadme(once, block("one"))).toBe(once);
    expect(spliceReadme(once, block("two"))).toBe(spliceReadme(readme, block("two")));
  });
});

describe("a data path", () => {
  const n = (id: string, shape: Shape) => ({ id, shape, lines: [id] });
  // upload → raw → queue → job → out; raw → rule → machine, which reads out: two paths over
  // shared buckets.
  const whole: Flowchart = {
    direction: "LR",
    nodes: [n("n_up", "actor"), n("n_raw", "store"), n("n_q", "queue"), n("n_job", "box")],
    groups: [
      {
        id: "n_g",
        title: "g",
        nodes: [n("n_out", "store"), n("n_rule", "rule"), n("n_sm", "box"), n("n_dlq", "queue")],
      },
    ],
    edges: [
      { from: "n_up", to: "n_raw" },
      { from: "n_raw", to: "n_q" },
      { from: "n_q", to: "n_dlq", style: "dotted" },
      { from: "n_raw", to: "n_job", label: "reads" },
      { from: "n_q", to: "n_job" },
      { from: "n_job", to: "n_out" },
      { from: "n_raw", to: "n_rule" },
      { from: "n_rule", to: "n_sm" },
      { from: "n_out", to: "n_sm", label: "reads" },
    ],
  };
  const pairs = (seeds: { from: string; to: string }[]) =>
    pathEdges(whole, seeds).map((e) => `${e.from}>${e.to}`);

  test("follows edges forward from its seeds, with the reads into what it reached", () => {
    expect(
      pairs([
        { from: "n_up", to: "n_raw" },
        { from: "n_raw", to: "n_q" },
      ]),
    ).toEqual(["n_up>n_raw", "n_raw>n_q", "n_q>n_dlq", "n_raw>n_job", "n_q>n_job", "n_job>n_out"]);
  });

  test("stops at a data store, so a path does not run into another one that shares it", () => {
    expect(pairs([{ from: "n_raw", to: "n_rule" }])).toEqual([
      "n_raw>n_rule",
      "n_rule>n_sm",
      "n_out>n_sm",
    ]);
  });
});
