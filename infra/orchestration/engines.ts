/**
 * Where the workflow's processing runs, and what that needs on the AWS and Kubernetes side:
 *
 * - `eks`: a Kubernetes Job per input (`eks:runJob.sync`). The Job's service account has its own
 *   Pod Identity role; the state machine's role gets an access entry in a group that a namespaced
 *   Role binds (see `rbac.ts` for why not an EKS access policy).
 * - `emr`: a Spark job run on an EMR on EKS virtual cluster in a namespace of its own, whose driver
 *   and executors use a service account with the job execution role (Pod Identity).
 *
 * Called from the Orchestration component's constructor only; every resource is its child.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { podIdentityTrustPolicy, type KmsScope } from "../identity";
import type { PolicyDocument } from "../iam/documents";
import type { Settings, StackPhysicalNames } from "../../config";
import { SPARK_ENTRY_POINT, type EngineValues } from "./engine-input";
import { LAKE_ARTIFACTS_PREFIX } from "../../config/workflow-names";
import { jobRolePolicy, type EngineAccess } from "../iam/orchestration";
import {
  batchJobServiceAccountSpec,
  JOB_SERVICE_ACCOUNT,
  orchestratorRbac,
  sparkNamespaceName,
  sparkNamespaceSpec,
  sparkSubmitParameters,
} from "../../k8s/specs";
import { EMR_SPARK_COMPONENTS, emrJobServiceAccounts } from "./emr-identity";

export { engineInput, SPARK_ENTRY_POINT, type EngineValues } from "./engine-input";

/** What the component hands to an engine. */
export interface EngineContext {
  readonly name: string;
  readonly parent: pulumi.Resource;
  readonly provider: k8s.Provider;
  readonly project: string;
  /** `<project>-<stack>`, for physical names. */
  readonly base: string;
  /** The stack's physical names (the EMR engine's role and virtual cluster). */
  readonly names: StackPhysicalNames;
  readonly accountId: pulumi.Input<string>;
  readonly region: string;
  readonly settings: Settings["orchestration"];
  readonly cluster: {
    readonly name: pulumi.Input<string>;
    readonly arn: pulumi.Input<string>;
    readonly endpoint: pulumi.Input<string>;
    readonly certificateAuthority: pulumi.Input<string>;
  };
  readonly workloadNamespace: pulumi.Output<string>;
  readonly rawBucketArn: pulumi.Input<string>;
  readonly processedBucket: {
    readonly name: pulumi.Input<string>;
    readonly arn: pulumi.Input<string>;
  };
  readonly dataKeyArn: pulumi.Input<string>;
  readonly kms: KmsScope;
  readonly image: pulumi.Input<string>;
  readonly lake: aws.s3.Bucket;
  readonly stateMachineRoleArn: pulumi.Input<string>;
  readonly tags: Record<string, string>;
}

/** An engine's resources, as the state machine needs them. */
export interface Engine {
  readonly values: pulumi.Output<EngineValues>;
  readonly access: EngineAccess;
  /** What must exist before the first execution (associations, RBAC, service accounts). */
  readonly ready: pulumi.Resource[];
}

/** A Pod Identity role for one service account, with its inline policy and association. */
function podRole(
  ctx: EngineContext,
  name: string,
  namespace: pulumi.Output<string>,
  serviceAccount: string,
  policy: PolicyDocument,
): { role: aws.iam.Role; policy: aws.iam.RolePolicy; association: aws.eks.PodIdentityAssociation } {
  const role = new aws.iam.Role(
    name,
    {
      description: `Pod Identity role of the ${serviceAccount} service account`,
      assumeRolePolicy: namespace.apply((ns) =>
        pulumi.jsonStringify(
          podIdentityTrustPolicy({ clusterArn: ctx.cluster.arn, namespace: ns, serviceAccount }),
        ),
      ),
      tags: ctx.tags,
    },
    { parent: ctx.parent },
  );
  const rolePolicy = new aws.iam.RolePolicy(
    name,
    { role: role.name, policy: pulumi.jsonStringify(pulumi.output(policy)) },
    { parent: role },
  );
  const association = new aws.eks.PodIdentityAssociation(
    name,
    {
      clusterName: ctx.cluster.name,
      namespace,
      serviceAccount,
      roleArn: role.arn,
      tags: ctx.tags,
    },
    { parent: role },
  );
  return { role, policy: rolePolicy, association };
}

/** The processing job's policy; the EMR engine also reads its Spark entry point from the lake. */
function jobPolicy(ctx: EngineContext, lakeBucketArn?: pulumi.Input<string>): PolicyDocument {
  return jobRolePolicy({
    rawBucketArn: ctx.rawBucketArn,
    prefix: ctx.settings.prefix,
    processedBucketArn: ctx.processedBucket.arn,
    dataKeyArn: ctx.dataKeyArn,
    kms: ctx.kms,
    ...(lakeBucketArn === undefined ? {} : { lakeBucketArn }),
  });
}

/** The `eks` engine: a Kubernetes Job per input in the workload namespace. */
export function createEksEngine(ctx: EngineContext): Engine {
  const { name, tags } = ctx;
  const k8sOpts = { parent: ctx.parent, provider: ctx.provider };
  const namespace = ctx.workloadNamespace;
  const job = podRole(ctx, `${name}-job`, namespace, JOB_SERVICE_ACCOUNT, jobPolicy(ctx));
  const serviceAccount = new k8s.core.v1.ServiceAccount(
    `${name}-job`,
    batchJobServiceAccountSpec(namespace, ctx.project),
    k8sOpts,
  );
  const rbac = namespace.apply((ns) => orchestratorRbac(ns, ctx.project));
  const access = new aws.eks.AccessEntry(
    `${name}-state-machine`,
    {
      clusterName: ctx.cluster.name,
      principalArn: ctx.stateMachineRoleArn,
      type: "STANDARD",
      kubernetesGroups: [rbac.group],
      tags,
    },
    { parent: ctx.parent },
  );
  const role = new k8s.rbac.v1.Role(`${name}-orchestrator`, rbac.role, k8sOpts);
  const binding = new k8s.rbac.v1.RoleBinding(`${name}-orchestrator`, rbac.roleBinding, {
    ...k8sOpts,
    dependsOn: [role],
  });
  const values = pulumi
    .all([
      ctx.cluster.name,
      ctx.cluster.endpoint,
      ctx.cluster.certificateAuthority,
      namespace,
      ctx.image,
      ctx.processedBucket.name,
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
  return {
    values,
    access: { kind: "eks", clusterArn: ctx.cluster.arn },
    // The job role's policy too: a Job started before it is attached is denied.
    ready: [job.association, job.policy, serviceAccount, access, role, binding],
  };
}

/**
 * The EMR engine's job execution role: named (so the service account names EMR derives from it are
 * known before it exists), trusted by Pod Identity for exactly the three service accounts EMR creates
 * for a job run in `namespace`, and associated with each of them (see `emr-identity.ts`).
 */
function emrExecutionRole(ctx: EngineContext, name: string, namespace: pulumi.Output<string>) {
  const roleName = ctx.names.emrJobRole;
  const serviceAccounts = pulumi
    .output(ctx.accountId)
    .apply((account) => emrJobServiceAccounts(account, roleName));
  const role = new aws.iam.Role(
    name,
    {
      name: roleName,
      description: "EMR on EKS job execution role (Pod Identity, EMR's Spark service accounts)",
      assumeRolePolicy: pulumi.all([namespace, serviceAccounts]).apply(([ns, accounts]) =>
        pulumi.jsonStringify(
          podIdentityTrustPolicy({
            clusterArn: ctx.cluster.arn,
            namespace: ns,
            serviceAccount: accounts,
          }),
        ),
      ),
      tags: ctx.tags,
    },
    { parent: ctx.parent },
  );
  const policy = new aws.iam.RolePolicy(
    name,
    {
      role: role.name,
      policy: pulumi.jsonStringify(pulumi.output(jobPolicy(ctx, ctx.lake.arn))),
    },
    { parent: role },
  );
  const associations = EMR_SPARK_COMPONENTS.map(
    (component, i) =>
      new aws.eks.PodIdentityAssociation(
        `${name}-${component}`,
        {
          clusterName: ctx.cluster.name,
          namespace,
          serviceAccount: serviceAccounts.apply((accounts) => accounts[i] as string),
          roleArn: role.arn,
          tags: ctx.tags,
        },
        { parent: role },
      ),
  );
  return { role, policy, associations };
}

/** The `emr` engine: a Spark job run per input on an EMR on EKS virtual cluster. */
export function createEmrEngine(ctx: EngineContext): Engine {
  const { name, tags } = ctx;
  const k8sOpts = { parent: ctx.parent, provider: ctx.provider };
  // Spark pods are not built for Pod Security "restricted": they get a namespace of their own.
  const sparkNamespace = new k8s.core.v1.Namespace(
    `${name}-spark`,
    sparkNamespaceSpec(ctx.workloadNamespace.apply(sparkNamespaceName), ctx.project),
    k8sOpts,
  );
  const namespace = sparkNamespace.metadata.name;
  const exec = emrExecutionRole(ctx, `${name}-spark`, namespace);
  // A new virtual cluster gets its own access entry and namespaced RBAC from EMR on EKS (the
  // cluster authenticates through access entries).
  const virtualCluster = new aws.emrcontainers.VirtualCluster(
    `${name}-spark`,
    {
      name: ctx.names.virtualCluster,
      containerProvider: {
        id: ctx.cluster.name,
        type: "EKS",
        info: { eksInfo: { namespace } },
      },
      tags,
    },
    { parent: ctx.parent, dependsOn: [sparkNamespace] },
  );
  const script = new aws.s3.BucketObjectv2(
    `${name}-spark-entry-point`,
    {
      bucket: ctx.lake.id,
      key: `${LAKE_ARTIFACTS_PREFIX}${SPARK_ENTRY_POINT}`,
      source: new pulumi.asset.FileAsset(`${__dirname}/spark/${SPARK_ENTRY_POINT}`),
      contentType: "text/x-python",
      tags,
    },
    { parent: ctx.lake },
  );
  const values = pulumi
    .all([virtualCluster.id, exec.role.arn, ctx.lake.bucket])
    .apply(([virtualClusterId, executionRoleArn, lakeName]) => ({
      kind: "emr" as const,
      virtualClusterId,
      executionRoleArn,
      releaseLabel: ctx.settings.emrReleaseLabel,
      entryPoint: `s3://${lakeName}/${LAKE_ARTIFACTS_PREFIX}${SPARK_ENTRY_POINT}`,
      sparkSubmitParameters: sparkSubmitParameters(),
    }));
  return {
    values,
    access: {
      kind: "emr",
      virtualClusterArn: virtualCluster.arn,
      executionRoleArn: exec.role.arn,
    },
    ready: [...exec.associations, exec.policy, virtualCluster, script],
  };
}
