/**
 * The stack's outputs as the smoke test reads them: from `pulumi stack output --json --show-secrets`
 * (or the same JSON saved to a file), checked against the outputs contract (`config/outputs.ts`),
 * so a stack that lacks what the smoke needs is refused before anything is uploaded.
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import {
  OPTIONAL_OUTPUTS,
  PROJECT,
  REQUIRED_OUTPUTS,
  outputTypeProblem,
  stackPhysicalNames,
  type OutputName,
  type PipelineOutputs,
} from "../../config";

/** Thrown when the outputs cannot be read or break the contract; the message says which. */
export class OutputsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OutputsError";
  }
}

/** What `pulumi stack output --json` prints for a secret without `--show-secrets`. */
const SECRET_PLACEHOLDER = "[secret]";

/**
 * Problems of `raw` as a stack's outputs: not an object, missing outputs (every required one, and
 * the orchestration ones when `orchestrated`), values of the wrong type. Empty when it is fine.
 */
export function outputsProblems(raw: unknown, orchestrated: boolean): string[] {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return ["the outputs must be a JSON object of output names to values"];
  }
  const values = raw as Record<string, unknown>;
  const needed: OutputName[] = [...REQUIRED_OUTPUTS, ...(orchestrated ? OPTIONAL_OUTPUTS : [])];
  const missing = needed.filter((name) => values[name] === undefined || values[name] === null);
  const problems: string[] = [];
  if (missing.length > 0) {
    problems.push(
      `missing output(s) ${missing.join(", ")}` +
        (missing.some((m) => OPTIONAL_OUTPUTS.includes(m))
          ? " (the settings turn orchestration on, so its outputs must exist: run pulumi up)"
          : " (is the stack deployed with this version of the program? run pulumi up)"),
    );
  }
  for (const name of needed) {
    if (missing.includes(name)) continue;
    if (values[name] === SECRET_PLACEHOLDER) {
      problems.push(`output ${name} is hidden as [secret]: save the outputs with --show-secrets`);
      continue;
    }
    const problem = outputTypeProblem(name, values[name]);
    if (problem) problems.push(problem);
  }
  return problems;
}

/** `raw` as the outputs contract types it, or an {@link OutputsError} listing every problem. */
export function checkOutputs(raw: unknown, orchestrated: boolean): PipelineOutputs {
  const problems = outputsProblems(raw, orchestrated);
  if (problems.length > 0) {
    throw new OutputsError(
      `refusing to run against these outputs:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
  }
  return raw as PipelineOutputs;
}

/** Runs a command and resolves to its stdout (injected in tests). */
export type RunCommand = (command: string, args: readonly string[], cwd: string) => Promise<string>;

/** Runs `command` with `args` in `cwd`; rejects with its stderr when it fails. */
export const runCommand: RunCommand = (command, args, cwd) =>
  new Promise((resolve, reject) => {
    execFile(command, [...args], { cwd, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const missing = (err as NodeJS.ErrnoException).code === "ENOENT";
        reject(
          new OutputsError(
            missing
              ? `the Pulumi CLI is not on PATH: install it, or save \`pulumi stack output --json ` +
                  `--show-secrets\` to a file and pass --outputs FILE`
              : `${command} ${args.join(" ")} failed: ${stderr.trim() || err.message}`,
          ),
        );
      } else resolve(stdout);
    });
  });

/** The arguments of the Pulumi CLI call that prints a stack's outputs. */
export function pulumiOutputArgs(stack: string): string[] {
  return ["stack", "output", "--json", "--show-secrets", "--stack", stack];
}

/**
 * Reads the outputs: the file when `file` is given, otherwise the Pulumi CLI's for `stack` (run in
 * `root`, where Pulumi.yaml is). Parses the JSON; the contract check is {@link checkOutputs}.
 */
export async function readOutputs(
  source: { readonly file?: string; readonly stack?: string },
  root: string,
  run: RunCommand = runCommand,
): Promise<unknown> {
  let text: string;
  let where: string;
  if (source.file !== undefined) {
    where = source.file;
    try {
      text = await readFile(source.file, "utf8");
    } catch (err) {
      throw new OutputsError(`cannot read --outputs ${source.file}: ${(err as Error).message}`);
    }
  } else if (source.stack !== undefined) {
    const args = pulumiOutputArgs(source.stack);
    where = `pulumi ${args.join(" ")}`;
    text = await run("pulumi", args, root);
  } else {
    throw new OutputsError("give --stack NAME or --outputs FILE");
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new OutputsError(`${where} is not JSON (expected \`pulumi stack output --json\`)`);
  }
}

/** The orchestrated variant's places the outputs do not name, for where to look next. */
export interface WorkflowPlaces {
  /** The dead-letter queue of its two EventBridge rules (upload → state machine, bus → topic). */
  readonly rulesDlqName: string;
  /** The rule on the default bus that starts an execution per upload. */
  readonly uploadRuleName: string;
}

/**
 * The places of {@link WorkflowPlaces}, by the program's physical names of the stack whose cluster
 * is `clusterName` (`<project>-<stack>`); undefined when the name is not the program's. Pure.
 */
export function workflowPlaces(outputs: Pick<PipelineOutputs, "clusterName">) {
  const prefix = `${PROJECT}-`;
  if (!outputs.clusterName.startsWith(prefix)) return undefined;
  const names = stackPhysicalNames({
    project: PROJECT,
    stack: outputs.clusterName.slice(prefix.length),
  });
  return {
    rulesDlqName: names.queues.batchRulesDlq,
    uploadRuleName: names.uploadRule,
  } satisfies WorkflowPlaces;
}
