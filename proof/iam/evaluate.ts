/**
 * Decides every recorded call and probe with @cloud-copilot/iam-simulate (a maintained
 * implementation of AWS's policy evaluation logic) against the identity policy the program builds
 * for the role and the resource's own policy (bucket, queue or key policy), as AWS evaluates a
 * same-account request.
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { byType, MOCK_ACCOUNT, MOCK_PARTITION, type ProgramRun } from "../../harness/program";
import { derivedCalls } from "../calls/derived";
import { readRecorded, withRecordedCalls } from "../calls/recorded";
import type { CallSpec, Workload } from "./calls";

/* eslint-disable @typescript-eslint/no-explicit-any -- policies are JSON */

/** One decided call or probe. */
export interface Decision {
  readonly role: string;
  readonly kind: "call" | "probe";
  readonly spec: CallSpec;
  readonly resource: string;
  readonly result: string;
  /** Whether the decision is what the spec expects. */
  readonly ok: boolean;
  /** A pending call that is denied as its mark says (reported apart, not a mismatch). */
  readonly knownDefect: boolean;
}

/** The policies and names of one run, as the evaluator needs them. */
export interface PolicyWorld {
  readonly region: string;
  /** Role logical name → { arn, inline policy documents }. */
  readonly roles: Map<string, { arn: string; policies: any[] }>;
  /** Template token → ARN or name. */
  readonly names: Record<string, string>;
  /** Bucket name / queue ARN / key ARN → its resource policy. */
  readonly resourcePolicies: Map<string, any>;
  /** Workload label → the calls derived from the program (proof/calls/derived.ts). */
  readonly derived: Readonly<Record<string, readonly CallSpec[]>>;
}

const stateOf = (run: ProgramRun, type: string, name: string) =>
  byType(run, type).find((r) => r.name === name);

/** Reads roles, names and resource policies from a program run. */
export function policyWorld(run: ProgramRun): PolicyWorld {
  const region = run.settings.region;
  const roles = new Map<string, { arn: string; policies: any[] }>();
  const roleByName = new Map(
    byType(run, "aws:iam/role:Role").map((r) => [r.state.name as string, r]),
  );
  for (const p of byType(run, "aws:iam/rolePolicy:RolePolicy")) {
    const role = roleByName.get(p.inputs.role as string);
    if (!role) continue;
    const entry = roles.get(role.name) ?? { arn: role.state.arn as string, policies: [] };
    entry.policies.push(JSON.parse(p.inputs.policy as string));
    roles.set(role.name, entry);
  }
  const bucket = (n: string) =>
    stateOf(run, "aws:s3/bucket:Bucket", n)?.state.bucket as string | undefined;
  const queue = (n: string) =>
    stateOf(run, "aws:sqs/queue:Queue", n)?.state.arn as string | undefined;
  const names: Record<string, string | undefined> = {
    region,
    raw: bucket("storage-raw"),
    processed: bucket("storage-processed"),
    events: bucket("storage-events"),
    lake: bucket("orchestration-lake"),
    preprocessQueue: queue("queues-preprocess"),
    preprocessDlq: queue("queues-preprocess-dlq"),
    eventsQueue: queue("queues-events"),
    dataKey: stateOf(run, "aws:kms/key:Key", "storage-data-key")?.state.arn as string | undefined,
    table: byType(run, "aws:dynamodb/table:Table")[0]?.state.arn as string | undefined,
    bus: byType(run, "aws:cloudwatch/eventBus:EventBus")[0]?.state.arn as string | undefined,
    cluster: `arn:${MOCK_PARTITION}:eks:${region}:${MOCK_ACCOUNT}:cluster/${String(run.outputs.clusterName)}`,
  };
  if (names.preprocessQueue) {
    names.preprocessQueueOtherRegion = names.preprocessQueue.replace(`:${region}:`, ":us-east-1:");
  }
  const resourcePolicies = new Map<string, any>();
  for (const p of byType(run, "aws:s3/bucketPolicy:BucketPolicy")) {
    resourcePolicies.set(p.inputs.bucket as string, JSON.parse(p.inputs.policy as string));
  }
  const queueArnByUrl = new Map(
    byType(run, "aws:sqs/queue:Queue").map((q) => [q.state.url, q.state.arn]),
  );
  for (const p of byType(run, "aws:sqs/queuePolicy:QueuePolicy")) {
    const arn = queueArnByUrl.get(p.inputs.queueUrl);
    if (arn) resourcePolicies.set(arn as string, JSON.parse(p.inputs.policy as string));
  }
  for (const k of byType(run, "aws:kms/key:Key")) {
    if (k.inputs.policy)
      resourcePolicies.set(k.state.arn as string, JSON.parse(k.inputs.policy as string));
  }
  return { region, roles, names: names as Record<string, string>, resourcePolicies, derived: {} };
}

/** {@link policyWorld} with the calls derived from the program: KEDA's and the state machine's. */
export async function proofWorld(run: ProgramRun): Promise<PolicyWorld> {
  return { ...policyWorld(run), derived: await derivedCalls(run) };
}

/** A template resolved to an ARN (`{raw}/x` → `arn:aws:s3:::<raw>/x`). */
function resolve(template: string, names: Record<string, string>): string {
  const filled = template.replace(/\{(\w+)\}/g, (_, n: string) => {
    const v = names[n];
    if (v === undefined) throw new Error(`no ${n} in this stack`);
    return v;
  });
  return filled.startsWith("arn:") ? filled : `arn:${MOCK_PARTITION}:s3:::${filled}`;
}

/** The resource policy that governs an ARN, if any. */
function resourcePolicyFor(arn: string, w: PolicyWorld): any {
  if (arn.startsWith(`arn:${MOCK_PARTITION}:s3:::`)) {
    return w.resourcePolicies.get(
      arn.slice(`arn:${MOCK_PARTITION}:s3:::`.length).split("/")[0] as string,
    );
  }
  return w.resourcePolicies.get(arn);
}

/** Decides one request: `Allowed`, `ExplicitlyDenied` or `ImplicitlyDenied`. */
export async function decide(
  roleArn: string,
  identityPolicies: any[],
  spec: CallSpec,
  w: PolicyWorld,
): Promise<{ resource: string; result: string }> {
  const resource = resolve(spec.resource, w.names);
  const context: Record<string, string> = {
    "aws:SecureTransport": "true",
    "aws:RequestedRegion": w.region,
    "aws:PrincipalArn": roleArn,
    "aws:PrincipalAccount": MOCK_ACCOUNT,
  };
  for (const [k, v] of Object.entries(spec.context ?? {}))
    context[k] = v.replace("{region}", w.region);
  if (spec.action.startsWith("kms:")) context["kms:CallerAccount"] = MOCK_ACCOUNT;
  const response = await runSimulation(
    {
      request: {
        principal: roleArn,
        action: spec.action,
        resource: { resource, accountId: MOCK_ACCOUNT },
        contextVariables: context,
      },
      identityPolicies: identityPolicies.map((policy, i) => ({ name: `inline-${i}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: resourcePolicyFor(resource, w),
    },
    {},
  );
  if (response.resultType === "error") {
    throw new Error(`${spec.action} on ${resource}: ${JSON.stringify(response.errors)}`);
  }
  return { resource, result: response.overallResult };
}

/**
 * Decides every call and probe of every workload whose role the stack has: the hand-written calls
 * and probes of calls.ts, the calls derived from the program (`w.derived`) and the committed
 * recordings (proof/calls/recorded.ts).
 */
export async function decideAll(
  w: PolicyWorld,
  workloads: readonly Workload[] = withRecordedCalls(readRecorded(), undefined, w.derived),
): Promise<Decision[]> {
  const out: Decision[] = [];
  for (const workload of workloads) {
    const role = w.roles.get(workload.role);
    if (!role) continue;
    for (const [kind, specs] of [
      ["call", workload.calls],
      ["probe", workload.probes],
    ] as const) {
      for (const spec of specs) {
        const { resource, result } = await decide(role.arn, role.policies, spec, w);
        const allowed = result === "Allowed";
        const knownDefect = kind === "call" && !!spec.pending && !allowed;
        const ok = kind === "probe" ? !allowed : spec.pending ? !allowed : allowed;
        out.push({ role: workload.label, kind, spec, resource, result, ok, knownDefect });
      }
    }
  }
  return out;
}
