/**
 * How a wire request becomes the IAM requests AWS decides: the operation read from S3's REST shape
 * and SQS's JSON target, the actions the Service Authorization Reference gives each operation, the
 * KMS actions S3 takes for SSE-KMS objects, and keys normalised to what policies scope on.
 */
import { iamRequestsOf, normaliseKey, type NameTokens } from "../proof/calls/iam-requests";
import {
  credentialScope,
  deleteObjectsKeys,
  s3Operation,
  sqsOperation,
} from "../proof/calls/operations";

const url = (path: string) => new URL(path, "http://proxy");
const names: NameTokens = {
  buckets: { raw: "raw", out: "processed" },
  queues: { "http://q/1/pre": "preprocessQueue" },
  kmsBuckets: new Set(["raw", "out"]),
};

describe("operations read off the wire", () => {
  it("reads the caller's access key, region and service from the SigV4 credential scope", () => {
    expect(
      credentialScope(
        "AWS4-HMAC-SHA256 Credential=consumer/20261201/eu-west-1/sqs/aws4_request, SignedHeaders=host, Signature=ab",
      ),
    ).toEqual({ accessKeyId: "consumer", region: "eu-west-1", service: "sqs" });
    expect(credentialScope(undefined)).toBeUndefined();
  });

  it.each([
    ["GET", "/raw/input/a%20b.csv", {}, "GetObject", "input/a b.csv"],
    ["HEAD", "/raw/input/a.csv", {}, "HeadObject", "input/a.csv"],
    ["PUT", "/out/output/a/x.csv", {}, "PutObject", "output/a/x.csv"],
    ["POST", "/out/output/a/x.csv?uploads", {}, "CreateMultipartUpload", "output/a/x.csv"],
    ["PUT", "/out/k?partNumber=1&uploadId=u", {}, "UploadPart", "k"],
    ["POST", "/out/k?uploadId=u", {}, "CompleteMultipartUpload", "k"],
    ["DELETE", "/out/k?uploadId=u", {}, "AbortMultipartUpload", "k"],
    ["DELETE", "/out/k", {}, "DeleteObject", "k"],
    ["PUT", "/out/k", { "x-amz-copy-source": "/raw/input/a.csv" }, "CopyObject", "k"],
  ])("%s %s is %s", (method, path, headers, operation, key) => {
    expect(s3Operation(method, url(path), headers)).toMatchObject({ operation, key });
  });

  it("reads ListObjectsV2's prefix and DeleteObjects' keys", () => {
    expect(s3Operation("GET", url("/raw?list-type=2&prefix=input%2F"), {})).toEqual({
      bucket: "raw",
      operation: "ListObjectsV2",
      prefix: "input/",
    });
    expect(deleteObjectsKeys("<Delete><Object><Key>a&amp;b</Key></Object></Delete>")).toEqual([
      "a&b",
    ]);
  });

  it("reads SQS's operation from X-Amz-Target and its queue from the JSON body", () => {
    expect(sqsOperation("AmazonSQS.DeleteMessageBatch", '{"QueueUrl":"http://q/1/pre"}')).toEqual({
      operation: "DeleteMessageBatch",
      queueUrl: "http://q/1/pre",
    });
  });
});

describe("IAM requests of a call", () => {
  const call = { accessKeyId: "w", region: "eu-west-1" } as const;

  it("a multipart upload to an SSE-KMS bucket needs s3:PutObject, kms:GenerateDataKey and kms:Decrypt", () => {
    const requests = iamRequestsOf(
      {
        ...call,
        service: "s3",
        operation: "CreateMultipartUpload",
        bucket: "out",
        key: "output/x/cleaned_data.csv",
      },
      names,
    );
    expect(requests.map((r) => `${r.action} ${r.resource}`)).toEqual([
      "s3:PutObject {processed}/output/a/cleaned_data.csv",
      "kms:GenerateDataKey {dataKey}",
      "kms:Decrypt {dataKey}",
    ]);
    expect(requests[1]?.context).toEqual({ "kms:ViaService": "s3.{region}.amazonaws.com" });
  });

  it("HeadObject is s3:GetObject without a KMS call; batch SQS calls are their single actions", () => {
    expect(
      iamRequestsOf(
        { ...call, service: "s3", operation: "HeadObject", bucket: "raw", key: "input/a.csv" },
        names,
      ),
    ).toEqual([{ action: "s3:GetObject", resource: "{raw}/input/a.csv" }]);
    expect(
      iamRequestsOf(
        {
          ...call,
          service: "sqs",
          operation: "ChangeMessageVisibilityBatch",
          queueUrl: "http://q/1/pre",
        },
        names,
      ),
    ).toEqual([{ action: "sqs:ChangeMessageVisibility", resource: "{preprocessQueue}" }]);
  });

  it("names a bucket or queue the stack does not have, so its decision fails", () => {
    expect(
      iamRequestsOf(
        { ...call, service: "s3", operation: "GetObject", bucket: "other", key: "a" },
        names,
      )[0]?.resource,
    ).toBe("unknown-bucket:other/a");
  });

  it.each([
    ["output/sales q1/cleaned_data.csv", "output/a/cleaned_data.csv"],
    ["output.gz/deep/er/quality_metrics.json", "output.gz/a/quality_metrics.json"],
    ["errors/input/x y.csv.json", "errors/input/a.csv.json"],
    ["events/event_type=order/dt=2026-12-01/b1.ndjson", "events/a.ndjson"],
    ["input/new hires.csv.gz", "input/a.csv.gz"],
  ])("normalises %j to %j", (key, normalised) => {
    expect(normaliseKey(key)).toBe(normalised);
  });
});
