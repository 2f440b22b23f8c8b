/**
 * The orchestrated variant as local mode runs it: the program's own state machine definition
 * (`buildDefinition` with `engineInput`, exactly what infra/orchestration deploys, with local names
 * in place of the cluster's), the upload rule's and the announcement rule's patterns, and the
 * names of the table, bus, topic and lake. Pure.
 */
import { PROJECT, stackPhysicalNames, type Settings } from "../../config";
import type { StateMachineDefinition } from "../../infra/orchestration/asl";
import { buildDefinition } from "../../infra/orchestration/definition";
import {
  engineInput,
  SPARK_ENTRY_POINT,
  type EngineValues,
} from "../../infra/orchestration/engine-input";
import { announcementsPattern, objectCreatedPattern } from "../../infra/orchestration/patterns";
import type { EventPattern } from "../../infra/orchestration/patterns";
import { LAKE_ARTIFACTS_PREFIX } from "../../config/workflow-names";
import { sparkSubmitParameters } from "../../k8s/specs";
import { EMULATOR_ACCOUNT, type LocalResources } from "../emulator";
import { LOCAL_IMAGE } from "../specs";
import type { LocalStack } from "../stack";

/** What the workflow of one stack is made of, locally. */
export interface WorkflowStack {
  readonly settings: Settings["orchestration"];
  readonly region: string;
  readonly definition: StateMachineDefinition;
  readonly stateMachineName: string;
  readonly stateMachineArn: string;
  /** The rule on the default bus that starts an execution for an upload (its pattern). */
  readonly uploadRule: { readonly name: string; readonly pattern: EventPattern };
  /** The rule on the custom bus that forwards announcements to the topic (its pattern). */
  readonly notifyRule: { readonly bus: string; readonly pattern: EventPattern };
  readonly rawBucket: string;
  readonly processedBucket: string;
  readonly lakeBucket: string;
  readonly tableName: string;
  readonly eventBusName: string;
  /** The notification topic's name (the program lets AWS name it; locally it needs one). */
  readonly topicName: string;
  /** The EKS cluster the `eks` engine's Job requests name (a stand-in: nothing serves it). */
  readonly clusterName: string;
}

/** The engine's names for local mode: the cluster's stand-ins (nothing reads them but the Job). */
function localEngine(stack: LocalStack, processedBucket: string, lakeBucket: string): EngineValues {
  const names = stackPhysicalNames({ project: PROJECT, stack: stack.name });
  const o = stack.settings.orchestration;
  if (o.engine === "emr") {
    return {
      kind: "emr",
      virtualClusterId: `local-${names.virtualCluster}`,
      executionRoleArn: `arn:aws:iam::${EMULATOR_ACCOUNT}:role/${names.emrJobRole}`,
      releaseLabel: o.emrReleaseLabel,
      entryPoint: `s3://${lakeBucket}/${LAKE_ARTIFACTS_PREFIX}${SPARK_ENTRY_POINT}`,
      sparkSubmitParameters: sparkSubmitParameters(),
    };
  }
  return {
    kind: "eks",
    clusterName: names.cluster,
    endpoint: "https://kubernetes.local",
    certificateAuthority: "",
    namespace: stack.settings.workloads.namespace,
    image: LOCAL_IMAGE,
    processedBucket,
  };
}

/** The workflow of `stack` over the local resources, or undefined when the variant is off. */
export function workflowStack(
  stack: LocalStack,
  resources: Pick<LocalResources, "rawBucket" | "processedBucket">,
): WorkflowStack | undefined {
  const o = stack.settings.orchestration;
  if (!o.enabled) return undefined;
  const names = stackPhysicalNames(
    { project: PROJECT, stack: stack.name },
    stack.settings.storage.bucketPrefix,
  );
  const region = stack.settings.region;
  const lakeBucket = stack.names.lakeBucket;
  const definition = buildDefinition({
    partition: "aws",
    prefix: o.prefix,
    processedBucket: resources.processedBucket,
    lakeBucket,
    tableName: names.resultsTable,
    eventBusName: names.eventBus,
    jobTimeoutSeconds: o.jobTimeoutSeconds,
    engine: engineInput(
      localEngine(stack, resources.processedBucket, lakeBucket),
      o,
      region,
      stack.settings.nodeAutoscaling,
    ),
  });
  return {
    settings: o,
    region,
    definition,
    stateMachineName: names.stateMachine,
    stateMachineArn: `arn:aws:states:${region}:${EMULATOR_ACCOUNT}:stateMachine:${names.stateMachine}`,
    uploadRule: {
      name: names.uploadRule,
      pattern: objectCreatedPattern(resources.rawBucket, o.prefix),
    },
    notifyRule: { bus: names.eventBus, pattern: announcementsPattern() },
    rawBucket: resources.rawBucket,
    processedBucket: resources.processedBucket,
    lakeBucket,
    tableName: names.resultsTable,
    eventBusName: names.eventBus,
    topicName: `${names.eventBus}-notifications`,
    clusterName: names.cluster,
  };
}
