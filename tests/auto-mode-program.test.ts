/**
 * `nodeAutoscaling: auto-mode` as the program declares it, under Pulumi mocks, for the dev stack's
 * settings (a node lifetime Auto Mode accepts): the Auto Mode cluster and its two roles, no add-on
 * Auto Mode runs itself, no self-managed Karpenter, the jobs' NodeClass and NodePool valid against
 * their schemas, the workloads' scheduling contract, the network policy controller, and the policy
 * pack and limits catalog at zero findings.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- recorded inputs are untyped provider payloads. */
import {
  AUTO_MODE_GENERAL_POOL,
  DO_NOT_DISRUPT_ANNOTATION,
  NODE_CLASS_NAME,
  NODE_POOL_LABEL,
  NODE_POOL_NAMES,
  POOL_LABEL,
  poolToleration,
} from "../k8s/specs";
import { byType, byUrn, dependsOn, one, runProgram, type ProgramRun } from "../harness/program";
import { evaluatePolicies, governedCount } from "../policy/evaluate";
import { policies } from "../policy/policies";
import { toEvaluated } from "../policy/run";
import { limitViolations } from "../policy/limits/catalog";
import { expectSchemaValid, type KubernetesObject } from "./support/schema-check";

/** The dev stack with Auto Mode (21 days is Auto Mode's longest node lifetime; dev keeps 720h). */
const AUTO_MODE_OVERRIDES = {
  "event-pipeline:nodeAutoscaling": "auto-mode",
  "event-pipeline:karpenter": { expireAfter: "336h" },
};

const NODE_CLASS = "kubernetes:eks.amazonaws.com/v1:NodeClass";
const NODE_POOL = "kubernetes:karpenter.sh/v1:NodePool";
const ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";

let run: ProgramRun;
let karpenterRun: ProgramRun;
beforeAll(async () => {
  run = await runProgram("dev", AUTO_MODE_OVERRIDES);
  karpenterRun = await runProgram("dev");
});

/** The managed policy names attached to `role`. */
const policiesOf = (roleUrn: string) =>
  byType(run, ATTACHMENT)
    .filter((a) => a.parent === roleUrn)
    .map((a) => String(a.inputs.policyArn).split("/").pop())
    .sort();

/** A recorded custom resource as the Kubernetes object it applies. */
const asObject = (r: { inputs: any }): KubernetesObject => {
  const { apiVersion, kind, metadata, spec } = r.inputs;
  return { apiVersion, kind, metadata: { name: metadata.name }, spec } as KubernetesObject;
};

describe("the Auto Mode cluster", () => {
  it("enables Auto Mode with its own node role and only the built-in general-purpose pool", () => {
    const cluster = one(run, "eks:index:Cluster");
    const nodeRole = one(run, "aws:iam/role:Role", "cluster-node");
    expect(cluster.inputs.autoMode).toEqual({
      enabled: true,
      createNodeRole: false,
      computeConfig: { nodeRoleArn: nodeRole.state.arn, nodePools: [AUTO_MODE_GENERAL_POOL] },
    });
    expect(cluster.inputs.authenticationMode).toBe("API");
  });

  it("gives the cluster only the private subnets, where the built-in pool's default NodeClass puts nodes", () => {
    const cluster = one(run, "eks:index:Cluster");
    const subnets = byType(run, "aws:ec2/subnet:Subnet");
    const idsOf = (kind: string) => subnets.filter((s) => s.name.includes(kind)).map((s) => s.id);
    expect(idsOf("private").length).toBeGreaterThan(0);
    expect(cluster.inputs.privateSubnetIds).toEqual(idsOf("private"));
    expect(cluster.inputs.publicSubnetIds).toBeUndefined();
    // The karpenter stack keeps both (its nodes come from node groups and NodeClasses on private ones).
    expect(one(karpenterRun, "eks:index:Cluster").inputs.publicSubnetIds).toEqual(idsOf("public"));
  });

  it("gives EKS a cluster role with session tags and exactly the five Auto Mode policies", () => {
    const role = one(run, "aws:iam/role:Role", "cluster-service");
    expect(JSON.parse(role.inputs.assumeRolePolicy).Statement).toEqual([
      {
        Sid: "AllowEksAutoMode",
        Effect: "Allow",
        Principal: { Service: "eks.amazonaws.com" },
        Action: ["sts:AssumeRole", "sts:TagSession"],
      },
    ]);
    // docs.aws.amazon.com/eks/latest/userguide/auto-learn-iam.html, "EKS Auto Mode cluster IAM role".
    expect(policiesOf(role.urn)).toEqual([
      "AmazonEKSBlockStoragePolicy",
      "AmazonEKSClusterPolicy",
      "AmazonEKSComputePolicy",
      "AmazonEKSLoadBalancingPolicy",
      "AmazonEKSNetworkingPolicy",
    ]);
    // The cluster is created after its role can act (EKS checks the policies at CreateCluster).
    const cluster = one(run, "eks:index:Cluster");
    for (const a of byType(run, ATTACHMENT).filter((x) => x.parent === role.urn)) {
      expect(dependsOn(cluster, a)).toBe(true);
    }
  });

  it("gives the nodes a role trusted by EC2 with only the minimal node and image-pull policies", () => {
    const role = one(run, "aws:iam/role:Role", "cluster-node");
    const trust = JSON.parse(role.inputs.assumeRolePolicy).Statement;
    expect(trust.map((s: any) => [s.Principal, s.Action])).toEqual([
      [{ Service: "ec2.amazonaws.com" }, "sts:AssumeRole"],
    ]);
    // The same page, "EKS Auto Mode node IAM role".
    expect(policiesOf(role.urn)).toEqual([
      "AmazonEC2ContainerRegistryPullOnly",
      "AmazonEKSWorkerNodeMinimalPolicy",
    ]);
    expect(policiesOf(role.urn)).not.toContain("AmazonEKS_CNI_Policy");
  });

  it("installs no add-on Auto Mode runs itself (VPC CNI, kube-proxy, CoreDNS, EBS CSI, Pod Identity agent)", () => {
    const cluster = one(run, "eks:index:Cluster");
    expect(cluster.inputs.vpcCniOptions).toBeUndefined();
    expect(cluster.inputs).toMatchObject({
      bootstrapSelfManagedAddons: false,
      useDefaultVpcCni: true,
      kubeProxyAddonOptions: { enabled: false },
      corednsAddonOptions: { enabled: false },
    });
    // The one EKS add-on left is Container Insights, which Auto Mode does not run.
    expect(byType(run, "aws:eks/addon:Addon").map((a) => a.inputs.addonName)).toEqual([
      "amazon-cloudwatch-observability",
    ]);
    // KEDA stays: Auto Mode scales nodes, not pods.
    expect(byType(run, "kubernetes:helm.sh/v3:Release").map((r) => r.inputs.chart)).toContain(
      "keda",
    );
  });

  it("has no managed node group, launch template or extra node access entry", () => {
    expect(byType(run, "aws:eks/nodeGroup:NodeGroup")).toEqual([]);
    expect(byType(run, "aws:ec2/launchTemplate:LaunchTemplate")).toEqual([]);
    // EKS makes the node role's access entry itself when Auto Mode is enabled with it.
    expect(byType(run, "aws:eks/accessEntry:AccessEntry")).toEqual([]);
  });
});

describe("no self-managed Karpenter", () => {
  it("has no controller release, controller IAM, interruption queue or rules, or EC2NodeClass", () => {
    expect(byType(run, "pipeline:infra:Karpenter")).toEqual([]);
    const charts = byType(run, "kubernetes:helm.sh/v3:Release").map((r) => String(r.inputs.chart));
    expect(charts.filter((c) => c.includes("karpenter"))).toEqual([]);
    expect(byType(run, "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass")).toEqual([]);
    expect(byType(run, "aws:cloudwatch/eventRule:EventRule").map((r) => r.name)).not.toEqual(
      expect.arrayContaining([expect.stringContaining("karpenter")]),
    );
    const names = run.resources.map((r) => r.name);
    expect(names.filter((n) => /karpenter|interruption/.test(n))).toEqual([]);
    expect(
      byType(run, "aws:eks/podIdentityAssociation:PodIdentityAssociation").map(
        (a) => a.inputs.namespace,
      ),
    ).not.toContain("kube-system");
  });
});

describe("the jobs' Auto Mode NodeClass and NodePool", () => {
  it("are valid against their schemas (Auto Mode's NodeClass JSON schema, Karpenter's NodePool model)", async () => {
    await expectSchemaValid(asObject(one(run, NODE_CLASS)));
    await expectSchemaValid(asObject(one(run, NODE_POOL)));
  });

  it("the NodeClass puts nodes in the private subnets with the cluster security group and node role", () => {
    const spec = one(run, NODE_CLASS).inputs.spec;
    const cluster = one(run, "eks:index:Cluster").state.eksCluster;
    expect(spec.role).toBe(one(run, "aws:iam/role:Role", "cluster-node").state.name);
    expect(spec.subnetSelectorTerms.map((t: any) => t.id)).toEqual(run.outputs.privateSubnetIds);
    expect(spec.securityGroupSelectorTerms).toEqual([
      { id: cluster.vpcConfig.clusterSecurityGroupId },
    ]);
    expect(spec.ephemeralStorage.size).toBe(`${run.settings.karpenter.nodeVolumeGiB}Gi`);
    expect(spec.tags).toBeUndefined();
  });

  it("the NodePool is the jobs pool: Auto Mode's NodeClass, spot first, labelled and tainted", () => {
    const pool = one(run, NODE_POOL);
    expect(byType(run, NODE_POOL)).toHaveLength(1);
    expect(pool.inputs.metadata.name).toBe(NODE_POOL_NAMES.jobs);
    const template = pool.inputs.spec.template;
    expect(template.spec.nodeClassRef).toEqual({
      group: "eks.amazonaws.com",
      kind: "NodeClass",
      name: NODE_CLASS_NAME,
    });
    const capacity = template.spec.requirements.find(
      (r: any) => r.key === "karpenter.sh/capacity-type",
    );
    expect(capacity.values).toEqual(["spot", "on-demand"]);
    expect(template.spec.requirements.map((r: any) => r.key)).not.toContain("kubernetes.io/os");
    expect(template.metadata.labels).toEqual({ [POOL_LABEL]: "jobs" });
    expect(template.spec.taints).toEqual([
      { key: POOL_LABEL, value: "jobs", effect: "NoSchedule" },
    ]);
    expect(dependsOn(pool, one(run, NODE_CLASS))).toBe(true);
  });
});

describe("the workloads' scheduling contract under Auto Mode", () => {
  it("job pods select and tolerate the jobs pool, ask not to be disrupted, and wait for it", () => {
    const job = one(run, "kubernetes:keda.sh/v1alpha1:ScaledJob");
    const template = job.inputs.spec.jobTargetRef.template;
    expect(template.spec.nodeSelector).toEqual({ [POOL_LABEL]: "jobs" });
    expect(template.spec.tolerations).toEqual([poolToleration("jobs")]);
    expect(template.metadata.annotations[DO_NOT_DISRUPT_ANNOTATION]).toBe("true");
    expect(dependsOn(job, one(run, NODE_POOL))).toBe(true);
  });

  it("producer and consumer select the built-in general-purpose pool and tolerate no taint", () => {
    const deployments = byType(run, "kubernetes:apps/v1:Deployment");
    expect(deployments.length).toBe(2);
    for (const d of deployments) {
      const spec = d.inputs.spec.template.spec;
      expect([d.name, spec.nodeSelector]).toEqual([
        d.name,
        { [NODE_POOL_LABEL]: AUTO_MODE_GENERAL_POOL },
      ]);
      expect(spec.tolerations).toBeUndefined();
    }
  });

  it("lets DNS reach the resolver Auto Mode runs on each node (there are no kube-dns pods to name)", () => {
    const policy = one(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy");
    const dns = (policy.inputs.spec.egress as any[]).filter((r) =>
      (r.ports ?? []).some((p: any) => p.port === 53),
    );
    expect(dns).toEqual([
      {
        ports: [
          { protocol: "UDP", port: 53 },
          { protocol: "TCP", port: 53 },
        ],
      },
    ]);
    // With CoreDNS pods (the karpenter stack) DNS goes to them only.
    const karpenterPolicy = one(karpenterRun, "kubernetes:networking.k8s.io/v1:NetworkPolicy");
    expect(JSON.stringify(karpenterPolicy.inputs.spec.egress)).toContain('"k8s-app":"kube-dns"');
  });

  it("turns on Auto Mode's network policy controller, so the namespace's NetworkPolicies hold", () => {
    const config = one(run, "kubernetes:core/v1:ConfigMap", "auto-mode-network-policy");
    expect(config.inputs.metadata).toMatchObject({
      name: "amazon-vpc-cni",
      namespace: "kube-system",
    });
    expect(config.inputs.data).toEqual({ "enable-network-policy-controller": "true" });
    expect(byType(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy").length).toBeGreaterThan(0);
    expect(byUrn(run, config.parent)?.type).toBe("pipeline:infra:AutoMode");
  });
});

describe("checks over the Auto Mode stack", () => {
  it("the policy pack finds no violation", async () => {
    const resources = run.resources.map(toEvaluated);
    const findings = [...(await evaluatePolicies(policies, resources)).values()].flat();
    expect(findings).toEqual([]);
    // It did look: the roles' trust and the cluster's rules govern this stack's resources.
    for (const rule of [
      "iam-trust-named-services",
      "eks-api-authentication-mode",
      "eks-secrets-encryption",
      "eks-private-nodes",
    ]) {
      const policy = policies.find((p) => p.name === rule);
      expect([rule, (policy && governedCount(policy, resources)) ?? 0]).not.toEqual([rule, 0]);
    }
  });

  it("the limits catalog finds no violation", () => {
    expect(limitViolations(run.resources)).toEqual([]);
  });
});
