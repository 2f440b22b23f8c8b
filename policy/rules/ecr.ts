/** ECR rules: images are scanned on push and tags cannot be overwritten. */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { type Props, forTypes } from "../support";

export const REPOSITORY_TYPE = "aws:ecr/repository:Repository";

/** The repository scans every pushed image. */
export function scanOnPushProblems(props: Props): string[] {
  return props.imageScanningConfiguration?.scanOnPush === true
    ? []
    : ["imageScanningConfiguration.scanOnPush must be true"];
}

/** Tags are immutable, so a tag always names the image that was reviewed. */
export function immutableTagProblems(props: Props): string[] {
  return props.imageTagMutability === "IMMUTABLE"
    ? []
    : [
        `imageTagMutability must be IMMUTABLE (got ${String(props.imageTagMutability ?? "MUTABLE")})`,
      ];
}

export const ecrPolicies: ResourceValidationPolicy[] = [
  {
    name: "ecr-scan-on-push",
    description: "ECR repositories scan images on push.",
    enforcementLevel: "mandatory",
    validateResource: forTypes([REPOSITORY_TYPE], scanOnPushProblems),
  },
  {
    name: "ecr-immutable-tags",
    description: "ECR repositories have immutable tags.",
    enforcementLevel: "mandatory",
    validateResource: forTypes([REPOSITORY_TYPE], immutableTagProblems),
  },
];
