// Real stalled sockets on demand, on 127.0.0.1: a server that accepts connections and never
// answers, and an HTTP proxy in front of the emulator that passes requests through until told to
// stall one (a download stopped after its first bytes, or an upload never answered) — what a
// dropped return path looks like to the SDK, which no middleware stub can show.
import { createServer as createHttpServer, request, type IncomingMessage } from "node:http";
import { createServer as createTcpServer, type AddressInfo, type Socket } from "node:net";

/** A listening server and how to close it (every socket it holds is destroyed). */
export interface LocalServer {
  readonly url: string;
  close(): Promise<void>;
}

function tracked(server: { on(event: "connection", cb: (s: Socket) => void): unknown }) {
  const sockets = new Set<Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  return sockets;
}

/** A TCP server that accepts every connection and never sends a byte. */
export async function silentServer(): Promise<LocalServer> {
  const server = createTcpServer(() => undefined);
  const sockets = tracked(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** Which requests the proxy stalls next (each rule once). */
export interface StallRules {
  /** Stall the next GET whose path starts with this, after relaying `afterBytes` of its body. */
  download?: { pathPrefix: string; afterBytes: number };
  /** Read the next PUT whose path starts with this, and never answer it. */
  upload?: { pathPrefix: string };
}

/** The proxy, its stall rules (set them at any time) and what it stalled. */
export interface FaultProxy extends LocalServer {
  readonly stall: StallRules;
  readonly stalled: string[];
}

/** An HTTP proxy to `upstream` (the emulator) that stalls the requests {@link StallRules} name. */
export async function faultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const stall: StallRules = {};
  const stalled: string[] = [];
  const upstreams = new Set<ReturnType<typeof request>>();
  const server = createHttpServer((req, res) => {
    const path = req.url ?? "/";
    const up = stall.upload;
    if (req.method === "PUT" && up && path.startsWith(up.pathPrefix)) {
      delete stall.upload;
      stalled.push(`PUT ${path}`);
      req.resume(); // take the whole body, answer nothing
      return;
    }
    const down = stall.download;
    const stallBody = req.method === "GET" && down && path.startsWith(down.pathPrefix);
    if (stallBody) delete stall.download;
    const forward = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path,
        headers: req.headers,
      },
      (answer: IncomingMessage) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        if (!stallBody || !down) {
          answer.pipe(res);
          return;
        }
        stalled.push(`GET ${path}`);
        let sent = 0;
        answer.on("data", (piece: Buffer) => {
          if (sent >= down.afterBytes) return;
          const part = piece.subarray(0, down.afterBytes - sent);
          sent += part.length;
          res.write(part);
          // The rest never comes; the connection stays open.
          if (sent >= down.afterBytes) answer.pause();
        });
      },
    );
    upstreams.add(forward);
    forward.once("close", () => upstreams.delete(forward));
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
  const sockets = tracked(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stall,
    stalled,
    close: () => {
      for (const u of upstreams) u.destroy();
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}
