/**
 * Finds every IAM policy document a program run declares (trust, identity, resource and key
 * policies), so rules can be checked across all components, present and future.
 */
import type { ProgramRun, RecordedResource } from "../../harness/program";

/** One statement as written (keys may be absent). */
export interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: unknown;
  NotPrincipal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

/** Where a document is attached. */
export type PolicyKind = "trust" | "identity" | "resource" | "key";

/** A document found on a resource. */
export interface FoundPolicy {
  readonly kind: PolicyKind;
  readonly resource: RecordedResource;
  readonly statements: Statement[];
}

/** Resource types whose `policy` input is a resource policy. */
const RESOURCE_POLICY_TYPES = new Set([
  "aws:s3/bucketPolicy:BucketPolicy",
  "aws:sqs/queuePolicy:QueuePolicy",
  "aws:sns/topicPolicy:TopicPolicy",
  "aws:ecr/repositoryPolicy:RepositoryPolicy",
  "aws:cloudwatch/eventBusPolicy:EventBusPolicy",
  "aws:sqs/queue:Queue",
  "aws:sns/topic:Topic",
]);

/** Resource types whose `policy` input is an identity policy. */
const IDENTITY_POLICY_TYPES = new Set([
  "aws:iam/rolePolicy:RolePolicy",
  "aws:iam/policy:Policy",
  "aws:iam/userPolicy:UserPolicy",
  "aws:iam/groupPolicy:GroupPolicy",
]);

function parse(document: unknown): Statement[] {
  const doc = (typeof document === "string" ? JSON.parse(document) : document) as {
    Statement?: Statement | Statement[];
  };
  return [doc.Statement ?? []].flat();
}

/** Every policy document of the run. */
export function policiesOf(run: ProgramRun): FoundPolicy[] {
  const found: FoundPolicy[] = [];
  for (const r of run.resources) {
    const add = (kind: PolicyKind, document: unknown) => {
      if (document !== undefined && document !== "") {
        found.push({ kind, resource: r, statements: parse(document) });
      }
    };
    if (r.type === "aws:iam/role:Role") {
      add("trust", r.inputs.assumeRolePolicy);
      for (const inline of (r.inputs.inlinePolicies ?? []) as { policy?: unknown }[]) {
        add("identity", inline.policy);
      }
    } else if (IDENTITY_POLICY_TYPES.has(r.type)) {
      add("identity", r.inputs.policy);
    } else if (RESOURCE_POLICY_TYPES.has(r.type)) {
      add("resource", r.inputs.policy);
    } else if (r.type === "aws:kms/key:Key") {
      add("key", r.inputs.policy);
    }
  }
  return found;
}

/** The values of a string-or-list field. */
export function list(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : [value].flat();
}

/** `action -> sorted resources` granted by the Allow statements of some documents. */
export function grantsOf(policies: readonly FoundPolicy[]): Record<string, string[]> {
  const grants: Record<string, string[]> = {};
  for (const s of policies.flatMap((p) => p.statements).filter((st) => st.Effect === "Allow")) {
    for (const action of list(s.Action)) {
      grants[action] = [...(grants[action] ?? []), ...list(s.Resource)].sort();
    }
  }
  return grants;
}
