import { decodeS3Key, parseS3EventMessage } from "../src/preprocess/s3-event";

/** An S3 ObjectCreated record as S3 sends it (keys URL-encoded, + for spaces). */
function record(key: string, overrides: Record<string, unknown> = {}) {
  return {
    eventVersion: "2.1",
    eventSource: "aws:s3",
    awsRegion: "eu-west-1",
    eventTime: "2026-11-23T10:00:00.000Z",
    eventName: "ObjectCreated:Put",
    s3: {
      s3SchemaVersion: "1.0",
      configurationId: "preprocess",
      bucket: { name: "raw-bucket", arn: "arn:aws:s3:::raw-bucket" },
      object: { key, size: 1234, eTag: "0123abcd", sequencer: "0055AED6DCD90281E5" },
    },
    ...overrides,
  };
}
const body = (...records: unknown[]) => JSON.stringify({ Records: records });

function objects(message: string) {
  const parsed = parseS3EventMessage(message);
  if (parsed.kind !== "s3-event") throw new Error(`expected an S3 event, got ${parsed.kind}`);
  return parsed.objects;
}

describe("S3 event messages", () => {
  test("a plain key is passed through with bucket, ETag and size", () => {
    expect(objects(body(record("input/data.csv")))).toEqual([
      {
        eventName: "ObjectCreated:Put",
        bucket: "raw-bucket",
        key: "input/data.csv",
        eTag: "0123abcd",
        size: 1234,
      },
    ]);
  });

  test("+ in a key is a space", () => {
    expect(objects(body(record("input/my+file.csv")))[0]?.key).toBe("input/my file.csv");
  });

  test("%20 in a key is a space too", () => {
    expect(objects(body(record("input/my%20file.csv")))[0]?.key).toBe("input/my file.csv");
  });

  test("%2B in a key is a literal plus", () => {
    expect(objects(body(record("input/a%2Bb.csv")))[0]?.key).toBe("input/a+b.csv");
  });

  test("%2F in a key is a slash (nested prefixes)", () => {
    expect(objects(body(record("input%2F2026%2F11%2Fday.csv")))[0]?.key).toBe(
      "input/2026/11/day.csv",
    );
  });

  test("percent-encoded UTF-8 decodes to unicode", () => {
    expect(objects(body(record("input/caf%C3%A9+%E2%9C%93+%F0%9F%93%8A.csv")))[0]?.key).toBe(
      "input/café ✓ 📊.csv",
    );
  });

  test("a key with invalid percent-encoding makes the message invalid", () => {
    expect(parseS3EventMessage(body(record("input/100%.csv")))).toMatchObject({ kind: "invalid" });
  });

  test("every record of a message is returned, in order", () => {
    const keys = objects(
      body(record("input/a.csv"), record("input/b.csv"), record("input/c.csv")),
    ).map((o) => o.key);
    expect(keys).toEqual(["input/a.csv", "input/b.csv", "input/c.csv"]);
  });

  test("all ObjectCreated variants are processed", () => {
    const names = [
      "ObjectCreated:Put",
      "ObjectCreated:Post",
      "ObjectCreated:Copy",
      "ObjectCreated:CompleteMultipartUpload",
    ];
    const found = objects(body(...names.map((eventName) => record("input/x.csv", { eventName }))));
    expect(found.map((o) => o.eventName)).toEqual(names);
  });

  test("other event names are ignored, not processed", () => {
    const parsed = parseS3EventMessage(
      body(record("input/a.csv", { eventName: "ObjectRemoved:Delete" }), record("input/b.csv")),
    );
    expect(parsed).toEqual({
      kind: "s3-event",
      objects: [expect.objectContaining({ key: "input/b.csv" })],
      ignored: ["ObjectRemoved:Delete"],
    });
  });

  test("s3:TestEvent is recognised", () => {
    const testEvent = JSON.stringify({
      Service: "Amazon S3",
      Event: "s3:TestEvent",
      Time: "2026-11-23T10:00:00.000Z",
      Bucket: "raw-bucket",
      RequestId: "5582815E1AEA5ADF",
      HostId: "8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE",
    });
    expect(parseS3EventMessage(testEvent)).toEqual({ kind: "test-event" });
  });

  test("malformed JSON is invalid", () => {
    expect(parseS3EventMessage('{"Records": [')).toEqual({
      kind: "invalid",
      reason: "the body is not JSON",
    });
  });

  test("a body that is plain text is invalid", () => {
    expect(parseS3EventMessage("hello")).toMatchObject({ kind: "invalid" });
  });

  test("JSON that is not an object is invalid", () => {
    expect(parseS3EventMessage("[1, 2]")).toMatchObject({ kind: "invalid" });
    expect(parseS3EventMessage("null")).toMatchObject({ kind: "invalid" });
  });

  test("an object without Records is invalid", () => {
    expect(parseS3EventMessage(JSON.stringify({ request_id: "r1", store_id: 3 }))).toEqual({
      kind: "invalid",
      reason: "the body has no Records array",
    });
  });

  test("an empty Records array is invalid", () => {
    expect(parseS3EventMessage(body())).toMatchObject({ kind: "invalid" });
  });

  test("a record without s3.object.key is invalid", () => {
    const r = record("input/a.csv");
    delete (r.s3.object as Partial<typeof r.s3.object>).key;
    expect(parseS3EventMessage(body(r))).toEqual({
      kind: "invalid",
      reason: "record 1 has no s3.object.key",
    });
  });

  test("a record without a bucket name is invalid", () => {
    const r = record("input/a.csv", { s3: { object: { key: "input/a.csv" } } });
    expect(parseS3EventMessage(body(r))).toEqual({
      kind: "invalid",
      reason: "record 1 has no s3.bucket.name",
    });
  });

  test("a record without eventName is invalid", () => {
    expect(
      parseS3EventMessage(body(record("input/a.csv", { eventName: undefined }))),
    ).toMatchObject({
      kind: "invalid",
    });
  });

  test("a record from another service is invalid", () => {
    expect(
      parseS3EventMessage(body(record("input/a.csv", { eventSource: "aws:sqs" }))),
    ).toMatchObject({
      kind: "invalid",
    });
  });

  test("an event wrapped in an SNS envelope is unwrapped", () => {
    const envelope = JSON.stringify({
      Type: "Notification",
      Message: body(record("input/sns+file.csv")),
    });
    expect(objects(envelope)[0]?.key).toBe("input/sns file.csv");
  });

  test("a quoted ETag loses its quotes", () => {
    const r = record("input/a.csv");
    r.s3.object.eTag = '"abc123"';
    expect(objects(body(r))[0]?.eTag).toBe("abc123");
  });
});

describe("S3 event keys", () => {
  test("decodeS3Key turns + into spaces before percent-decoding", () => {
    expect(decodeS3Key("a+b%2Bc")).toBe("a b+c");
  });
});
