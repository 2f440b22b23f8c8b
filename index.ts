/**
 * The event pipeline on Amazon EKS. Settings are read and validated once; each component is one file
 * under infra/ (or k8s/); the exports are the outputs contract (README "Stack outputs").
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as infra from "./infra";

const settings = infra.parseSettings(infra.settingsInputFromConfig(pulumi.runtime.allConfig()));
const project = pulumi.getProject();
const stack = pulumi.getStack();
const names = infra.physicalNames(project, stack);
const name = `${project}-${stack}`;
const tags = { "pipeline:project": project, "pipeline:stack": stack };

// Network and cluster: private nodes, access entries, Pod Identity.
const network = new infra.Network("network", {
  network: settings.network,
  region: settings.region,
  clusterName: name,
  tags,
});
const cluster = new infra.Cluster("cluster", {
  cluster: settings.cluster,
  clusterName: name,
  vpcId: network.vpcId,
  privateSubnetIds: network.privateSubnetIds,
  publicSubnetIds: network.publicSubnetIds,
  tags,
});

// Data plane: buckets, queues (and the raw bucket's notification), one IAM role per workload.
const storage = new infra.Storage("storage", { storage: settings.storage, project, stack, tags });
const queues = new infra.Queues("queues", {
  queues: settings.queues,
  project,
  stack,
  rawBucket: storage.raw,
  eventBridge: settings.orchestration.enabled,
  tags,
});
const identity = new infra.Identity("identity", {
  clusterName: cluster.clusterName,
  clusterArn: cluster.clusterArn,
  workloadNamespace: settings.workloads.namespace,
  kedaNamespace: settings.keda.namespace,
  rawBucketArn: storage.raw.arn,
  processedBucketArn: storage.processed.arn,
  eventsBucketArn: storage.events.arn,
  preprocessQueueArn: queues.preprocess.queue.arn,
  eventsQueueArn: queues.events.queue.arn,
  dataKeyArn: storage.dataKeyArn,
  region: settings.region,
  tags,
});

// In-cluster platform and the processor image.
const keda = new infra.Keda("keda", {
  namespace: settings.keda.namespace,
  chartVersion: settings.keda.chartVersion,
  clusterName: cluster.clusterName,
  provider: cluster.provider,
  dependsOn: [identity.kedaOperatorAssociation, cluster.podIdentityAgent],
});
const image = new infra.ProcessorImage("processor", {
  image: settings.image,
  repositoryName: `${project}-${stack}-processor`,
  root: __dirname,
  forceDelete: settings.storage.forceDestroy,
  tags,
});

// Operations: alarms and dashboard.
const monitoring = new infra.Monitoring("monitoring", {
  settings,
  scope: pulumi
    .all([aws.getPartitionOutput().partition, aws.getCallerIdentityOutput().accountId])
    .apply(([partition, accountId]) => ({ partition, accountId, region: settings.region })),
  queues: {
    preprocess: names.preprocessQueue,
    preprocessDlq: names.preprocessDlq,
    events: names.eventsQueue,
    eventsDlq: names.eventsDlq,
  },
  processedBucket: storage.processed.name,
  eventsBucket: storage.events.name,
  clusterName: cluster.clusterName,
  addonDependsOn: [cluster.nodeGroup, cluster.podIdentityAgent],
});

// Outputs contract (README "Stack outputs"; tests/program-outputs.test.ts keeps them in step).
export const clusterName = cluster.clusterName;
export const kubeconfig = cluster.kubeconfig;
export const vpcId = network.vpcId;
export const privateSubnetIds = network.privateSubnetIds;
export const rawBucketName = storage.raw.name;
export const processedBucketName = storage.processed.name;
export const eventsBucketName = storage.events.name;
export const preprocessQueueUrl = queues.preprocess.queue.url;
export const preprocessDlqUrl = queues.preprocess.dlq.url;
export const eventsQueueUrl = queues.events.queue.url;
export const eventsDlqUrl = queues.events.dlq.url;
export const processorImage = image.imageRef;
export const kedaNamespace = keda.namespace;
export const workloadNamespace = settings.workloads.namespace;
export const alarmTopicArn = monitoring.alarmTopicArn;
export const dashboardName = monitoring.dashboardName;
