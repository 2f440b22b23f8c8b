/**
 * The processor's HTTP endpoint (producer and consumer): one port for health and metrics, and the
 * paths the Kubernetes probes and Prometheus scrape.
 */

/** Container port of `/healthz`, `/readyz` and `/metrics` (METRICS_PORT's default). */
export const METRICS_PORT = 9464;

/** Paths served on {@link METRICS_PORT}. */
export const HEALTH_PATHS = {
  /** Liveness: fails when the process has stopped making progress. */
  live: "/healthz",
  /** Readiness: fails while the process is starting or draining. */
  ready: "/readyz",
  /** Prometheus text exposition. */
  metrics: "/metrics",
} as const;

/** A probe path. */
export type ProbePath = (typeof HEALTH_PATHS)["live" | "ready"];
