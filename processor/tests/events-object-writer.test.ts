import { crc32Base64 } from "../src/events/object-writer";

describe("object writer", () => {
  it("sends S3 the CRC32 of the object in its base64 big-endian form", () => {
    // CRC-32 check value of "123456789" is 0xCBF43926.
    expect(crc32Base64(Buffer.from("123456789"))).toBe(
      Buffer.from("cbf43926", "hex").toString("base64"),
    );
  });
});
