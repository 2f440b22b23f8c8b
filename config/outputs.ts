/**
 * The stack outputs contract: what other teams read from a stack (README "Stack outputs" documents
 * each one's meaning). `index.ts` exports exactly these names; tests hold the program, this file and
 * the README in step; `ProgramOutputs` is what `index.ts` checks its exports against with `satisfies`.
 * Pure: types and constants only.
 *
 * ```ts
 * const ref = new pulumi.StackReference("acme/event-pipeline/prod");
 * const bucket = ref.requireOutput("rawBucketName") as pulumi.Output<PipelineOutputs["rawBucketName"]>;
 * ```
 * (`examples/consumer-team` wraps this in typed getters.)
 */

import type { Input } from "@pulumi/pulumi";

/** How one output is typed and handled. */
export interface OutputSpec {
  /** The type of the resolved value. */
  readonly type: "string" | "string[]";
  /** Exported as a Pulumi secret (`pulumi stack output --show-secrets`, `getSecretOutput`). */
  readonly secret: boolean;
  /** Exported only when `orchestration.enabled` (the orchestrated variant). */
  readonly optional: boolean;
}

const always = <T extends OutputSpec["type"], S extends boolean = false>(type: T, secret?: S) =>
  ({ type, secret: (secret ?? false) as S, optional: false }) as const;
const orchestrated = { type: "string", secret: false, optional: true } as const;

/** Every stack output, in README order. */
export const STACK_OUTPUTS = {
  clusterName: always("string"),
  kubeconfig: always("string", true),
  vpcId: always("string"),
  privateSubnetIds: always("string[]"),
  rawBucketName: always("string"),
  processedBucketName: always("string"),
  eventsBucketName: always("string"),
  preprocessQueueUrl: always("string"),
  preprocessDlqUrl: always("string"),
  eventsQueueUrl: always("string"),
  eventsDlqUrl: always("string"),
  processorImage: always("string"),
  kedaNamespace: always("string"),
  workloadNamespace: always("string"),
  alarmTopicArn: always("string"),
  dashboardName: always("string"),
  stateMachineArn: orchestrated,
  resultsTableName: orchestrated,
  eventBusName: orchestrated,
  notificationTopicArn: orchestrated,
} as const satisfies Record<string, OutputSpec>;

/** The name of a stack output. */
export type OutputName = keyof typeof STACK_OUTPUTS;

type Spec<K extends OutputName> = (typeof STACK_OUTPUTS)[K];
type ValueOf<S extends OutputSpec> = S["type"] extends "string[]" ? string[] : string;
/** Names of the outputs every stack has. */
export type RequiredOutputName = {
  [K in OutputName]: Spec<K>["optional"] extends true ? never : K;
}[OutputName];

/** Names of the outputs only the orchestrated variant has. */
export type OptionalOutputName = Exclude<OutputName, RequiredOutputName>;

/**
 * The resolved outputs of a stack. The orchestration outputs (`stateMachineArn`, `resultsTableName`,
 * `eventBusName`, `notificationTopicArn`) exist only when `orchestration.enabled`.
 */
export type PipelineOutputs = { readonly [K in RequiredOutputName]: ValueOf<Spec<K>> } & {
  readonly [K in OptionalOutputName]?: ValueOf<Spec<K>>;
};

/**
 * What the program exports: every output as a Pulumi input of its contract type; the orchestration
 * outputs are undefined when the variant is off (undefined exports are not stack outputs).
 */
export type ProgramOutputs = { readonly [K in RequiredOutputName]: Input<ValueOf<Spec<K>>> } & {
  readonly [K in OptionalOutputName]: Input<ValueOf<Spec<K>>> | undefined;
};

/** Names of the outputs every stack has. */
export const REQUIRED_OUTPUTS = (Object.keys(STACK_OUTPUTS) as OutputName[]).filter(
  (k) => !STACK_OUTPUTS[k].optional,
);

/** Names of the outputs only the orchestrated variant has. */
export const OPTIONAL_OUTPUTS = (Object.keys(STACK_OUTPUTS) as OutputName[]).filter(
  (k) => STACK_OUTPUTS[k].optional,
);

/**
 * Why a value read from a stack does not have its output's contract type, or undefined when it has
 * (an optional output may be absent). For consumers that check what a StackReference returns.
 */
export function outputTypeProblem(name: OutputName, value: unknown): string | undefined {
  const spec: OutputSpec = STACK_OUTPUTS[name];
  if (value === undefined || value === null) {
    return spec.optional ? undefined : `stack output ${name} is missing`;
  }
  const ok =
    spec.type === "string[]"
      ? Array.isArray(value) && value.every((v) => typeof v === "string")
      : typeof value === "string";
  return ok ? undefined : `stack output ${name} must be ${spec.type}, got ${JSON.stringify(value)}`;
}
