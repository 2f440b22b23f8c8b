/**
 * A fault proxy on 127.0.0.1 in front of the S3/SQS emulator: clients point AWS_ENDPOINT_URL at it
 * and it forwards every request, except where a fault armed on demand says otherwise. It shows what
 * the emulator on loopback never does: a request AWS committed whose response is lost (the SDK then
 * retries it), a 409 or 5xx answer, a slow service, a long-poll response still on its way.
 *
 * It also applies S3's conditional write that fauxqs 2.4 does not implement for PutObject: a PUT
 * with `If-None-Match: *` on a key that exists is answered 412 PreconditionFailed, as S3 documents
 * ("Conditional write behavior", https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html).
 *
 * Hand-written: the faults are tied to S3's and SQS's wire protocols (path-style keys, the JSON
 * protocol's X-Amz-Target) and a generic proxy library would still need all of that.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** The operation a request is, as the proxy recognises it ("s3:PutObject", "sqs:ReceiveMessage"). */
export type Operation = `s3:${string}` | `sqs:${string}`;

/** What happens to a request a fault applies to. */
export type FaultAction =
  /** Forward it (the service commits it), then reset the connection instead of answering. */
  | { readonly kind: "commit-then-drop" }
  /** Answer this status and error code without forwarding (e.g. 409 ConditionalRequestConflict). */
  | { readonly kind: "error"; readonly status: number; readonly code: string }
  /** Wait `ms` before forwarding (a slow service). */
  | { readonly kind: "delay"; readonly ms: number }
  /** Forward it, then hold the answer `ms` before sending it (a response on its way). */
  | { readonly kind: "hold-response"; readonly ms: number };

/** A fault: the action for the next `times` requests of `operation` (that `when` accepts). */
export interface Fault {
  readonly operation: Operation;
  readonly action: FaultAction;
  /** Requests it applies to before it is spent (default 1; Infinity until removed). */
  readonly times?: number;
  /** Applies only to requests whose forwarded answer this accepts (hold-response, commit-then-drop). */
  readonly whenAnswer?: (body: string) => boolean;
}

/** An armed fault: how often it applied, and a way to disarm it. */
export interface ArmedFault {
  readonly hits: number;
  /** Resolves once the fault has applied `n` times. */
  applied(n?: number): Promise<void>;
  disarm(): void;
}

/** A running proxy. */
export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: the endpoint to give clients instead of the emulator's. */
  readonly endpoint: string;
  /** Arms a fault; faults apply in the order they were armed. */
  inject(fault: Fault): ArmedFault;
  /** Requests seen per operation (forwarded or not). */
  readonly seen: ReadonlyMap<Operation, number>;
  stop(): Promise<void>;
}

/** The operation of an emulator request: SQS by its X-Amz-Target, S3 by method and path. */
export function operationOf(method: string, url: string, target: string | undefined): Operation {
  if (target?.startsWith("AmazonSQS.")) return `sqs:${target.slice("AmazonSQS.".length)}`;
  const { pathname, searchParams } = new URL(url, "http://proxy");
  const isObject = pathname.split("/").filter(Boolean).length >= 2;
  if (!isObject) return `s3:${method}Bucket`;
  if (method === "PUT") return searchParams.has("uploadId") ? "s3:UploadPart" : "s3:PutObject";
  if (method === "GET") return "s3:GetObject";
  if (method === "HEAD") return "s3:HeadObject";
  if (method === "DELETE") return "s3:DeleteObject";
  return `s3:${method}Object`;
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Sends a request to the emulator and reads its whole answer. */
function forward(
  upstream: URL,
  method: string,
  path: string,
  headers: IncomingMessage["headers"],
  body: Buffer,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: upstream.hostname, port: upstream.port, method, path, headers },
      (res) => {
        readAll(res).then((data) => {
          const out: Record<string, string | string[]> = {};
          for (const [name, value] of Object.entries(res.headers)) {
            if (value === undefined || name === "transfer-encoding" || name === "connection")
              continue;
            out[name] = value;
          }
          if (method !== "HEAD") out["content-length"] = String(data.length);
          resolve({ status: res.statusCode ?? 502, headers: out, body: data });
        }, reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** An error answer in the protocol of `operation` (S3's XML, SQS's JSON). */
export function errorAnswer(operation: Operation, status: number, code: string): Answer {
  if (operation.startsWith("sqs:")) {
    const body = Buffer.from(
      JSON.stringify({ __type: `com.amazonaws.sqs#${code}`, message: code }),
    );
    return {
      status,
      headers: {
        "content-type": "application/x-amz-json-1.0",
        "x-amzn-query-error": `${code};Sender`,
      },
      body,
    };
  }
  const body = Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${code}</Message></Error>`,
  );
  return { status, headers: { "content-type": "application/xml" }, body };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Slot {
  readonly fault: Fault;
  hits: number;
  left: number;
  waiters: { n: number; resolve: () => void }[];
}

/** Starts a proxy in front of `upstreamEndpoint` on a free port of 127.0.0.1. */
export async function startFaultProxy(upstreamEndpoint: string): Promise<FaultProxy> {
  const upstream = new URL(upstreamEndpoint);
  const slots: Slot[] = [];
  const seen = new Map<Operation, number>();

  /** The first armed fault for `operation` that is not spent (and accepts `answer`, if it asks). */
  const take = (operation: Operation, answer?: Answer): Slot | undefined => {
    const slot = slots.find(
      (s) =>
        s.left > 0 &&
        s.fault.operation === operation &&
        (answer === undefined) === (s.fault.whenAnswer === undefined) &&
        (answer === undefined || (s.fault.whenAnswer?.(answer.body.toString()) ?? true)),
    );
    if (!slot) return undefined;
    slot.left--;
    slot.hits++;
    for (const w of slot.waiters.filter((w) => slot.hits >= w.n)) w.resolve();
    slot.waiters = slot.waiters.filter((w) => slot.hits < w.n);
    return slot;
  };

  const send = (res: ServerResponse, answer: Answer) => {
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? "GET";
    const path = req.url ?? "/";
    const body = await readAll(req);
    const target = req.headers["x-amz-target"];
    const operation = operationOf(method, path, Array.isArray(target) ? target[0] : target);
    seen.set(operation, (seen.get(operation) ?? 0) + 1);
    const headers = { ...req.headers };
    const before = take(operation);
    if (before?.fault.action.kind === "error") {
      const { status, code } = before.fault.action;
      send(res, errorAnswer(operation, status, code));
      return;
    }
    if (before?.fault.action.kind === "delay") await sleep(before.fault.action.ms);
    if (operation === "s3:PutObject" && headers["if-none-match"] === "*") {
      const head = await forward(upstream, "HEAD", path, { host: headers.host }, Buffer.alloc(0));
      if (head.status === 200) {
        send(res, errorAnswer(operation, 412, "PreconditionFailed"));
        return;
      }
    }
    const answer = await forward(upstream, method, path, headers, body);
    const late = before && before.fault.action.kind !== "delay" ? before : take(operation, answer);
    const action = late?.fault.action;
    if (action?.kind === "commit-then-drop") {
      req.socket.destroy();
      return;
    }
    if (action?.kind === "hold-response") await sleep(action.ms);
    if (!res.destroyed) send(res, answer);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, errorAnswer("s3:proxy", 502, "BadGateway"));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    seen,
    inject(fault) {
      const times = fault.times ?? 1;
      if (!(times >= 1)) throw new RangeError(`times must be at least 1, got ${times}`);
      const slot: Slot = { fault, hits: 0, left: times, waiters: [] };
      slots.push(slot);
      return {
        get hits() {
          return slot.hits;
        },
        applied: (n = 1) =>
          slot.hits >= n
            ? Promise.resolve()
            : new Promise<void>((resolve) => slot.waiters.push({ n, resolve })),
        disarm: () => {
          slot.left = 0;
        },
      };
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
