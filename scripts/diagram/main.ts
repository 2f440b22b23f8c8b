/**
 * `npm run diagram`: runs the program under the test suite's Pulumi mocks for every stack file and
 * writes the Mermaid diagrams read from its resource graph into docs/architecture.md, and the dev
 * stack's data flow into README.md (between its markers).
 *
 *   npm run diagram                    regenerate docs/architecture.md and the README block
 *   npm run diagram -- --check         exit 1 when either differs from what would be written
 *   npm run diagram -- --stack prod    print one stack's section to stdout (writes nothing)
 *
 * Each stack runs in its own child process (`--child <stack>`): the Pulumi SDK keeps its state in
 * the module registry and on the global object, so one program run per process keeps them apart.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { childResultLine, runChildForResult } from "../../harness/child-result";
import { runProgramFile, stackNames } from "../../harness/program";
import {
  architectureDocument,
  README_STACK,
  readmeBlock,
  spliceReadme,
  stackDiagrams,
  type StackDiagrams,
} from "./document";

const ROOT = join(__dirname, "..", "..");
const RESULT_MARKER = "DIAGRAM-RESULT ";
/** Where the generated files live, relative to the repository root. */
export const OUTPUTS = { architecture: "docs/architecture.md", readme: "README.md" } as const;

const USAGE = `usage: npm run diagram [-- --check | --stack NAME]
  (no option)   write ${OUTPUTS.architecture} (every stack file) and the README block (${README_STACK})
  --check       exit 1 when a generated file is stale
  --stack NAME  print the diagrams of one stack file (Pulumi.NAME.yaml) to stdout
`;

function runChild(stack: string): StackDiagrams {
  const result = runChildForResult<StackDiagrams>(__filename, [stack], RESULT_MARKER, ROOT);
  if (!result.ok)
    throw new Error(`${stack}: the program did not run under mocks:\n${result.output}`);
  return result.value;
}

/** The files the generator writes, by path relative to the root, from each stack's diagrams. */
export function generatedFiles(
  stacks: readonly StackDiagrams[],
  currentReadme: string,
): Record<string, string> {
  const dev = stacks.find((s) => s.stack === README_STACK);
  if (!dev)
    throw new Error(`no ${README_STACK} stack among ${stacks.map((s) => s.stack).join(", ")}`);
  return {
    [OUTPUTS.architecture]: architectureDocument(stacks),
    [OUTPUTS.readme]: spliceReadme(currentReadme, readmeBlock(dev)),
  };
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv[0] === "--child") {
    const stack = argv[1] ?? README_STACK;
    const run = await runProgramFile(join(ROOT, "index.ts"), stack, {}, (load) => load());
    process.stdout.write(childResultLine(RESULT_MARKER, stackDiagrams(run)));
    return 0;
  }
  const known = stackNames();
  if (argv[0] === "--stack") {
    const stack = argv[1];
    if (!stack || !known.includes(stack)) {
      process.stderr.write(`diagram: --stack takes one of: ${known.join(", ")}\n`);
      return 2;
    }
    process.stdout.write(architectureDocument([runChild(stack)]));
    return 0;
  }
  const check = argv[0] === "--check";
  if (argv.length > (check ? 1 : 0)) {
    process.stderr.write(USAGE);
    return argv[0] === "--help" ? 0 : 2;
  }
  const files = generatedFiles(known.map(runChild), readOrEmpty(join(ROOT, OUTPUTS.readme)));
  let stale = 0;
  for (const [path, text] of Object.entries(files)) {
    const full = join(ROOT, path);
    if (readOrEmpty(full) === text) continue;
    stale += 1;
    if (check) process.stdout.write(`${path} is stale: run npm run diagram\n`);
    else {
      writeFileSync(full, text);
      process.stdout.write(`wrote ${path}\n`);
    }
  }
  if (!stale) process.stdout.write(`${Object.keys(files).join(" and ")} are up to date\n`);
  return check && stale ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(2);
    },
  );
}
