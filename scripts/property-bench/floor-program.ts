/**
 * The floor program of `npm run bench:property`: `bench:resources` SQS queues that depend on
 * nothing, each with a name, three tags and a queue policy. A case of it costs only the SDK's
 * per-resource path under the mocks (registration, serialisation, Output machinery, the mocks'
 * recording), with none of the real program's logic: what any program of that many resources pays.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { MOCK_ACCOUNT } from "../../harness/mocks";

const count = new pulumi.Config("bench").requireNumber("resources");
const region = new pulumi.Config("aws").require("region");

export const urls = Array.from(
  { length: count },
  (_, i) =>
    new aws.sqs.Queue(`queue-${i}`, {
      name: `bench-queue-${i}`,
      visibilityTimeoutSeconds: 30,
      tags: { Project: "bench", Stack: pulumi.getStack(), Index: String(i) },
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { Service: "s3.amazonaws.com" },
            Action: "sqs:SendMessage",
            Resource: `arn:aws:sqs:${region}:${MOCK_ACCOUNT}:bench-queue-${i}`,
          },
        ],
      }),
    }).url,
);
