/**
 * The data-flow diagram of a stack, read from its resource graph: every bucket and queue, the
 * raw bucket's notifications (event, prefix, suffix) to the preprocess queue, redrive to the DLQs
 * (maxReceiveCount), the KEDA scalers with their parameters, each workload's reads and writes as
 * its IAM role grants them (Pod Identity), and the EventBridge rules and Step Functions tasks of the
 * orchestrated path. Nothing is named here that the graph does not hold.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- recorded inputs are untyped payloads. */
import type { ProgramRun, RecordedResource } from "../../harness/query";
import { FlowBuilder, type Uploads } from "./builder";
import {
  displayName,
  grantsOf,
  keyPatterns,
  ofType,
  podIdentityRoles,
  redriveOf,
  resolve,
  TYPES,
} from "./graph";
import type { FlowEdge, Flowchart } from "./mermaid";
import { storeNode, workloadNode } from "./nodes";
import { addWorkflow } from "./workflow";
import { workloadsOf, type Workload } from "./workloads";

/** Edges of one workload from what its Pod Identity role may do to the graph's data stores. */
function addGrants(b: FlowBuilder, run: ProgramRun, w: Workload, role: RecordedResource): void {
  for (const grant of grantsOf(run, role)) {
    for (const reference of grant.resources) {
      const target = resolve(run, reference);
      if (!target) continue;
      const has = (action: string) => grant.actions.includes(action);
      const patterns = target.type === TYPES.bucket ? keyPatterns(grant, target).join(", ") : "";
      const node = () => storeNode(b, run, target);
      if (target.type === TYPES.queue && has("sqs:ReceiveMessage")) {
        b.edge(node(), workloadNode(b, w), "receives");
      } else if (target.type === TYPES.queue && has("sqs:SendMessage")) {
        const title = `${w.kind} ${w.name} → ${displayName(target)}`;
        b.seed(title, workloadNode(b, w), node(), "sends");
      } else if (target.type === TYPES.bucket && has("s3:PutObject")) {
        b.edge(workloadNode(b, w), node(), `writes ${patterns}`);
      } else if (target.type === TYPES.bucket && has("s3:GetObject")) {
        b.edge(node(), workloadNode(b, w), `reads ${patterns}`);
      } else if (
        grant.actions.some((a) =>
          /^(dynamodb:(Put|Update)Item|events:PutEvents|sns:Publish)$/.test(a),
        )
      ) {
        b.edge(workloadNode(b, w), node(), grant.actions.join(", "));
      }
    }
  }
}

/** The raw bucket's notifications: uploads → bucket → queue, one edge per (bucket, queue). */
function addNotifications(b: FlowBuilder, run: ProgramRun, uploads: Uploads): void {
  for (const n of ofType(run, TYPES.notification)) {
    const bucket = resolve(run, `arn:aws:s3:::${String(n.inputs.bucket)}`);
    if (!bucket) continue;
    for (const q of (n.inputs.queues ?? []) as any[]) {
      const queue = resolve(run, q.queueArn);
      if (!queue) continue;
      const filter = `${q.filterPrefix ?? ""}*${q.filterSuffix ?? ""}`;
      const prefix = String(q.filterPrefix ?? "");
      const path = `Uploads under ${prefix} → ${displayName(queue)}`;
      b.seed(path, uploads(prefix), storeNode(b, run, bucket), `PUT ${filter}`);
      b.seed(
        path,
        storeNode(b, run, bucket),
        storeNode(b, run, queue),
        `${(q.events as string[]).join(", ")} ${filter}`,
      );
    }
  }
}

/** The KEDA scalers: queue depth → scaler → the jobs it starts or the Deployment it scales. */
function addScalers(b: FlowBuilder, run: ProgramRun, workloads: readonly Workload[]): void {
  const scalers = [...ofType(run, TYPES.scaledJob), ...ofType(run, TYPES.scaledObject)];
  for (const s of scalers) {
    const spec = s.inputs.spec ?? {};
    const isJob = s.type === TYPES.scaledJob;
    const lines = [
      `KEDA ${isJob ? "ScaledJob" : "ScaledObject"} ${String(s.inputs.metadata?.name)}`,
      `pollingInterval ${spec.pollingInterval} s` +
        (isJob ? "" : ` · cooldownPeriod ${spec.cooldownPeriod} s`),
      isJob
        ? `maxReplicaCount ${spec.maxReplicaCount} jobs · ${spec.scalingStrategy?.strategy ?? "default"} strategy`
        : `replicas ${spec.minReplicaCount ?? 0}–${spec.maxReplicaCount}`,
    ];
    const scaler = b.resource(s, "scaler", lines);
    for (const t of (spec.triggers ?? []) as any[]) {
      const queue = resolve(run, t.metadata?.queueURL);
      if (!queue) continue;
      const counted = t.metadata.scaleOnInFlight === "true" ? "visible + in flight" : "visible";
      b.edge(
        storeNode(b, run, queue),
        scaler,
        `${t.name}: queueLength ${t.metadata.queueLength} (${counted})`,
        "dotted",
      );
    }
    const target = isJob
      ? workloads.find((w) => w.resource === s)
      : workloads.find((w) => w.kind === "Deployment" && w.name === spec.scaleTargetRef?.name);
    if (target)
      b.edge(scaler, workloadNode(b, target), isJob ? "starts jobs" : "scales replicas", "dotted");
  }
}

/** The data-flow flowchart of a program run (every path in one chart). */
export function dataFlow(run: ProgramRun): Flowchart {
  return dataFlowModel(run).chart;
}

/** The data-flow flowchart of a program run and the paths it holds (titles and first edges). */
export function dataFlowModel(run: ProgramRun): {
  chart: Flowchart;
  paths: { title: string; seeds: FlowEdge[] }[];
} {
  const b = new FlowBuilder(run, "LR");
  const uploads: Uploads = (prefix) =>
    b.add(`uploads ${prefix}`, "actor", [`uploads to ${prefix}`]);
  // Every bucket and queue appears, whether or not an edge below reaches it.
  for (const r of [...ofType(run, TYPES.bucket), ...ofType(run, TYPES.queue)]) storeNode(b, run, r);
  addNotifications(b, run, uploads);
  for (const q of ofType(run, TYPES.queue)) {
    const redrive = redriveOf(run, q);
    if (redrive) {
      b.edge(
        storeNode(b, run, q),
        storeNode(b, run, redrive.dlq),
        `after ${redrive.maxReceiveCount} receives`,
        "dotted",
      );
    }
  }
  const workloads = workloadsOf(run);
  addScalers(b, run, workloads);
  const roles = podIdentityRoles(run);
  for (const w of workloads) {
    const role = roles.get(`${w.namespace}/${w.serviceAccount}`);
    if (role) addGrants(b, run, w, role);
  }
  addWorkflow(b, run, workloads, uploads);
  return { chart: b.build(), paths: b.paths() };
}
