/** SQS rules: queues are encrypted, and every queue either has a dead-letter queue or is one. */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import {
  type Props,
  forStack,
  forTypes,
  label,
  readKnown,
  refersTo,
  identifiersOf,
  type StackResource,
  type Violation,
} from "../support";

export const QUEUE_TYPE = "aws:sqs/queue:Queue";
export const REDRIVE_POLICY_TYPE = "aws:sqs/redrivePolicy:RedrivePolicy";
/**
 * Other resources that send what they fail to deliver to a queue, and the property naming it:
 * EventBridge targets and Lambda functions (`deadLetterConfig.arn`), SNS subscriptions
 * (`redrivePolicy`, JSON like an SQS redrive policy).
 */
export const DEAD_LETTER_SOURCES: Readonly<Record<string, string>> = {
  "aws:cloudwatch/eventTarget:EventTarget": "deadLetterConfig",
  "aws:lambda/function:Function": "deadLetterConfig",
  "aws:sns/topicSubscription:TopicSubscription": "redrivePolicy",
};

/** Why a queue is not encrypted at rest, if it is not. */
export function queueEncryptionProblems(props: Props): string[] {
  if (props.sqsManagedSseEnabled === true) return [];
  if (typeof props.kmsMasterKeyId === "string" && props.kmsMasterKeyId !== "") return [];
  return ["queue must be encrypted: set sqsManagedSseEnabled: true or a kmsMasterKeyId"];
}

/** A parsed redrive policy. */
interface Redrive {
  readonly deadLetterTargetArn?: unknown;
  readonly maxReceiveCount?: unknown;
}

function parseRedrive(value: unknown): Redrive | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  try {
    return (typeof value === "string" ? JSON.parse(value) : value) as Redrive;
  } catch {
    return undefined;
  }
}

/**
 * The queues of the stack that `holder`'s redrive policy (`property`) sends failed messages to:
 * by property dependency during a preview, otherwise by the ARN in the policy.
 */
function dlqTargets(
  holder: StackResource,
  property: string,
  queues: readonly StackResource[],
): StackResource[] {
  const deps = holder.propertyDependencies?.[property];
  if (deps && deps.length > 0) return queues.filter((q) => deps.some((d) => d.urn === q.urn));
  const value = readKnown(() => holder.props[property]) as { arn?: unknown } | undefined;
  const arn =
    property === "deadLetterConfig" ? value?.arn : parseRedrive(value)?.deadLetterTargetArn;
  return queues.filter((q) => typeof arn === "string" && identifiersOf(q).includes(arn));
}

/**
 * Every queue has a redrive policy to a dead-letter queue of the stack with a maxReceiveCount of at
 * least 1, or is itself the dead-letter queue of a queue, an EventBridge target, a Lambda function
 * or an SNS subscription.
 */
export function checkDeadLetterQueues(resources: readonly StackResource[]): Violation[] {
  const queues = resources.filter((r) => r.type === QUEUE_TYPE);
  const redrives = resources.filter((r) => r.type === REDRIVE_POLICY_TYPE);
  const deadLetterQueues = new Set<string>();
  const withRedrive = new Map<string, Redrive | undefined>();
  for (const q of queues) {
    const targets = dlqTargets(q, "redrivePolicy", queues);
    targets.forEach((t) => deadLetterQueues.add(t.urn));
    if (targets.length)
      withRedrive.set(q.urn, parseRedrive(readKnown(() => q.props.redrivePolicy)));
  }
  for (const r of redrives) {
    const targets = dlqTargets(r, "redrivePolicy", queues);
    targets.forEach((t) => deadLetterQueues.add(t.urn));
    for (const q of queues.filter((q) => refersTo(r, "queueUrl", q))) {
      if (targets.length)
        withRedrive.set(q.urn, parseRedrive(readKnown(() => r.props.redrivePolicy)));
    }
  }
  for (const source of resources) {
    const property = DEAD_LETTER_SOURCES[source.type];
    if (property) dlqTargets(source, property, queues).forEach((t) => deadLetterQueues.add(t.urn));
  }
  const violations: Violation[] = [];
  for (const q of queues) {
    if (withRedrive.has(q.urn)) {
      const count = withRedrive.get(q.urn)?.maxReceiveCount;
      if (count !== undefined && !(typeof count === "number" && count >= 1)) {
        violations.push({ urn: q.urn, message: `${label(q)}: maxReceiveCount must be at least 1` });
      }
    } else if (!deadLetterQueues.has(q.urn)) {
      violations.push({
        urn: q.urn,
        message: `${label(q)} has no redrive policy to a dead-letter queue of this stack`,
      });
    }
  }
  return violations;
}

export const sqsPolicies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
  {
    name: "sqs-encryption",
    description: "Every SQS queue is encrypted at rest (SSE-SQS or SSE-KMS).",
    enforcementLevel: "mandatory",
    validateResource: forTypes([QUEUE_TYPE], queueEncryptionProblems),
  },
  {
    name: "sqs-dead-letter-queue",
    description:
      "Every SQS queue has a redrive policy to a dead-letter queue of the stack, or is a dead-letter queue.",
    enforcementLevel: "mandatory",
    validateStack: forStack([QUEUE_TYPE], checkDeadLetterQueues),
  },
];
