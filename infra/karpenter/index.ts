/**
 * Karpenter: buys EC2 nodes when pods are pending (KEDA scaled the jobs or consumers up) and gives
 * them back when they are empty or underused. The controller runs on the managed node group with its
 * own Pod Identity role; nodes get a role of their own with an EC2_LINUX access entry; EC2
 * interruption events reach it through an encrypted SQS queue fed by EventBridge; one EC2NodeClass and
 * two NodePools (spot-first preprocess jobs, on-demand general) describe what it may buy.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createNodeRole } from "../node-role";
import { podIdentityTrustPolicy } from "../identity";
import { redrivePolicy, tlsOnlyQueuePolicy } from "../queues";
import {
  buildControllerValues,
  KARPENTER_CHART,
  KARPENTER_CRD_CHART,
  KARPENTER_CRD_RELEASE,
  KARPENTER_NAMESPACE,
  KARPENTER_RELEASE,
  KARPENTER_SERVICE_ACCOUNT,
} from "./chart";
import { eventPatternJson, INTERRUPTION_EVENTS } from "./interruption";
import {
  buildEc2NodeClass,
  buildNodePool,
  DISCOVERY_TAG_KEY,
  NODE_CLASS_NAME,
  NODE_CLASS_TYPE,
  NODE_POOL_NAMES,
  type PoolKind,
} from "../../k8s/specs";
import { buildControllerPolicy, buildInterruptionQueuePolicy } from "../iam/karpenter";
import type { Settings } from "../../config";

/** Retention of interruption events: Karpenter's own queue setting (a spot warning gives two minutes). */
export const INTERRUPTION_RETENTION_SECONDS = 300;
/** Receives of an interruption event Karpenter failed to handle before it moves to the DLQ. */
export const INTERRUPTION_MAX_RECEIVES = 5;
/** Retention of unhandled interruption events in the DLQ (14 days, SQS's maximum). */
export const INTERRUPTION_DLQ_RETENTION_SECONDS = 1209600;

export interface KarpenterArgs {
  /** The validated settings (karpenter section, image platform, preprocess deadline, region). */
  readonly settings: Settings;
  /** Name of the EKS cluster. */
  readonly clusterName: pulumi.Input<string>;
  /** ARN of the EKS cluster (partition and account are read from it). */
  readonly clusterArn: pulumi.Input<string>;
  /** API server endpoint; when absent Karpenter discovers it with eks:DescribeCluster. */
  readonly clusterEndpoint?: pulumi.Input<string>;
  /** Security group of the nodes; tagged here so the EC2NodeClass selects it. */
  readonly nodeSecurityGroupId: pulumi.Input<string>;
  /** Provider of the cluster. */
  readonly provider: k8s.Provider;
  /** What must run before the controller can start (managed node group, Pod Identity agent). */
  readonly systemDependencies?: pulumi.Input<pulumi.Resource>[];
  /** Tags for every AWS resource, and for the instances and volumes Karpenter launches. */
  readonly tags?: Record<string, string>;
}

/** Partition and account of an ARN (`arn:<partition>:<service>:<region>:<account>:...`). */
export function arnParts(arn: string): { partition: string; accountId: string } {
  const parts = arn.split(":");
  if (parts.length < 6 || parts[0] !== "arn" || !parts[1] || !parts[4]) {
    throw new Error(`not an ARN with an account: ${JSON.stringify(arn)}`);
  }
  return { partition: parts[1], accountId: parts[4] };
}

export class Karpenter extends pulumi.ComponentResource {
  /** Role of the nodes Karpenter launches. */
  public readonly nodeRole: aws.iam.Role;
  /** Role the controller assumes through Pod Identity. */
  public readonly controllerRoleArn: pulumi.Output<string>;
  public readonly interruptionQueueArn: pulumi.Output<string>;
  public readonly interruptionQueueName: pulumi.Output<string>;
  /** Dead-letter queue of the interruption queue (a message there is a node that may not have drained). */
  public readonly interruptionDlqName: pulumi.Output<string>;
  /** The controller's Helm release. */
  public readonly release: k8s.helm.v3.Release;
  /** The NodePools; pods that select a pool must wait for it. */
  public readonly nodePools: k8s.apiextensions.CustomResource[];
  /** NodePool names by pool. */
  public readonly nodePoolNames: Readonly<Record<PoolKind, string>> = NODE_POOL_NAMES;

  constructor(name: string, args: KarpenterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pipeline:infra:Karpenter", name, {}, opts);
    const tags = args.tags ?? {};
    const nodes = this.nodeIdentity(name, args, tags);
    this.nodeRole = nodes.role;
    const interruption = this.interruptionQueue(name, tags);
    const controller = this.controllerIdentity(name, args, nodes.role, interruption.queue, tags);
    this.release = this.charts(name, args, interruption.queue, [
      controller.association,
      controller.policy,
      interruption.policy,
    ]);
    const pools = this.nodeObjects(name, args, nodes, tags);
    this.nodePools = pools;

    this.controllerRoleArn = controller.role.arn;
    this.interruptionQueueArn = interruption.queue.arn;
    this.interruptionQueueName = interruption.queue.name;
    this.interruptionDlqName = interruption.dlq.name;
    this.registerOutputs({
      nodeRoleArn: this.nodeRole.arn,
      controllerRoleArn: this.controllerRoleArn,
      interruptionQueueArn: this.interruptionQueueArn,
      nodePools: pools.map((p) => p.metadata.name),
    });
  }

  /**
   * The nodes' own role (the managed group's role already has EKS's automatic access entry, so it
   * cannot get a second one) with an EC2_LINUX access entry, and the discovery tag on the node
   * security group (the network tags the private subnets).
   */
  private nodeIdentity(name: string, args: KarpenterArgs, tags: Record<string, string>) {
    const self = { parent: this };
    const partition = pulumi.output(args.clusterArn).apply((arn) => arnParts(arn).partition);
    const { role, attachments: policies } = createNodeRole(
      name,
      {
        description: pulumi.interpolate`Nodes Karpenter launches in ${args.clusterName}`,
        partition,
        tags,
      },
      this,
    );
    const accessEntry = new aws.eks.AccessEntry(
      `${name}-node`,
      { clusterName: args.clusterName, principalArn: role.arn, type: "EC2_LINUX", tags },
      { ...self, dependsOn: policies },
    );
    const securityGroupTag = new aws.ec2.Tag(
      `${name}-sg-discovery`,
      { resourceId: args.nodeSecurityGroupId, key: DISCOVERY_TAG_KEY, value: args.clusterName },
      self,
    );
    return { role, accessEntry, securityGroupTag };
  }

  /**
   * EventBridge → SQS (SSE) → Karpenter, which drains a node before EC2 takes it. Events older than
   * a few minutes are moot (a spot warning gives two); ones Karpenter failed to handle
   * {@link INTERRUPTION_MAX_RECEIVES} times are kept in a DLQ to investigate undrained terminations.
   */
  private interruptionQueue(name: string, tags: Record<string, string>) {
    const self = { parent: this };
    const dlq = new aws.sqs.Queue(
      `${name}-interruption-dlq`,
      {
        messageRetentionSeconds: INTERRUPTION_DLQ_RETENTION_SECONDS,
        sqsManagedSseEnabled: true,
        tags,
      },
      self,
    );
    const queue = new aws.sqs.Queue(
      `${name}-interruption`,
      {
        messageRetentionSeconds: INTERRUPTION_RETENTION_SECONDS,
        sqsManagedSseEnabled: true,
        redrivePolicy: dlq.arn.apply((arn) => redrivePolicy(arn, INTERRUPTION_MAX_RECEIVES)),
        tags,
      },
      self,
    );
    new aws.sqs.RedriveAllowPolicy(
      `${name}-interruption-dlq`,
      {
        queueUrl: dlq.url,
        redriveAllowPolicy: pulumi.jsonStringify({
          redrivePermission: "byQueue",
          sourceQueueArns: [queue.arn],
        }),
      },
      self,
    );
    new aws.sqs.QueuePolicy(
      `${name}-interruption-dlq`,
      { queueUrl: dlq.url, policy: pulumi.jsonStringify(tlsOnlyQueuePolicy(dlq.arn)) },
      self,
    );
    const rules = INTERRUPTION_EVENTS.map((event) => {
      const rule = new aws.cloudwatch.EventRule(
        `${name}-${event.key}`,
        {
          description: `Karpenter: ${event.description}`,
          eventPattern: eventPatternJson(event),
          tags,
        },
        self,
      );
      new aws.cloudwatch.EventTarget(
        `${name}-${event.key}`,
        { rule: rule.name, arn: queue.arn, targetId: "KarpenterInterruptionQueue" },
        { parent: rule },
      );
      return rule;
    });
    const policy = new aws.sqs.QueuePolicy(
      `${name}-interruption`,
      {
        queueUrl: queue.url,
        policy: pulumi
          .all([queue.arn, pulumi.all(rules.map((r) => r.arn))])
          .apply(([queueArn, ruleArns]) =>
            JSON.stringify(buildInterruptionQueuePolicy(queueArn, ruleArns)),
          ),
      },
      self,
    );
    return { queue, dlq, policy };
  }

  /** The controller's role: Pod Identity for kube-system/karpenter, the documented policy, scoped. */
  private controllerIdentity(
    name: string,
    args: KarpenterArgs,
    nodeRole: aws.iam.Role,
    queue: aws.sqs.Queue,
    tags: Record<string, string>,
  ) {
    const self = { parent: this };
    const role = new aws.iam.Role(
      `${name}-controller`,
      {
        description: pulumi.interpolate`Karpenter controller of ${args.clusterName}`,
        assumeRolePolicy: pulumi.jsonStringify(
          podIdentityTrustPolicy({
            clusterArn: args.clusterArn,
            namespace: KARPENTER_NAMESPACE,
            serviceAccount: KARPENTER_SERVICE_ACCOUNT,
          }),
        ),
        tags,
      },
      self,
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-controller`,
      {
        role: role.name,
        policy: pulumi
          .all([args.clusterName, args.clusterArn, nodeRole.arn, queue.arn])
          .apply(([clusterName, clusterArn, nodeRoleArn, interruptionQueueArn]) =>
            JSON.stringify(
              buildControllerPolicy({
                ...arnParts(clusterArn),
                region: args.settings.region,
                clusterName,
                clusterArn,
                nodeRoleArn,
                interruptionQueueArn,
              }),
            ),
          ),
      },
      self,
    );
    const association = new aws.eks.PodIdentityAssociation(
      `${name}-controller`,
      {
        clusterName: args.clusterName,
        namespace: KARPENTER_NAMESPACE,
        serviceAccount: KARPENTER_SERVICE_ACCOUNT,
        roleArn: role.arn,
        tags,
      },
      self,
    );
    return { role, policy, association };
  }

  /** CRDs first (their own release, so upgrades reach them), then the controller. */
  private charts(
    name: string,
    args: KarpenterArgs,
    queue: aws.sqs.Queue,
    identity: pulumi.Resource[],
  ): k8s.helm.v3.Release {
    const k8sOpts = { parent: this, provider: args.provider };
    const release = {
      version: args.settings.karpenter.chartVersion,
      namespace: KARPENTER_NAMESPACE,
      atomic: true,
      cleanupOnFail: true,
      maxHistory: 5,
    };
    const crds = new k8s.helm.v3.Release(
      `${name}-crds`,
      { ...release, name: KARPENTER_CRD_RELEASE, chart: KARPENTER_CRD_CHART },
      k8sOpts,
    );
    return new k8s.helm.v3.Release(
      `${name}-controller`,
      {
        ...release,
        name: KARPENTER_RELEASE,
        chart: KARPENTER_CHART,
        skipCrds: true,
        timeout: 600,
        values: pulumi
          .all([args.clusterName, args.clusterEndpoint ?? "", queue.name])
          .apply(([clusterName, clusterEndpoint, interruptionQueueName]) =>
            buildControllerValues({
              clusterName,
              clusterEndpoint,
              interruptionQueueName,
              region: args.settings.region,
              systemNodes: args.settings.cluster.nodeGroup.minSize,
            }),
          ),
      },
      { ...k8sOpts, dependsOn: [crds, ...identity, ...(args.systemDependencies ?? [])] },
    );
  }

  /** What Karpenter may buy: the EC2NodeClass and the two NodePools, after the controller. */
  private nodeObjects(
    name: string,
    args: KarpenterArgs,
    nodes: ReturnType<Karpenter["nodeIdentity"]>,
    tags: Record<string, string>,
  ): k8s.apiextensions.CustomResource[] {
    const k8sOpts = { parent: this, provider: args.provider };
    const k = args.settings.karpenter;
    const nodeClass = new k8s.apiextensions.CustomResource(
      `${name}-node-class`,
      {
        ...NODE_CLASS_TYPE,
        metadata: { name: NODE_CLASS_NAME },
        spec: pulumi.all([args.clusterName, nodes.role.name]).apply(
          ([clusterName, nodeRoleName]) =>
            buildEc2NodeClass({
              clusterName,
              nodeRoleName,
              amiAlias: k.amiAlias,
              volumeGiB: k.nodeVolumeGiB,
              tags,
            }).spec,
        ),
      },
      { ...k8sOpts, dependsOn: [this.release, nodes.accessEntry, nodes.securityGroupTag] },
    );
    return (["jobs", "general"] as const).map((pool) => {
      const { apiVersion, kind, metadata, spec } = buildNodePool(args.settings, pool);
      return new k8s.apiextensions.CustomResource(
        `${name}-${NODE_POOL_NAMES[pool]}`,
        { apiVersion, kind, metadata, spec },
        { ...k8sOpts, dependsOn: [this.release, nodeClass] },
      );
    });
  }
}
