import fc from "fast-check";
import {
  errorReportKeyFor,
  KEYS,
  PATH_PREFIX_PATTERN,
  resultKeysFor,
  resultsRootFor,
} from "../src/contract";

/** The documented KEDA-path contract (README "Object keys"), written out as the check. */
describe("the KEDA path keeps its documented keys", () => {
  test("results go under output/<key without input/ and .csv>/", () => {
    expect(resultKeysFor("input/2026/sales.csv").resultsPrefix).toBe("output/2026/sales/");
    expect(resultKeysFor("input/my file.csv").resultsPrefix).toBe("output/my file/");
    expect(resultKeysFor("input/batch/x.csv").resultsPrefix).toBe("output/batch/x/");
    expect(resultKeysFor("input/x.csv").metricsKey).toBe("output/x/quality_metrics.json");
  });

  test("error reports are named errors/<input key>.json", () => {
    expect(resultKeysFor("input/bad.csv").errorReportKey).toBe("errors/input/bad.csv.json");
    expect(errorReportKeyFor("elsewhere/x.csv")).toBe("errors/elsewhere/x.csv.json");
  });
});

describe("the orchestrated path and other formats get their own results roots", () => {
  test("batch/x.csv no longer writes where input/x.csv does", () => {
    expect(resultKeysFor("batch/x.csv", "batch/").resultsPrefix).toBe("output-batch/x/");
    expect(resultKeysFor("batch/x.csv", "batch/").errorReportKey).toBe("errors/batch/x.csv.json");
  });

  test("x.csv.gz (issue 19) and keys in no known format never share x.csv's prefix", () => {
    expect(resultKeysFor("input/x.csv.gz").resultsPrefix).toBe("output.gz/x/");
    expect(resultKeysFor("batch/x.csv.gz", "batch/").resultsPrefix).toBe("output-batch.gz/x/");
    expect(resultKeysFor("input/x.CSV").resultsPrefix).toBe("output.unsupported/x.CSV/");
  });

  test("a key outside its path or a prefix that is not one folder is refused", () => {
    expect(() => resultKeysFor("batch/x.csv")).toThrow(/not under input\//);
    expect(() => resultsRootFor("a/b/")).toThrow(/not a path prefix/);
    expect(() => resultsRootFor("a.b/")).toThrow(/not a path prefix/);
  });
});

// --- injectivity over every path ---------------------------------------------------------------

/** Path prefixes as the settings accept them (`orchestration.prefix`), plus the KEDA path. */
const pathPrefix = fc.oneof(
  fc.constant(KEYS.inputPrefix),
  fc.constant("batch/"),
  fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,8}\/$/),
);

/** Key middles that mix the other paths' prefixes, suffixes, slashes, dots and case. */
const middle = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        "input/",
        "batch/",
        "output/",
        "output-batch/",
        ".csv",
        ".gz",
        ".CSV",
        "/",
        ".",
      ),
      fc.string({ maxLength: 4 }),
    ),
    { maxLength: 6 },
  )
  .map((parts) => parts.join(""));

const suffix = fc.constantFrom(".csv", ".csv.gz", ".CSV", ".csv.csv", ".gz", "");

/** An upload on some path: the path prefix and a key under it. */
const upload = fc
  .tuple(pathPrefix, middle, suffix)
  .map(([prefix, mid, end]) => ({ prefix, key: `${prefix}${mid}${end}` }));

/** Results prefix and error key of an upload, as one comparable string per output. */
const outputs = (u: { prefix: string; key: string }) => resultKeysFor(u.key, u.prefix);

describe("the input → results mapping is injective", () => {
  test("generated path prefixes are the ones the contract accepts", () => {
    fc.assert(fc.property(pathPrefix, (p) => PATH_PREFIX_PATTERN.test(p)));
  });

  test("two different uploads (on any paths, in any formats) never share a results prefix", () => {
    fc.assert(
      fc.property(upload, upload, (a, b) => {
        fc.pre(a.prefix !== b.prefix || a.key !== b.key);
        // One key belongs to one path: prefixes are single top-level folders.
        fc.pre(a.key !== b.key || a.prefix === b.prefix);
        return outputs(a).resultsPrefix !== outputs(b).resultsPrefix;
      }),
      { numRuns: 5000 },
    );
  });

  test("two different keys never share an error report", () => {
    fc.assert(
      fc.property(upload, upload, (a, b) => {
        fc.pre(a.key !== b.key);
        return outputs(a).errorReportKey !== outputs(b).errorReportKey;
      }),
      { numRuns: 2000 },
    );
  });

  test("the same name on the KEDA and the orchestrated path lands in different prefixes", () => {
    fc.assert(
      fc.property(middle, suffix, pathPrefix, (mid, end, other) => {
        fc.pre(other !== KEYS.inputPrefix);
        const keda = resultKeysFor(`${KEYS.inputPrefix}${mid}${end}`).resultsPrefix;
        return keda !== resultKeysFor(`${other}${mid}${end}`, other).resultsPrefix;
      }),
      { numRuns: 2000 },
    );
  });

  /**
   * Today's rule before this change (strip the path prefix and `.csv` in any case, then
   * `output/<rest>/`): the same property finds its collision, so the test can fail.
   */
  test("the property catches the old mapping's collision (input/x.csv vs batch/x.csv)", () => {
    const oldMapping = (u: { prefix: string; key: string }) =>
      `output/${u.key.slice(u.prefix.length).replace(/\.csv$/i, "")}/`;
    const result = fc.check(
      fc.property(upload, upload, (a, b) => {
        fc.pre(a.key !== b.key);
        return oldMapping(a) !== oldMapping(b);
      }),
      { numRuns: 5000, seed: 1 },
    );
    expect(result.failed).toBe(true);
    expect(oldMapping({ prefix: "input/", key: "input/x.csv" })).toBe(
      oldMapping({ prefix: "batch/", key: "batch/x.csv" }),
    );
  });
});
