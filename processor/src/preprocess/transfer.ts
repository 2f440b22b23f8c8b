/**
 * The job's two transfers: an object's download to the scratch directory (refused before its body
 * is read when it is larger than the job accepts) and a result file's multipart upload, each
 * watched by a stall watchdog (./stall-watchdog.ts).
 */
import { createReadStream, createWriteStream } from "node:fs";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import type { Logger } from "pino";
import { PermanentFileError, tooLargeError } from "./errors";
import { TransferStalledError, watchedStream } from "./stall-watchdog";

/** What every transfer needs. */
export interface TransferOptions {
  readonly s3: S3Client;
  readonly signal?: AbortSignal;
  readonly logger: Logger;
  /** A transfer with no bytes moving for this long fails its attempt. */
  readonly stallSeconds: number;
}

/** What the download learnt from the object's headers. */
export interface Downloaded {
  readonly eTag?: string;
  readonly contentEncoding?: string;
}

/**
 * Downloads `bucket/key` to `path`. S3's answer carries the object's size before any body byte is
 * read, so a larger object than `maxBytes` is refused there, with no HeadObject round trip (the
 * caller refuses earlier still when the event names the size); the bytes are counted as well, in
 * case the header is absent.
 */
export async function downloadObject(
  object: { readonly bucket: string; readonly key: string },
  path: string,
  maxBytes: number,
  options: TransferOptions,
): Promise<Downloaded> {
  const target = `s3://${object.bucket}/${object.key}`;
  const tooLarge = (size: number) => tooLargeError(`the object is ${size} bytes`, maxBytes);
  try {
    const response = await options.s3.send(
      new GetObjectCommand({ Bucket: object.bucket, Key: object.key }),
      { abortSignal: options.signal },
    );
    const body = response.Body as Readable;
    if (response.ContentLength !== undefined && response.ContentLength > maxBytes) {
      body.destroy();
      throw tooLarge(response.ContentLength);
    }
    const watched = watchedStream({
      direction: "download",
      target,
      stallSeconds: options.stallSeconds,
      maxBytes,
      tooLarge: () => tooLargeError(`the object exceeds ${maxBytes} bytes`, maxBytes),
    });
    await pipeline(body, watched.stream, createWriteStream(path), { signal: options.signal });
    return {
      ...(response.ETag ? { eTag: response.ETag.replace(/"/g, "") } : {}),
      ...(response.ContentEncoding ? { contentEncoding: response.ContentEncoding } : {}),
    };
  } catch (err) {
    logIfStalled(err, options.logger);
    throw missingObject(err, object.bucket) ?? err;
  }
}

/** S3's 404s, as the permanent error they are (deleted after the event, or no such bucket). */
function missingObject(err: unknown, bucket: string): PermanentFileError | undefined {
  const name = (err as { name?: string }).name;
  if (name === "NoSuchKey" || name === "NotFound") {
    return new PermanentFileError(
      "missing_object",
      "the object does not exist (deleted after the event?)",
    );
  }
  if (name === "NoSuchBucket") {
    return new PermanentFileError("missing_object", `the bucket ${bucket} does not exist`);
  }
  return undefined;
}

/** One result file to upload. */
export interface FileUpload {
  readonly bucket: string;
  readonly key: string;
  readonly path: string;
  readonly contentType: string;
}

/**
 * Uploads a local file (multipart above one 8 MiB part; parts are aborted on failure). Bytes read
 * from the file and each part stored count as movement: reading pauses while two parts are in
 * flight, so a stall is a part that takes `stallSeconds` (8 MiB at under 280 KB/s with the
 * default 30 s).
 */
export async function uploadFile(file: FileUpload, options: TransferOptions): Promise<void> {
  const controller = new AbortController();
  let stalled: TransferStalledError | undefined;
  const watched = watchedStream({
    direction: "upload",
    target: `s3://${file.bucket}/${file.key}`,
    stallSeconds: options.stallSeconds,
    onStall: (err) => {
      stalled = err;
      controller.abort(err);
    },
  });
  const follow = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) follow();
  else options.signal?.addEventListener("abort", follow, { once: true });
  const source = createReadStream(file.path);
  source.once("error", (err) => watched.stream.destroy(err));
  const upload = new Upload({
    client: options.s3,
    params: {
      Bucket: file.bucket,
      Key: file.key,
      Body: source.pipe(watched.stream),
      ContentType: file.contentType,
    },
    partSize: 8 * 1024 * 1024,
    queueSize: 2,
    leavePartsOnError: false,
    abortController: controller,
  });
  upload.on("httpUploadProgress", () => watched.touch());
  try {
    await upload.done();
  } catch (err) {
    const failure = stalled ?? err;
    logIfStalled(failure, options.logger);
    throw failure;
  } finally {
    watched.stop();
    options.signal?.removeEventListener("abort", follow);
    source.destroy();
    watched.stream.destroy();
  }
}

/** The one log line of a stalled transfer (the retry logs its own line after it). */
function logIfStalled(err: unknown, logger: Logger): void {
  if (!(err instanceof TransferStalledError)) return;
  logger.error(
    {
      direction: err.direction,
      target: err.target,
      stallSeconds: err.stallSeconds,
      bytes: err.bytes,
    },
    "transfer stalled: no bytes moved; attempt failed",
  );
}
