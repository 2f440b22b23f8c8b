import { EVENT_TYPES, validateEventMessage } from "../src/events/event";
import { CATEGORIES, EventGenerator, seededRandom } from "../src/events/generator";

const make = (badEventRatio: number, n: number, seed = 1) => {
  let i = 0;
  const generator = new EventGenerator({
    badEventRatio,
    random: seededRandom(seed),
    uuid: () => `00000000-0000-4000-8000-${String(i++).padStart(12, "0")}`,
    now: () => new Date("2026-11-23T10:00:00.000Z"),
  });
  return Array.from({ length: n }, () => generator.next());
};

describe("event generator", () => {
  it("makes only valid events when the bad ratio is 0", () => {
    for (const event of make(0, 2000)) {
      const result = validateEventMessage({ body: event.body, eventType: event.eventType });
      expect(result).toMatchObject({ ok: true, dt: "2026-11-23" });
      expect(event.bad).toBe(false);
    }
  });

  it("makes every bad event without store_id, so validation rejects it for that reason", () => {
    const events = make(1, 200);
    for (const event of events) {
      expect(JSON.parse(event.body)).not.toHaveProperty("store_id");
      const result = validateEventMessage({ body: event.body, eventType: event.eventType });
      expect(!result.ok && result.reason).toMatch(/^store_id: /);
    }
  });

  it("sends about the configured share of bad events", () => {
    const bad = make(0.1, 10_000).filter((e) => e.bad).length;
    expect(bad).toBeGreaterThan(850);
    expect(bad).toBeLessThan(1150);
  });

  it("uses both event types, the seed's fields, returns only on sales, prices within each category's range", () => {
    const events = make(0, 5000);
    expect(new Set(events.map((e) => e.eventType))).toEqual(new Set(EVENT_TYPES));
    const sample = JSON.parse(events[0]?.body ?? "{}") as Record<string, unknown>;
    for (const field of ["request_id", "store_id", "cust_id", "category", "sku", "price", "qty"]) {
      expect(sample).toHaveProperty(field);
    }
    for (const event of events) {
      const body = JSON.parse(event.body) as {
        category: string;
        price: number;
        is_return?: boolean;
      };
      const category = CATEGORIES.find((c) => c.name === body.category);
      expect(category).toBeDefined();
      expect(body.price).toBeGreaterThanOrEqual(category?.price[0] ?? Infinity);
      expect(body.price).toBeLessThanOrEqual(category?.price[1] ?? -Infinity);
      if (body.is_return) expect(event.eventType).toBe("sale_event");
    }
    expect(events.some((e) => (JSON.parse(e.body) as { is_return?: boolean }).is_return)).toBe(
      true,
    );
  });

  it("is reproducible with the same seed", () => {
    expect(make(0.2, 50, 42)).toEqual(make(0.2, 50, 42));
  });

  it("rejects a bad ratio outside [0, 1]", () => {
    expect(() => new EventGenerator({ badEventRatio: 1.5 })).toThrow(/badEventRatio/);
  });
});
