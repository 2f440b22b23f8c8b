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
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { podIdentityTrustPolicy } from "./identity";
import {
  buildDefinition,
  LAKE_ARTIFACTS_PREFIX,
  RESULTS_TABLE_KEY,
  type DefinitionInput,
} from "./orchestration/definition";
import { buildJobManifest, JOB_SERVICE_ACCOUNT } from "./orchestration/job";
import { announcementsPattern, objectCreatedPattern } from "./orchestration/patterns";
import {
  deadLetterQueuePolicy,
  jobRolePolicy,
  notificationKeyPolicy,
  serviceTrustPolicy,
  startExecutionPolicy,
  stateMachinePolicy,
  topicPolicy,
  type EngineAccess,
} from "./orchestration/policies";
import {
  orchestratorRbac,
  sparkNamespaceName,
  SPARK_SERVICE_ACCOUNT,
  sparkSubmitParameters,
} from "./orchestration/rbac";
import type { PolicyDocument } from "./policies";
import type { Settings } from "./settings";
import { bucketPolicy } from "./storage";

/** Longest time EventBridge keeps retrying a delivery before it dead-letters the event. */
export const TARGET_MAX_EVENT_AGE_SECONDS = 3600;
/** Delivery attempts per event before it is dead-lettered. */
export const TARGET_MAX_RETRY_ATTEMPTS = 10;
/** Dead letters wait 14 days (the SQS maximum) for a human. */
export const DLQ_RETENTION_SECONDS = 1209600;

export interface OrchestrationArgs {
  /** The variant's settings (prefix, engine, e-mails, job timeout). */
  readonly settings: Settings["orchestration"];
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
  readonly tags?: Record<string, string>;
}

const json = (doc: PolicyDocument) => pulumi.jsonStringify(pulumi.output(doc));

/** The engine's resolved names (plain strings, so Outputs of it stay shallow). */
type EngineValues =
  | {
      readonly kind: "eks";
      readonly clusterName: string;
      readonly endpoint: string;
      readonly certificateAuthority: string;
      readonly namespace: string;
      readonly image: string;
      readonly processedBucket: string;
    }
  | Extract<DefinitionInput["engine"], { kind: "emr" }>;

/** The definition's engine input from resolved names (the Job manifest is built here). */
export function engineInput(
  e: EngineValues,
  o: Settings["orchestration"],
  region: string,
): DefinitionInput["engine"] {
  if (e.kind === "emr") return e;
  return {
    kind: "eks",
    clusterName: e.clusterName,
    endpoint: e.endpoint,
    certificateAuthority: e.certificateAuthority,
    namespace: e.namespace,
    job: buildJobManifest({
      image: e.image,
      namespace: e.namespace,
      prefix: o.prefix,
      outputBucket: e.processedBucket,
      region,
      activeDeadlineSeconds: o.jobTimeoutSeconds,
    }),
  };
}

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
    const k8sOpts = { parent: this, provider: args.cluster.provider };
    const tags = args.tags ?? {};
    const o = args.settings;
    const base = `${args.project}-${args.stack}`;
    const caller = aws.getCallerIdentityOutput({}, self);
    const part = aws.getPartitionOutput({}, self);
    const account = caller.accountId;
    const partition = part.partition;
    const kms = { region: args.region, dnsSuffix: part.dnsSuffix };

    // --- The lake: the archive of every input this path processed (same hardening as the buckets).
    const lake = new aws.s3.Bucket(
      `${name}-lake`,
      { bucketPrefix: `${base}-lake-`, forceDestroy: args.storage.forceDestroy, tags },
      self,
    );
    const lakeChild = { parent: lake };
    new aws.s3.BucketOwnershipControls(
      `${name}-lake`,
      { bucket: lake.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
      lakeChild,
    );
    const lakeAccess = new aws.s3.BucketPublicAccessBlock(
      `${name}-lake`,
      {
        bucket: lake.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      lakeChild,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-lake`,
      {
        bucket: lake.id,
        rules: [
          {
            applyServerSideEncryptionByDefault: {
              sseAlgorithm: "aws:kms",
              kmsMasterKeyId: args.dataKeyArn,
            },
            bucketKeyEnabled: true,
          },
        ],
      },
      lakeChild,
    );
    const lakeVersioning = new aws.s3.BucketVersioning(
      `${name}-lake`,
      { bucket: lake.id, versioningConfiguration: { status: "Enabled" } },
      lakeChild,
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-lake`,
      {
        bucket: lake.id,
        rules: [
          {
            id: "abort-incomplete-uploads",
            status: "Enabled",
            filter: { prefix: "" },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
            noncurrentVersionExpiration: { noncurrentDays: args.storage.noncurrentVersionDays },
          },
        ],
      },
      { ...lakeChild, dependsOn: [lakeVersioning] },
    );
    new aws.s3.BucketPolicy(
      `${name}-lake`,
      { bucket: lake.id, policy: json(bucketPolicy(lake.arn)) },
      { ...lakeChild, dependsOn: [lakeAccess] },
    );

    // --- Results table, custom bus, encrypted topic, dead-letter queue.
    const table = new aws.dynamodb.Table(
      `${name}-results`,
      {
        name: `${base}-batch-results`,
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
    const busName = `${base}-pipeline`;
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
        name: `${base}-batch-rules-dlq`,
        messageRetentionSeconds: DLQ_RETENTION_SECONDS,
        sqsManagedSseEnabled: true,
        tags,
      },
      self,
    );

    // --- The processing engine.
    const namespace = pulumi.output(args.workloadNamespace);
    const stateMachineName = `${base}-batch`;
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

    let engine: pulumi.Output<EngineValues>;
    let engineAccess: EngineAccess;
    const engineReady: pulumi.Resource[] = [];
    if (o.engine === "eks") {
      const jobRole = this.podRole(`${name}-job`, {
        clusterName: args.cluster.name,
        clusterArn: args.cluster.arn,
        namespace,
        serviceAccount: JOB_SERVICE_ACCOUNT,
        policy: jobRolePolicy({
          rawBucketArn: args.rawBucket.arn,
          prefix: o.prefix,
          processedBucketArn: args.processedBucket.arn,
          dataKeyArn: args.dataKeyArn,
          kms,
        }),
        tags,
      });
      engineReady.push(jobRole.association);
      engineReady.push(
        new k8s.core.v1.ServiceAccount(
          `${name}-job`,
          {
            metadata: {
              name: JOB_SERVICE_ACCOUNT,
              namespace,
              labels: { "app.kubernetes.io/part-of": args.project },
            },
            automountServiceAccountToken: false,
          },
          k8sOpts,
        ),
      );
      // The state machine's role reaches the Kubernetes API through an access entry in a group that
      // a namespaced Role binds: create/watch Jobs and read their Pods in this namespace, nothing else.
      const rbac = namespace.apply((ns) => orchestratorRbac(ns, args.project));
      const access = new aws.eks.AccessEntry(
        `${name}-state-machine`,
        {
          clusterName: args.cluster.name,
          principalArn: stateMachineRole.arn,
          type: "STANDARD",
          kubernetesGroups: [rbac.group],
          tags,
        },
        self,
      );
      const role = new k8s.rbac.v1.Role(`${name}-orchestrator`, rbac.role, k8sOpts);
      const binding = new k8s.rbac.v1.RoleBinding(`${name}-orchestrator`, rbac.roleBinding, {
        ...k8sOpts,
        dependsOn: [role],
      });
      engineReady.push(access, role, binding);
      engineAccess = { kind: "eks", clusterArn: args.cluster.arn };
      engine = pulumi
        .all([
          args.cluster.name,
          args.cluster.endpoint,
          args.cluster.certificateAuthority,
          namespace,
          args.image,
          args.processedBucket.name,
        ])
        .apply(([clusterName, endpoint, ca, ns, image, processed]) => ({
          kind: "eks" as const,
          clusterName,
          endpoint,
          certificateAuthority: ca,
          namespace: ns,
          image,
          processedBucket: processed,
        }));
    } else {
      // Spark pods are not built for Pod Security "restricted": they get a namespace of their own.
      const sparkNamespace = new k8s.core.v1.Namespace(
        `${name}-spark`,
        {
          metadata: {
            name: namespace.apply(sparkNamespaceName),
            labels: {
              "app.kubernetes.io/part-of": args.project,
              "pod-security.kubernetes.io/enforce": "baseline",
              "pod-security.kubernetes.io/warn": "restricted",
            },
          },
        },
        k8sOpts,
      );
      const sparkNs = sparkNamespace.metadata.name;
      const execRole = this.podRole(`${name}-spark`, {
        clusterName: args.cluster.name,
        clusterArn: args.cluster.arn,
        namespace: sparkNs,
        serviceAccount: SPARK_SERVICE_ACCOUNT,
        policy: jobRolePolicy({
          rawBucketArn: args.rawBucket.arn,
          prefix: o.prefix,
          processedBucketArn: args.processedBucket.arn,
          dataKeyArn: args.dataKeyArn,
          kms,
          lakeBucketArn: lake.arn,
        }),
        tags,
      });
      const sa = new k8s.core.v1.ServiceAccount(
        `${name}-spark`,
        { metadata: { name: SPARK_SERVICE_ACCOUNT, namespace: sparkNs } },
        k8sOpts,
      );
      // EMR on EKS creates its own access entry and namespaced RBAC for a new virtual cluster
      // (cluster authentication mode API).
      const virtualCluster = new aws.emrcontainers.VirtualCluster(
        `${name}-spark`,
        {
          name: `${base}-batch`,
          containerProvider: {
            id: args.cluster.name,
            type: "EKS",
            info: { eksInfo: { namespace: sparkNs } },
          },
          tags,
        },
        { ...self, dependsOn: [sa] },
      );
      const script = new aws.s3.BucketObjectv2(
        `${name}-spark-entry-point`,
        {
          bucket: lake.id,
          key: `${LAKE_ARTIFACTS_PREFIX}preprocess_object.py`,
          source: new pulumi.asset.FileAsset(
            `${__dirname}/orchestration/spark/preprocess_object.py`,
          ),
          contentType: "text/x-python",
          tags,
        },
        lakeChild,
      );
      engineReady.push(execRole.association, sa, virtualCluster, script);
      engineAccess = {
        kind: "emr",
        virtualClusterArn: virtualCluster.arn,
        executionRoleArn: execRole.role.arn,
      };
      engine = pulumi
        .all([virtualCluster.id, execRole.role.arn, lake.bucket])
        .apply(([virtualClusterId, executionRoleArn, lakeName]) => ({
          kind: "emr" as const,
          virtualClusterId,
          executionRoleArn,
          releaseLabel: o.emrReleaseLabel,
          entryPoint: `s3://${lakeName}/${LAKE_ARTIFACTS_PREFIX}preprocess_object.py`,
          sparkSubmitParameters: sparkSubmitParameters(SPARK_SERVICE_ACCOUNT),
        }));
    }

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
            engine: engineAccess,
          }),
        ),
      },
      { parent: stateMachineRole },
    );

    const definition = pulumi
      .all([partition, args.processedBucket.name, lake.bucket, table.name, bus.name, engine])
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
            engine: engineInput(e, o, args.region),
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
      { ...self, dependsOn: [stateMachinePolicyResource, ...engineReady] },
    );

    // --- Raw bucket uploads under the prefix → the state machine.
    const invokeRole = new aws.iam.Role(
      `${name}-start-execution`,
      {
        description: `EventBridge starts ${stateMachineName}`,
        assumeRolePolicy: json(serviceTrustPolicy("events.amazonaws.com", account)),
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

  /** A Pod Identity role for one service account, with its inline policy and association. */
  private podRole(
    name: string,
    args: {
      clusterName: pulumi.Input<string>;
      clusterArn: pulumi.Input<string>;
      namespace: pulumi.Output<string>;
      serviceAccount: string;
      policy: PolicyDocument;
      tags: Record<string, string>;
    },
  ): { role: aws.iam.Role; association: aws.eks.PodIdentityAssociation } {
    const role = new aws.iam.Role(
      name,
      {
        description: `Pod Identity role of the ${args.serviceAccount} service account`,
        assumeRolePolicy: args.namespace.apply((namespace) =>
          pulumi.jsonStringify(
            podIdentityTrustPolicy({
              clusterArn: args.clusterArn,
              namespace,
              serviceAccount: args.serviceAccount,
            }),
          ),
        ),
        tags: args.tags,
      },
      { parent: this },
    );
    new aws.iam.RolePolicy(name, { role: role.name, policy: json(args.policy) }, { parent: role });
    const association = new aws.eks.PodIdentityAssociation(
      name,
      {
        clusterName: args.clusterName,
        namespace: args.namespace,
        serviceAccount: args.serviceAccount,
        roleArn: role.arn,
        tags: args.tags,
      },
      { parent: role },
    );
    return { role, association };
  }
}
