import pLimit from "p-limit";
import { chunk, isTransientError, retryBatch, type EntryFailure } from "../src/retry";

const entries = ["0", "1", "2", "3"];
const fast = { baseDelayMs: 1 };

describe("batch retry", () => {
  it("sends again only the entries that failed for a transient reason", async () => {
    const calls: string[][] = [];
    const outcome = await retryBatch(
      entries,
      (e) => e,
      async (pending) => {
        calls.push([...pending]);
        return calls.length === 1
          ? [{ id: "1", code: "InternalError", senderFault: false }]
          : ([] as EntryFailure[]);
      },
      { attempts: 3, ...fast },
    );
    expect(calls).toEqual([entries, ["1"]]);
    expect(outcome.succeeded).toEqual(["0", "2", "3", "1"]);
    expect(outcome.failed).toEqual([]);
  });

  it("never retries a sender fault and reports it as failed", async () => {
    let calls = 0;
    const outcome = await retryBatch(
      entries,
      (e) => e,
      async () => {
        calls++;
        return [{ id: "2", code: "ReceiptHandleIsInvalid", senderFault: true }];
      },
      { attempts: 5, ...fast },
    );
    expect(calls).toBe(1);
    expect(outcome.failed.map((f) => [f.entry, f.failure.code])).toEqual([
      ["2", "ReceiptHandleIsInvalid"],
    ]);
  });

  it("treats a call that throws as a transient failure of every entry, up to the attempt limit", async () => {
    let calls = 0;
    const outcome = await retryBatch(
      entries,
      (e) => e,
      async () => {
        calls++;
        throw Object.assign(new Error("socket hang up"), { name: "TimeoutError" });
      },
      { attempts: 3, ...fast },
    );
    expect(calls).toBe(3);
    expect(outcome.succeeded).toEqual([]);
    expect(outcome.failed.map((f) => f.failure.code)).toEqual(Array(4).fill("TimeoutError"));
  });

  it("stops retrying once its signal aborts", async () => {
    const controller = new AbortController();
    let calls = 0;
    const outcome = await retryBatch(
      entries,
      (e) => e,
      async () => {
        calls++;
        controller.abort();
        return [{ id: "0", code: "InternalError", senderFault: false }];
      },
      { attempts: 10, ...fast, signal: controller.signal },
    );
    expect(calls).toBe(1);
    expect(outcome.failed).toHaveLength(1);
  });

  it("rejects an attempt count below 1", async () => {
    await expect(retryBatch([], String, async () => [], { attempts: 0, ...fast })).rejects.toThrow(
      /attempts/,
    );
  });
});

describe("chunk and the concurrency limit (p-limit) the deletes rely on", () => {
  it("splits into SQS-sized chunks", () => {
    expect(chunk([...Array(23).keys()], 10).map((c) => c.length)).toEqual([10, 10, 3]);
  });

  it("runs at most the given number of tasks at once and keeps input order", async () => {
    let running = 0;
    let peak = 0;
    const results = await pLimit(3).map([...Array(20).keys()], async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 2));
      running--;
      return n * 2;
    });
    expect(peak).toBe(3);
    expect(results).toEqual([...Array(20).keys()].map((n) => n * 2));
  });
});

describe("which errors are transient", () => {
  const sdkError = (name: string, status: number) =>
    Object.assign(new Error(name), {
      name,
      $fault: "server",
      $metadata: { httpStatusCode: status },
    });

  it("retries throttling, 5xx and network failures, also when they are the cause", () => {
    expect(isTransientError(sdkError("SlowDown", 503))).toBe(true);
    expect(isTransientError(sdkError("ThrottlingException", 400))).toBe(true);
    expect(isTransientError(sdkError("InternalError", 500))).toBe(true);
    expect(isTransientError(Object.assign(new Error("reset"), { code: "ECONNRESET" }))).toBe(true);
    const broken = Object.assign(new Error("closed"), { code: "ERR_STREAM_PREMATURE_CLOSE" });
    expect(isTransientError(new Error("download failed", { cause: broken }))).toBe(true);
  });

  it("does not retry what the request got wrong, or a cancellation", () => {
    expect(isTransientError(sdkError("AccessDenied", 403))).toBe(false);
    expect(isTransientError(sdkError("NoSuchKey", 404))).toBe(false);
    expect(isTransientError(Object.assign(new Error("aborted"), { name: "AbortError" }))).toBe(
      false,
    );
    expect(isTransientError("not an error")).toBe(false);
  });
});
