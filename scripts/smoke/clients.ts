/**
 * The smoke test's AWS clients: the SDK's default credential chain and the stack's region, with
 * the endpoints the environment configures — `AWS_ENDPOINT_URL` for every service, and a
 * service-specific `AWS_ENDPOINT_URL_<SERVICE>` over it (local mode serves DynamoDB on its own
 * port), unless `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is true, as the SDKs document:
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html
 * The environment is passed in (not read from `process.env`), so one resolution decides for every
 * client.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SNSClient } from "@aws-sdk/client-sns";
import { createS3Client, createSqsClient } from "../../processor/src/aws";

/** The services the smoke calls, by their identifier in `AWS_ENDPOINT_URL_<SERVICE>`. */
export type SmokeService = "S3" | "SQS" | "SNS" | "DYNAMODB";

/** The endpoint `env` configures for `service`, or undefined for AWS's own. Pure. */
export function endpointFor(
  env: Readonly<Record<string, string | undefined>>,
  service: SmokeService,
): string | undefined {
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() === "true") return undefined;
  return env[`AWS_ENDPOINT_URL_${service}`] || env.AWS_ENDPOINT_URL || undefined;
}

/** Every client a run uses. */
export interface SmokeClients {
  readonly s3: ReturnType<typeof createS3Client>;
  readonly sqs: ReturnType<typeof createSqsClient>;
  readonly sns: SNSClient;
  readonly dynamo: DynamoDBClient;
  destroy(): void;
}

/** The clients for `region` and the endpoints of `env`. */
export function smokeClients(
  region: string,
  env: Readonly<Record<string, string | undefined>>,
): SmokeClients {
  const s3 = createS3Client({ region, endpoint: endpointFor(env, "S3") });
  const sqs = createSqsClient({ region, endpoint: endpointFor(env, "SQS") });
  const sns = new SNSClient({ region, endpoint: endpointFor(env, "SNS") });
  const dynamo = new DynamoDBClient({ region, endpoint: endpointFor(env, "DYNAMODB") });
  return {
    s3,
    sqs,
    sns,
    dynamo,
    destroy() {
      for (const c of [s3, sqs, sns, dynamo]) c.destroy();
    },
  };
}
