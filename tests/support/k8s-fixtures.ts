/** Plain inputs for the Kubernetes spec builders in tests (what the program resolves its outputs to). */
import type { WorkloadInputs } from "../../k8s/specs";
import { parseSettings, type Settings } from "../../config";

export const REGION = "eu-west-1";
export const ACCOUNT = "123456789012";
export const DIGEST = `sha256:${"ab12".repeat(16)}`;

/** Inputs as the program would resolve them for `<project>-<stack>`. */
export function inputsFor(stack = "dev", overrides: Partial<WorkloadInputs> = {}): WorkloadInputs {
  const base = `event-pipeline-${stack}`;
  return {
    image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${base}-processor@${DIGEST}`,
    region: REGION,
    preprocessQueueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${base}-preprocess`,
    eventsQueueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${base}-events`,
    processedBucketName: `${base}-processed-0a1b2c3d`,
    eventsBucketName: `${base}-events-4e5f6a7b`,
    ...overrides,
  };
}

/** Settings with defaults, plus overrides of whole sections. */
export function settingsWith(raw: Record<string, unknown> = {}): Settings {
  return parseSettings({ region: REGION, ...raw });
}
