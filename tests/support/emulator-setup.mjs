// Starts the fauxqs S3/SQS emulator once for the test run, bound to 127.0.0.1 on a free port.
// fauxqs is ESM-only, so it runs here, outside jest's module sandbox; its endpoint reaches the test
// workers as FAUXQS_ENDPOINT. Tests create uniquely named buckets and queues, so they can share it.
import { buildApp } from "fauxqs";

export default async function setup() {
  const app = buildApp({ logger: false, host: "127.0.0.1" });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const { port } = app.server.address();
  globalThis.__FAUXQS__ = app;
  process.env.FAUXQS_ENDPOINT = `http://127.0.0.1:${port}`;
}
