/**
 * Typed access to an event-pipeline stack from another team's program: one getter per output of the
 * contract (`config/outputs.ts`), each checked at run time against the contract's type, secrets kept
 * secret. A team outside this repository vendors `config/outputs.ts` (types only, no dependencies).
 */
import * as pulumi from "@pulumi/pulumi";
import {
  outputTypeProblem,
  type OptionalOutputName,
  type OutputName,
  type PipelineOutputs,
  type RequiredOutputName,
} from "../../config";

/** The part of `pulumi.StackReference` the getters use (a fake in tests). */
export type OutputSource = Pick<pulumi.StackReference, "requireOutput" | "getOutput">;

/** The outputs of one pipeline stack, typed. */
export interface PipelineStack {
  /** An output every stack has; the update fails when the stack lacks it or its type is wrong. */
  require<K extends RequiredOutputName>(name: K): pulumi.Output<PipelineOutputs[K]>;
  /** An output of the orchestrated variant only; `undefined` when the stack does not have it. */
  optional<K extends OptionalOutputName>(name: K): pulumi.Output<PipelineOutputs[K] | undefined>;
}

function checked<T>(name: OutputName, output: pulumi.Output<unknown>): pulumi.Output<T> {
  return output.apply((value) => {
    const problem = outputTypeProblem(name, value);
    if (problem) throw new Error(problem);
    return value as T;
  });
}

/** Typed getters over a stack reference, e.g. `pipelineStack(new pulumi.StackReference("acme/event-pipeline/prod"))`. */
export function pipelineStack(ref: OutputSource): PipelineStack {
  return {
    require: (name) => checked(name, ref.requireOutput(name)),
    optional: (name) => checked(name, ref.getOutput(name)),
  };
}

/** The ARN of a queue from its URL (`https://sqs.<region>.amazonaws.com/<account>/<name>`). */
export function queueArnFromUrl(url: string, partition = "aws"): string {
  const m =
    /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/(\d{12})\/([\w-]+(?:\.fifo)?)$/.exec(
      url,
    );
  if (!m) throw new Error(`not an SQS queue URL: ${url}`);
  return `arn:${partition}:sqs:${m[1]}:${m[2]}:${m[3]}`;
}
