import {
  eventDate,
  storeEventSchema,
  validateEventMessage,
  type EventMessage,
} from "../src/events/event";

const seedEvent = {
  request_id: "a11012c7-e518-4619-9fba-4591156f5d64",
  store_id: 7,
  cust_id: 605,
  category: "Shoes",
  sku: 96290,
  price: 87.86,
  qty: 17,
  discount: 17.6,
  gift_wrap: false,
  variant: "red",
  priority_shipping: true,
  ts: "2021-05-14T22:27:03.530997",
  contact_me: "github.com/miztiik",
};

const message = (body: unknown, eventType: string | undefined = "sale_event"): EventMessage => ({
  body: typeof body === "string" ? body : JSON.stringify(body),
  eventType,
});

describe("store event validation", () => {
  it("accepts the seed's sample event and dates it by its timestamp (UTC)", () => {
    const result = validateEventMessage(message(seedEvent));
    expect(result).toMatchObject({ ok: true, eventType: "sale_event", dt: "2021-05-14" });
  });

  it("drops fields outside the contract so stored records keep one shape", () => {
    const result = validateEventMessage(message(seedEvent));
    if (!result.ok) throw new Error(result.reason);
    expect(result.event).not.toHaveProperty("contact_me");
    expect(Object.keys(result.event).sort()).toEqual(
      Object.keys(storeEventSchema.shape)
        .filter((k) => k !== "is_return")
        .sort(),
    );
  });

  it("keeps is_return when present", () => {
    const result = validateEventMessage(message({ ...seedEvent, is_return: true }));
    expect(result.ok && result.event.is_return).toBe(true);
  });

  it("rejects an event without store_id and names the field", () => {
    const { store_id: _omitted, ...bad } = seedEvent;
    const result = validateEventMessage(message(bad));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(/^store_id: /);
  });

  it.each([
    [
      "a missing event_type attribute",
      { body: JSON.stringify(seedEvent), eventType: undefined },
      /missing message attribute/,
    ],
    [
      "an unknown event_type",
      message(seedEvent, "refund_event"),
      /unknown event_type "refund_event"/,
    ],
    ["a body that is not JSON", message("{not json"), /not JSON/],
    ["a JSON body that is not an object", message("[1,2]"), /^body: /],
    ["a request_id that is not a UUID", message({ ...seedEvent, request_id: "r-1" }), /request_id/],
    ["a negative price", message({ ...seedEvent, price: -1 }), /price/],
    ["a fractional quantity", message({ ...seedEvent, qty: 1.5 }), /qty/],
    ["a discount over 100 percent", message({ ...seedEvent, discount: 120 }), /discount/],
    ["a timestamp that is not ISO 8601", message({ ...seedEvent, ts: "14/05/2021" }), /ts/],
    ["a string where a boolean belongs", message({ ...seedEvent, gift_wrap: "no" }), /gift_wrap/],
  ])("rejects %s with a reason", (_case, input, reason) => {
    const result = validateEventMessage(input);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(reason);
  });

  it("dates an event with an offset by its UTC day", () => {
    expect(eventDate("2026-11-23T23:30:00-02:00")).toBe("2026-11-24");
    expect(eventDate("2026-11-23T00:30:00+01:00")).toBe("2026-11-22");
    expect(eventDate("2026-11-23T12:00:00.123Z")).toBe("2026-11-23");
    expect(eventDate("2026-11-23T12:00:00")).toBe("2026-11-23");
  });
});
