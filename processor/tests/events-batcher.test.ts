import { Batcher, RecentIds, type HeldMessage, type Partition } from "../src/events/batcher";

const sales: Partition = { kind: "events", eventType: "sale_event", dt: "2026-11-23" };
const inventory: Partition = { kind: "events", eventType: "inventory_event", dt: "2026-11-23" };
const salesNextDay: Partition = { kind: "events", eventType: "sale_event", dt: "2026-11-24" };
const quarantine: Partition = { kind: "quarantine", dt: "2026-11-23" };

let seq = 0;
const msg = (): HeldMessage => ({
  messageId: `m${seq}`,
  receiptHandle: `r${seq++}`,
  receivedAt: 0,
});
const rec = (id: string, line = `{"request_id":"${id}"}`) => ({ line, requestId: id });

describe("batcher", () => {
  const limits = { maxRecords: 3, maxBytes: 1_000_000, maxAgeMs: 1000 };

  it("keeps one open batch per event type and day, and one per quarantine day", () => {
    const b = new Batcher(limits);
    b.add(sales, msg(), rec("a"), 0);
    b.add(inventory, msg(), rec("b"), 0);
    b.add(salesNextDay, msg(), rec("c"), 0);
    b.add(quarantine, msg(), { line: "{}" }, 0);
    b.add(sales, msg(), rec("d"), 0);
    expect(b.openBatches).toBe(4);
    expect(b.heldMessages).toBe(5);
  });

  it("closes a batch when it reaches the record limit", () => {
    const b = new Batcher(limits);
    expect(b.add(sales, msg(), rec("a"), 0)).toEqual([]);
    expect(b.add(sales, msg(), rec("b"), 0)).toEqual([]);
    const [closed] = b.add(sales, msg(), rec("c"), 0);
    expect(closed?.lines).toHaveLength(3);
    expect(closed?.body()).toBe('{"request_id":"a"}\n{"request_id":"b"}\n{"request_id":"c"}\n');
    expect(b.heldMessages).toBe(0);
  });

  it("closes the open batch before a line would push it over the byte limit", () => {
    const b = new Batcher({ ...limits, maxRecords: 100, maxBytes: 50 });
    b.add(sales, msg(), rec("a", "x".repeat(30)), 0);
    const closed = b.add(sales, msg(), rec("b", "y".repeat(30)), 0);
    expect(closed).toHaveLength(1);
    expect(closed[0]?.lines).toEqual(["x".repeat(30)]);
    expect(b.heldMessages).toBe(1);
  });

  it("closes batches once they are as old as the age limit, and says when the next one expires", () => {
    const b = new Batcher(limits);
    b.add(sales, msg(), rec("a"), 100);
    b.add(inventory, msg(), rec("b"), 600);
    expect(b.nextExpiry()).toBe(1100);
    expect(b.takeExpired(1099)).toEqual([]);
    expect(b.takeExpired(1100).map((x) => x.partition)).toEqual([sales]);
    expect(b.takeExpired(1600).map((x) => x.partition)).toEqual([inventory]);
    expect(b.nextExpiry()).toBeUndefined();
  });

  it("keeps a duplicate's message with the batch but writes its record once", () => {
    const b = new Batcher({ ...limits, maxRecords: 10 });
    b.add(sales, msg(), rec("a"), 0);
    expect(b.holds(sales, "a")).toBe(true);
    expect(b.holds(inventory, "a")).toBe(false);
    b.add(sales, msg(), undefined, 0);
    const [batch] = b.takeAll();
    expect(batch?.lines).toHaveLength(1);
    expect(batch?.messages).toHaveLength(2);
    expect(batch?.duplicates).toBe(1);
  });

  it("gives up the batch holding the most messages when memory is needed", () => {
    const b = new Batcher({ ...limits, maxRecords: 10 });
    b.add(sales, msg(), rec("a"), 0);
    b.add(inventory, msg(), rec("b"), 0);
    b.add(inventory, msg(), rec("c"), 0);
    expect(b.takeLargest()?.partition).toEqual(inventory);
    expect(b.heldMessages).toBe(1);
  });

  it("rejects limits that are not positive", () => {
    expect(() => new Batcher({ ...limits, maxAgeMs: 0 })).toThrow(/maxAgeMs/);
  });
});

describe("recent request ids", () => {
  it("remembers at most its capacity, forgetting the oldest first", () => {
    const ids = new RecentIds(2);
    ids.add("a");
    ids.add("b");
    ids.add("c");
    expect([ids.has("a"), ids.has("b"), ids.has("c")]).toEqual([false, true, true]);
    expect(ids.size).toBe(2);
  });

  it("remembers nothing with capacity 0", () => {
    const ids = new RecentIds(0);
    ids.add("a");
    expect(ids.has("a")).toBe(false);
  });
});
