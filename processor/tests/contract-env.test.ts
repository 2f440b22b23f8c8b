import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  COMMAND_ENV_SCHEMAS,
  CONSUMER_DEFAULTS,
  envDefaults,
  HEALTH_PATHS,
  METRICS_PORT,
  minVisibilityTimeoutSeconds,
  visibilityCoversBatchAge,
} from "../src/contract";

describe("the environment contract", () => {
  test("every command's schema is a set of upper-case variable names", () => {
    for (const schema of Object.values(COMMAND_ENV_SCHEMAS)) {
      for (const name of Object.keys(schema.shape)) expect(name).toMatch(/^[A-Z][A-Z0-9_]*$/);
    }
  });

  test("envDefaults gives what an unset variable means, as the command would parse it", () => {
    expect(envDefaults("preprocess")).toMatchObject({
      VISIBILITY_TIMEOUT_SECONDS: "300",
      WAIT_TIME_SECONDS: "20",
      HEARTBEAT_SECONDS: "60",
      MAX_MESSAGES: "0",
      LOG_LEVEL: "info",
    });
    expect(envDefaults("consume")).toMatchObject({
      BATCH_MAX_AGE_SECONDS: String(CONSUMER_DEFAULTS.batchMaxAgeSeconds),
      VISIBILITY_TIMEOUT_SECONDS: String(CONSUMER_DEFAULTS.visibilityTimeoutSeconds),
      METRICS_PORT: "9464",
    });
    // A required variable has no default.
    expect(envDefaults("consume")).not.toHaveProperty("EVENTS_QUEUE_URL");
  });

  test("the metrics port and health paths are the ones the probes use", () => {
    expect(METRICS_PORT).toBe(9464);
    expect(HEALTH_PATHS).toEqual({ live: "/healthz", ready: "/readyz", metrics: "/metrics" });
  });
});

describe("visibility timeout >= 2 x batch age", () => {
  test("twice the batch age is the shortest safe timeout", () => {
    expect(minVisibilityTimeoutSeconds(30)).toBe(60);
    expect(visibilityCoversBatchAge(60, 30)).toBe(true);
    expect(visibilityCoversBatchAge(59, 30)).toBe(false);
    expect(visibilityCoversBatchAge(1, 0.5)).toBe(true);
  });

  test("the consumer's own defaults satisfy it", () => {
    expect(
      visibilityCoversBatchAge(
        CONSUMER_DEFAULTS.visibilityTimeoutSeconds,
        CONSUMER_DEFAULTS.batchMaxAgeSeconds,
      ),
    ).toBe(true);
  });
});

describe("the contract is the lowest layer", () => {
  test("its files import only each other and zod", () => {
    const dir = join(__dirname, "..", "src", "contract");
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
      const source = readFileSync(join(dir, file), "utf8");
      for (const [, spec] of source.matchAll(/from\s+"([^"]+)"/g)) {
        expect(`${file}: ${spec}`).toMatch(/: (zod|\.\/[a-z-]+)$/);
      }
    }
  });
});
