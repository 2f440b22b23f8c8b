/**
 * AWS clients for every command, built the same way: region and endpoint from the environment, and,
 * when `AWS_ENDPOINT_URL` points at an emulator, path-style S3 and an SQS client that keeps sending to
 * that endpoint instead of the host named in the queue URL.
 */
import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { SQSClient, type SQSClientConfig } from "@aws-sdk/client-sqs";

/** Where the clients connect. */
export interface AwsSettings {
  /** `AWS_REGION`; the SDK's own resolution applies when unset. */
  readonly region?: string;
  /** `AWS_ENDPOINT_URL`: one endpoint for every service (an emulator such as fauxqs). */
  readonly endpoint?: string;
  /** Attempts per request, including the first (SDK standard retry: backoff with jitter). */
  readonly maxAttempts?: number;
}

/** Reads {@link AwsSettings} from the environment variables the SDK documents. */
export function awsSettingsFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): AwsSettings {
  return {
    region: env.AWS_REGION || undefined,
    endpoint: env.AWS_ENDPOINT_URL || undefined,
  };
}

/** The S3 client configuration for `settings` (pure, so tests can assert it). */
export function s3ClientConfig(settings: AwsSettings): S3ClientConfig {
  const config: S3ClientConfig = { maxAttempts: settings.maxAttempts ?? 5 };
  if (settings.region) config.region = settings.region;
  if (settings.endpoint) {
    config.endpoint = settings.endpoint;
    // Emulators serve buckets on paths, not on virtual hosts such as bucket.127.0.0.1.
    config.forcePathStyle = true;
  }
  return config;
}

/** The SQS client configuration for `settings` (pure, so tests can assert it). */
export function sqsClientConfig(settings: AwsSettings): SQSClientConfig {
  const config: SQSClientConfig = { maxAttempts: settings.maxAttempts ?? 5 };
  if (settings.region) config.region = settings.region;
  if (settings.endpoint) {
    config.endpoint = settings.endpoint;
    // By default the SDK sends to the host of the queue URL; with an emulator that host may be a
    // name only the emulator knows, so keep the configured endpoint.
    config.useQueueUrlAsEndpoint = false;
  }
  return config;
}

/** A new S3 client for `settings` (defaults: the process environment). */
export function createS3Client(settings: AwsSettings = awsSettingsFromEnv()): S3Client {
  return new S3Client(s3ClientConfig(settings));
}

/** A new SQS client for `settings` (defaults: the process environment). */
export function createSqsClient(settings: AwsSettings = awsSettingsFromEnv()): SQSClient {
  return new SQSClient(sqsClientConfig(settings));
}
