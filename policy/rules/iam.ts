/**
 * IAM rules: identity policies name exact actions, use `Resource: "*"` only for actions that have no
 * resource-level permissions, no broad AWS-managed policies, and roles trust only named services.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { type Props, asList, forTypes, parseDocument, type Statement } from "../support";

export const ROLE_TYPE = "aws:iam/role:Role";
/** Resources whose `policy` property is an identity policy document. */
export const IDENTITY_POLICY_TYPES = [
  "aws:iam/rolePolicy:RolePolicy",
  "aws:iam/policy:Policy",
  "aws:iam/userPolicy:UserPolicy",
  "aws:iam/groupPolicy:GroupPolicy",
] as const;
/** Resources that attach managed policies, and the property holding the ARN(s). */
export const ATTACHMENT_PROPERTIES: Readonly<Record<string, string>> = {
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "policyArn",
  "aws:iam/policyAttachment:PolicyAttachment": "policyArn",
  "aws:iam/userPolicyAttachment:UserPolicyAttachment": "policyArn",
  "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": "policyArn",
  "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": "policyArns",
  "aws:iam/role:Role": "managedPolicyArns",
};

/**
 * Actions that accept no resource ARN (AWS Service Authorization Reference: no resource types), so
 * an identity policy may only grant them on `Resource: "*"`, and that this platform needs. The one
 * allow-list of the pack and of the program's tests; extend it with a reason when a component
 * needs another.
 */
export const STAR_RESOURCE_ACTIONS: readonly string[] = [
  // EC2 describe calls (CloudWatch agent, Karpenter discovery).
  "ec2:DescribeCapacityReservations",
  "ec2:DescribeImages",
  "ec2:DescribeInstances",
  "ec2:DescribeInstanceStatus",
  "ec2:DescribeInstanceTypeOfferings",
  "ec2:DescribeInstanceTypes",
  "ec2:DescribeLaunchTemplates",
  "ec2:DescribePlacementGroups",
  "ec2:DescribeSecurityGroups",
  "ec2:DescribeSpotPriceHistory",
  "ec2:DescribeSubnets",
  "ec2:DescribeTags",
  "ec2:DescribeVolumes",
  // Metrics are not resources (CloudWatch agent; scoped by a cloudwatch:namespace condition).
  "cloudwatch:PutMetricData",
  // Karpenter: price list and instance-profile listing have no resource types.
  "pricing:GetProducts",
  "iam:ListInstanceProfiles",
  // Registry login is account-wide.
  "ecr:GetAuthorizationToken",
];

/** Service principals a role may trust. Pod Identity first; the rest are AWS services by name. */
export const TRUSTED_SERVICES: readonly string[] = [
  "pods.eks.amazonaws.com",
  "eks.amazonaws.com",
  "ec2.amazonaws.com",
  "states.amazonaws.com",
  "events.amazonaws.com",
  "scheduler.amazonaws.com",
];

/** Actions a trust policy may allow. */
export const TRUST_ACTIONS: readonly string[] = ["sts:AssumeRole", "sts:TagSession"];

/** Every identity policy document of a resource (a role's inline policies included). */
function identityDocuments(type: string, props: Props): unknown[] {
  if (type === ROLE_TYPE) {
    return asList(props.inlinePolicies as { policy?: unknown }[])
      .map((p) => p?.policy)
      .filter((p) => p !== undefined && p !== "");
  }
  return props.policy === undefined ? [] : [props.policy];
}

function allowStatements(type: string, props: Props): Statement[] {
  return identityDocuments(type, props)
    .flatMap((d) => parseDocument(d))
    .filter((s) => s.effect === "Allow");
}

/** Allow statements that use a wildcard or `NotAction`. */
export function wildcardActionProblems(props: Props, type: string): string[] {
  const problems: string[] = [];
  for (const s of allowStatements(type, props)) {
    const wild = s.actions.filter((a) => /[*?]/.test(a));
    if (wild.length) problems.push(`statement ${s.sid} allows wildcard actions ${wild.join(", ")}`);
    if (s.notActions.length) problems.push(`statement ${s.sid} uses NotAction in an Allow`);
  }
  return problems;
}

/** Allow statements on `Resource: "*"` (or `NotResource`) with actions outside the allow-list. */
export function starResourceProblems(props: Props, type: string): string[] {
  const problems: string[] = [];
  for (const s of allowStatements(type, props)) {
    if (s.notResources.length) problems.push(`statement ${s.sid} uses NotResource in an Allow`);
    if (!s.resources.includes("*")) continue;
    const outside = s.actions.filter((a) => !STAR_RESOURCE_ACTIONS.includes(a));
    if (outside.length) {
      problems.push(
        `statement ${s.sid} allows ${outside.join(", ")} on Resource "*"; name the resources`,
      );
    }
  }
  return problems;
}

/** Whether a managed policy ARN grants a whole service or account (…FullAccess, admin). */
export function isBroadManagedPolicy(arn: string): boolean {
  const name = arn.split("/").pop() ?? arn;
  return /FullAccess/i.test(name) || ["AdministratorAccess", "PowerUserAccess"].includes(name);
}

/** Managed policies that grant a whole service or account. */
export function managedPolicyProblems(props: Props, type: string): string[] {
  const property = ATTACHMENT_PROPERTIES[type];
  if (!property) return [];
  return asList(props[property] as string)
    .filter((arn) => typeof arn === "string" && isBroadManagedPolicy(arn))
    .map((arn) => `attaches ${arn}; write a least-privilege policy instead`);
}

/** Trust statements that let anything but a named AWS service assume the role. */
export function trustProblems(props: Props): string[] {
  const problems: string[] = [];
  const statements = parseDocument(props.assumeRolePolicy).filter((s) => s.effect === "Allow");
  if (statements.length === 0) problems.push("trust policy allows no one");
  for (const s of statements) {
    const kinds = Object.keys(s.principals);
    if (s.hasNotPrincipal) problems.push(`statement ${s.sid} uses NotPrincipal`);
    for (const kind of kinds.filter((k) => k !== "Service")) {
      problems.push(
        `statement ${s.sid} trusts ${kind} principal(s) ${s.principals[kind]?.join(", ")}; trust pods.eks.amazonaws.com (Pod Identity) or a named AWS service`,
      );
    }
    const services = s.principals.Service ?? [];
    if (kinds.length === 0) problems.push(`statement ${s.sid} names no principal`);
    for (const service of services.filter((v) => !TRUSTED_SERVICES.includes(v))) {
      problems.push(`statement ${s.sid} trusts service ${service}, which is not on the allow-list`);
    }
    const actions = s.actions.filter((a) => !TRUST_ACTIONS.includes(a));
    if (actions.length || s.notActions.length || s.actions.length === 0) {
      problems.push(
        `statement ${s.sid} must allow only ${TRUST_ACTIONS.join(", ")} (got ${[...s.actions, ...s.notActions].join(", ") || "none"})`,
      );
    }
  }
  return problems;
}

export const iamPolicies: ResourceValidationPolicy[] = [
  {
    name: "iam-no-wildcard-actions",
    description:
      "IAM identity policies allow exact actions only (no `*`, no `service:*`, no NotAction).",
    enforcementLevel: "mandatory",
    validateResource: forTypes([ROLE_TYPE, ...IDENTITY_POLICY_TYPES], (props, args) =>
      wildcardActionProblems(props, args.type),
    ),
  },
  {
    name: "iam-star-resource-allow-list",
    description:
      'IAM identity policies use Resource "*" only for actions without resource-level permissions.',
    enforcementLevel: "mandatory",
    validateResource: forTypes([ROLE_TYPE, ...IDENTITY_POLICY_TYPES], (props, args) =>
      starResourceProblems(props, args.type),
    ),
  },
  {
    name: "iam-no-full-access-managed-policies",
    description:
      "No role attaches an AWS-managed *FullAccess, AdministratorAccess or PowerUserAccess policy.",
    enforcementLevel: "mandatory",
    validateResource: forTypes(Object.keys(ATTACHMENT_PROPERTIES), (props, args) =>
      managedPolicyProblems(props, args.type),
    ),
  },
  {
    name: "iam-trust-named-services",
    description:
      "Roles trust only pods.eks.amazonaws.com (EKS Pod Identity) or named AWS service principals, for sts:AssumeRole/TagSession.",
    enforcementLevel: "mandatory",
    validateResource: forTypes([ROLE_TYPE], trustProblems),
  },
];
