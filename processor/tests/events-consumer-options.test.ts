import { CONSUMER_DEFAULTS, validateTuning } from "../src/events/consumer-options";

describe("consumer tuning", () => {
  it("refuses a batch age over half the visibility timeout (messages would reappear before they are deleted)", () => {
    expect(() =>
      validateTuning({
        ...CONSUMER_DEFAULTS,
        batchMaxAgeSeconds: 61,
        visibilityTimeoutSeconds: 120,
      }),
    ).toThrow(/batchMaxAgeSeconds \(61\) must be at most half of visibilityTimeoutSeconds \(120\)/);
  });

  it.each([
    ["waitTimeSeconds", 21],
    ["receiveConcurrency", 0],
    ["batchMaxEvents", 1.5],
    ["visibilityTimeoutSeconds", 50_000],
  ] as const)("names %s when it is out of range", (key, value) => {
    expect(() => validateTuning({ ...CONSUMER_DEFAULTS, [key]: value })).toThrow(new RegExp(key));
  });

  it("the defaults keep a batch open at most a quarter of the visibility timeout", () => {
    expect(() => validateTuning(CONSUMER_DEFAULTS)).not.toThrow();
    expect(CONSUMER_DEFAULTS.batchMaxAgeSeconds * 4).toBeLessThanOrEqual(
      CONSUMER_DEFAULTS.visibilityTimeoutSeconds,
    );
  });
});
