import { eventsKey, newBatchId, quarantineKey } from "../src/events/keys";

describe("events bucket keys", () => {
  it("partitions events by type and day, as docs/DESIGN.md's contract says", () => {
    const id = newBatchId(new Date("2026-11-23T09:30:00.123Z"), () => Buffer.alloc(8, 0xab));
    expect(id).toBe("20261123T093000123Z-abababababababab");
    expect(eventsKey("sale_event", "2026-11-23", id)).toBe(
      `events/event_type=sale_event/dt=2026-11-23/${id}.ndjson`,
    );
    expect(quarantineKey("2026-11-23", id)).toBe(`quarantine/dt=2026-11-23/${id}.ndjson`);
  });

  it("gives every flush its own batch id, so a redelivered message never overwrites an object", () => {
    const at = new Date();
    const ids = new Set(Array.from({ length: 10_000 }, () => newBatchId(at)));
    expect(ids.size).toBe(10_000);
  });

  it("batch ids sort by creation time", () => {
    const earlier = newBatchId(new Date("2026-11-23T09:59:59.999Z"));
    const later = newBatchId(new Date("2026-11-23T10:00:00.000Z"));
    expect([later, earlier].sort()).toEqual([earlier, later]);
  });

  it("refuses a malformed day or batch id rather than writing a stray key", () => {
    expect(() => eventsKey("sale_event", "2026-1-3", newBatchId())).toThrow(/dt/);
    expect(() => quarantineKey("2026-11-23", "../x")).toThrow(/batch id/);
  });
});
