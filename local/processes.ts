/**
 * Child processes of local mode: the real processor CLI, started as the image's entry point starts
 * it (`node --min-semi-space-size=16 processor/bin/processor.js <command>`), one process per pod.
 * Each child gets the emulator's endpoint and fixed credentials instead of any AWS settings of the
 * parent, its log lines go to the run's log file (prefixed with the pod's name), and stopping it is
 * what Kubernetes does to a pod: SIGTERM, then SIGKILL after the grace period.
 */
import { spawn, type ChildProcess } from "node:child_process";
import type { Writable } from "node:stream";
import { createInterface } from "node:readline";
import { PROCESSOR_NODE_FLAGS } from "@pipeline/processor/contract";

/** How a child ended. */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A running (or finished) child process. */
export interface Child {
  readonly name: string;
  readonly pid: number | undefined;
  readonly startedAt: number;
  /** Resolves when the process has exited. */
  readonly exit: Promise<ChildExit>;
  /** Set once the process has exited. */
  readonly exited: ChildExit | undefined;
  /**
   * Whether the process has written anything yet. Until then it counts as a pod that is not Running
   * (still booting), which is what KEDA's pending-job count measures.
   */
  readonly booted: boolean;
  /** Whether a stop was requested (an exit after it is expected, not a crash). */
  readonly stopping: boolean;
  /** SIGTERM, then SIGKILL if still running after `graceMs`; resolves on exit. */
  stop(graceMs: number): Promise<ChildExit>;
}

/** How to start processor commands. */
export interface Launcher {
  /** The Node binary (the one running local mode). */
  readonly node: string;
  /** Path of `processor/bin/processor.js`. */
  readonly processorBin: string;
  /** Variables every child gets (emulator endpoint, region, credentials, log level). */
  readonly env: Readonly<Record<string, string>>;
  /** The access key id a command signs with (each workload its own: the recording tells them apart). */
  readonly accessKeyFor?: (command: string) => string;
  /** Where child output goes, one line at a time, prefixed with the child's name. */
  readonly log: Writable;
  /** Called with every stdout line that is a JSON object (the processor logs JSON lines). */
  readonly onLog?: (child: string, record: Record<string, unknown>) => void;
}

/** Every child still running, so an exiting parent can take them down with it. */
const live = new Set<ChildProcess>();

/** SIGKILLs every child still running (last resort when local mode exits unexpectedly). */
export function killAllChildren(): void {
  for (const proc of live) proc.kill("SIGKILL");
  live.clear();
}

/** Parent variables a child must not inherit: they would point it at a real AWS account. */
const AWS_VARIABLE = /^AWS_/;

/**
 * The environment of a child: the parent's without AWS_*, then the pod's own (`pod`, from its
 * spec), then the launcher's (`local`: emulator endpoint, credentials, a free metrics port), which
 * wins because it is what makes a pod runnable on this machine.
 */
export function childEnvironment(
  parent: Readonly<Record<string, string | undefined>>,
  pod: Readonly<Record<string, string>>,
  local: Readonly<Record<string, string>>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(parent)) {
    if (v !== undefined && !AWS_VARIABLE.test(k)) env[k] = v;
  }
  return { ...env, ...pod, ...local };
}

/** Starts `processor <command> [args]` as child `name` with `env` on top of the launcher's. */
export function spawnProcessor(
  launcher: Launcher,
  name: string,
  command: string,
  env: Readonly<Record<string, string>>,
  args: readonly string[] = [],
): Child {
  const argv = [...PROCESSOR_NODE_FLAGS, launcher.processorBin, command, ...args];
  const proc: ChildProcess = spawn(launcher.node, argv, {
    env: childEnvironment(process.env, env, {
      ...launcher.env,
      ...(launcher.accessKeyFor ? { AWS_ACCESS_KEY_ID: launcher.accessKeyFor(command) } : {}),
    }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(proc);
  const startedAt = Date.now();
  let exited: ChildExit | undefined;
  let stopping = false;
  let booted = false;
  const exit = new Promise<ChildExit>((resolve) => {
    proc.once("exit", (code, signal) => {
      live.delete(proc);
      exited = { code, signal };
      resolve(exited);
    });
    proc.once("error", (err) => {
      live.delete(proc);
      launcher.log.write(`${name} spawn error: ${err.message}\n`);
      exited = { code: 127, signal: null };
      resolve(exited);
    });
  });
  const pipe = (stream: NodeJS.ReadableStream | null, isStdout: boolean) => {
    if (!stream) return;
    createInterface({ input: stream }).on("line", (line) => {
      booted = true;
      launcher.log.write(`${name} ${line}\n`);
      if (!isStdout || !launcher.onLog || !line.startsWith("{")) return;
      try {
        const record: unknown = JSON.parse(line);
        if (record !== null && typeof record === "object") {
          launcher.onLog(name, record as Record<string, unknown>);
        }
      } catch {
        // not a JSON log line; it is in the log file
      }
    });
  };
  pipe(proc.stdout, true);
  pipe(proc.stderr, false);

  return {
    name,
    pid: proc.pid,
    startedAt,
    exit,
    get exited() {
      return exited;
    },
    get booted() {
      return booted || exited !== undefined;
    },
    get stopping() {
      return stopping;
    },
    async stop(graceMs: number) {
      if (exited) return exited;
      stopping = true;
      proc.kill("SIGTERM");
      const timer = setTimeout(() => {
        if (!exited) proc.kill("SIGKILL");
      }, graceMs);
      const result = await exit;
      clearTimeout(timer);
      return result;
    },
  };
}
