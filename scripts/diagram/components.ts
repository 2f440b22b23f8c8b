/**
 * The component tree (each top-level component and the resources it owns, counted by type, with
 * the supporting resources that only configure another one folded into one line) and the
 * identity bindings (IAM role → EKS Pod Identity association → service account → workloads).
 */
import type { ProgramRun, RecordedResource } from "../../harness/query";
import { FlowBuilder } from "./builder";
import { componentOf, components, componentTitle, ofType, resolve, TYPES } from "./graph";
import { nodeId, type Flowchart } from "./mermaid";
import { workloadNode } from "./nodes";
import { serviceAccountResource, workloadsOf } from "./workloads";

/** Types that only configure another resource (its policy, encryption, attachment, route). */
const SUPPORTING = new Set([
  "BucketOwnershipControls",
  "BucketPublicAccessBlock",
  "BucketVersioning",
  "BucketLifecycleConfiguration",
  "BucketPolicy",
  "BucketServerSideEncryptionConfiguration",
  "BucketMetric",
  "QueuePolicy",
  "RedriveAllowPolicy",
  "RolePolicy",
  "RolePolicyAttachment",
  "RouteTable",
  "RouteTableAssociation",
  "Eip",
  "InternetGateway",
  "DefaultSecurityGroup",
  "Tag",
  "TopicPolicy",
  "TopicSubscription",
  "EventTarget",
  "LifecyclePolicy",
  "Alias",
  "kubernetes",
]);

/** Names shown per type before the rest is counted. */
const NAMES_SHOWN = 6;

function kindOf(r: RecordedResource): string {
  return r.type.split(":").pop() ?? r.type;
}

/** Every resource under `component` (children, their children, …). */
function descendants(run: ProgramRun, component: RecordedResource): RecordedResource[] {
  return run.resources.filter((r) => r !== component && componentOf(run, r) === component);
}

/** A logical name without its component's prefix (`storage-raw` → `raw`). */
function shortName(component: RecordedResource, r: RecordedResource): string {
  const prefix = `${component.name}-`;
  return r.name.startsWith(prefix) ? r.name.slice(prefix.length) : r.name;
}

/** The lines of one type node: `Bucket ×3` and the names, wrapped three to a line. */
function typeLines(kind: string, names: readonly string[]): string[] {
  const shown = names.slice(0, NAMES_SHOWN);
  const rest = names.length - shown.length;
  const lines = [names.length > 1 ? `${kind} ×${names.length}` : kind];
  for (let i = 0; i < shown.length; i += 3) lines.push(shown.slice(i, i + 3).join(", "));
  if (rest > 0) lines.push(`+${rest} more`);
  return lines;
}

/** The component tree of a program run. */
export function componentTree(run: ProgramRun): Flowchart {
  const b = new FlowBuilder(run, "LR");
  const stack = b.add("stack", "actor", [`stack ${run.stack}`]);
  for (const component of components(run)) {
    const owned = descendants(run, component);
    const byKind = new Map<string, string[]>();
    let supporting = 0;
    for (const r of owned) {
      if (SUPPORTING.has(kindOf(r))) supporting += 1;
      else byKind.set(kindOf(r), [...(byKind.get(kindOf(r)) ?? []), shortName(component, r)]);
    }
    const ids = [...byKind].map(([kind, names]) =>
      b.add(`${component.name} ${kind}`, "box", typeLines(kind, names), component),
    );
    if (supporting > 0) {
      const text = `+${supporting} supporting (policies, attachments, routes)`;
      ids.push(b.add(`${component.name} supporting`, "box", [text], component));
    }
    // A hidden chain lays each component's nodes out in one row.
    ids.slice(1).forEach((id, i) => b.edge(ids[i] as string, id, undefined, "hidden"));
    b.edge(stack, nodeId(`group ${component.name}`));
  }
  const chart = b.build();
  return {
    ...chart,
    groups: chart.groups.map((g) => {
      const component = components(run).find((c) => nodeId(`group ${c.name}`) === g.id);
      return component ? { ...g, title: `${componentTitle(component)} · ${component.name}` } : g;
    }),
  };
}

/** EKS add-ons' own Pod Identity associations: role → association → the add-on's service account. */
function addAddonBindings(b: FlowBuilder, run: ProgramRun): void {
  for (const addon of ofType(run, TYPES.addon)) {
    const associations = (addon.inputs.podIdentityAssociations ?? []) as {
      roleArn: string;
      serviceAccount: string;
    }[];
    const name = String(addon.inputs.addonName);
    for (const association of associations) {
      const role = resolve(run, association.roleArn);
      if (!role) continue;
      const sa = association.serviceAccount;
      const roleNode = b.resource(role, "box", ["IAM role", role.name]);
      const link = b.resource(addon, "rule", ["Pod Identity association", `of add-on ${name}`], sa);
      const account = b.resource(addon, "actor", ["ServiceAccount (add-on)", sa], `sa ${sa}`);
      const version = String(addon.inputs.addonVersion ?? "");
      const workload = b.resource(addon, "box", ["EKS add-on", name, version]);
      b.edge(roleNode, link);
      b.edge(link, account);
      b.edge(account, workload, "runs as");
    }
  }
}

/** The identity bindings of a program run: role → Pod Identity association → SA → workloads. */
export function identityBindings(run: ProgramRun): Flowchart {
  const b = new FlowBuilder(run, "LR");
  const workloads = workloadsOf(run);
  for (const association of ofType(run, TYPES.podIdentity)) {
    const namespace = association.inputs.namespace as string;
    const name = association.inputs.serviceAccount as string;
    const role = resolve(run, association.inputs.roleArn as string);
    if (!role) continue;
    const roleNode = b.resource(role, "box", ["IAM role", role.name]);
    const link = b.resource(association, "rule", [
      "Pod Identity association",
      `${namespace}/${name}`,
    ]);
    const declared = serviceAccountResource(run, namespace, name);
    const users = workloads.filter((w) => w.namespace === namespace && w.serviceAccount === name);
    const sa = declared
      ? b.resource(declared, "actor", ["ServiceAccount", `${namespace}/${name}`])
      : b.add(
          `sa ${namespace}/${name}`,
          "actor",
          ["ServiceAccount (chart)", `${namespace}/${name}`],
          users[0]?.resource ?? association,
        );
    b.edge(roleNode, link);
    b.edge(link, sa);
    for (const w of users) b.edge(sa, workloadNode(b, w), "runs as");
  }
  addAddonBindings(b, run);
  return b.build();
}
