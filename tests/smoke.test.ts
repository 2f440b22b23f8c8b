/**
 * The smoke test's rules, without a stack: its options, the outputs contract it enforces, the
 * timeouts it derives from the settings, what it sends, how it judges what appeared, what it
 * reports; and local mode's serving parts (the outputs file, the bucket notification's stand-in,
 * the consumer pause). `tests/smoke-local.test.ts` runs the whole thing against local mode.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { resultKeysFor } from "@pipeline/processor/contract";
import { parseSettings, REQUIRED_OUTPUTS, type PipelineOutputs } from "../config";
import { parseOptions } from "../local/options";
import { newUploads } from "../local/input-watch";
import { pausableConsumer } from "../local/serve";
import { stackOutputJson } from "../local/serve-outputs";
import { validateEventMessage } from "../processor/src/events/event";
import { smokeBudgets, POD_START_SECONDS } from "../scripts/smoke/budget";
import {
  eventsFolder,
  outputsStatus,
  ownObjects,
  quarantineFolder,
  quarantinedStatus,
  storedStatus,
} from "../scripts/smoke/checks";
import { parseSmokeOptions, settingsStackOf } from "../scripts/smoke/options";
import { outputsProblems, pulumiOutputArgs, readOutputs } from "../scripts/smoke/outputs";
import { planSmoke } from "../scripts/smoke/plan";
import { finalReport, type QueueDepths, type StepResult } from "../scripts/smoke/report";
import { runSmoke } from "../scripts/smoke/run";
import { localStackOutputs } from "./support/smoke-fixtures";

const root = path.resolve(__dirname, "..");
const dev = parseSettings({ region: "eu-west-1" });
const orchestrated = parseSettings({ region: "eu-west-1", orchestration: { enabled: true } });

const localOutputs = (): Record<string, unknown> => ({ ...localStackOutputs("dev", dev) });

let uuidSeq = 0;
const uuid = () => `00000000-0000-4000-8000-${String(++uuidSeq).padStart(12, "0")}`;

describe("options", () => {
  test("a run needs --stack or --outputs, and names what to give", () => {
    expect(() => parseSmokeOptions([])).toThrow(
      "give --stack NAME (asks the Pulumi CLI) or --outputs FILE",
    );
    expect(parseSmokeOptions(["--outputs", "o.json"]).stack).toBeUndefined();
  });

  test("settings come from the last part of a fully qualified stack name, dev with --outputs alone", () => {
    expect(settingsStackOf(parseSmokeOptions(["--stack", "acme/event-pipeline/e2e-12-1"]))).toBe(
      "e2e-12-1",
    );
    expect(settingsStackOf(parseSmokeOptions(["--outputs", "o.json"]))).toBe("dev");
  });

  test("bad values are refused naming the option", () => {
    expect(() => parseSmokeOptions(["--stack", "dev", "--events", "1"])).toThrow(
      "--events must be an integer 2..500",
    );
    expect(() => parseSmokeOptions(["--stack", "dev", "--time-scale", "2"])).toThrow(
      "--time-scale",
    );
    expect(() => parseSmokeOptions(["--stack", "a b"])).toThrow("--stack must be a stack name");
  });

  test("local mode's --outputs-json goes with --serve", () => {
    expect(() => parseOptions(["--outputs-json", "o.json"])).toThrow(
      "--outputs-json FILE goes with --serve",
    );
    expect(parseOptions(["--serve", "--outputs-json", "o.json"])).toMatchObject({
      serve: true,
      outputsJson: "o.json",
    });
  });
});

describe("outputs", () => {
  test("outputs missing keys are refused, naming every missing key", () => {
    const outputs = localOutputs();
    delete outputs.eventsQueueUrl;
    delete outputs.eventsDlqUrl;
    const problems = outputsProblems(outputs, false);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^missing output\(s\) eventsQueueUrl, eventsDlqUrl \(/);
  });

  test("the orchestrated variant's outputs are required when the settings turn it on", () => {
    expect(outputsProblems(localOutputs(), false)).toEqual([]);
    expect(outputsProblems(localOutputs(), true)[0]).toBe(
      "missing output(s) stateMachineArn, resultsTableName, eventBusName, notificationTopicArn " +
        "(the settings turn orchestration on, so its outputs must exist: run pulumi up)",
    );
  });

  test("a secret saved without --show-secrets, a wrong type and a non-object are refused", () => {
    expect(outputsProblems({ ...localOutputs(), kubeconfig: "[secret]" }, false)).toEqual([
      "output kubeconfig is hidden as [secret]: save the outputs with --show-secrets",
    ]);
    expect(outputsProblems({ ...localOutputs(), privateSubnetIds: "subnet-1" }, false)).toEqual([
      'stack output privateSubnetIds must be string[], got "subnet-1"',
    ]);
    expect(outputsProblems([], false)).toEqual([
      "the outputs must be a JSON object of output names to values",
    ]);
  });

  test("the Pulumi CLI is asked for every output with secrets shown, of the named stack", async () => {
    const calls: string[][] = [];
    const raw = await readOutputs({ stack: "acme/event-pipeline/dev" }, root, async (cmd, args) => {
      calls.push([cmd, ...args]);
      return JSON.stringify({ clusterName: "c" });
    });
    expect(raw).toEqual({ clusterName: "c" });
    expect(calls).toEqual([["pulumi", ...pulumiOutputArgs("acme/event-pipeline/dev")]]);
    expect(pulumiOutputArgs("x")).toEqual([
      "stack",
      "output",
      "--json",
      "--show-secrets",
      "--stack",
      "x",
    ]);
  });

  test("a run refuses outputs missing keys with exit 2 before it sends anything", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "smoke-outputs-"));
    const file = path.join(dir, "outputs.json");
    const outputs = localOutputs();
    delete outputs.rawBucketName;
    writeFileSync(file, JSON.stringify(outputs));
    let text = "";
    const out = new Writable({
      write(chunk: Buffer, _enc, done) {
        text += chunk.toString();
        done();
      },
    });
    const options = parseSmokeOptions(["--outputs", file]);
    // No endpoint is reachable: a run that tried to send would fail differently (exit 1).
    const env = { AWS_ENDPOINT_URL: "http://127.0.0.1:9" };
    expect(await runSmoke(options, { out, tty: false, root, env })).toBe(2);
    expect(text).toContain("refusing to run against these outputs:");
    expect(text).toContain("missing output(s) rawBucketName");
  });
});

describe("budgets", () => {
  test("each step's timeout follows the settings it waits on", () => {
    const base = smokeBudgets(dev);
    const slower = smokeBudgets(
      parseSettings({
        region: "eu-west-1",
        keda: { consumer: { pollingInterval: 115 }, preprocess: { activeDeadlineSeconds: 2800 } },
        workloads: { consumerBatchMaxAgeSeconds: 60 },
      }),
    );
    // consumer polling 15 → 115 s and batch age 30 → 60 s; job deadline 1800 → 2800 s.
    expect(slower.events.seconds - base.events.seconds).toBe(100 + 30);
    expect(slower.outputs.seconds - base.outputs.seconds).toBe(1000);
    expect(base.outputs.because).toContain(`pod start ${POD_START_SECONDS} s`);
    expect(base.events.because).toContain("batch age 30 s");
  });

  test("a time scale shortens every step alike", () => {
    const scaled = smokeBudgets(dev, 0.1);
    expect(scaled.events.seconds).toBeCloseTo(smokeBudgets(dev).events.seconds * 0.1);
    expect(scaled.events.because).toMatch(/\(× time scale 0\.1\)$/);
  });
});

describe("plan", () => {
  test("sends producer-shaped events the consumer accepts, exactly one of them invalid", () => {
    const plan = planSmoke(dev, { rows: 10, events: 20 }, "smoke-20261201T000000Z-0000abcd", uuid);
    expect(plan.events).toHaveLength(20);
    const verdicts = plan.events.map(
      (e) => validateEventMessage({ body: e.body, eventType: e.eventType }).ok,
    );
    expect(verdicts.filter((ok) => !ok)).toHaveLength(1);
    expect(plan.events.filter((e) => e.bad)).toHaveLength(1);
    expect(plan.events.findIndex((e) => e.bad)).toBe(verdicts.indexOf(false));
    expect(new Set(plan.events.map((e) => e.requestId)).size).toBe(20);
  });

  test("uploads under input/, and also under the orchestration prefix when it is on, with the contract's keys", () => {
    const id = "smoke-20261201T000000Z-0000abcd";
    const one = planSmoke(dev, { rows: 10, events: 2 }, id, uuid);
    expect(one.uploads.map((u) => u.key)).toEqual([`input/${id}.csv`]);
    const both = planSmoke(orchestrated, { rows: 10, events: 2 }, id, uuid);
    expect(both.uploads.map((u) => [u.key, u.results])).toEqual([
      [`input/${id}.csv`, resultKeysFor(`input/${id}.csv`)],
      [`batch/${id}.csv`, resultKeysFor(`batch/${id}.csv`, "batch/")],
    ]);
    // A header and `rows` data rows.
    expect(one.uploads[0]?.body.toString().trim().split("\n")).toHaveLength(11);
  });
});

describe("checks", () => {
  const plan = planSmoke(dev, { rows: 10, events: 6 }, "smoke-20261201T000000Z-0000abcd", uuid);
  const upload = plan.uploads[0]!;
  const line = (e: (typeof plan.events)[number]) => e.body;
  const day = new Date().toISOString().slice(0, 10);
  const good = plan.events.filter((e) => !e.bad);
  const bad = plan.events.find((e) => e.bad)!;
  const storedObjects = (events = good) => {
    const byFolder = new Map<string, string[]>();
    for (const e of events) {
      const { ts } = JSON.parse(e.body) as { ts: string };
      const folder = eventsFolder(e.eventType, ts.slice(0, 10));
      byFolder.set(folder, [...(byFolder.get(folder) ?? []), line(e)]);
    }
    return new Map(
      [...byFolder].map(([folder, lines], i) => [`${folder}b${i}.ndjson`, lines.join("\n")]),
    );
  };

  test("the outputs pass only with all four files and total_rows equal to the uploaded rows", () => {
    const all = [
      "cleaned_data.csv",
      "transformed_data.csv",
      "department_statistics.csv",
      "quality_metrics.json",
    ];
    expect(
      outputsStatus(upload, {
        files: all.slice(0, 3),
        totalRows: undefined,
        errorReport: undefined,
      }).done,
    ).toBe(false);
    expect(outputsStatus(upload, { files: all, totalRows: 10, errorReport: undefined }).done).toBe(
      true,
    );
    expect(
      outputsStatus(upload, { files: all, totalRows: 9, errorReport: undefined }).failure,
    ).toContain("counts total_rows 9, the upload has 10 rows");
    expect(
      outputsStatus(upload, { files: [], totalRows: undefined, errorReport: '{"reason":"x"}' })
        .failure,
    ).toMatch(/^the job rejected input\/smoke-.*\.csv: errors\/input\/smoke-.*\.csv\.json says/);
  });

  test("stored events pass when every sent request_id is under its own type and day", () => {
    expect(storedStatus(plan.events, storedObjects())).toEqual({
      done: true,
      detail: "5/5 stored",
    });
    // One sent event missing (whatever folders the generated types fall into).
    expect(storedStatus(plan.events, storedObjects(good.slice(1))).done).toBe(false);
  });

  test("the invalid event stored as valid, or an event under another type, fails the step", () => {
    const withBad = storedObjects();
    withBad.set(`${eventsFolder("sale_event", day)}x.ndjson`, bad.body);
    expect(storedStatus(plan.events, withBad).failure).toContain(
      `the invalid event ${bad.requestId} was stored`,
    );
    const first = good[0]!;
    const other = first.eventType === "sale_event" ? "inventory_event" : "sale_event";
    const misplaced = new Map([[`${eventsFolder(other, day)}y.ndjson`, first.body]]);
    expect(storedStatus(plan.events, misplaced).failure).toContain(
      `event ${first.requestId} was stored under`,
    );
  });

  test("the invalid event passes once its request_id is in a quarantine record", () => {
    const record = JSON.stringify({
      message_id: "m",
      request_id: bad.requestId,
      reason: "store_id",
      body: bad.body,
    });
    expect(quarantinedStatus(plan.events, new Map()).done).toBe(false);
    expect(
      quarantinedStatus(plan.events, new Map([[`${quarantineFolder(day)}q.ndjson`, record]])).done,
    ).toBe(true);
  });

  test("only event objects holding nothing but the run's own events are removed", () => {
    const ids = new Set(plan.events.map((e) => e.requestId));
    const stranger = JSON.stringify({ request_id: "11111111-1111-4111-8111-111111111111" });
    const objects = new Map([
      ["events/a.ndjson", `${good[0]!.body}\n${good[1]!.body}\n`],
      ["events/b.ndjson", `${good[2]!.body}\n${stranger}\n`],
      ["events/c.ndjson", `${stranger}\n`],
    ]);
    expect(ownObjects(objects, ids)).toEqual({
      own: ["events/a.ndjson"],
      shared: ["events/b.ndjson"],
    });
  });
});

describe("report", () => {
  const outputs = localOutputs() as unknown as PipelineOutputs;
  const depths: QueueDepths = {
    preprocess: { visible: 0, inFlight: 0 },
    preprocessDlq: { visible: 0, inFlight: 0 },
    events: { visible: 20, inFlight: 0 },
    eventsDlq: { visible: 0, inFlight: 0 },
  };
  const step = (over: Partial<StepResult>): StepResult => ({
    kind: "stored",
    name: "events stored",
    where: "s3://events/events/event_type=sale_event/dt=2026-12-01/",
    budget: { seconds: 275, because: "ScaledObject polling interval 15 s + ..." },
    status: { done: false, detail: "0/19 stored" },
    latencySeconds: undefined,
    timedOut: true,
    ...over,
  });

  test("a step that did not appear is reported with where it should be and where to look next", () => {
    const text = finalReport(
      [
        step({
          kind: "outputs",
          name: "outputs (input/)",
          latencySeconds: 4.2,
          status: { done: true, detail: "4/4" },
        }),
        step({}),
      ],
      outputs,
      "eu-west-1",
      depths,
    );
    expect(text).toContain("  outputs (input/)  4.2 s\n");
    expect(text).toContain("  events stored     did not pass (0/19 stored)\n");
    expect(text).toContain(
      "did not appear within 275 s (ScaledObject polling interval 15 s + ...); found 0/19 stored",
    );
    expect(text).toContain(
      "expected under s3://events/events/event_type=sale_event/dt=2026-12-01/",
    );
    expect(text).toContain(
      "events queue http://q/events: 20 visible, 0 in flight (waiting: is a consumer receiving?)",
    );
    expect(text).toContain("events DLQ http://q/events-dlq: 0 visible, 0 in flight");
    expect(text).toContain(
      "kubectl -n pipeline logs -l app.kubernetes.io/name=processor,app.kubernetes.io/component=consumer",
    );
    expect(text).toContain(
      "aws eks update-kubeconfig --name event-pipeline-dev --region eu-west-1",
    );
    expect(text).toContain(`SNS topic ${outputs.alarmTopicArn}`);
    expect(text).not.toContain("FAILED outputs");
    expect(text.trimEnd().endsWith("smoke test failed: events stored")).toBe(true);
  });

  test("a failed preprocess step points at the preprocess queue, its DLQ and the jobs", () => {
    const text = finalReport(
      [step({ kind: "outputs", name: "outputs (input/)" })],
      outputs,
      "eu-west-1",
      depths,
    );
    expect(text).toContain("preprocess DLQ http://q/preprocess-dlq: 0 visible, 0 in flight");
    expect(text).toContain(
      "kubectl -n pipeline get scaledjob,jobs,pods -l app.kubernetes.io/name=processor,app.kubernetes.io/component=preprocess",
    );
  });
});

describe("local mode serving", () => {
  test("the emulator stack's outputs hold every required output of the contract, sorted as pulumi prints them", () => {
    const outputs = localOutputs();
    expect(Object.keys(outputs).sort()).toEqual([...REQUIRED_OUTPUTS].sort());
    expect(outputsProblems(outputs, false)).toEqual([]);
    const text = stackOutputJson(outputs);
    expect(Object.keys(JSON.parse(text) as object)).toEqual([...REQUIRED_OUTPUTS].sort());
    expect(text.endsWith("}\n")).toBe(true);
  });

  test("the bucket notification's stand-in notifies new and overwritten input/*.csv objects once", () => {
    const first = newUploads(new Map(), [
      { key: "input/a.csv", eTag: "1", size: 1 },
      { key: "input/readme.txt", eTag: "2", size: 1 },
      { key: "input/b.CSV", eTag: "3", size: 1 },
    ]);
    expect(first.created.map((o) => o.key)).toEqual(["input/a.csv"]);
    const again = newUploads(first.known, [
      { key: "input/a.csv", eTag: "1", size: 1 },
      { key: "input/c.csv", eTag: "4", size: 1 },
    ]);
    expect(again.created.map((o) => o.key)).toEqual(["input/c.csv"]);
    const overwritten = newUploads(again.known, [{ key: "input/a.csv", eTag: "5", size: 2 }]);
    expect(overwritten.created.map((o) => o.key)).toEqual(["input/a.csv"]);
  });

  test("a paused consumer runs no replica whatever the scaler asks, and resumes at what it asked last", () => {
    const set: number[] = [];
    const pods = {
      setConsumerReplicas: (n: number) => set.push(n),
      createJobs: () => undefined,
      jobCounts: () => ({ running: 0, pending: 0 }),
    };
    const workloads = pausableConsumer(pods);
    workloads.setConsumerReplicas(2);
    expect(workloads.toggle()).toBe(true);
    workloads.setConsumerReplicas(3);
    expect(workloads.toggle()).toBe(false);
    expect(set).toEqual([2, 0, 0, 3]);
  });
});
