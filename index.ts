/**
 * The event pipeline on Amazon EKS: read the validated settings once, compose the components, export
 * the outputs contract (README "Stack outputs").
 */
import * as pulumi from "@pulumi/pulumi";
import { Network } from "./infra/network";
import { parseSettings, settingsInputFromConfig } from "./infra/settings";

const settings = parseSettings(settingsInputFromConfig(pulumi.runtime.allConfig()));
const project = pulumi.getProject();
const stack = pulumi.getStack();
const clusterName = `${project}-${stack}`;
const tags = { "pipeline:project": project, "pipeline:stack": stack };

const network = new Network("network", {
  network: settings.network,
  region: settings.region,
  clusterName,
  tags,
});

export const vpcId = network.vpcId;
export const privateSubnetIds = network.privateSubnetIds;
