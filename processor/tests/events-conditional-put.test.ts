import { meaningOfPutError } from "../src/events/conditional-put";

const sdkError = (name: string, httpStatusCode: number, attempts: number) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode, attempts } });

describe("meaning of a conditional PutObject's error", () => {
  it("is stored for a 412 met by the SDK's own retry (its first attempt committed)", () => {
    expect(meaningOfPutError(sdkError("PreconditionFailed", 412, 2), 1)).toBe("stored");
  });

  it("is stored for a 412 met by a later call after a 409", () => {
    expect(meaningOfPutError(sdkError("PreconditionFailed", 412, 1), 2)).toBe("stored");
  });

  it("is failed for a 412 on the very first attempt (an object we did not write)", () => {
    expect(meaningOfPutError(sdkError("PreconditionFailed", 412, 1), 1)).toBe("failed");
  });

  it("is conflict for 409 ConditionalRequestConflict, which S3 says to retry", () => {
    expect(meaningOfPutError(sdkError("ConditionalRequestConflict", 409, 1), 1)).toBe("conflict");
  });

  it("is failed for any other error", () => {
    expect(meaningOfPutError(sdkError("InternalError", 500, 5), 1)).toBe("failed");
    expect(meaningOfPutError("boom", 1)).toBe("failed");
  });
});
