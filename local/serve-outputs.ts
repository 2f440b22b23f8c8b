/**
 * The emulator stack's outputs in the shape of `pulumi stack output --json --show-secrets`: every
 * output every stack has (config/outputs.ts), the buckets and queues local mode created, and
 * stand-ins for what local mode does not have (no VPC, no cluster, no alarm topic), and for the
 * orchestrated variant its state machine, results table, bus and notification topic, so a tool that
 * reads a stack's outputs — `npm run smoke -- --outputs FILE` — runs against local mode unchanged.
 * Pure.
 */
import {
  PROJECT,
  stackPhysicalNames,
  type OptionalOutputName,
  type PipelineOutputs,
  type RequiredOutputName,
} from "../config";
import { EMULATOR_ACCOUNT, type LocalResources } from "./emulator";
import { LOCAL_IMAGE } from "./specs";
import type { LocalStack } from "./stack";
import type { WorkflowStack } from "./workflow/stack";

/** The orchestrated variant's part of the outputs, from the workflow local mode runs. */
export function workflowOutputs(
  w: Pick<WorkflowStack, "stateMachineArn" | "tableName" | "eventBusName">,
  topicArn: string,
): Record<OptionalOutputName, string> {
  return {
    stateMachineArn: w.stateMachineArn,
    resultsTableName: w.tableName,
    eventBusName: w.eventBusName,
    notificationTopicArn: topicArn,
  };
}

/** The required outputs of the emulator stack (the KEDA path's and the stand-ins). */
export function emulatorStackOutputs(
  stack: LocalStack,
  resources: LocalResources,
): Pick<PipelineOutputs, RequiredOutputName> {
  const names = stackPhysicalNames({ project: PROJECT, stack: stack.name });
  const { region } = stack.settings;
  return {
    clusterName: names.cluster,
    // No cluster: a kubeconfig with nothing in it, so kubectl says so instead of reaching a wrong one.
    kubeconfig: JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [],
      contexts: [],
      users: [],
      "current-context": "",
    }),
    vpcId: "vpc-local",
    privateSubnetIds: [],
    rawBucketName: resources.rawBucket,
    processedBucketName: resources.processedBucket,
    eventsBucketName: resources.eventsBucket,
    preprocessQueueUrl: resources.preprocessQueueUrl,
    preprocessDlqUrl: resources.preprocessDlqUrl,
    eventsQueueUrl: resources.eventsQueueUrl,
    eventsDlqUrl: resources.eventsDlqUrl,
    processorImage: LOCAL_IMAGE,
    kedaNamespace: stack.settings.keda.namespace,
    workloadNamespace: stack.settings.workloads.namespace,
    alarmTopicArn: `arn:aws:sns:${region}:${EMULATOR_ACCOUNT}:${names.cluster}-alarms`,
    dashboardName: names.dashboard,
  };
}

/**
 * The text `pulumi stack output --json --show-secrets` prints for `outputs`: one indented JSON
 * object with its keys sorted and a final newline (the CLI's `jsonStackOutputWriter.WriteMany`
 * passes the outputs as a Go map to `ui.FprintJSON`, and Go's encoding/json writes map keys
 * sorted; pulumi/pulumi pkg/cmd/pulumi/stack/stack_output.go).
 */
export function stackOutputJson(outputs: Readonly<Record<string, unknown>>): string {
  const sorted = Object.fromEntries(
    Object.keys(outputs)
      .sort()
      .map((k) => [k, outputs[k]]),
  );
  return `${JSON.stringify(sorted, null, 2)}\n`;
}
