/**
 * The AWS calls Step Functions makes on the state machine's behalf, derived from what an execution
 * really asked for: each Task's Resource (the integration) and the request the interpreter
 * resolved from the definition's Parameters, as the local handlers (proof/stepfunctions,
 * local/workflow) receive it. Step Functions signs those calls with the state machine's role, so
 * these are the requests IAM decides for it. Pure, apart from {@link recordingHandler}'s sink.
 *
 * Sources, per integration:
 * - `eks:runJob.sync`: `eks:DescribeCluster` on the cluster (to reach its API server); the Job is
 *   then created and polled through the Kubernetes API, which the cluster's access entry and RBAC
 *   authorize, not IAM (https://docs.aws.amazon.com/step-functions/latest/dg/eks-iam.html, "RunJob";
 *   https://docs.aws.amazon.com/step-functions/latest/dg/connect-eks.html, "Permissions").
 * - `aws-sdk:<service>:<api>`: the API's own IAM action, with the caller's permissions
 *   (https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html): S3's as
 *   the wire recording maps them (./iam-requests.ts), CopyObject of a named version needing
 *   `s3:GetObjectVersion` (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html),
 *   and a GetObject answered NoSuchKey having needed `s3:ListBucket` (S3 answers 403 without it:
 *   https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html, "Permissions").
 * - `dynamodb:updateItem`: `dynamodb:UpdateItem` on the table
 *   (https://docs.aws.amazon.com/step-functions/latest/dg/dynamo-iam.html).
 * - `events:putEvents`: `events:PutEvents` on each entry's bus
 *   (https://docs.aws.amazon.com/step-functions/latest/dg/eventbridge-iam.html).
 */
import { integrationOf } from "../../harness/stepfunctions";
import { iamRequestsOf, normaliseKey, type NameTokens, type RecordedRequest } from "./iam-requests";

/* eslint-disable @typescript-eslint/no-explicit-any -- integration requests are untyped JSON */

/** One integration call of an execution: the Task's Resource, its request, how it ended. */
export interface IntegrationCall {
  readonly resource: string;
  readonly request: any;
  /** The task error's name when the call failed (`S3.NoSuchKeyException`). */
  readonly error?: string;
}

/** The names the state machine's requests use → template tokens, beside the buckets'. */
export interface IntegrationTokens extends NameTokens {
  /** Table name → token (`table`). */
  readonly tables: Readonly<Record<string, string>>;
  /** Event bus name → token (`bus`). */
  readonly buses: Readonly<Record<string, string>>;
  /** EKS cluster name → token (`cluster`). */
  readonly clusters: Readonly<Record<string, string>>;
}

/** The label the state machine's calls are recorded and decided under (proof/iam/calls.ts). */
export const STATE_MACHINE_WORKLOAD = "state machine";

/** Integrations that are no AWS call (the interpreter's JSONata stand-in). */
const NOT_A_CALL: ReadonlySet<string> = new Set(["proof:jsonata-pass"]);

function token(map: Readonly<Record<string, string>>, name: unknown, kind: string): string {
  const t = typeof name === "string" ? map[name] : undefined;
  return t ? `{${t}}` : `unknown-${kind}:${String(name)}`;
}

/** `bucket/<url-encoded key>[?versionId=…]` → its parts. */
function copySourceOf(source: string): { bucket: string; key: string; versioned: boolean } {
  const [path = "", query = ""] = source.replace(/^\//, "").split("?");
  const slash = path.indexOf("/");
  return {
    bucket: path.slice(0, slash),
    key: decodeURIComponent(path.slice(slash + 1)),
    versioned: /(^|&)versionId=/.test(query),
  };
}

/** The IAM requests of one integration call; an integration without a mapping throws. */
export function integrationRequests(
  call: IntegrationCall,
  names: IntegrationTokens,
): RecordedRequest[] {
  const integration = integrationOf(call.resource);
  const r = call.request ?? {};
  if (NOT_A_CALL.has(integration)) return [];
  switch (integration) {
    case "eks:runJob.sync":
      return [
        {
          action: "eks:DescribeCluster",
          resource: token(names.clusters, r.ClusterName, "cluster"),
        },
      ];
    case "aws-sdk:s3:copyObject": {
      const source = copySourceOf(String(r.CopySource ?? ""));
      const wire = iamRequestsOf(
        {
          accessKeyId: STATE_MACHINE_WORKLOAD,
          region: "",
          service: "s3",
          operation: "CopyObject",
          bucket: String(r.Bucket),
          key: String(r.Key),
          copySource: `${source.bucket}/${source.key}`,
        },
        names,
      );
      const version: RecordedRequest[] = source.versioned
        ? [
            {
              action: "s3:GetObjectVersion",
              resource: `${token(names.buckets, source.bucket, "bucket")}/${normaliseKey(source.key)}`,
            },
          ]
        : [];
      return [...wire, ...version];
    }
    case "aws-sdk:s3:getObject": {
      const bucket = String(r.Bucket);
      const key = String(r.Key);
      const get = iamRequestsOf(
        {
          accessKeyId: STATE_MACHINE_WORKLOAD,
          region: "",
          service: "s3",
          operation: "GetObject",
          bucket,
          key,
        },
        names,
      );
      const missing: RecordedRequest[] =
        call.error === "S3.NoSuchKeyException"
          ? [
              {
                action: "s3:ListBucket",
                resource: token(names.buckets, bucket, "bucket"),
                context: { "s3:prefix": normaliseKey(key) },
              },
            ]
          : [];
      return [...get, ...missing];
    }
    case "dynamodb:updateItem":
      return [
        { action: "dynamodb:UpdateItem", resource: token(names.tables, r.TableName, "table") },
      ];
    case "events:putEvents": {
      const buses = new Set<unknown>(
        (r.Entries as { EventBusName?: string }[]).map((e) => e.EventBusName ?? "default"),
      );
      return [...buses].map((bus) => ({
        action: "events:PutEvents",
        resource: token(names.buses, bus, "bus"),
      }));
    }
    default:
      throw new Error(
        `no IAM mapping for the integration ${integration}; add it to proof/calls/integrations.ts`,
      );
  }
}

/**
 * `handler` that appends every call it answers (or fails, with the task error's name) to `sink`:
 * the recording of the state machine's integration calls.
 */
export function recordingHandler<T>(
  resource: string,
  handler: (request: any) => T | Promise<T>,
  sink: IntegrationCall[],
): (request: any) => Promise<T> {
  return async (request) => {
    const copy: unknown = structuredClone(request);
    try {
      const out = await handler(request);
      sink.push({ resource, request: copy });
      return out;
    } catch (err) {
      const error = err instanceof Error ? err.name : "Error";
      sink.push({ resource, request: copy, error });
      throw err;
    }
  };
}
