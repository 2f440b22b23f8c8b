/**
 * One program evaluation per child process, for the command-line tools that evaluate several stack
 * files (`npm run policy`, `npm run diagram`): each stack gets a fresh Pulumi runtime and module
 * cache. The child prints its result as one JSON line after a marker; this reads it back.
 */
import { spawnSync } from "node:child_process";

/** The child's JSON result, or the tail of its output when it failed or printed no result. */
export type ChildResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly output: string };

/**
 * Runs `file --child ...args` with this process's Node and flags from `cwd`, and parses the last
 * stdout line that starts with `marker`.
 */
export function runChildForResult<T>(
  file: string,
  args: readonly string[],
  marker: string,
  cwd: string,
): ChildResult<T> {
  const child = spawnSync(process.execPath, [...process.execArgv, file, "--child", ...args], {
    cwd,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const line = child.stdout
    .split("\n")
    .reverse()
    .find((l) => l.startsWith(marker));
  if (child.status !== 0 || !line) {
    const output = `${child.stdout}\n${child.stderr}`.trim().split("\n").slice(-20).join("\n");
    return { ok: false, output: output || `exit ${child.status}` };
  }
  return { ok: true, value: JSON.parse(line.slice(marker.length)) as T };
}

/** The line a child prints its result on, for {@link runChildForResult}. */
export function childResultLine(marker: string, value: unknown): string {
  return `\n${marker}${JSON.stringify(value)}\n`;
}
