/**
 * Resource URNs are a contract of deployed stacks: a refactor that changes one replaces (or orphans)
 * the resource. Each stack file's URN set is committed under `tests/fixtures/urns/<stack>.txt`; this
 * test fails when the program registers a different set. Aliases keep an intended rename in place —
 * list the new URN here only together with the alias that carries the old one.
 *
 * After an intended change: `UPDATE_URNS=1 npx jest tests/urns.test.ts`, then review the diff.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runProgram, type ProgramRun } from "../harness/program";

const ROOT = join(__dirname, "..");
const FIXTURES = join(__dirname, "fixtures", "urns");
const STACKS = readdirSync(ROOT)
  .map((f) => /^Pulumi\.(\w+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => s !== undefined)
  .sort();

/**
 * The URN the Pulumi engine gives each resource. The engine qualifies a child's type with its
 * parent's whole type chain (`pipeline:infra:Karpenter$aws:iam/role:Role$…`, as pulumi-eks URNs
 * show), while the SDK's mock monitor keeps only the parent's last type, so moving a resource between
 * nested components would go unseen with the mock's URNs: rebuild the engine's form from the parents.
 */
function engineUrns(run: ProgramRun): string[] {
  const byMockUrn = new Map(run.resources.map((r) => [r.urn, r]));
  const qualified = (urn: string): string => {
    const r = byMockUrn.get(urn);
    if (!r) throw new Error(`unknown parent ${urn}`);
    return r.parent ? `${qualified(r.parent)}$${r.type}` : r.type;
  };
  return run.resources.map((r) => {
    const [prefix, project] = r.urn.split("::");
    return `${prefix}::${project}::${qualified(r.urn)}::${r.name}`;
  });
}

describe.each(STACKS)("resource URNs (%s)", (stack) => {
  test("the program registers exactly the committed set of URNs (no resource is replaced)", async () => {
    const run = await runProgram(stack);
    const urns = [...new Set(engineUrns(run))].sort();
    const file = join(FIXTURES, `${stack}.txt`);
    if (process.env.UPDATE_URNS === "1") writeFileSync(file, urns.join("\n") + "\n");
    expect(existsSync(file)).toBe(true);
    const committed = readFileSync(file, "utf8").split("\n").filter(Boolean);
    const added = urns.filter((u) => !committed.includes(u));
    const removed = committed.filter((u) => !urns.includes(u));
    expect({ added, removed }).toEqual({ added: [], removed: [] });
    expect(urns.length).toBeGreaterThan(50);
  });
});
