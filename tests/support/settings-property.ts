/**
 * "If parseSettings accepts it, AWS accepts it", over whole program runs: for one stack file,
 * settings that `parseSettings` accepts (harness/settings-arbitraries.ts: project and stack names of
 * every accepted length and character, and every key that changes a name, a count, a size, a
 * retention or a period) are each evaluated as the real program under the mocks
 * (harness/program-batch.ts), and no recorded resource breaks a limit of the catalog
 * (policy/limits/catalog.ts).
 *
 * `npm test` runs {@link DEFAULT_RUNS} cases per stack file (what fits the suite's budget on two
 * cores); `npm run property` runs PROPERTY_RUNS=500 per stack file, and CI runs both.
 */
import {
  NODE_AUTOSCALING_MODES,
  parseSettings,
  PROJECT,
  settingsInputFromConfig,
} from "../../config";
import {
  runBatch,
  graphDigest,
  type BatchCase,
  type BatchResult,
} from "../../harness/program-batch";
import { runProgram, stackConfig } from "../../harness/program";
import { acceptedCases, PULUMI_NAME_CHARS } from "../../harness/settings-arbitraries";

/** Cases per stack file in `npm test`. */
export const DEFAULT_RUNS = 60;
const RUNS = Number(process.env.PROPERTY_RUNS ?? DEFAULT_RUNS);
if (!Number.isInteger(RUNS) || RUNS < 1)
  throw new Error(`PROPERTY_RUNS must be a positive integer`);
/**
 * Wall-clock allowance per case, ms: a case takes about 0.1 s on an idle core, and ten times that on
 * a machine shared with other builds. The budget is measured (README "Settings property"), not this.
 */
const MS_PER_CASE = 5_000;
const BATCH_TIMEOUT_MS = (RUNS + 2) * MS_PER_CASE + 30_000;

/** The stack-name characters `parseSettings` accepts inside a name (with the default project). */
function acceptedNameChars(stack: string): string[] {
  const raw = { ...settingsInputFromConfig(stackConfig(stack)), storage: { bucketPrefix: "ep" } };
  return PULUMI_NAME_CHARS.filter((c) => {
    try {
      parseSettings(raw, { project: PROJECT, stack: `a${c}a` });
      return true;
    } catch {
      return false;
    }
  });
}

/** The longest stack name `parseSettings` accepts with the default project and a short bucket prefix. */
function longestAcceptedStackName(stack: string): number {
  const raw = { ...settingsInputFromConfig(stackConfig(stack)), storage: { bucketPrefix: "ep" } };
  let longest = 0;
  for (let n = 1; n <= 100; n++) {
    try {
      parseSettings(raw, { project: PROJECT, stack: "a".repeat(n) });
      longest = n;
    } catch {
      break;
    }
  }
  return longest;
}

/** The property for `Pulumi.<stack>.yaml`. */
export function settingsProperty(stack: string): void {
  describe(`if parseSettings accepts it, AWS accepts it: program runs over Pulumi.${stack}.yaml`, () => {
    const file: BatchCase = { project: PROJECT, stack, config: stackConfig(stack) };
    const cases = acceptedCases(file.config, RUNS, 14);
    let results: BatchResult[];
    beforeAll(async () => {
      // The stack file itself first and last: the last run proves nothing leaked between runs.
      results = await runBatch([file, ...cases, file], BATCH_TIMEOUT_MS - 5_000);
    }, BATCH_TIMEOUT_MS);

    test(`${RUNS} accepted settings, each evaluated as the whole program, break no AWS limit`, () => {
      expect(cases).toHaveLength(RUNS);
      const failures = cases.flatMap((c, i): { case: BatchCase; problem: readonly string[] }[] => {
        const r = results[i + 1];
        if (!r) return [{ case: c, problem: ["no result"] }];
        if (r.error) return [{ case: c, problem: [r.error.slice(0, 2000)] }];
        return r.violations.length ? [{ case: c, problem: r.violations }] : [];
      });
      expect(failures).toEqual([]);
      expect(Math.min(...results.map((r) => r.resources))).toBeGreaterThan(100);
    });

    test("the cases cover every accepted stack name length from 1, and every accepted character", () => {
      const lengths = new Set(cases.map((c) => c.stack.length));
      const longest = longestAcceptedStackName(stack);
      const every = Array.from({ length: longest }, (_, i) => i + 1);
      expect(every.filter((n) => !lengths.has(n))).toEqual([]);
      expect(longest).toBeGreaterThanOrEqual(30); // the probe works (orchestrated: 35, the rule name)
      const seen = new Set(cases.flatMap((c) => [...c.stack]));
      expect(acceptedNameChars(stack).filter((c) => !seen.has(c))).toEqual([]);
      expect(cases.filter((c) => c.project !== PROJECT).length).toBeGreaterThan(0);
    });

    test("the cases cover every node autoscaling mode, each with accepted settings", () => {
      const modes = new Set(
        cases.map(
          (c) =>
            parseSettings(settingsInputFromConfig(c.config), { project: c.project, stack: c.stack })
              .nodeAutoscaling,
        ),
      );
      expect([...modes].sort()).toEqual([...NODE_AUTOSCALING_MODES].sort());
    });

    test("a batch run is the harness's run: same graph, and nothing leaks from run to run", async () => {
      const [first, last] = [results[0], results[results.length - 1]];
      expect(first?.error).toBeUndefined();
      expect(last?.digest).toBe(first?.digest);
      expect(last?.secondRunReleased).toBe(true);
      expect(first?.digest).toBe(graphDigest((await runProgram(stack)).resources));
    });
  });
}
