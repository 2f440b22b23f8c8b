import { createConsumerMetrics } from "../src/events/metrics";
import { startHealthServer, type HealthServer } from "../src/events/health-server";

describe("health and metrics endpoint", () => {
  let server: HealthServer;
  let live = true;
  let ready = false;
  const metrics = createConsumerMetrics();

  beforeAll(async () => {
    server = await startHealthServer({
      port: 0,
      host: "127.0.0.1",
      registry: metrics.registry,
      live: () => (live ? { ok: true } : { ok: false, reason: "stuck" }),
      ready: () => (ready ? { ok: true } : { ok: false, reason: "not receiving" }),
    });
  });

  afterAll(() => server.close());

  const get = (path: string, method = "GET") =>
    fetch(`http://127.0.0.1:${server.port}${path}`, { method });

  it("answers the probes from the process's own view: 200 when ok, 503 with the reason otherwise", async () => {
    expect((await get("/healthz")).status).toBe(200);
    const notReady = await get("/readyz");
    expect(notReady.status).toBe(503);
    expect(await notReady.text()).toBe("not receiving\n");
    ready = true;
    live = false;
    expect((await get("/readyz")).status).toBe(200);
    expect((await get("/healthz")).status).toBe(503);
  });

  it("serves the metrics in Prometheus text format", async () => {
    metrics.received.inc(3);
    const response = await get("/metrics");
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await response.text()).toContain("events_consumer_received_total 3");
  });

  it("answers 404 for other paths and 405 for other methods", async () => {
    expect((await get("/")).status).toBe(404);
    expect((await get("/metrics", "POST")).status).toBe(405);
  });
});
