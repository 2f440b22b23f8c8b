/**
 * What an HTTP request to S3 or SQS is, read the way AWS reads it: the SigV4 credential scope names
 * the caller's access key, region and service; S3's REST method, path and query name the operation
 * (path-style, as the processor addresses an emulator); SQS's JSON protocol names it in
 * `X-Amz-Target` (the SDK's SQS client speaks AWS JSON 1.0). Pure: the recording proxy feeds it.
 *
 * Hand-written because no maintained npm package maps raw S3/SQS requests back to operations; the
 * table follows the S3 API Reference's request syntax of each operation
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations_Amazon_Simple_Storage_Service.html).
 */

/** One call as it crossed the wire. */
export interface WireCall {
  /** The SigV4 access key id: each workload signs with its own in the recording runs. */
  readonly accessKeyId: string;
  readonly region: string;
  readonly service: "s3" | "sqs";
  readonly operation: string;
  readonly bucket?: string;
  readonly key?: string;
  /** ListObjectsV2's `prefix`. */
  readonly prefix?: string;
  /** CopyObject's source `bucket/key`. */
  readonly copySource?: string;
  readonly queueUrl?: string;
  /** DeleteObjects' keys. */
  readonly keys?: readonly string[];
}

/** The fields of a SigV4 `Authorization` header's credential scope. */
export function credentialScope(
  authorization: string | undefined,
): { accessKeyId: string; region: string; service: string } | undefined {
  const match = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(
    authorization ?? "",
  );
  if (!match) return undefined;
  return { accessKeyId: match[1] ?? "", region: match[2] ?? "", service: match[3] ?? "" };
}

/** The S3 operation of a path-style request (`/bucket/key?query`). */
export function s3Operation(
  method: string,
  url: URL,
  headers: Readonly<Record<string, string | string[] | undefined>>,
): Pick<WireCall, "operation" | "bucket" | "key" | "prefix" | "copySource"> {
  const [, bucketPart = "", ...keyParts] = url.pathname.split("/");
  const bucket = decodeURIComponent(bucketPart);
  const key = keyParts.length > 0 ? decodeURIComponent(keyParts.join("/")) : undefined;
  const q = url.searchParams;
  const base = { bucket, ...(key ? { key } : {}) };
  const copy = headers["x-amz-copy-source"];
  if (!key) {
    if (method === "GET" && q.get("list-type") === "2")
      return { ...base, operation: "ListObjectsV2", prefix: q.get("prefix") ?? "" };
    if (method === "GET" && q.has("uploads")) return { ...base, operation: "ListMultipartUploads" };
    if (method === "GET" && q.has("location")) return { ...base, operation: "GetBucketLocation" };
    if (method === "GET")
      return { ...base, operation: "ListObjects", prefix: q.get("prefix") ?? "" };
    if (method === "HEAD") return { ...base, operation: "HeadBucket" };
    if (method === "PUT") return { ...base, operation: "CreateBucket" };
    if (method === "POST" && q.has("delete")) return { ...base, operation: "DeleteObjects" };
    if (method === "DELETE") return { ...base, operation: "DeleteBucket" };
    return { ...base, operation: `${method} bucket` };
  }
  const uploadId = q.has("uploadId");
  if (method === "GET") return { ...base, operation: uploadId ? "ListParts" : "GetObject" };
  if (method === "HEAD") return { ...base, operation: "HeadObject" };
  if (method === "PUT" && uploadId && copy !== undefined)
    return { ...base, operation: "UploadPartCopy", copySource: decodeURIComponent(String(copy)) };
  if (method === "PUT" && uploadId) return { ...base, operation: "UploadPart" };
  if (method === "PUT" && copy !== undefined)
    return { ...base, operation: "CopyObject", copySource: decodeURIComponent(String(copy)) };
  if (method === "PUT") return { ...base, operation: "PutObject" };
  if (method === "POST" && q.has("uploads")) return { ...base, operation: "CreateMultipartUpload" };
  if (method === "POST" && uploadId) return { ...base, operation: "CompleteMultipartUpload" };
  if (method === "DELETE")
    return { ...base, operation: uploadId ? "AbortMultipartUpload" : "DeleteObject" };
  return { ...base, operation: `${method} object` };
}

/** The keys of a DeleteObjects request body (`<Key>…</Key>` elements, XML-unescaped). */
export function deleteObjectsKeys(body: string): string[] {
  const unescape = (s: string) =>
    s
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, "&");
  return [...body.matchAll(/<Key>([\s\S]*?)<\/Key>/g)].map((m) => unescape(m[1] ?? ""));
}

/** The SQS operation and queue of a JSON-protocol request (`X-Amz-Target: AmazonSQS.<Op>`). */
export function sqsOperation(
  target: string | undefined,
  body: string,
): Pick<WireCall, "operation" | "queueUrl"> {
  const operation = (target ?? "").replace(/^AmazonSQS\./, "") || "unknown";
  let queueUrl: string | undefined;
  try {
    const parsed = JSON.parse(body) as { QueueUrl?: unknown };
    if (typeof parsed.QueueUrl === "string") queueUrl = parsed.QueueUrl;
  } catch {
    // A body that is not JSON names no queue.
  }
  return { operation, ...(queueUrl ? { queueUrl } : {}) };
}
