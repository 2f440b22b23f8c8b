/**
 * The consumer example's typed getters (examples/consumer-team/pipeline.ts): they return what the
 * stack holds when it matches the contract, and fail an update when it does not.
 */
import * as pulumi from "@pulumi/pulumi";
import { outputTypeProblem } from "../config";
import {
  pipelineStack,
  queueArnFromUrl,
  type OutputSource,
} from "../examples/consumer-team/pipeline";

/** A stack reference over fixed values. */
function fakeRef(values: Record<string, unknown>): OutputSource {
  return {
    requireOutput: (name) => {
      const key = String(name);
      if (!(key in values)) throw new Error(`no output ${key}`);
      return pulumi.output(values[key]);
    },
    getOutput: (name) => pulumi.output(values[String(name)]),
  } as OutputSource;
}

/** The value of an Output (its promise, errors included). */
function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return (output as unknown as { promise(): Promise<T> }).promise();
}

const stack = fakeRef({
  clusterName: "event-pipeline-prod",
  privateSubnetIds: ["subnet-a", "subnet-b"],
  eventsQueueUrl: "https://sqs.eu-west-1.amazonaws.com/123456789012/event-pipeline-prod-events",
});

test("a getter returns the stack's value when it has the contract's type", async () => {
  const p = pipelineStack(stack);
  expect(await valueOf(p.require("clusterName"))).toBe("event-pipeline-prod");
  expect(await valueOf(p.require("privateSubnetIds"))).toEqual(["subnet-a", "subnet-b"]);
});

test("a value of another type than the contract's is a problem the getters raise", () => {
  // The getters throw this message inside `apply`, which fails the consumer's update.
  expect(outputTypeProblem("vpcId", 42)).toBe("stack output vpcId must be string, got 42");
  expect(outputTypeProblem("privateSubnetIds", "subnet-a")).toBe(
    'stack output privateSubnetIds must be string[], got "subnet-a"',
  );
  expect(outputTypeProblem("privateSubnetIds", ["subnet-a"])).toBeUndefined();
});

test("an optional output that the stack lacks reads as undefined; a required one is an error", async () => {
  expect(await valueOf(pipelineStack(stack).optional("stateMachineArn"))).toBeUndefined();
  expect(outputTypeProblem("rawBucketName", undefined)).toBe(
    "stack output rawBucketName is missing",
  );
});

test("the events queue ARN is derived from its URL, in the stack's partition", () => {
  expect(
    queueArnFromUrl("https://sqs.eu-west-1.amazonaws.com/123456789012/event-pipeline-prod-events"),
  ).toBe("arn:aws:sqs:eu-west-1:123456789012:event-pipeline-prod-events");
  expect(() => queueArnFromUrl("https://example.com/queue")).toThrow("not an SQS queue URL");
});
