/**
 * What a local run is built from: the stack's settings and names, the Kubernetes specs' scaling
 * rules and environments, the generated input files, the command line, and the live view.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { parse } from "csv-parse/sync";
import { CONSUMER_DEFAULTS } from "@pipeline/processor/contract";
import { physicalNames } from "../config";
import { queueAttributes, type LocalResources } from "../local/emulator";
import {
  DEFAULT_OPTIONS,
  defaultTimeoutSeconds,
  OptionsError,
  parseOptions,
} from "../local/options";
import { childEnvironment } from "../local/processes";
import { splitEvents } from "../local/drivers";
import { every } from "../local/loop";
import { podEnvironments } from "../local/pod-env";
import { fileSizes, SEED_COLUMNS, seedFiles } from "../local/seed";
import { localWorkloadSpecs, timeScaled } from "../local/specs";
import { loadStack } from "../local/stack";
import { renderPlain, renderLive } from "../local/view";
import { snapshotFixture } from "./support/run-fixtures";

const root = path.resolve(__dirname, "..");

const resources: LocalResources = {
  rawBucket: "event-pipeline-dev-raw",
  processedBucket: "event-pipeline-dev-processed",
  eventsBucket: "event-pipeline-dev-events",
  preprocessQueueUrl: "http://127.0.0.1:1/000000000000/event-pipeline-dev-preprocess",
  preprocessDlqUrl: "http://127.0.0.1:1/000000000000/event-pipeline-dev-preprocess-dlq",
  eventsQueueUrl: "http://127.0.0.1:1/000000000000/event-pipeline-dev-events",
  eventsDlqUrl: "http://127.0.0.1:1/000000000000/event-pipeline-dev-events-dlq",
};

describe("stack", () => {
  it("takes settings from Pulumi.dev.yaml and names from physicalNames", () => {
    const stack = loadStack("dev", root);
    expect(stack.settings.region).toBe("eu-west-1");
    expect(stack.settings.keda.consumer.maxReplicas).toBe(5);
    expect(stack.names).toEqual(physicalNames("event-pipeline", "dev"));
  });

  it("refuses stack names that could leave the repository", () => {
    expect(() => loadStack("../etc", root)).toThrow(/invalid stack name/);
  });

  it("gives every main queue the stack's visibility timeout, shortened by the time scale", () => {
    const { settings } = loadStack("dev", root);
    const events = queueAttributes(settings, "events", 0.1);
    expect(events.main.VisibilityTimeout).toBe(
      String(Math.ceil(settings.queues.eventsVisibilityTimeoutSeconds * 0.1)),
    );
    expect(queueAttributes(settings, "preprocess", 1).main.VisibilityTimeout).toBe(
      String(settings.queues.preprocessVisibilityTimeoutSeconds),
    );
  });
});

describe("workload specs", () => {
  const { settings } = loadStack("dev", root);
  const specs = localWorkloadSpecs(settings, resources);

  it("scales as the cluster's ScaledObject and ScaledJob say", () => {
    expect(specs.rules.consumer).toEqual({
      queueUrl: resources.eventsQueueUrl,
      awsRegion: settings.region,
      pollingInterval: settings.keda.consumer.pollingInterval,
      cooldownPeriod: settings.keda.consumer.cooldownPeriod,
      minReplicas: settings.keda.consumer.minReplicas,
      maxReplicas: settings.keda.consumer.maxReplicas,
      queueLength: settings.keda.consumer.queueLength,
      activationQueueLength: settings.keda.consumer.activationQueueLength,
      scaleOnInFlight: false,
      scaleDownStabilizationSeconds: settings.keda.consumer.scaleDownStabilizationSeconds,
      moreTriggers: [
        {
          queueLength: CONSUMER_DEFAULTS.maxHeldMessages,
          activationQueueLength: settings.keda.consumer.activationQueueLength,
          scaleOnInFlight: true,
        },
      ],
    });
    expect(specs.rules.preprocess).toMatchObject({
      maxReplicaCount: settings.keda.preprocess.maxReplicaCount,
      queueLength: settings.keda.preprocess.targetQueueLength,
      scalingStrategy: settings.keda.preprocess.scalingStrategy,
      scaleOnInFlight: false,
      backoffLimit: settings.keda.preprocess.backoffLimit,
      activeDeadlineSeconds: settings.keda.preprocess.activeDeadlineSeconds,
    });
  });

  it("gives each command the environment of its container in the specs", () => {
    expect(specs.env.preprocess).toMatchObject({
      PREPROCESS_QUEUE_URL: resources.preprocessQueueUrl,
      OUTPUT_BUCKET: resources.processedBucket,
    });
    expect(specs.env.consumer).toMatchObject({
      EVENTS_QUEUE_URL: resources.eventsQueueUrl,
      EVENTS_BUCKET: resources.eventsBucket,
    });
    expect(specs.env.producer).toMatchObject({ EVENTS_QUEUE_URL: resources.eventsQueueUrl });
  });

  it("shortens the intervals a pod applies itself: the consumer's batch age and long poll, the empty-queue poll", () => {
    const env = podEnvironments(specs, 0.1);
    expect(Number(env.consumerEnv.BATCH_MAX_AGE_SECONDS)).toBeCloseTo(
      settings.workloads.consumerBatchMaxAgeSeconds * 0.1,
    );
    // 20 s on a cluster; a stopping consumer waits out its open poll, so the run's end did too.
    expect(env.consumerEnv.RECEIVE_WAIT_SECONDS).toBe("2");
    expect(podEnvironments(specs, 0.01).consumerEnv.RECEIVE_WAIT_SECONDS).toBe("1");
    expect(env.preprocessEnv.WAIT_TIME_SECONDS).toBe("2");
    expect(env.preprocessEnv.PREPROCESS_QUEUE_URL).toBe(resources.preprocessQueueUrl);
  });

  it("shortens the visibility timeout pods ask for, so a stopped pod's messages reappear soon", () => {
    const env = podEnvironments(specs, 0.1);
    const consumerVisibility = Number(env.consumerEnv.VISIBILITY_TIMEOUT_SECONDS);
    expect(consumerVisibility).toBe(
      Math.round(settings.queues.eventsVisibilityTimeoutSeconds * 0.1),
    );
    // the consumer's own start-up rule: batch age at most half the visibility timeout
    expect(Number(env.consumerEnv.BATCH_MAX_AGE_SECONDS) * 2).toBeLessThanOrEqual(
      consumerVisibility,
    );
    const preprocessVisibility = Number(env.preprocessEnv.VISIBILITY_TIMEOUT_SECONDS);
    expect(preprocessVisibility).toBe(
      Math.round(settings.queues.preprocessVisibilityTimeoutSeconds * 0.1),
    );
    expect(Number(env.preprocessEnv.HEARTBEAT_SECONDS)).toBeLessThan(preprocessVisibility);
    const slow = podEnvironments(specs, 0.01);
    expect(Number(slow.consumerEnv.BATCH_MAX_AGE_SECONDS) * 2).toBeLessThanOrEqual(
      Number(slow.consumerEnv.VISIBILITY_TIMEOUT_SECONDS),
    );
  });

  it("shortens intervals with the time scale but keeps counts and targets", () => {
    const scaled = timeScaled(specs.rules, 0.1);
    expect(scaled.consumer.cooldownPeriod).toBeCloseTo(specs.rules.consumer.cooldownPeriod * 0.1);
    expect(scaled.preprocess.pollingInterval).toBeCloseTo(
      specs.rules.preprocess.pollingInterval * 0.1,
    );
    expect(scaled.consumer.maxReplicas).toBe(specs.rules.consumer.maxReplicas);
    expect(scaled.consumer.queueLength).toBe(specs.rules.consumer.queueLength);
    expect(() => timeScaled(specs.rules, 0)).toThrow(/time scale/);
  });
});

describe("scaler and view loops", () => {
  it("go on after a tick that throws, reporting it instead of ending local mode", async () => {
    const errors: unknown[] = [];
    let calls = 0;
    let thirdCall = () => {};
    const reachedThird = new Promise<void>((r) => (thirdCall = r));
    const loop = every(
      1,
      async () => {
        calls++;
        if (calls === 1) throw new Error("queue depth unavailable");
        if (calls === 3) thirdCall();
      },
      (err) => errors.push(err),
    );
    await reachedThird;
    await loop.stop();
    expect(errors).toEqual([new Error("queue depth unavailable")]);
  });
});

describe("child environment", () => {
  it("drops the parent's AWS settings so a child can never reach a real account", () => {
    const env = childEnvironment(
      { PATH: "/bin", AWS_PROFILE: "prod", AWS_SECRET_ACCESS_KEY: "real" },
      { METRICS_PORT: "9464", EVENTS_QUEUE_URL: "q" },
      { AWS_ENDPOINT_URL: "http://127.0.0.1:1", AWS_SECRET_ACCESS_KEY: "local", METRICS_PORT: "0" },
    );
    expect(env).toEqual({
      PATH: "/bin",
      EVENTS_QUEUE_URL: "q",
      AWS_ENDPOINT_URL: "http://127.0.0.1:1",
      AWS_SECRET_ACCESS_KEY: "local",
      METRICS_PORT: "0",
    });
  });
});

describe("generated input files", () => {
  const files = seedFiles({ files: 3, badFile: true, minRows: 20, maxRows: 500, seed: 7 });

  it("have the seed's header, the announced number of rows and a parseable profile JSON", () => {
    for (const file of files.filter((f) => !f.expectError)) {
      const text = file.key.endsWith(".gz") ? gunzipSync(file.body) : file.body;
      const records = parse(text, { columns: true }) as Record<string, string>[];
      expect(Object.keys(records[0] ?? {})).toEqual([...SEED_COLUMNS]);
      expect(records).toHaveLength(file.rows);
      for (const r of records) {
        expect(Object.keys(JSON.parse(r.profile ?? "{}") as object).sort()).toEqual([
          "address",
          "email",
          "phone",
        ]);
      }
    }
  });

  it("vary in size, include a key with spaces, compress the last good one, and end with one file that must fail", () => {
    expect(files.map((f) => f.rows)).toEqual([20, 100, 500, 2]);
    expect(files.map((f) => f.key)).toEqual([
      "input/employees-01.csv",
      "input/new hires 02.csv",
      "input/employees-03.csv.gz",
      "input/wrong-header.csv",
    ]);
    expect(files.map((f) => f.expectError)).toEqual([false, false, false, true]);
  });

  it("are the same for the same seed", () => {
    const again = seedFiles({ files: 3, badFile: true, minRows: 20, maxRows: 500, seed: 7 });
    expect(again.map((f) => f.body.toString())).toEqual(files.map((f) => f.body.toString()));
  });

  it("spread sizes geometrically", () => {
    expect(fileSizes(1, 10, 1000)).toEqual([1000]);
    expect(fileSizes(3, 10, 1000)).toEqual([10, 100, 1000]);
    expect(fileSizes(0, 10, 1000)).toEqual([]);
  });
});

describe("options", () => {
  it("default to a run that fits in a minute", () => {
    expect(parseOptions([])).toEqual(DEFAULT_OPTIONS);
  });

  it("pass through what npm start -- forwards", () => {
    expect(
      parseOptions(["--files", "3", "--events", "500", "--time-scale", "0.05", "--no-bad-file"]),
    ).toMatchObject({ files: 3, events: 500, timeScale: 0.05, badFile: false });
    expect(parseOptions(["--record-calls", "calls.json"]).recordCalls).toBe("calls.json");
    expect(parseOptions(["--report", "run.html"]).report).toBe("run.html");
  });

  it.each([
    [["--files", "501"], /--files must be an integer 0..500/],
    [["--time-scale", "0"], /--time-scale must be a number in \(0, 1\]/],
    [["--bad-ratio", "2"], /--bad-ratio must be a number 0..1/],
    [["--min-rows", "10", "--max-rows", "5"], /--max-rows \(5\) must be at least --min-rows/],
    [["--frobnicate"], /Unknown option/],
    [["--record-calls", " "], /--record-calls must name a file/],
    [["--report", ""], /--report must name a file/],
  ])("rejects %j naming the option", (argv, message) => {
    expect(() => parseOptions(argv)).toThrow(OptionsError);
    expect(() => parseOptions(argv)).toThrow(message);
  });

  it("give real-time runs long enough to reach the consumer's cooldown", () => {
    expect(defaultTimeoutSeconds(0.1)).toBe(120);
    expect(defaultTimeoutSeconds(1)).toBe(1200);
  });

  it("split events over producers without losing any", () => {
    expect(splitEvents(10, 3)).toEqual([4, 3, 3]);
    expect(splitEvents(2, 3)).toEqual([1, 1]);
    expect(splitEvents(0, 1)).toEqual([]);
  });
});

describe("live view", () => {
  const snapshot = snapshotFixture();

  it("shows queue depths, replicas and jobs, files and events in a few lines", () => {
    const lines = renderLive(snapshot);
    expect(lines.length).toBeLessThanOrEqual(6);
    const text = lines.join("\n");
    expect(text).toContain("400 visible, 800 in flight");
    expect(text).toContain("jobs 2/10 running");
    expect(text).toContain("consumers 2/5");
    expect(text).toContain("4/6");
    expect(text).toContain("1,681/2,000");
  });

  it("has a one-line form for logs", () => {
    expect(renderPlain(snapshot)).toBe(
      "[12.3s] working | files 4/6 | events 1650+31/2000 | preprocess q 3+2 jobs 2 | " +
        "events q 400+800 consumers 2 | DLQs 0/0",
    );
  });
});

describe("README", () => {
  it("keeps npm start as the first command of the quick start", () => {
    const readme = readFileSync(path.join(root, "README.md"), "utf8");
    expect(readme).toMatch(/npm ci && npm start/);
    expect(readme).toMatch(/## Local mode/);
  });
});
