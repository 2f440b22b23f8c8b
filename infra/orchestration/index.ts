/**
 * The orchestrated variant (settings.orchestration.enabled): an upload under the variant's prefix in
 * the raw bucket (S3 → EventBridge) starts a Standard Step Functions workflow that runs the processing
 * on the cluster — a Kubernetes Job through `eks:runJob.sync`, or a Spark job on an EMR on EKS
 * virtual cluster — while copying the input into a lake bucket, then records the result in DynamoDB
 * and announces it on a custom event bus, whose rule mails the subscribers through an encrypted SNS
 * topic. Rules have dead-letter queues and retry policies; every role has exact actions.
 *
 * The logic lives in pure modules under `./orchestration/` (definition, Job manifest, policies,
 * patterns); this class only creates resources from them.
 */
import * as aws from "@pulumi/aws";
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { orchestrationAlarmSpecs } from "./alarms";
import { buildDefinition } from "./definition";
import { RESULTS_TABLE_KEY } from "../../config/workflow-names";
import { createEksEngine, createEmrEngine, engineInput } from "./engines";
import { createLake } from "./lake";
import { announcementsPattern, objectCreatedPattern } from "./patterns";
import {
  deadLetterQueuePolicy,
  notificationKeyPolicy,
  serviceTrustPolicy,
  startExecutionPolicy,
  stateMachinePolicy,
  topicPolicy,
} from "../iam/orchestration";
import type { PolicyDocument } from "../iam/documents";
import { stackPhysicalNames, type Settings } from "../../config";

/** Longest time EventBridge keeps retrying a delivery before it dead-letters the event. */
export const TARGET_MAX_EVENT_AGE_SECONDS = 3600;
/** Delivery attempts per event before it is dead-lettered. */
export const TARGET_MAX_RETRY_ATTEMPTS = 10;
/** Dead letters wait 14 days (the SQS maximum) for a human. */
export const DLQ_RETENTION_SECONDS = 1209600;

export interface OrchestrationArgs {
  /** The variant's settings (prefix, engine, e-mails, job timeout). */
  readonly settings: Settings["orchestration"];
  /** Node autoscaling mode: with Karpenter the Jobs run in its job pool, like the KEDA jobs. */
  readonly nodeAutoscaling?: Settings["nodeAutoscaling"];
  /** Largest upload the processing Job accepts, MiB (`workloads.preprocessMaxInputMiB`). */
  readonly maxInputMiB?: number;
  /** Storage settings (forceDestroy, retention of the lake's old versions). */
  readonly storage: Settings["storage"];
  readonly project: string;
  readonly stack: string;
  readonly region: string;
  /** The cluster that runs the processing. */
  readonly cluster: {
    readonly name: pulumi.Input<string>;
    readonly arn: pulumi.Input<string>;
    /** API server URL; Step Functions' EKS integration reaches it over the public endpoint. */
    readonly endpoint: pulumi.Input<string>;
    /** Base64 PEM of the cluster CA. */
    readonly certificateAuthority: pulumi.Input<string>;
    readonly provider: k8s.Provider;
  };
  /** Namespace of the workloads (an Output of the namespace resource, so RBAC waits for it). */
  readonly workloadNamespace: pulumi.Input<string>;
  readonly rawBucket: { readonly name: pulumi.Input<string>; readonly arn: pulumi.Input<string> };
  readonly processedBucket: {
    readonly name: pulumi.Input<string>;
    readonly arn: pulumi.Input<string>;
  };
  /** The KMS key every bucket encrypts with. */
  readonly dataKeyArn: pulumi.Input<string>;
  /** The processor image, digest-pinned. */
  readonly image: pulumi.Input<string>;
  /** The raw bucket's notification (with EventBridge on): the upload rule waits for it. */
  readonly rawNotification?: pulumi.Resource;
  /** Topic the variant's alarms notify (the pipeline's alarm topic); no alarms without it. */
  readonly alarmTopicArn?: pulumi.Input<string>;
  /** Alarm period, seconds (settings.monitoring.periodSeconds). */
  readonly alarmPeriodSeconds?: number;
  readonly tags?: Record<string, string>;
}

const json = (doc: PolicyDocument) => pulumi.jsonStringify(pulumi.output(doc));

export class Orchestration extends pulumi.ComponentResource {
  public readonly stateMachineArn: pulumi.Output<string>;
  public readonly resultsTableName: pulumi.Output<string>;
  public readonly eventBusName: pulumi.Output<string>;
  public readonly notificationTopicArn: pulumi.Output<string>;
  public readonly lakeBucketName: pulumi.Output<string>;
  public readonly deadLetterQueueUrl: pulumi.Output<string>;

  constructor(name: string, args: OrchestrationArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pipeline:infra:Orchestration", name, {}, opts);
    const self = { parent: this };
    const tags = args.tags ?? {};
    const o = args.settings;
    const base = `${args.project}-${args.stack}`;
    const names = stackPhysicalNames(args, args.storage.bucketPrefix);
    const caller = aws.getCallerIdentityOutput({}, self);
    const part = aws.getPartitionOutput({}, self);
    const account = caller.accountId;
    const partition = part.partition;
    const kms = { region: args.region, dnsSuffix: part.dnsSuffix };

    // --- The lake: the archive of every input this path processed.
    const lake = createLake(
      `${name}-lake`,
      {
        namePrefix: names.bucketPrefixes.lake,
        forceDestroy: args.storage.forceDestroy,
        noncurrentVersionDays: args.storage.noncurrentVersionDays,
        dataKeyArn: args.dataKeyArn,
        tags,
      },
      this,
    );

    // --- Results table, custom bus, encrypted topic, dead-letter queue.
    const table = new aws.dynamodb.Table(
      `${name}-results`,
      {
        name: names.resultsTable,
        billingMode: "PAY_PER_REQUEST",
        hashKey: RESULTS_TABLE_KEY,
        attributes: [{ name: RESULTS_TABLE_KEY, type: "S" }],
        pointInTimeRecovery: { enabled: true },
        // KMS (the AWS managed DynamoDB key): readers and writers need only table permissions.
        serverSideEncryption: { enabled: true },
        deletionProtectionEnabled: !args.storage.forceDestroy,
        tags,
      },
      self,
    );
    const busName = names.eventBus;
    const bus = new aws.cloudwatch.EventBus(`${name}-bus`, { name: busName, tags }, self);

    const topicKey = new aws.kms.Key(
      `${name}-notifications`,
      {
        description: `Encrypts the ${base} batch notifications`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: json(
          notificationKeyPolicy({ partition, account, region: args.region, eventBusName: busName }),
        ),
        tags,
      },
      self,
    );
    const topic = new aws.sns.Topic(
      `${name}-notifications`,
      { kmsMasterKeyId: topicKey.arn, tags },
      self,
    );
    for (const email of o.notificationEmails) {
      new aws.sns.TopicSubscription(
        `${name}-notify-${email}`,
        { topic: topic.arn, protocol: "email", endpoint: email },
        { parent: topic },
      );
    }
    const dlq = new aws.sqs.Queue(
      `${name}-rules-dlq`,
      {
        name: names.queues.batchRulesDlq,
        messageRetentionSeconds: DLQ_RETENTION_SECONDS,
        sqsManagedSseEnabled: true,
        tags,
      },
      self,
    );

    // --- The processing engine.
    const stateMachineName = names.stateMachine;
    const stateMachineArn = pulumi.interpolate`arn:${partition}:states:${args.region}:${account}:stateMachine:${stateMachineName}`;
    const stateMachineRole = new aws.iam.Role(
      `${name}-state-machine`,
      {
        description: `Step Functions workflow ${stateMachineName}`,
        assumeRolePolicy: json(
          serviceTrustPolicy("states.amazonaws.com", account, stateMachineArn),
        ),
        tags,
      },
      self,
    );

    const engine = (o.engine === "eks" ? createEksEngine : createEmrEngine)({
      name,
      parent: this,
      provider: args.cluster.provider,
      project: args.project,
      base,
      names,
      accountId: account,
      region: args.region,
      settings: o,
      cluster: args.cluster,
      workloadNamespace: pulumi.output(args.workloadNamespace),
      rawBucketArn: args.rawBucket.arn,
      processedBucket: args.processedBucket,
      dataKeyArn: args.dataKeyArn,
      kms,
      image: args.image,
      lake,
      stateMachineRoleArn: stateMachineRole.arn,
      tags,
    });

    const stateMachinePolicyResource = new aws.iam.RolePolicy(
      `${name}-state-machine`,
      {
        role: stateMachineRole.name,
        policy: json(
          stateMachinePolicy({
            rawBucketArn: args.rawBucket.arn,
            prefix: o.prefix,
            processedBucketArn: args.processedBucket.arn,
            lakeBucketArn: lake.arn,
            dataKeyArn: args.dataKeyArn,
            kms,
            tableArn: table.arn,
            eventBusArn: bus.arn,
            engine: engine.access,
          }),
        ),
      },
      { parent: stateMachineRole },
    );

    const definition = pulumi
      .all([partition, args.processedBucket.name, lake.bucket, table.name, bus.name, engine.values])
      .apply(([p, processed, lakeName, tableName, eventBusName, e]) =>
        JSON.stringify(
          buildDefinition({
            partition: p,
            prefix: o.prefix,
            processedBucket: processed,
            lakeBucket: lakeName,
            tableName,
            eventBusName,
            jobTimeoutSeconds: o.jobTimeoutSeconds,
            engine: engineInput(e, o, args.region, args.nodeAutoscaling, args.maxInputMiB),
          }),
        ),
      );
    const stateMachine = new aws.sfn.StateMachine(
      `${name}-batch`,
      {
        name: stateMachineName,
        type: "STANDARD",
        roleArn: stateMachineRole.arn,
        definition,
        tags,
      },
      // The first execution must find its permissions and the cluster access in place.
      { ...self, dependsOn: [stateMachinePolicyResource, ...engine.ready] },
    );

    // --- Raw bucket uploads under the prefix → the state machine.
    const uploadRuleName = names.uploadRule;
    // S3 publishes on the default bus: the rule's ARN has no bus segment.
    const uploadRuleArn = pulumi.interpolate`arn:${partition}:events:${args.region}:${account}:rule/${uploadRuleName}`;
    const invokeRole = new aws.iam.Role(
      `${name}-start-execution`,
      {
        description: `EventBridge starts ${stateMachineName}`,
        assumeRolePolicy: json(serviceTrustPolicy("events.amazonaws.com", account, uploadRuleArn)),
        tags,
      },
      self,
    );
    new aws.iam.RolePolicy(
      `${name}-start-execution`,
      { role: invokeRole.name, policy: json(startExecutionPolicy(stateMachine.arn)) },
      { parent: invokeRole },
    );
    const uploadRule = new aws.cloudwatch.EventRule(
      `${name}-uploads`,
      {
        name: uploadRuleName,
        description: `Objects created under ${o.prefix} in the raw bucket start ${stateMachineName}`,
        eventPattern: pulumi
          .output(args.rawBucket.name)
          .apply((bucket) => JSON.stringify(objectCreatedPattern(bucket, o.prefix))),
        tags,
      },
      { ...self, dependsOn: args.rawNotification ? [args.rawNotification] : [] },
    );
    const retryPolicy = {
      maximumEventAgeInSeconds: TARGET_MAX_EVENT_AGE_SECONDS,
      maximumRetryAttempts: TARGET_MAX_RETRY_ATTEMPTS,
    };
    new aws.cloudwatch.EventTarget(
      `${name}-uploads`,
      {
        rule: uploadRule.name,
        arn: stateMachine.arn,
        roleArn: invokeRole.arn,
        deadLetterConfig: { arn: dlq.arn },
        retryPolicy,
      },
      { parent: uploadRule },
    );

    // --- Announcements on the custom bus → the encrypted topic.
    const notifyRule = new aws.cloudwatch.EventRule(
      `${name}-announcements`,
      {
        description: `Processing results of ${stateMachineName} to the notification topic`,
        eventBusName: bus.name,
        eventPattern: JSON.stringify(announcementsPattern()),
        tags,
      },
      self,
    );
    const topicPolicyResource = new aws.sns.TopicPolicy(
      `${name}-notifications`,
      { arn: topic.arn, policy: json(topicPolicy(topic.arn, notifyRule.arn, account)) },
      { parent: topic },
    );
    new aws.cloudwatch.EventTarget(
      `${name}-announcements`,
      {
        rule: notifyRule.name,
        eventBusName: bus.name,
        arn: topic.arn,
        deadLetterConfig: { arn: dlq.arn },
        retryPolicy,
      },
      { parent: notifyRule, dependsOn: [topicPolicyResource] },
    );
    new aws.sqs.QueuePolicy(
      `${name}-rules-dlq`,
      {
        queueUrl: dlq.url,
        policy: json(deadLetterQueuePolicy(dlq.arn, [uploadRule.arn, notifyRule.arn])),
      },
      { parent: dlq },
    );

    // --- Alarms on the pipeline's alarm topic.
    const alarmTopicArn = args.alarmTopicArn;
    if (alarmTopicArn !== undefined) {
      const specs = orchestrationAlarmSpecs({
        stateMachineArn: stateMachine.arn,
        deadLetterQueueName: dlq.name,
        periodSeconds: args.alarmPeriodSeconds ?? 300,
      });
      for (const spec of specs) {
        new aws.cloudwatch.MetricAlarm(
          `${name}-${spec.key}`,
          {
            alarmDescription: spec.description,
            namespace: spec.namespace,
            metricName: spec.metricName,
            statistic: spec.statistic,
            dimensions: spec.dimensions,
            comparisonOperator: "GreaterThanThreshold",
            threshold: spec.threshold,
            period: spec.periodSeconds,
            evaluationPeriods: spec.evaluationPeriods,
            treatMissingData: "notBreaching",
            alarmActions: [alarmTopicArn],
            okActions: [alarmTopicArn],
            tags,
          },
          self,
        );
      }
    }

    this.stateMachineArn = stateMachine.arn;
    this.resultsTableName = table.name;
    this.eventBusName = bus.name;
    this.notificationTopicArn = topic.arn;
    this.lakeBucketName = lake.bucket;
    this.deadLetterQueueUrl = dlq.url;
    this.registerOutputs({
      stateMachineArn: this.stateMachineArn,
      resultsTableName: this.resultsTableName,
      eventBusName: this.eventBusName,
      notificationTopicArn: this.notificationTopicArn,
      lakeBucketName: this.lakeBucketName,
      deadLetterQueueUrl: this.deadLetterQueueUrl,
    });
  }
}
