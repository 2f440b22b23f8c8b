/**
 * Running the image test's tools (debootstrap, npm, tar, buildah, podman): one child process at a
 * time, its stderr passed through so a failing step explains itself, its stdout captured.
 */
import { spawn, type SpawnOptions } from "node:child_process";

/** What a finished command returned. */
export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Milliseconds from the spawn to the child's first byte on stdout or stderr. */
  readonly firstOutputMs?: number;
  /** Milliseconds from the spawn to the exit. */
  readonly totalMs: number;
}

/** Options of {@link exec}. */
export interface ExecOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Bytes written to the child's stdin. */
  readonly input?: Buffer | string;
  /**
   * Echo the child's stdout as it comes (long steps such as the build); `"stamped"`: each line
   * prefixed with the seconds since the spawn, so the log shows where the time goes.
   */
  readonly echo?: boolean | "stamped";
  /** Return a non-zero exit instead of throwing. */
  readonly allowFailure?: boolean;
  /** Capture stderr without passing it through (an expected "no such image"). */
  readonly quietStderr?: boolean;
}

/** Quotes `args` for a log line (not for a shell: nothing here runs through one). */
export function commandLine(cmd: string, args: readonly string[]): string {
  return [cmd, ...args].map((a) => (/^[\w./:=@,+-]+$/.test(a) ? a : JSON.stringify(a))).join(" ");
}

/**
 * `text` (a chunk of output) with `[   n s] ` before each line that begins in it; `atLineStart`:
 * whether the previous chunk ended a line.
 */
export function stampLines(text: string, atLineStart: boolean, seconds: number): string {
  const stamp = `[${seconds.toFixed(0).padStart(4)} s] `;
  return text.replace(/(^|\n)(?=[^\n])/g, (_m, nl: string) =>
    nl === "" && !atLineStart ? "" : nl + stamp,
  );
}

/** Runs `cmd args`; throws with the command line and its stderr tail on a non-zero exit. */
export function exec(cmd: string, args: readonly string[], options: ExecOptions = {}) {
  const spawnOptions: SpawnOptions = {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ["pipe", "pipe", "pipe"],
  };
  return new Promise<ExecResult>((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, [...args], spawnOptions);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let firstOutputMs: number | undefined;
    const first = () => (firstOutputMs ??= performance.now() - started);
    let atLineStart = true;
    child.stdout?.on("data", (chunk: Buffer) => {
      first();
      out.push(chunk);
      if (options.echo === "stamped") {
        const text = chunk.toString("utf8");
        process.stdout.write(stampLines(text, atLineStart, (performance.now() - started) / 1000));
        atLineStart = text.endsWith("\n");
      } else if (options.echo) process.stdout.write(chunk);
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      first();
      err.push(chunk);
      if (!options.quietStderr) process.stderr.write(chunk);
    });
    child.on("error", reject);
    // A child that exits without reading its stdin (a tool that fails at once) closes the pipe:
    // the write then fails with EPIPE, and its exit code, not a crash of this process, tells why.
    child.stdin?.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code !== "EPIPE") reject(err);
    });
    child.on("close", (code) => {
      const result = {
        code: code ?? 1,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        firstOutputMs,
        totalMs: performance.now() - started,
      };
      if (result.code !== 0 && !options.allowFailure) {
        reject(new Error(`${commandLine(cmd, args)} exited with ${result.code}`));
      } else resolve(result);
    });
    if (options.input === undefined) child.stdin?.end();
    else child.stdin?.end(options.input);
  });
}

/** A progress or result line of the image test (stdout; errors go to stderr). */
export function say(message: string, stream: NodeJS.WriteStream = process.stdout): void {
  stream.write(`image-test: ${message}\n`);
}
