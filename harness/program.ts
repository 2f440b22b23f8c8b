/**
 * The Pulumi mocks harness: runs the real program (`index.ts`) against a stack file under
 * `pulumi.runtime.setMocks`, records every resource it registers and resolves every stack output.
 * No engine, no cloud, no CLI.
 *
 * ```ts
 * import { runProgram, byType, one } from "../harness/program";
 * const dev = await runProgram("dev");
 * const prod = await runProgram("prod", { "event-pipeline:orchestration": { enabled: true } });
 * one(dev, "aws:sqs/queue:Queue", "preprocess-dlq").inputs.messageRetentionSeconds;
 * ```
 *
 * Each run imports `index.ts` and `@pulumi/*` in a fresh module registry with a fresh Pulumi runtime
 * store, so runs in one test file never share resources. Runs are cached per (stack, overrides) in a
 * test file and serialised (the Pulumi runtime state is process-global).
 *
 * The `call` mock answers only the invokes listed in {@link INVOKES}; any other token fails the run,
 * so a new data-source lookup cannot slip in unnoticed. Add a token there when the program needs it.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- recorded inputs and state are untyped
   provider payloads that tests index freely. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runInThisContext } from "node:vm";
import { parse } from "yaml";
import { parseSettings, PROJECT, settingsInputFromConfig } from "../config";
import { INVOKES, MOCK_ACCOUNT, MOCK_PARTITION, mockState } from "./mocks";
import type { InternalOutput, ProgramRun, RecordedResource } from "./query";

export { INVOKES, MOCK_ACCOUNT, MOCK_PARTITION };
export { byType, byUrn, dependsOn, one, promiseOf } from "./query";
export type { ProgramRun, RecordedResource } from "./query";

/** How long one program run may take before it fails (well below jest's 60 s test timeout). */
const RUN_TIMEOUT_MS = 45_000;

const ROOT = join(__dirname, "..");

/** The stacks that have a `Pulumi.<stack>.yaml` in the repository root, sorted. */
export function stackNames(): string[] {
  return readdirSync(ROOT)
    .map((f) => /^Pulumi\.([\w.-]+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

/** Reads `Pulumi.<stack>.yaml` and returns its `config` map. */
export function stackConfig(stack: string): Record<string, unknown> {
  const file = parse(readFileSync(join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as {
    config?: Record<string, unknown>;
  };
  return { ...(file.config ?? {}) };
}

const cache = new Map<string, Promise<ProgramRun>>();
let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs `index.ts` under Pulumi mocks for `Pulumi.<stack>.yaml`, with `configOverrides` (full keys
 * such as `"event-pipeline:orchestration"`, replacing the stack file's value) merged on top.
 * Cached per (stack, overrides) within a test file; runs are serialised.
 */
export function runProgram(
  stack: string,
  configOverrides: Record<string, unknown> = {},
): Promise<ProgramRun> {
  const key = JSON.stringify([stack, configOverrides]);
  let run = cache.get(key);
  if (!run) {
    run = queue.then(() => runProgramFile(join(ROOT, "index.ts"), stack, configOverrides));
    queue = run.catch(() => undefined);
    cache.set(key, run);
  }
  return run;
}

/**
 * Loads the SDK and the program in a fresh module registry. In jest: `jest.isolateModulesAsync`;
 * outside jest (`policy/run.ts`), a process that runs one program can pass `(load) => load()`.
 */
export type Isolate = (load: () => Promise<void>) => Promise<void>;

/**
 * SDK packages loaded once per test file and shared by its runs. They are stateless modules (the
 * Pulumi runtime keeps its state on the global object, reset for every run), and loading them
 * dominates a run's time; the program's own modules are still loaded fresh every run.
 */
const SHARED_PACKAGES = [
  "@pulumi/pulumi",
  "@pulumi/aws",
  "@pulumi/eks",
  "@pulumi/kubernetes",
  "@pulumi/docker-build",
];

/** Jest isolation: a fresh registry for the program, the shared SDK packages mapped into it. */
export const jestIsolate: Isolate = async (load) => {
  const shared = SHARED_PACKAGES.map((name) => [name, jest.requireActual(name)] as const);
  await jest.isolateModulesAsync(async () => {
    for (const [name, module] of shared) jest.doMock(name, () => module);
    try {
      await load();
    } finally {
      for (const [name] of shared) jest.dontMock(name);
    }
  });
};

/** What {@link runProgramFile} runs besides the stack: another project name or config, a loader. */
export interface RunOptions {
  /** The Pulumi project name the program sees (default: {@link PROJECT}). */
  readonly project?: string;
  /** The whole config map instead of `Pulumi.<stack>.yaml` plus the overrides (any stack name). */
  readonly config?: Record<string, unknown>;
  /**
   * Loads the program file and returns its exports (default: `import(file)`). A process that runs
   * the program repeatedly passes one that drops the file from `require.cache` first.
   */
  readonly load?: (file: string) => Promise<Record<string, unknown>>;
}

/**
 * Runs any program file under the same mocks (uncached; for the harness's own tests and
 * `harness/program-batch.ts`). Prefer {@link runProgram}.
 */
export async function runProgramFile(
  file: string,
  stack: string,
  overrides: Record<string, unknown> = {},
  isolate: Isolate = jestIsolate,
  options: RunOptions = {},
): Promise<ProgramRun> {
  const project = options.project ?? PROJECT;
  const config = options.config ?? { ...stackConfig(stack), ...overrides };
  const load = options.load ?? ((f: string) => import(f) as Promise<Record<string, unknown>>);
  const settings = parseSettings(settingsInputFromConfig(config), { project, stack });
  const region = settings.region;
  const resources: RecordedResource[] = [];
  const unexpected: string[] = [];
  const pending = new Map<string, Omit<RecordedResource, "id" | "state" | "secretInputs">>();

  // A fresh Pulumi runtime store: the SDK keeps its state on the global object. Resource modules
  // registered when shared SDK packages loaded stay registered. Only their entries are kept, not
  // the previous store: the closures below (the monitor's, which the new store holds) would keep
  // it, and with it every earlier run's graph.
  const g = globalThis as Record<string, unknown>;
  const registries = registryEntries(g.globalStore as RegistryMaps | undefined);
  delete g.globalStore;
  delete g.stackResource;

  // A failed registration or invoke surfaces as unhandled rejections of the SDK's internal
  // promises, not only through the exports. While the program runs (and a few turns after, for
  // late ones) they are this run's failures: the run rejects with them instead of the process
  // crashing or an unrelated test failing. Listeners live on the real process (jest's sandbox
  // `process` never emits).
  const failures: unknown[] = [];
  const restoreListeners = captureRejections((reason) => failures.push(reason));
  // The SDK records a stack trace for every promise it makes; under jest each one is source-mapped,
  // which is most of a run's time. Errors keep their messages; set HARNESS_STACKS=1 for traces.
  const stackTraceLimit = Error.stackTraceLimit;
  if (!process.env.HARNESS_STACKS) Error.stackTraceLimit = 0;
  // A program that never settles (an Output waiting on something that never comes) fails the run
  // instead of hanging the test file with the rejection listeners swapped out.
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const registered = new Set(resources.map((r) => `${r.type}::${r.name}`));
      const waiting = [...pending.keys()].filter((k) => !registered.has(k));
      reject(
        new Error(
          `the program did not settle within ${RUN_TIMEOUT_MS / 1000} s; registered ${resources.length} resources` +
            (waiting.length ? `, still waiting for: ${waiting.join(", ")}` : ""),
        ),
      );
    }, RUN_TIMEOUT_MS);
  });
  try {
    return await Promise.race([evaluate(), deadline]);
  } finally {
    clearTimeout(timer);
    Error.stackTraceLimit = stackTraceLimit;
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    restoreListeners();
  }

  async function evaluate(): Promise<ProgramRun> {
    let exported: Record<string, unknown> = {};
    let pulumi: typeof import("@pulumi/pulumi") | undefined;
    await isolate(async () => {
      pulumi = await import("@pulumi/pulumi");
      const stringConfig: Record<string, string> = {};
      for (const [k, v] of Object.entries(config)) {
        stringConfig[k] = typeof v === "string" ? v : JSON.stringify(v);
      }
      // Source positions are engine metadata; computing them takes an unbounded, source-mapped
      // stack trace per resource.
      (pulumi.Resource as unknown as { callsites(): unknown[] }).callsites = () => [];
      pulumi.runtime.setAllConfig(stringConfig, []);
      const store = g.globalStore as RegistryMaps | undefined;
      for (const key of REGISTRY_KEYS) {
        for (const [k, v] of registries[key]) store?.[key]?.set(k, v);
      }
      await pulumi.runtime.setMocks(
        {
          newResource(args) {
            const recorded = pending.get(`${args.type}::${args.name}`);
            const secretInputs = Object.keys(args.inputs ?? {}).filter((k) =>
              containsSecret(args.inputs[k]),
            );
            const inputs = unwrapSecrets(args.inputs ?? {}) as Record<string, any>;
            const { id, state } = mockState(args.type, args.name, inputs, region);
            resources.push({
              type: args.type,
              name: args.name,
              inputs,
              secretInputs,
              id,
              state,
              custom: args.custom ?? false,
              urn: recorded?.urn ?? "",
              parent: recorded?.parent ?? "",
              provider: recorded?.provider ?? args.provider ?? "",
              dependencies: recorded?.dependencies ?? [],
            });
            return { id, state };
          },
          call(args) {
            const mock = INVOKES[args.token];
            if (!mock) {
              unexpected.push(args.token);
              // The SDK rethrows a failed invoke with the RPC's `details` as the message.
              const message = `unexpected invoke ${args.token}: add it to INVOKES in harness/program.ts`;
              throw Object.assign(new Error(message), { details: message });
            }
            return mock(args.inputs as Record<string, any>, region);
          },
        },
        project,
        stack,
        false,
      );
      // The mock monitor hands newResource only type/name/inputs; tap the request for the graph.
      const monitor = pulumi.runtime.getMonitor() as unknown as {
        registerResource(req: RegisterRequest, cb: unknown): unknown;
      };
      const register = monitor.registerResource.bind(monitor);
      monitor.registerResource = (req, cb) => {
        const parent = req.getParent();
        const type = req.getType();
        const name = req.getName();
        pending.set(`${type}::${name}`, {
          type,
          name,
          inputs: {},
          custom: req.getCustom(),
          urn: urnOf(parent, type, name, project, stack),
          parent,
          provider: req.getProvider(),
          dependencies: req.getDependenciesList(),
        });
        return register(req, cb);
      };
      exported = await load(file);
    });
    if (!pulumi) throw new Error("the Pulumi SDK did not load");
    const sdk = pulumi;

    const outputs: Record<string, unknown> = {};
    const secretOutputs: string[] = [];
    for (const [name, value] of Object.entries(exported)) {
      if (name === "__esModule" || typeof value === "function") continue;
      const output = sdk.output(value as never) as unknown as InternalOutput;
      try {
        if (await output.isSecret) secretOutputs.push(name);
        outputs[name] = await output.promise();
      } catch (error) {
        failures.push(error);
      }
    }
    await sdk.runtime.disconnect();
    if (unexpected.length) {
      throw new Error(
        `the program used unexpected invokes: ${[...new Set(unexpected)].join(", ")}`,
      );
    }
    if (failures.length) {
      throw new Error(`the program failed: ${failures.map(String).join("; ")}`);
    }
    return { resources, outputs, secretOutputs, settings, stack };
  }
}

/** The SDK's marker of a serialised secret (`{ [SECRET_SIG_KEY]: SECRET_SIG, value }`). */
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

function isSecretValue(v: unknown): v is { value: unknown } {
  return (
    !!v && typeof v === "object" && (v as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG
  );
}

function containsSecret(v: unknown): boolean {
  if (isSecretValue(v)) return true;
  if (Array.isArray(v)) return v.some(containsSecret);
  if (v && typeof v === "object") return Object.values(v).some(containsSecret);
  return false;
}

function unwrapSecrets(v: unknown): unknown {
  if (isSecretValue(v)) return unwrapSecrets(v.value);
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)]));
  }
  return v;
}

/** The Node process itself (under jest, test code sees a copy whose events never fire). */
function realProcess(): NodeJS.Process {
  return runInThisContext("process") as NodeJS.Process;
}

/**
 * Routes unhandled rejections to `onRejection` alone until the returned function restores the
 * previous listeners.
 */
function captureRejections(onRejection: (reason: unknown) => void): () => void {
  const proc = realProcess();
  const previous = proc.rawListeners("unhandledRejection") as ((...args: unknown[]) => void)[];
  const handled = proc.rawListeners("rejectionHandled") as ((...args: unknown[]) => void)[];
  proc.removeAllListeners("unhandledRejection");
  proc.removeAllListeners("rejectionHandled");
  proc.on("unhandledRejection", onRejection);
  return () => {
    proc.removeListener("unhandledRejection", onRejection);
    for (const listener of previous) proc.on("unhandledRejection", listener);
    for (const listener of handled) proc.on("rejectionHandled", listener);
  };
}

/** The registries of the SDK's runtime store that survive a reset. */
const REGISTRY_KEYS = ["resourcePackages", "resourceModules"] as const;
type RegistryMaps = Partial<Record<(typeof REGISTRY_KEYS)[number], Map<unknown, unknown>>>;

/** The entries of a store's registries (copies: holding them does not hold the store). */
function registryEntries(store: RegistryMaps | undefined) {
  return Object.fromEntries(REGISTRY_KEYS.map((key) => [key, [...(store?.[key] ?? [])]])) as Record<
    (typeof REGISTRY_KEYS)[number],
    [unknown, unknown][]
  >;
}

interface RegisterRequest {
  getParent(): string;
  getType(): string;
  getName(): string;
  getCustom(): boolean;
  getProvider(): string;
  getDependenciesList(): string[];
}

/** The URN the mock monitor gives a resource (same scheme as `MockMonitor.newUrn`). */
function urnOf(
  parent: string,
  resourceType: string,
  name: string,
  project: string,
  stack: string,
): string {
  let type = resourceType;
  if (parent) {
    const parentType = (parent.split("::")[2] ?? "").split("$").pop() ?? "";
    type = `${parentType}$${type}`;
  }
  return `urn:pulumi:${stack}::${project}::${type}::${name}`;
}
