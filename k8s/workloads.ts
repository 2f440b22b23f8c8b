/**
 * The pipeline's Kubernetes workloads as one component: the restricted namespace, the service
 * accounts the Pod Identity associations name, the producer and consumer Deployments, the consumer's
 * PodDisruptionBudget and ScaledObject, the preprocess ScaledJob, KEDA's TriggerAuthentication, a
 * default-deny NetworkPolicy, and the namespace's ResourceQuota and LimitRange. Every object comes from the pure builders in `./specs` and goes through
 * the cluster's provider.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { WORKLOADS, type Workload } from "../config";
import type { Settings } from "../config";
import {
  consumerPdbSpec,
  outputDependentMetadata,
  serviceAccountSpec,
  triggerAuthenticationSpec,
  workloadLimitRangeSpec,
  workloadManifests,
  workloadNamespaceSpec,
  workloadResourceQuotaSpec,
  workloadNetworkPolicySpec,
  type Scheduling,
  type WorkloadInputs,
} from "./specs";

/**
 * kubernetes-models and @pulumi/kubernetes describe the same API from different OpenAPI versions (one
 * marks a field optional, the other required). The specs are typed and schema-validated against
 * kubernetes-models; this is the one place they cross into Pulumi's input types.
 */
function pulumiInput<T>(value: pulumi.Input<unknown>): pulumi.Input<T> {
  return value as pulumi.Input<T>;
}

export interface WorkloadsArgs {
  /** The validated settings (namespace, scaling, workload sizes). */
  readonly settings: Settings;
  /** Kubernetes provider of the cluster. */
  readonly provider: k8s.Provider;
  /** Processor image pinned by digest. */
  readonly image: pulumi.Input<string>;
  /** The stack's AWS region. */
  readonly region: pulumi.Input<string>;
  /** URL of the preprocess (S3 event) queue. */
  readonly preprocessQueueUrl: pulumi.Input<string>;
  /** URL of the store events queue. */
  readonly eventsQueueUrl: pulumi.Input<string>;
  /** Bucket the preprocess jobs write to. */
  readonly processedBucketName: pulumi.Input<string>;
  /** Bucket the consumer writes to. */
  readonly eventsBucketName: pulumi.Input<string>;
  /** Node placement per workload (e.g. the Karpenter job pool); none by default. */
  readonly scheduling?: pulumi.Input<Partial<Record<Workload, Scheduling>>>;
  /** Resources KEDA's CRDs and operator come from (the Helm release); the KEDA objects wait for them. */
  readonly kedaDependencies?: pulumi.Input<pulumi.Resource[]>;
  /**
   * The workloads' Pod Identity associations: EKS injects credentials when a pod starts, so pods
   * must not start before their association exists.
   */
  readonly podIdentityDependencies?: pulumi.Resource[];
  /**
   * What must exist before the pods can be scheduled: with Karpenter, the NodePools their node
   * selectors point at. Otherwise `pulumi up` waits on Deployments whose pods no node can take yet
   * (and may time out), and `pulumi destroy` drains the nodes under workloads still running.
   */
  readonly nodeDependencies?: pulumi.Resource[];
}

export class Workloads extends pulumi.ComponentResource {
  /** The workload namespace's name. */
  public readonly namespace: pulumi.Output<string>;
  /** Service account names by workload. */
  public readonly serviceAccountNames: pulumi.Output<Record<Workload, string>>;

  constructor(name: string, args: WorkloadsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pipeline:k8s:Workloads", name, {}, opts);
    const { settings } = args;
    const self = { parent: this, provider: args.provider };

    const inputs: pulumi.Output<WorkloadInputs> = pulumi
      .all([
        args.image,
        args.region,
        args.preprocessQueueUrl,
        args.eventsQueueUrl,
        args.processedBucketName,
        args.eventsBucketName,
        args.scheduling ?? {},
      ])
      .apply(
        ([image, region, preprocessQueueUrl, eventsQueueUrl, processed, events, scheduling]) => ({
          image,
          region,
          preprocessQueueUrl,
          eventsQueueUrl,
          processedBucketName: processed,
          eventsBucketName: events,
          scheduling: scheduling as Partial<Record<Workload, Scheduling>>,
        }),
      );
    const manifests = inputs.apply((i) => workloadManifests(settings, i));
    const meta = outputDependentMetadata(settings);

    const namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      workloadNamespaceSpec(settings),
      self,
    );
    const inNamespace = { ...self, dependsOn: [namespace] };

    const serviceAccounts = WORKLOADS.map(
      (w) =>
        new k8s.core.v1.ServiceAccount(
          `${name}-${w}-sa`,
          serviceAccountSpec(settings, w),
          inNamespace,
        ),
    );
    const policy = workloadNetworkPolicySpec(settings);
    new k8s.networking.v1.NetworkPolicy(
      `${name}-network-policy`,
      // The Pulumi type still marks podSelector required; ours always sets it ({} = every pod).
      { ...policy, spec: { ...policy.spec, podSelector: policy.spec.podSelector ?? {} } },
      inNamespace,
    );
    // Before any pod: a pod admitted ahead of the LimitRange would get no defaults.
    const quota = workloadResourceQuotaSpec(settings);
    const limitRange = workloadLimitRangeSpec(settings);
    const guardRails = [
      new k8s.core.v1.ResourceQuota(
        `${name}-resource-quota`,
        { metadata: quota.metadata, spec: pulumiInput(quota.spec) },
        inNamespace,
      ),
      new k8s.core.v1.LimitRange(
        `${name}-limit-range`,
        { metadata: limitRange.metadata, spec: pulumiInput(limitRange.spec) },
        inNamespace,
      ),
    ];
    const podIdentity = args.podIdentityDependencies ?? [];
    const nodes = args.nodeDependencies ?? [];
    const withIdentity = {
      ...self,
      dependsOn: [namespace, ...guardRails, ...serviceAccounts, ...podIdentity, ...nodes],
    };

    new k8s.apps.v1.Deployment(
      `${name}-producer`,
      { metadata: meta.producer, spec: pulumiInput(manifests.apply((m) => m.producer.spec)) },
      withIdentity,
    );
    const consumer = new k8s.apps.v1.Deployment(
      `${name}-consumer`,
      { metadata: meta.consumer, spec: pulumiInput(manifests.apply((m) => m.consumer.spec)) },
      withIdentity,
    );
    new k8s.policy.v1.PodDisruptionBudget(
      `${name}-consumer-pdb`,
      consumerPdbSpec(settings),
      inNamespace,
    );

    // KEDA's CRDs must exist before its objects: wait for the chart as well as our own objects.
    const kedaDeps = pulumi
      .output(args.kedaDependencies ?? [])
      .apply((deps) => [namespace as pulumi.Resource, ...deps]);
    const auth = new k8s.apiextensions.CustomResource(
      `${name}-trigger-auth`,
      triggerAuthenticationSpec(settings),
      { ...self, dependsOn: kedaDeps },
    );
    const scaledObject = manifests.apply((m) => m.consumerScaledObject);
    new k8s.apiextensions.CustomResource(
      `${name}-consumer-scaledobject`,
      {
        apiVersion: "keda.sh/v1alpha1",
        kind: "ScaledObject",
        metadata: meta.consumerScaledObject,
        spec: scaledObject.apply((so) => so.spec),
      },
      { ...self, dependsOn: kedaDeps.apply((deps) => [...deps, auth, consumer]) },
    );
    const scaledJob = manifests.apply((m) => m.preprocessScaledJob);
    new k8s.apiextensions.CustomResource(
      `${name}-preprocess-scaledjob`,
      {
        apiVersion: "keda.sh/v1alpha1",
        kind: "ScaledJob",
        metadata: meta.preprocessScaledJob,
        spec: scaledJob.apply((sj) => sj.spec),
      },
      {
        ...self,
        dependsOn: kedaDeps.apply((deps) => [
          ...deps,
          auth,
          ...guardRails,
          ...serviceAccounts,
          ...podIdentity,
          ...nodes,
        ]),
      },
    );

    this.namespace = namespace.metadata.name;
    this.serviceAccountNames = pulumi.output(
      Object.fromEntries(
        WORKLOADS.map((w) => [w, serviceAccountSpec(settings, w).metadata.name]),
      ) as Record<Workload, string>,
    );
    this.registerOutputs({
      namespace: this.namespace,
      serviceAccountNames: this.serviceAccountNames,
    });
  }
}
