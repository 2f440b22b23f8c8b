/**
 * The event pipeline on Amazon EKS. Settings are read and validated once; each component is one file
 * under infra/ (or k8s/) and takes the settings sections it needs; the exports are the outputs
 * contract (README "Stack outputs").
 */
import * as pulumi from "@pulumi/pulumi";
import {
  parseSettings,
  settingsInputFromConfig,
  stackPhysicalNames,
  type ProgramOutputs,
} from "./config";
import * as infra from "./infra";
import { schedulingForWorkloads, Workloads } from "./k8s";

const [project, stack] = [pulumi.getProject(), pulumi.getStack()];
// Given the names, parsing also checks every physical name derived from them against AWS's limits.
const settings = parseSettings(settingsInputFromConfig(pulumi.runtime.allConfig()), {
  project,
  stack,
});
const region = settings.region;
const names = stackPhysicalNames({ project, stack }, settings.storage.bucketPrefix);
const tags = { "pipeline:project": project, "pipeline:stack": stack };
const base = { ...settings, project, stack, tags }; // each component reads its own sections
const eksName = names.cluster; // known before the cluster exists (subnet discovery tags)

// Network and cluster: private nodes, access entries, Pod Identity.
const network = new infra.Network("network", { ...base, clusterName: eksName });
const cluster = new infra.Cluster("cluster", {
  ...base,
  clusterName: eksName,
  vpcId: network.vpcId,
  privateSubnetIds: network.privateSubnetIds,
  publicSubnetIds: network.publicSubnetIds,
});

// Data: buckets, queues (with the raw bucket's notification), one IAM role per workload.
const storage = new infra.Storage("storage", base);
const queues = new infra.Queues("queues", {
  ...base,
  rawBucket: storage.raw,
  eventBridge: settings.orchestration.enabled,
});
const namespaces = { workloads: settings.workloads.namespace, keda: settings.keda.namespace };
const identity = new infra.Identity("identity", {
  cluster,
  storage,
  queues,
  namespaces,
  region,
  tags,
});

// In-cluster platform and the processor image.
const keda = new infra.Keda("keda", {
  ...settings.keda,
  clusterName: cluster.clusterName,
  provider: cluster.provider,
  // Credentials (association) and permissions (inline policy) before the operator's first call.
  dependsOn: [...identity.kedaOperatorReady, ...cluster.podIdentityReady],
});
// Node autoscaling: Karpenter buys nodes for the pods KEDA adds; with "auto-mode" EKS Auto Mode does
// (its NodePool for the jobs, the built-in general-purpose pool for the rest); "none" keeps the
// fixed node group.
const karpenter =
  settings.nodeAutoscaling === "karpenter"
    ? new infra.Karpenter("karpenter", {
        settings,
        clusterName: cluster.clusterName,
        clusterArn: cluster.clusterArn,
        clusterEndpoint: cluster.endpoint,
        nodeSecurityGroupId: cluster.nodeSecurityGroupId,
        provider: cluster.provider,
        systemDependencies: [...cluster.systemNodes, ...cluster.podIdentityReady],
        tags,
      })
    : undefined;
const autoMode =
  settings.nodeAutoscaling === "auto-mode"
    ? new infra.AutoMode("auto-mode", {
        settings,
        provider: cluster.provider,
        nodeRoleName: cluster.nodeRole.name,
        subnetIds: network.privateSubnetIds,
        securityGroupId: cluster.nodeSecurityGroupId,
      })
    : undefined;

const image = new infra.ProcessorImage("processor", {
  ...base,
  repositoryName: names.repository,
  root: __dirname,
  forceDelete: settings.storage.forceDestroy,
});

// Workloads: namespace, service accounts, producer, consumer + ScaledObject, preprocess ScaledJob.
const workloads = new Workloads("workloads", {
  settings,
  provider: cluster.provider,
  image: image.imageRef,
  region,
  preprocessQueueUrl: queues.preprocessQueueUrl,
  eventsQueueUrl: queues.eventsQueueUrl,
  processedBucketName: storage.processedBucketName,
  eventsBucketName: storage.eventsBucketName,
  scheduling: schedulingForWorkloads(settings.nodeAutoscaling),
  kedaDependencies: [keda.release],
  podIdentityDependencies: [
    // Each role's association and its inline policy: a pod that starts before the policy is
    // attached is denied.
    ...identity.roles.preprocess.ready,
    ...identity.roles.producer.ready,
    ...identity.roles.consumer.ready,
    // The SDK fetches Pod Identity credentials from the agent on the pod's node.
    ...cluster.podIdentityReady,
  ],
  // Pods wait for nodes that can take them: Karpenter's or Auto Mode's NodePools, or the fixed
  // node group.
  nodeDependencies: karpenter?.nodePools ?? autoMode?.nodePools ?? cluster.systemNodes,
});

// Operations: alarms, dashboard, Container Insights.
const monitoring = new infra.Monitoring("monitoring", {
  ...{ settings, project, stack, cluster, storage },
  extraDeadLetterQueues: karpenter
    ? [
        {
          key: "karpenter-interruption-dlq-messages",
          source: "Karpenter's interruption handling (a node may have stopped without a drain)",
          queueName: karpenter.interruptionDlqName,
        },
      ]
    : [],
});

// The orchestrated variant (settings.orchestration): uploads under its prefix → EventBridge → Step
// Functions (processing job on the cluster + lake copy) → DynamoDB → custom bus → SNS.
const orchestration = settings.orchestration.enabled
  ? new infra.Orchestration("orchestration", {
      settings: settings.orchestration,
      nodeAutoscaling: settings.nodeAutoscaling,
      maxInputMiB: settings.workloads.preprocessMaxInputMiB,
      storage: settings.storage,
      project,
      stack,
      region,
      cluster: {
        name: cluster.clusterName,
        arn: cluster.clusterArn,
        endpoint: cluster.endpoint,
        certificateAuthority: cluster.certificateAuthority,
        provider: cluster.provider,
      },
      // The namespace resource's name: the variant's RBAC and service account wait for it.
      workloadNamespace: workloads.namespace,
      rawBucket: storage.raw,
      processedBucket: storage.processed,
      dataKeyArn: storage.dataKeyArn,
      image: image.imageRef,
      rawNotification: queues.rawNotification,
      alarmTopicArn: monitoring.alarmTopicArn,
      alarmPeriodSeconds: settings.monitoring.periodSeconds,
      tags,
    })
  : undefined;

// Outputs contract (README "Stack outputs"; tests/outputs-contract.test.ts keeps them in step). The
// `satisfies` check fails the build when an output is missing, extra or of the wrong type.
const outputs = {
  clusterName: cluster.clusterName,
  kubeconfig: cluster.kubeconfig,
  vpcId: network.vpcId,
  privateSubnetIds: network.privateSubnetIds,
  rawBucketName: storage.rawBucketName,
  processedBucketName: storage.processedBucketName,
  eventsBucketName: storage.eventsBucketName,
  preprocessQueueUrl: queues.preprocessQueueUrl,
  preprocessDlqUrl: queues.preprocessDlqUrl,
  eventsQueueUrl: queues.eventsQueueUrl,
  eventsDlqUrl: queues.eventsDlqUrl,
  processorImage: image.imageRef,
  kedaNamespace: keda.namespace,
  workloadNamespace: workloads.namespace,
  alarmTopicArn: monitoring.alarmTopicArn,
  dashboardName: monitoring.dashboardName,
  // Only when the orchestrated variant is on.
  stateMachineArn: orchestration?.stateMachineArn,
  resultsTableName: orchestration?.resultsTableName,
  eventBusName: orchestration?.eventBusName,
  notificationTopicArn: orchestration?.notificationTopicArn,
} satisfies ProgramOutputs;
export const { clusterName, kubeconfig, vpcId, privateSubnetIds } = outputs;
export const { rawBucketName, processedBucketName, eventsBucketName } = outputs;
export const { preprocessQueueUrl, preprocessDlqUrl, eventsQueueUrl, eventsDlqUrl } = outputs;
export const { processorImage, kedaNamespace, workloadNamespace, alarmTopicArn } = outputs;
export const { dashboardName, stateMachineArn, resultsTableName } = outputs;
export const { eventBusName, notificationTopicArn } = outputs;
