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
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runInThisContext } from "node:vm";
import { parse } from "yaml";
import { parseSettings, PROJECT, settingsInputFromConfig, type Settings } from "../config";

/** How long one program run may take before it fails (well below jest's 60 s test timeout). */
const RUN_TIMEOUT_MS = 45_000;

/** Account id every mocked ARN and URL uses. */
export const MOCK_ACCOUNT = "123456789012";
/** Partition of every mocked ARN. */
export const MOCK_PARTITION = "aws";

const ROOT = join(__dirname, "..");

/** One resource the program registered (custom resources, components and providers alike). */
export interface RecordedResource {
  /** Type token, e.g. `aws:sqs/queue:Queue`, `pipeline:infra:Queues`, `pulumi:providers:kubernetes`. */
  type: string;
  /** Logical name. */
  name: string;
  /** Inputs as the program passed them (Outputs resolved, secrets unwrapped; unknowns are absent). */
  inputs: Record<string, any>;
  /** Top-level input names whose value is or contains a secret. */
  secretInputs: string[];
  /** Physical id the mock returned. */
  id: string;
  /** Output state the mock returned (inputs plus computed properties such as `arn`). */
  state: Record<string, any>;
  /** Whether it is a custom resource (false for components). */
  custom: boolean;
  /** URN of this resource. */
  urn: string;
  /** URN of its parent ("" for top-level resources). */
  parent: string;
  /** Provider reference (`<urn>::<id>`) when the resource names one explicitly or inherits one. */
  provider: string;
  /** URNs of every resource this one depends on (`dependsOn` and the resources behind its inputs). */
  dependencies: string[];
}

/** The result of one program run. */
export interface ProgramRun {
  /** Every registered resource in registration order. */
  resources: RecordedResource[];
  /** Every export of `index.ts`, fully resolved (Outputs, secrets and promises unwrapped). */
  outputs: Record<string, unknown>;
  /** Names of the exports that are secret Outputs. */
  secretOutputs: string[];
  /** The validated settings of the stack (after overrides). */
  settings: Settings;
  /** The stack name the run used. */
  stack: string;
}

/** A mocked invoke: inputs and the stack's region in, result out. */
type InvokeMock = (inputs: Record<string, any>, region: string) => Record<string, unknown>;

/** The invokes the program may use, by token. Anything else throws. */
export const INVOKES: Readonly<Record<string, InvokeMock>> = {
  "aws:index/getCallerIdentity:getCallerIdentity": () => ({
    accountId: MOCK_ACCOUNT,
    arn: `arn:${MOCK_PARTITION}:iam::${MOCK_ACCOUNT}:user/deployer`,
    userId: "AIDAEXAMPLEDEPLOYER",
    id: MOCK_ACCOUNT,
  }),
  "aws:index/getPartition:getPartition": () => ({
    partition: MOCK_PARTITION,
    dnsSuffix: "amazonaws.com",
    reverseDnsPrefix: "com.amazonaws",
    id: MOCK_PARTITION,
  }),
  "aws:index/getRegion:getRegion": (_inputs, region) => ({
    name: region,
    region,
    endpoint: `ec2.${region}.amazonaws.com`,
    description: region,
    id: region,
  }),
  "aws:index/getAvailabilityZones:getAvailabilityZones": (_inputs, region) => ({
    names: ["a", "b", "c"].map((z) => `${region}${z}`),
    zoneIds: ["1", "2", "3"].map((z) => `euw1-az${z}`),
    groupNames: [region],
    id: region,
  }),
  "aws:ecr/getAuthorizationToken:getAuthorizationToken": (inputs, region) => ({
    authorizationToken: Buffer.from("AWS:mock-password").toString("base64"),
    userName: "AWS",
    password: "mock-password",
    proxyEndpoint: `https://${MOCK_ACCOUNT}.dkr.ecr.${region}.amazonaws.com`,
    expiresAt: "2030-01-01T00:00:00Z",
    registryId: inputs.registryId ?? MOCK_ACCOUNT,
    id: region,
  }),
};

/** A deterministic hex digest of `text`. */
function hex(text: string, length = 64): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/** AWS service of an `aws:<module>/<x>:<Type>` token. */
function awsService(type: string): string {
  const module = type.split(":")[1]?.split("/")[0] ?? "aws";
  const services: Record<string, string> = {
    cloudwatch: "logs",
    cfn: "cloudformation",
    sfn: "states",
    eks: "eks",
    s3: "s3",
  };
  return services[module] ?? module;
}

/** Plausible output state for a resource type: inputs plus the computed properties programs read. */
function mockState(
  type: string,
  name: string,
  inputs: Record<string, any>,
  region: string,
): { id: string; state: Record<string, any> } {
  const arnOf = (service: string, resource: string, regional = true) =>
    `arn:${MOCK_PARTITION}:${service}:${regional ? region : ""}:${regional ? MOCK_ACCOUNT : ""}:${resource}`;
  const physical =
    (inputs.name as string | undefined) ?? `${inputs.namePrefix ?? name}-${hex(name, 7)}`;
  switch (type) {
    case "aws:s3/bucket:Bucket":
    case "aws:s3/bucketV2:BucketV2": {
      const bucket = inputs.bucket ?? `${inputs.bucketPrefix ?? name}${hex(name, 8)}`;
      return {
        id: bucket,
        state: {
          ...inputs,
          bucket,
          arn: `arn:${MOCK_PARTITION}:s3:::${bucket}`,
          bucketDomainName: `${bucket}.s3.amazonaws.com`,
          bucketRegionalDomainName: `${bucket}.s3.${region}.amazonaws.com`,
          region,
        },
      };
    }
    case "aws:sqs/queue:Queue": {
      const url = `https://sqs.${region}.amazonaws.com/${MOCK_ACCOUNT}/${physical}`;
      return {
        id: url,
        state: { ...inputs, name: physical, url, arn: arnOf("sqs", physical) },
      };
    }
    case "aws:iam/role:Role":
    case "aws:iam/policy:Policy":
    case "aws:iam/instanceProfile:InstanceProfile": {
      const kind = type.split(":")[2]?.replace(/^\w/, (c) => c.toLowerCase()) ?? "role";
      const path = kind === "instanceProfile" ? "instance-profile" : kind;
      return {
        id: physical,
        state: {
          ...inputs,
          name: physical,
          arn: `arn:${MOCK_PARTITION}:iam::${MOCK_ACCOUNT}:${path}/${physical}`,
          uniqueId: `AROA${hex(name, 16).toUpperCase()}`,
        },
      };
    }
    case "aws:kms/key:Key": {
      const keyId = `${hex(name, 8)}-${hex(name + "1", 4)}-${hex(name + "2", 4)}-${hex(name + "3", 4)}-${hex(name + "4", 12)}`;
      return { id: keyId, state: { ...inputs, keyId, arn: arnOf("kms", `key/${keyId}`) } };
    }
    case "aws:ecr/repository:Repository": {
      return {
        id: physical,
        state: {
          ...inputs,
          name: physical,
          arn: arnOf("ecr", `repository/${physical}`),
          registryId: MOCK_ACCOUNT,
          repositoryUrl: `${MOCK_ACCOUNT}.dkr.ecr.${region}.amazonaws.com/${physical}`,
        },
      };
    }
    case "docker-build:index:Image": {
      const digest = `sha256:${hex(JSON.stringify(inputs.tags ?? name))}`;
      const tag = (inputs.tags as string[] | undefined)?.[0] ?? name;
      return {
        id: digest,
        state: { ...inputs, digest, ref: `${tag.split(":")[0]}@${digest}` },
      };
    }
    case "eks:index:Cluster": {
      const clusterName = inputs.name ?? `${name}-eksCluster-${hex(name, 7)}`;
      const endpoint = `https://${hex(clusterName, 32).toUpperCase()}.gr7.${region}.eks.amazonaws.com`;
      const kubeconfig = {
        apiVersion: "v1",
        kind: "Config",
        clusters: [
          {
            name: clusterName,
            cluster: { server: endpoint, "certificate-authority-data": "bW9jaw==" },
          },
        ],
        contexts: [{ name: "aws", context: { cluster: clusterName, user: "aws" } }],
        "current-context": "aws",
        users: [
          {
            name: "aws",
            user: {
              exec: {
                apiVersion: "client.authentication.k8s.io/v1beta1",
                command: "aws",
                args: ["eks", "get-token", "--cluster-name", clusterName, "--output", "json"],
              },
            },
          },
        ],
      };
      const clusterSg = `sg-${hex(name + "cluster", 17)}`;
      const eksCluster = {
        name: clusterName,
        arn: arnOf("eks", `cluster/${clusterName}`),
        endpoint,
        version: inputs.version,
        vpcConfig: {
          clusterSecurityGroupId: `sg-${hex(name + "eks", 17)}`,
          subnetIds: [...(inputs.privateSubnetIds ?? []), ...(inputs.publicSubnetIds ?? [])],
          vpcId: inputs.vpcId,
        },
        accessConfig: { authenticationMode: inputs.authenticationMode },
        certificateAuthority: { data: "bW9jaw==" },
        identities: [{ oidcs: [{ issuer: `https://oidc.eks.${region}.amazonaws.com/id/MOCK` }] }],
      };
      return {
        id: `${name}-id`,
        state: {
          kubeconfig,
          kubeconfigJson: JSON.stringify(kubeconfig),
          eksCluster,
          core: { cluster: eksCluster, endpoint, vpcId: inputs.vpcId },
          clusterSecurityGroupId: clusterSg,
          nodeSecurityGroupId: `sg-${hex(name + "node", 17)}`,
          oidcProviderArn: "",
          oidcIssuer: "",
        },
      };
    }
    default:
      break;
  }
  if (type.startsWith("kubernetes:")) {
    const metadata = { ...(inputs.metadata ?? {}) };
    metadata.name ??= `${name}-${hex(name, 8)}`;
    const state: Record<string, any> = { ...inputs, metadata };
    if (type === "kubernetes:helm.sh/v3:Release") {
      state.name = inputs.name ?? `${name}-${hex(name, 8)}`;
      state.status = { name: state.name, namespace: inputs.namespace, status: "deployed" };
    }
    const id = metadata.namespace ? `${metadata.namespace}/${metadata.name}` : metadata.name;
    return { id, state };
  }
  if (type.startsWith("aws:")) {
    const resourceId = inputs.name ?? `${name}-${hex(name, 8)}`;
    return {
      id: type.startsWith("aws:ec2/")
        ? `${type.split(":")[2]?.toLowerCase().slice(0, 6)}-${hex(name, 17)}`
        : resourceId,
      state: {
        name: resourceId,
        arn: arnOf(
          awsService(type),
          `${type.split(":")[2]?.toLowerCase() ?? "resource"}/${resourceId}`,
        ),
        ...inputs,
      },
    };
  }
  return { id: `${name}-id`, state: { ...inputs } };
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

/**
 * Runs any program file under the same mocks (uncached; for the harness's own tests). Prefer
 * {@link runProgram}.
 */
export async function runProgramFile(
  file: string,
  stack: string,
  overrides: Record<string, unknown> = {},
  isolate: Isolate = jestIsolate,
): Promise<ProgramRun> {
  const config = { ...stackConfig(stack), ...overrides };
  const settings = parseSettings(settingsInputFromConfig(config));
  const region = settings.region;
  const resources: RecordedResource[] = [];
  const unexpected: string[] = [];
  const pending = new Map<string, Omit<RecordedResource, "id" | "state" | "secretInputs">>();

  // A fresh Pulumi runtime store: the SDK keeps its state on the global object. Resource modules
  // registered when shared SDK packages loaded stay registered.
  const g = globalThis as Record<string, unknown>;
  const previous = g.globalStore as RegistryMaps | undefined;
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
      for (const key of ["resourcePackages", "resourceModules"] as const) {
        for (const [k, v] of previous?.[key] ?? []) store?.[key]?.set(k, v);
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
        PROJECT,
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
          urn: urnOf(parent, type, name, stack),
          parent,
          provider: req.getProvider(),
          dependencies: req.getDependenciesList(),
        });
        return register(req, cb);
      };
      exported = (await import(file)) as Record<string, unknown>;
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

/** The parts of an SDK Output the harness awaits (with rejections, unlike `apply`). */
interface InternalOutput {
  readonly isSecret: Promise<boolean>;
  promise(): Promise<unknown>;
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
interface RegistryMaps {
  resourcePackages?: Map<unknown, unknown>;
  resourceModules?: Map<unknown, unknown>;
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
function urnOf(parent: string, resourceType: string, name: string, stack: string): string {
  let type = resourceType;
  if (parent) {
    const parentType = (parent.split("::")[2] ?? "").split("$").pop() ?? "";
    type = `${parentType}$${type}`;
  }
  return `urn:pulumi:${stack}::${PROJECT}::${type}::${name}`;
}

/**
 * Resolves an Output to its value (secrets unwrapped; a failed Output rejects); other values as
 * they are.
 */
export function promiseOf<T>(output: { apply<U>(f: (t: T) => U): unknown } | T): Promise<T> {
  const candidate = output as Partial<InternalOutput> | null;
  if (candidate && typeof candidate === "object" && typeof candidate.promise === "function") {
    return candidate.promise() as Promise<T>;
  }
  return Promise.resolve(output as T);
}

/** Every recorded resource of a type token, e.g. `byType(run, "aws:sqs/queue:Queue")`. */
export function byType(run: ProgramRun, type: string): RecordedResource[] {
  return run.resources.filter((r) => r.type === type);
}

/**
 * Exactly one resource of `type` (whose logical name ends with `nameSuffix`, when given);
 * throws, listing the candidates, when there is none or more than one.
 */
export function one(run: ProgramRun, type: string, nameSuffix?: string): RecordedResource {
  const all = byType(run, type);
  const matches = nameSuffix === undefined ? all : all.filter((r) => r.name.endsWith(nameSuffix));
  if (matches.length !== 1) {
    throw new Error(
      `expected one ${type}${nameSuffix ? ` named *${nameSuffix}` : ""}, found ${matches.length} among [${all
        .map((r) => r.name)
        .join(", ")}]`,
    );
  }
  return matches[0] as RecordedResource;
}

/** The resource with this URN (e.g. one of `dependencies` or a `parent`). */
export function byUrn(run: ProgramRun, urn: string): RecordedResource | undefined {
  return run.resources.find((r) => r.urn === urn);
}

/** Whether `resource` depends on `other` (through `dependsOn` or an input). */
export function dependsOn(resource: RecordedResource, other: RecordedResource): boolean {
  return resource.dependencies.includes(other.urn);
}
