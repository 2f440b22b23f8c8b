// The fauxqs emulator in a process of its own (so it does not share an event loop with what is being
// measured). Prints one JSON line {"endpoint": "..."} once listening; stops on SIGTERM/SIGINT.
async function serve(): Promise<void> {
  const { buildApp } = await import("fauxqs");
  const app = buildApp({ logger: false, host: "127.0.0.1" });
  await app.listen({ port: Number(process.argv[2] ?? 0), host: "127.0.0.1" });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  console.log(JSON.stringify({ endpoint: `http://127.0.0.1:${port}` }));
  const stop = () => void app.close().then(() => process.exit(0));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

void serve();
