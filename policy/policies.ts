/**
 * The policies of the `pipeline-guardrails` pack, all mandatory. Only `policy/index.ts` wraps them in
 * a `PolicyPack` (constructing one starts the analyzer server); tests and `policy/run.ts` use this list.
 */
import type { Policies } from "@pulumi/policy";
import { ecrPolicies } from "./rules/ecr";
import { eksPolicies } from "./rules/eks";
import { iamPolicies } from "./rules/iam";
import { kubernetesPolicies } from "./rules/kubernetes";
import { s3Policies } from "./rules/s3";
import { sqsPolicies } from "./rules/sqs";

/** The pack's name, as `pulumi preview --policy-pack` reports it. */
export const POLICY_PACK_NAME = "pipeline-guardrails";

export const policies: Policies = [
  ...s3Policies,
  ...sqsPolicies,
  ...iamPolicies,
  ...eksPolicies,
  ...ecrPolicies,
  ...kubernetesPolicies,
];
