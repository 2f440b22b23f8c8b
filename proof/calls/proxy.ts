/**
 * A recording proxy in front of the S3/SQS emulator: the processor's commands talk to it as to AWS
 * (`AWS_ENDPOINT_URL`), it forwards every request unchanged and records what each one was
 * (operations.ts). Recording on the wire, not inside the SDK, sees exactly what AWS would be asked
 * — every retry, every multipart part, every call a library makes on the code's behalf — without a
 * line of test code in the processor.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import {
  credentialScope,
  deleteObjectsKeys,
  s3Operation,
  sqsOperation,
  type WireCall,
} from "./operations";

/** A running proxy. */
export interface RecordingProxy {
  /** `http://127.0.0.1:<port>`: give this to the commands as AWS_ENDPOINT_URL. */
  readonly endpoint: string;
  /** Every call so far, in arrival order. */
  readonly calls: readonly WireCall[];
  close(): Promise<void>;
}

/** Bodies the proxy reads to name the operation's resources (small: SQS JSON, DeleteObjects XML). */
function needsBody(service: string, url: URL, method: string): boolean {
  return service === "sqs" || (method === "POST" && url.searchParams.has("delete"));
}

/** Starts a proxy to `target` (the emulator's endpoint) on a free loopback port. */
export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const calls: WireCall[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://proxy");
    const method = req.method ?? "GET";
    const scope = credentialScope(req.headers.authorization);
    const service = scope?.service === "sqs" ? "sqs" : "s3";
    const forward = (body: Buffer | undefined) => {
      const out = http.request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      out.on("error", (err) => {
        res.destroy(err);
      });
      if (body) out.end(body);
      else req.pipe(out);
    };
    const record = (body: string) => {
      const base = {
        accessKeyId: scope?.accessKeyId ?? "unsigned",
        region: scope?.region ?? "",
        service,
      } as const;
      if (service === "sqs") {
        calls.push({ ...base, ...sqsOperation(headerOf(req, "x-amz-target"), body) });
      } else {
        const op = s3Operation(method, url, req.headers);
        const keys = op.operation === "DeleteObjects" ? deleteObjectsKeys(body) : undefined;
        calls.push({ ...base, ...op, ...(keys ? { keys } : {}) });
      }
    };
    if (!needsBody(service, url, method)) {
      record("");
      forward(undefined);
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      record(body.toString("utf8"));
      forward(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function headerOf(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
