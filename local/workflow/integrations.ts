/**
 * The local handlers of the state machine's service integrations. Each takes the request the
 * interpreter resolved from the definition's `Parameters` and makes the real call on the local
 * service, answering or failing the way the integration reports the service's answer:
 * - `aws-sdk:s3:copyObject` / `getObject` → the emulator's S3 (GetObject's Body as a string, as the
 *   SDK integration returns it);
 * - `dynamodb:updateItem` → dynalite;
 * - `events:putEvents` → the custom bus ({@link EventBus});
 * - `eks:runJob.sync` / `emr-containers:startJobRun.sync` → a processor process ({@link JobRunner}).
 * A service error becomes the task error `<Service>.<Error>` with the `Exception` suffix Step
 * Functions adds when the service's own name lacks it (S3's `NoSuchKey` → `S3.NoSuchKeyException`):
 * https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html
 */
import { UpdateItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CopyObjectCommand, GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { integrationOf, jsonataPassHandler, TaskError } from "../../harness/stepfunctions";
import { recordingHandler, type IntegrationCall } from "../../proof/calls/integrations";
import type { PreparedMachine } from "../../harness/stepfunctions";
import type { EventBus } from "./bus";
import { eksJobCommand, emrJobCommand, type JobRunner } from "./jobs";
import type { WorkflowStack } from "./stack";

/* eslint-disable @typescript-eslint/no-explicit-any -- integration requests are untyped JSON */

/** The task error of a failed service call. */
export function serviceError(service: string, err: unknown): TaskError {
  if (err instanceof TaskError) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  const name = e.name === "Error" || e.name === "" ? "Unknown" : e.name;
  const suffixed = name.endsWith("Exception") ? name : `${name}Exception`;
  return new TaskError(`${service}.${suffixed}`, e.message);
}

async function call<T>(service: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw serviceError(service, err);
  }
}

/** What the handlers reach. */
export interface Services {
  readonly s3: S3Client;
  readonly dynamo: DynamoDBClient;
  readonly bus: EventBus;
  readonly jobs: JobRunner;
  readonly workflow: WorkflowStack;
  /**
   * With `--record-calls`: every integration call is appended here (what Step Functions would ask
   * AWS with the state machine's role; proof/calls/integrations.ts maps it to IAM requests).
   */
  readonly record?: IntegrationCall[];
}

/** The handler of one Task state, chosen by its Resource (recorded when `services.record`). */
export function integrationHandler(
  services: Services,
  machine: PreparedMachine,
  state: string,
  resource: string,
  context: object,
  /** The signal of the job scope in force when a job starts (see Executions: a failed branch). */
  jobScope: () => AbortSignal | undefined = () => undefined,
): (request: any) => Promise<unknown> {
  const handler = serviceHandler(services, machine, state, resource, context, jobScope);
  return services.record ? recordingHandler(resource, handler, services.record) : handler;
}

function serviceHandler(
  services: Services,
  machine: PreparedMachine,
  state: string,
  resource: string,
  context: object,
  jobScope: () => AbortSignal | undefined,
): (request: any) => Promise<unknown> {
  const { s3, dynamo, bus, jobs, workflow } = services;
  switch (integrationOf(resource)) {
    case "proof:jsonata-pass":
      return jsonataPassHandler(machine, state, context);
    case "eks:runJob.sync":
      return (request) => jobs.run(eksJobCommand(request), jobScope());
    case "emr-containers:startJobRun.sync":
      return (request) =>
        jobs.run(
          emrJobCommand(
            request,
            workflow.settings.prefix,
            workflow.region,
            workflow.settings.jobTimeoutSeconds,
          ),
          jobScope(),
        );
    case "aws-sdk:s3:copyObject":
      return (request) =>
        call("S3", async () => {
          const out = await s3.send(new CopyObjectCommand(request));
          return { CopyObjectResult: out.CopyObjectResult };
        });
    case "aws-sdk:s3:getObject":
      return (request) =>
        call("S3", async () => {
          const out = await s3.send(new GetObjectCommand(request));
          return {
            Body: out.Body ? await out.Body.transformToString("utf8") : "",
            ContentType: out.ContentType,
            ETag: out.ETag,
          };
        });
    case "dynamodb:updateItem":
      return (request) =>
        call("DynamoDB", async () => {
          const out = await dynamo.send(new UpdateItemCommand(request));
          return out.Attributes ? { Attributes: out.Attributes } : {};
        });
    case "events:putEvents":
      return async (request) => {
        const entries = await bus.put(request.Entries);
        return { Entries: entries, FailedEntryCount: 0 };
      };
    default:
      throw new Error(`${state}: no local handler for ${resource}; add one to local/workflow`);
  }
}
