/**
 * EKS Auto Mode inside the cluster: the preprocess jobs' NodeClass and spot-first NodePool (the
 * producer and consumer use the built-in general-purpose pool the cluster enables), and the
 * ConfigMap that turns on Auto Mode's network policy controller. Nothing else: AWS runs Karpenter,
 * its IAM and interruption handling, the AMI and the node add-ons.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  AUTO_MODE_NODE_CLASS_TYPE,
  autoModeNetworkPolicyConfigMap,
  buildAutoModeJobPool,
  buildAutoModeNodeClass,
  NODE_CLASS_NAME,
  NODE_POOL_NAMES,
} from "../../k8s/specs";
import type { Settings } from "../../config";

export interface AutoModeArgs {
  /** The validated settings (the karpenter section's job pool keys, the preprocess deadline). */
  readonly settings: Settings;
  /** Provider of the cluster. */
  readonly provider: k8s.Provider;
  /** Name of the cluster's Auto Mode node role (EKS made its access entry with the cluster). */
  readonly nodeRoleName: pulumi.Input<string>;
  /** Subnets of the job nodes (the private ones). */
  readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Security group of the job nodes (the cluster security group). */
  readonly securityGroupId: pulumi.Input<string>;
}

export class AutoMode extends pulumi.ComponentResource {
  /** The jobs' NodePool; job pods must wait for it. */
  public readonly nodePools: k8s.apiextensions.CustomResource[];
  /** The ConfigMap enabling the network policy controller. */
  public readonly networkPolicyConfig: k8s.core.v1.ConfigMap;

  constructor(name: string, args: AutoModeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pipeline:infra:AutoMode", name, {}, opts);
    const k8sOpts = { parent: this, provider: args.provider };
    const s = args.settings;

    const { metadata: configMeta, data } = autoModeNetworkPolicyConfigMap();
    this.networkPolicyConfig = new k8s.core.v1.ConfigMap(
      `${name}-network-policy`,
      { metadata: { ...configMeta }, data: { ...data } },
      k8sOpts,
    );

    const nodeClass = new k8s.apiextensions.CustomResource(
      `${name}-node-class`,
      {
        ...AUTO_MODE_NODE_CLASS_TYPE,
        metadata: { name: NODE_CLASS_NAME },
        spec: pulumi.all([args.nodeRoleName, args.subnetIds, args.securityGroupId]).apply(
          ([nodeRoleName, subnetIds, securityGroupId]) =>
            buildAutoModeNodeClass({
              nodeRoleName,
              subnetIds,
              securityGroupIds: [securityGroupId],
              volumeGiB: s.karpenter.nodeVolumeGiB,
            }).spec,
        ),
      },
      k8sOpts,
    );
    const { apiVersion, kind, metadata, spec } = buildAutoModeJobPool(s);
    const jobs = new k8s.apiextensions.CustomResource(
      `${name}-${NODE_POOL_NAMES.jobs}`,
      { apiVersion, kind, metadata, spec },
      { ...k8sOpts, dependsOn: [nodeClass] },
    );
    this.nodePools = [jobs];

    this.registerOutputs({ nodePools: [jobs.metadata.name] });
  }
}
