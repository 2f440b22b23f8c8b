/**
 * AWS clients for every command, built the same way: region and endpoint from the environment, and,
 * when `AWS_ENDPOINT_URL` points at an emulator, path-style S3 and an SQS client that keeps sending to
 * that endpoint instead of the host named in the queue URL. Every client has request timeouts: the
 * SDK's defaults are none for S3 and a 900 s idle socket for SQS, so a connection whose answer never
 * comes (a dropped return path) would hang until the Job's deadline.
 */
import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { SQSClient, type SQSClientConfig } from "@aws-sdk/client-sqs";

/**
 * Timeouts of one client's requests, ms, as @smithy/node-http-handler's NodeHttpHandler options
 * (@smithy/types `NodeHttpHandlerOptions`, 4.x): `connectionTimeout` bounds the TCP/TLS connect,
 * `requestTimeout` the time until the response's headers (it throws only with
 * `throwOnRequestTimeout`, otherwise it merely logs a warning), `socketTimeout` any pause of the
 * socket, which also bounds a response body that stops halfway.
 */
export interface ClientTimeouts {
  readonly connectionMs: number;
  readonly requestMs: number;
  readonly socketIdleMs: number;
}

/**
 * S3: a minute per request — an 8 MiB part (preprocess/transfer.ts) or a consumer batch at 140 KB/s,
 * and far longer than S3 takes to start answering a GetObject.
 */
export const S3_TIMEOUTS: ClientTimeouts = {
  connectionMs: 10_000,
  requestMs: 60_000,
  socketIdleMs: 60_000,
};

/** SQS's longest long poll (ReceiveMessage `WaitTimeSeconds`: 0 to 20). */
export const SQS_MAX_WAIT_SECONDS = 20;

/** What a long poll may take beyond its wait before it counts as hung. */
export const SQS_TIMEOUT_MARGIN_SECONDS = 10;

/** SQS: the longest long poll plus a margin; every other SQS call answers in milliseconds. */
export const SQS_TIMEOUTS: ClientTimeouts = {
  connectionMs: 10_000,
  requestMs: (SQS_MAX_WAIT_SECONDS + SQS_TIMEOUT_MARGIN_SECONDS) * 1000,
  socketIdleMs: (SQS_MAX_WAIT_SECONDS + SQS_TIMEOUT_MARGIN_SECONDS) * 1000,
};

/** The NodeHttpHandler options for `timeouts` (a plain object: the client builds the handler). */
export function requestHandlerOptions(timeouts: ClientTimeouts) {
  return {
    connectionTimeout: timeouts.connectionMs,
    requestTimeout: timeouts.requestMs,
    throwOnRequestTimeout: true,
    socketTimeout: timeouts.socketIdleMs,
  };
}

/** Where the clients connect. */
export interface AwsSettings {
  /** `AWS_REGION`; the SDK's own resolution applies when unset. */
  readonly region?: string;
  /** `AWS_ENDPOINT_URL`: one endpoint for every service (an emulator such as fauxqs). */
  readonly endpoint?: string;
  /** Attempts per request, including the first (SDK standard retry: backoff with jitter). */
  readonly maxAttempts?: number;
  /** Other timeouts than {@link S3_TIMEOUTS} (tests of a stalled server). */
  readonly s3Timeouts?: ClientTimeouts;
  /** Other timeouts than {@link SQS_TIMEOUTS}. */
  readonly sqsTimeouts?: ClientTimeouts;
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
  const config: S3ClientConfig = {
    maxAttempts: settings.maxAttempts ?? 5,
    requestHandler: requestHandlerOptions(settings.s3Timeouts ?? S3_TIMEOUTS),
  };
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
  const config: SQSClientConfig = {
    maxAttempts: settings.maxAttempts ?? 5,
    requestHandler: requestHandlerOptions(settings.sqsTimeouts ?? SQS_TIMEOUTS),
  };
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
