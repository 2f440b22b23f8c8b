/**
 * Operations: an encrypted alarm topic, the queue alarms, a dashboard, S3 request metrics for the
 * outputs, and Container Insights (pod logs and metrics) with log retention.
 */
import { KEYS } from "@pipeline/processor/contract";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { observabilityAddonConfiguration } from "./addon";
import { alarmSpecs, dlqAlarmSpec, type AlarmSpec, type WatchedQueues } from "./alarms";
import { dashboardBody } from "./dashboard";
import {
  alarmTopicKeyPolicy,
  alarmTopicPolicy,
  containerInsightsAgentPolicy,
  containerInsightsLogGroups,
  type AccountScope,
} from "../iam/monitoring";
import { podIdentityTrustPolicy } from "../identity";
import type { Cluster } from "../cluster";
import { physicalNames, stackPhysicalNames } from "../../config";
import type { Settings } from "../../config";
import type { Storage } from "../storage";

/** Namespace and service account of the CloudWatch agent (set by the add-on). */
export const CLOUDWATCH_AGENT = {
  namespace: "amazon-cloudwatch",
  serviceAccount: "cloudwatch-agent",
};

export interface MonitoringArgs {
  /** Validated settings of the stack. */
  readonly settings: Settings;
  /** Project and stack: the queues' physical names and the dashboard's name derive from them. */
  readonly project: string;
  readonly stack: string;
  /** The cluster whose pod logs and metrics go to Container Insights (the add-on waits for its nodes). */
  readonly cluster: Pick<
    Cluster,
    "clusterName" | "clusterArn" | "systemNodes" | "podIdentityReady"
  >;
  /** The buckets that receive `output/` and `events/` objects. */
  readonly storage: Pick<Storage, "processedBucketName" | "eventsBucketName">;
  /** Further dead-letter queues to alarm on (e.g. Karpenter's interruption DLQ), by alarm key. */
  readonly extraDeadLetterQueues?: readonly ExtraDeadLetterQueue[];
}

/** A dead-letter queue of another component, whose name is known only after deployment. */
export interface ExtraDeadLetterQueue {
  /** Alarm key (child name suffix), e.g. `karpenter-interruption-dlq-messages`. */
  readonly key: string;
  /** Who gave up on the messages, for the alarm's description. */
  readonly source: string;
  readonly queueName: pulumi.Input<string>;
}

export class Monitoring extends pulumi.ComponentResource {
  /** ARN of the encrypted SNS topic every alarm notifies. */
  public readonly alarmTopicArn: pulumi.Output<string>;
  /** Name of the CloudWatch dashboard. */
  public readonly dashboardName: pulumi.Output<string>;
  /** Names of the alarms. */
  public readonly alarmNames: pulumi.Output<string>[];

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pipeline:infra:Monitoring", name, {}, opts);
    const self = { parent: this };
    const { settings, cluster } = args;
    const scope = pulumi.output({
      partition: aws.getPartitionOutput({}, self).partition,
      accountId: aws.getCallerIdentityOutput({}, self).accountId,
      region: settings.region,
    });
    const names = physicalNames(args.project, args.stack);
    const queues: WatchedQueues = {
      preprocess: names.preprocessQueue,
      preprocessDlq: names.preprocessDlq,
      events: names.eventsQueue,
      eventsDlq: names.eventsDlq,
    };
    const processedBucket = args.storage.processedBucketName;
    const eventsBucket = args.storage.eventsBucketName;

    const key = new aws.kms.Key(
      `${name}-alarms`,
      {
        description: `Encrypts ${name} alarm notifications`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: scope.apply((s) => JSON.stringify(alarmTopicKeyPolicy(s))),
      },
      self,
    );
    const topic = new aws.sns.Topic(`${name}-alarms`, { kmsMasterKeyId: key.arn }, self);
    new aws.sns.TopicPolicy(
      `${name}-alarms`,
      {
        arn: topic.arn,
        policy: pulumi
          .all([scope, topic.arn])
          .apply(([s, arn]) => JSON.stringify(alarmTopicPolicy(s, arn))),
      },
      self,
    );
    for (const email of settings.monitoring.alarmEmails) {
      new aws.sns.TopicSubscription(
        `${name}-alarms-${email}`,
        { topic: topic.arn, protocol: "email", endpoint: email },
        self,
      );
    }

    this.alarmNames = [
      ...alarmSpecs(settings, queues).map((spec) => this.alarm(name, spec, topic.arn).name),
      ...(args.extraDeadLetterQueues ?? []).map(
        (dlq) =>
          this.alarm(
            name,
            dlqAlarmSpec(settings, dlq.key, "its dead-letter queue", dlq.source),
            topic.arn,
            dlq.queueName,
          ).name,
      ),
    ];

    const outputFilter = new aws.s3.BucketMetric(
      `${name}-output-puts`,
      { bucket: processedBucket, name: "output", filter: { prefix: KEYS.outputPrefix } },
      self,
    );
    const eventsFilter = new aws.s3.BucketMetric(
      `${name}-events-puts`,
      { bucket: eventsBucket, name: "events", filter: { prefix: KEYS.eventsPrefix } },
      self,
    );
    const alarmArns = pulumi
      .all([scope, pulumi.all(this.alarmNames)])
      .apply(([s, names]) =>
        names.map((n) => `arn:${s.partition}:cloudwatch:${s.region}:${s.accountId}:alarm:${n}`),
      );
    const dashboard = new aws.cloudwatch.Dashboard(
      `${name}-dashboard`,
      {
        dashboardName: stackPhysicalNames(args).dashboard,
        dashboardBody: pulumi
          .all([
            scope,
            processedBucket,
            eventsBucket,
            outputFilter.name,
            eventsFilter.name,
            alarmArns,
          ])
          .apply(([s, processed, events, outputId, eventsId, arns]) =>
            JSON.stringify(
              dashboardBody({
                region: s.region,
                queues,
                processedBucket: processed,
                eventsBucket: events,
                outputFilterId: outputId,
                eventsFilterId: eventsId,
                alarmArns: arns,
              }),
            ),
          ),
      },
      self,
    );

    this.containerInsights(name, settings, cluster, scope);

    this.alarmTopicArn = topic.arn;
    this.dashboardName = dashboard.dashboardName;
    this.registerOutputs({ alarmTopicArn: this.alarmTopicArn, dashboardName: this.dashboardName });
  }

  private alarm(
    name: string,
    spec: AlarmSpec,
    topicArn: pulumi.Output<string>,
    /** The queue of a single-metric alarm, when its name is an output. */
    queueName?: pulumi.Input<string>,
  ): aws.cloudwatch.MetricAlarm {
    const common = {
      alarmDescription: spec.description,
      comparisonOperator: spec.comparison,
      threshold: spec.threshold,
      evaluationPeriods: spec.evaluationPeriods,
      datapointsToAlarm: spec.datapointsToAlarm,
      treatMissingData: spec.treatMissingData,
      alarmActions: [topicArn],
      okActions: [topicArn],
    };
    const first = spec.metrics[0];
    if (!spec.expression && first) {
      return new aws.cloudwatch.MetricAlarm(
        `${name}-${spec.key}`,
        {
          ...common,
          namespace: "AWS/SQS",
          metricName: first.metricName,
          statistic: first.stat,
          period: spec.periodSeconds,
          dimensions: { QueueName: queueName ?? first.queueName },
        },
        { parent: this },
      );
    }
    return new aws.cloudwatch.MetricAlarm(
      `${name}-${spec.key}`,
      {
        ...common,
        metricQueries: [
          { id: "e1", expression: spec.expression, label: spec.key, returnData: true },
          ...spec.metrics.map((m) => ({
            id: m.id,
            returnData: false,
            metric: {
              namespace: "AWS/SQS",
              metricName: m.metricName,
              stat: m.stat,
              period: spec.periodSeconds,
              dimensions: { QueueName: m.queueName },
            },
          })),
        ],
      },
      { parent: this },
    );
  }

  /** Container Insights: log groups with retention, the agent's role, and the pinned add-on. */
  private containerInsights(
    name: string,
    settings: Settings,
    cluster: MonitoringArgs["cluster"],
    scope: pulumi.Output<AccountScope>,
  ) {
    const self = { parent: this };
    const groups = cluster.clusterName.apply(containerInsightsLogGroups);
    const logGroups = ["application", "dataplane", "host", "performance"].map(
      (kind, i) =>
        new aws.cloudwatch.LogGroup(
          `${name}-insights-${kind}`,
          {
            name: groups.apply((g) => g[i] ?? ""),
            retentionInDays: settings.monitoring.logRetentionDays,
          },
          self,
        ),
    );
    const role = new aws.iam.Role(
      `${name}-cloudwatch-agent`,
      {
        description: "CloudWatch agent and Fluent Bit of Container Insights (Pod Identity)",
        assumeRolePolicy: pulumi.jsonStringify(
          podIdentityTrustPolicy({ clusterArn: cluster.clusterArn, ...CLOUDWATCH_AGENT }),
        ),
      },
      self,
    );
    new aws.iam.RolePolicy(
      `${name}-cloudwatch-agent`,
      {
        role: role.name,
        policy: pulumi
          .all([scope, cluster.clusterName])
          .apply(([s, cluster]) => JSON.stringify(containerInsightsAgentPolicy(s, cluster))),
      },
      self,
    );
    new aws.eks.Addon(
      `${name}-cloudwatch-observability`,
      {
        clusterName: cluster.clusterName,
        addonName: "amazon-cloudwatch-observability",
        addonVersion: settings.monitoring.observabilityAddonVersion,
        // Application Signals off (see addon.ts): nothing here is instrumented for it.
        configurationValues: JSON.stringify(observabilityAddonConfiguration()),
        podIdentityAssociations: [
          { roleArn: role.arn, serviceAccount: CLOUDWATCH_AGENT.serviceAccount },
        ],
        resolveConflictsOnCreate: "OVERWRITE",
        resolveConflictsOnUpdate: "PRESERVE",
      },
      // The agents run as pods: they need nodes and the Pod Identity agent.
      { ...self, dependsOn: [...logGroups, ...cluster.systemNodes, ...cluster.podIdentityReady] },
    );
  }
}
