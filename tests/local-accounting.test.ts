/**
 * The end-of-run accounting: it passes only when every file and every event is accounted for,
 * and names what is missing otherwise.
 */
import {
  checkAccounting,
  errorReportKey,
  OUTPUT_FILES,
  outputPrefix,
  type AccountingInput,
} from "../local/accounting";
import { requestIdOf, tallyEvents } from "../local/event-tally";
import { resultKeysFor } from "../processor/src/contract";

const outputsOf = (key: string) => OUTPUT_FILES.map((f) => `${outputPrefix(key)}${f}`);

function input(overrides: Partial<AccountingInput> = {}): AccountingInput {
  return {
    files: [
      { key: "input/a.csv", rows: 10, expectError: false },
      { key: "input/new hires.csv", rows: 5, expectError: false },
      { key: "input/bad.csv", rows: 2, expectError: true },
    ],
    processedKeys: [
      ...outputsOf("input/a.csv"),
      ...outputsOf("input/new hires.csv"),
      errorReportKey("input/bad.csv"),
    ],
    totalRows: { "output/a/": 10, "output/new hires/": 5 },
    produced: 4,
    producedInvalid: 1,
    events: {
      storedIds: ["r1", "r2", "r3"],
      quarantinedIds: ["r4"],
      quarantinedWithoutId: 0,
      byType: { sale_event: 2, inventory_event: 1 },
      objects: 3,
    },
    queues: { preprocess: { visible: 0, inFlight: 0 }, events: { visible: 0, inFlight: 0 } },
    dlqs: { preprocess: 0, events: 0 },
    expectedDlqs: { preprocess: 0, events: 0 },
    ...overrides,
  };
}

describe("result keys", () => {
  it("follow the contract: output/<key without input/ and .csv>/ and errors/<input key>.json", () => {
    expect(outputPrefix("input/new hires 02.csv")).toBe("output/new hires 02/");
    expect(outputPrefix("input/sub/x.csv")).toBe("output/sub/x/");
    expect(errorReportKey("input/bad.csv")).toBe("errors/input/bad.csv.json");
  });

  it("are the keys the preprocess job writes, for any key it accepts", () => {
    for (const key of ["input/a b+c é.csv", "input/deep/er/x.csv", "input/Upper.CSV"]) {
      expect(outputPrefix(key)).toBe(resultKeysFor(key).resultsPrefix);
      expect(errorReportKey(key)).toBe(resultKeysFor(key).errorReportKey);
    }
    // `.CSV` is not `.csv` (S3's suffix filter is case-sensitive; the job rejects it): mapping it to
    // output/Upper/ would collide with input/Upper.csv.
    expect(outputPrefix("input/Upper.CSV")).not.toBe(outputPrefix("input/Upper.csv"));
  });
});

describe("checkAccounting", () => {
  it("passes when every file has its results and every event is stored or quarantined", () => {
    const a = checkAccounting(input());
    expect(a.problems).toEqual([]);
    expect(a.ok).toBe(true);
    expect(a.events).toMatchObject({ produced: 4, stored: 3, quarantined: 1, duplicates: 0 });
  });

  it("fails when a file has no outputs, naming the file", () => {
    const keys = input().processedKeys.filter((k) => !k.startsWith("output/a/"));
    const a = checkAccounting(input({ processedKeys: keys }));
    expect(a.ok).toBe(false);
    expect(a.problems).toEqual(["input/a.csv: expected outputs, found missing"]);
  });

  it("fails when only some of a file's four outputs exist", () => {
    const keys = input().processedKeys.filter((k) => k !== "output/a/quality_metrics.json");
    expect(checkAccounting(input({ processedKeys: keys })).problems).toEqual([
      "input/a.csv: expected outputs, found partial",
    ]);
  });

  it("fails when the bad file has outputs instead of an error report", () => {
    const keys = [
      ...input().processedKeys.filter((k) => !k.startsWith("errors/")),
      ...outputsOf("input/bad.csv"),
    ];
    expect(checkAccounting(input({ processedKeys: keys })).problems).toEqual([
      "input/bad.csv: expected error-report, found outputs",
    ]);
  });

  it("fails when quality metrics count other rows than were uploaded", () => {
    const a = checkAccounting(input({ totalRows: { "output/a/": 9, "output/new hires/": 5 } }));
    expect(a.problems).toEqual(["input/a.csv: quality_metrics total_rows 9, uploaded 10 rows"]);
  });

  it("fails when a file's outputs exist but its quality metrics give no total_rows", () => {
    const a = checkAccounting(input({ totalRows: { "output/new hires/": 5 } }));
    expect(a.problems).toEqual(["input/a.csv: quality_metrics has no readable total_rows"]);
  });

  it("fails when an event is neither stored nor quarantined", () => {
    const a = checkAccounting(input({ produced: 5 }));
    expect(a.problems).toEqual(["events: 3 stored + 1 quarantined = 4, but 5 produced"]);
  });

  it("counts duplicates by request_id and still passes (at-least-once delivery)", () => {
    const events = { ...input().events, storedIds: ["r1", "r2", "r3", "r2"] };
    const a = checkAccounting(input({ events }));
    expect(a.ok).toBe(true);
    expect(a.events.duplicates).toBe(1);
    expect(a.events.stored).toBe(3);
  });

  it("fails when the quarantine does not hold the invalid events the producers sent", () => {
    const events = { ...input().events, storedIds: ["r1", "r2", "r3", "r4"], quarantinedIds: [] };
    expect(checkAccounting(input({ events })).problems).toEqual([
      "events: 0 quarantined, but 1 invalid events produced",
    ]);
  });

  it("fails when a queue still holds messages or a DLQ holds more than expected", () => {
    const a = checkAccounting(
      input({
        queues: { preprocess: { visible: 0, inFlight: 1 }, events: { visible: 2, inFlight: 0 } },
        dlqs: { preprocess: 1, events: 0 },
      }),
    );
    expect(a.problems).toEqual([
      "preprocess queue not empty: 0 visible, 1 in flight",
      "preprocess DLQ holds 1 message(s), expected 0",
      "events queue not empty: 2 visible, 0 in flight",
    ]);
  });
});

describe("tallyEvents", () => {
  it("reads request_ids of stored events and quarantined records, per event type", () => {
    const objects = new Map([
      [
        "events/event_type=sale_event/dt=2026-11-23/b1.ndjson",
        '{"request_id":"r1"}\n{"request_id":"r2"}\n',
      ],
      ["events/event_type=inventory_event/dt=2026-11-23/b2.ndjson", '{"request_id":"r3"}\n'],
      [
        "quarantine/dt=2026-11-23/b3.ndjson",
        '{"request_id":"r4","reason":"store_id: required"}\n{"reason":"body is not JSON","body":"x"}\n',
      ],
    ]);
    expect(tallyEvents(objects)).toEqual({
      storedIds: ["r1", "r2", "r3"],
      quarantinedIds: ["r4"],
      quarantinedWithoutId: 1,
      byType: { sale_event: 2, inventory_event: 1 },
      objects: 3,
    });
  });

  it("finds a request_id kept inside a quarantined record's raw body", () => {
    expect(requestIdOf({ reason: "x", body: '{"request_id":"r9"}' })).toBe("r9");
    expect(requestIdOf({ reason: "x", body: "not json" })).toBeUndefined();
  });
});
