/**
 * The HTTP endpoint of the producer and consumer Deployments: `/healthz` (liveness), `/readyz`
 * (readiness) and `/metrics` (Prometheus text format). Probes are plain functions, so the process
 * decides what healthy and ready mean. Plain node:http: three GET routes need no web framework.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import { HEALTH_PATHS } from "../contract";

/** A probe: ok, or the reason it is not. */
export type Probe = () => { readonly ok: boolean; readonly reason?: string };

/** Options of {@link startHealthServer}. */
export interface HealthServerOptions {
  /** TCP port; 0 picks a free one. */
  readonly port: number;
  /** Interface to bind; all interfaces by default (the kubelet probes the pod IP). */
  readonly host?: string;
  readonly registry: Registry;
  readonly live: Probe;
  readonly ready: Probe;
}

/** A running server. */
export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Starts the server; resolves once it listens. */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    if (path === HEALTH_PATHS.live || path === HEALTH_PATHS.ready) {
      const result = (path === HEALTH_PATHS.live ? options.live : options.ready)();
      res
        .writeHead(result.ok ? 200 : 503, { "content-type": "text/plain; charset=utf-8" })
        .end(result.ok ? "ok\n" : `${result.reason ?? "not ok"}\n`);
      return;
    }
    if (path === HEALTH_PATHS.metrics) {
      options.registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": options.registry.contentType }).end(text),
        () => res.writeHead(500).end("metrics unavailable\n"),
      );
      return;
    }
    res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found\n");
  });
  // Probes must not keep a stopping process alive.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
