/**
 * The workloads of a program run — every pod template the program declares (Deployments, the jobs
 * of ScaledJobs and of Step Functions `eks:runJob` states) and the Helm releases whose charts
 * create a service account — with the service account they run as. Pure functions of the run.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- recorded inputs are untyped payloads. */
import type { ProgramRun, RecordedResource } from "../../harness/query";
import { ofType, TYPES } from "./graph";

/** One workload: what runs, where, and as which service account. */
export interface Workload {
  /** Stable key (`deployment:pipeline/consumer`). */
  readonly key: string;
  /** What it is: `Deployment`, `ScaledJob job`, `Step Functions job`, `Helm release`. */
  readonly kind: string;
  /** Its name (Deployment or ScaledJob name, the state's name, the release name). */
  readonly name: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  /** The processor command it runs (`preprocess`), when it runs the processor. */
  readonly command?: string;
  /** The resource that declares it. */
  readonly resource: RecordedResource;
}

function firstArg(container: any): string | undefined {
  const args = container?.args as unknown;
  if (Array.isArray(args) && typeof args[0] === "string") return args[0];
  // A Step Functions job builds its arguments with States.Array('command', ...).
  const dynamic = container?.["args.$"] as unknown;
  return typeof dynamic === "string" ? /'([^']+)'/.exec(dynamic)?.[1] : undefined;
}

function fromPodSpec(
  resource: RecordedResource,
  kind: string,
  name: string,
  namespace: string,
  spec: any,
): Workload | undefined {
  const serviceAccount = spec?.serviceAccountName as string | undefined;
  if (!serviceAccount) return undefined;
  const command = firstArg(spec?.containers?.[0]);
  return {
    key: `${kind}:${namespace}/${name}`,
    kind,
    name,
    namespace,
    serviceAccount,
    resource,
    ...(command ? { command } : {}),
  };
}

/** The `eks:runJob` task states of a state machine definition, with their names. */
export function runJobStates(definition: string): { state: string; parameters: any }[] {
  const found: { state: string; parameters: any }[] = [];
  const walk = (states: Record<string, any>) => {
    for (const [state, body] of Object.entries(states)) {
      if (typeof body?.Resource === "string" && body.Resource.includes(":eks:runJob")) {
        found.push({ state, parameters: body.Parameters ?? body.Arguments });
      }
      for (const branch of body?.Branches ?? []) walk(branch.States ?? {});
      if (body?.ItemProcessor?.States) walk(body.ItemProcessor.States);
    }
  };
  walk((JSON.parse(definition) as { States: Record<string, any> }).States);
  return found;
}

/** Service account names a chart's values create (`serviceAccount.name`, `serviceAccount.<c>.name`). */
export function chartServiceAccounts(values: unknown): string[] {
  const names: string[] = [];
  const visit = (v: unknown, underServiceAccount: boolean) => {
    if (!v || typeof v !== "object" || Array.isArray(v)) return;
    for (const [k, x] of Object.entries(v)) {
      if (underServiceAccount && k === "name" && typeof x === "string") names.push(x);
      else visit(x, underServiceAccount || k === "serviceAccount");
    }
  };
  visit(values, false);
  return [...new Set(names)].sort();
}

/** Every workload of the run, in registration order of what declares it. */
export function workloadsOf(run: ProgramRun): Workload[] {
  const out: (Workload | undefined)[] = [];
  for (const r of run.resources) {
    const meta = r.inputs.metadata ?? {};
    if (r.type === TYPES.deployment) {
      out.push(
        fromPodSpec(r, "Deployment", meta.name, meta.namespace, r.inputs.spec?.template?.spec),
      );
    } else if (r.type === TYPES.scaledJob) {
      const spec = r.inputs.spec?.jobTargetRef?.template?.spec;
      out.push(fromPodSpec(r, "ScaledJob job", meta.name, meta.namespace, spec));
    } else if (r.type === TYPES.stateMachine && typeof r.inputs.definition === "string") {
      for (const { state, parameters } of runJobStates(r.inputs.definition)) {
        const spec = parameters?.Job?.spec?.template?.spec;
        out.push(fromPodSpec(r, "Step Functions job", state, parameters?.Namespace, spec));
      }
    } else if (r.type === TYPES.helmRelease) {
      for (const serviceAccount of chartServiceAccounts(r.inputs.values)) {
        const namespace = r.inputs.namespace as string;
        out.push({
          key: `release:${namespace}/${r.name}/${serviceAccount}`,
          kind: "Helm release",
          name: (r.inputs.name as string | undefined) ?? r.name,
          namespace,
          serviceAccount,
          resource: r,
        });
      }
    }
  }
  return out.filter((w): w is Workload => w !== undefined);
}

/** The ServiceAccount resource the program declares for `namespace/name`, if it declares one. */
export function serviceAccountResource(
  run: ProgramRun,
  namespace: string,
  name: string,
): RecordedResource | undefined {
  return ofType(run, TYPES.serviceAccount).find(
    (sa) => sa.inputs.metadata?.name === name && sa.inputs.metadata?.namespace === namespace,
  );
}
