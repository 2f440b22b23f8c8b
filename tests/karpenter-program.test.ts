/**
 * Karpenter as the program declares it, under Pulumi mocks, for each stack file and with
 * `nodeAutoscaling: none`: pinned charts, the controller's Pod Identity role and scoped policy, the
 * node role and its access entry, the interruption queue and rules, and the node objects.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- recorded inputs are untyped provider payloads. */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { DISCOVERY_TAG_KEY, NODE_CLASS_NAME } from "../k8s/specs/node-pools";
import { KARPENTER_NAMESPACE, KARPENTER_SERVICE_ACCOUNT } from "../infra/karpenter/chart";
import { WILDCARD_RESOURCE_CONDITIONS } from "../infra/iam/karpenter";
import { INTERRUPTION_MAX_RECEIVES, INTERRUPTION_RETENTION_SECONDS } from "../infra/karpenter";
import { INTERRUPTION_EVENTS } from "../infra/karpenter/interruption";
import {
  generalPoolScheduling,
  jobPoolScheduling,
  NODE_POOL_NAMES,
  POOL_LABEL,
} from "../k8s/specs/scheduling";
import {
  byType,
  byUrn,
  dependsOn,
  one,
  runProgram,
  type ProgramRun,
  type RecordedResource,
} from "../harness/program";
import { expectSchemaValid, type KubernetesObject } from "./support/schema-check";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const NODE_CLASS = "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass";
const NODE_POOL = "kubernetes:karpenter.sh/v1:NodePool";

/** Karpenter's resources: everything under its component. */
function karpenterResources(run: ProgramRun): RecordedResource[] {
  const component = byType(run, "pipeline:infra:Karpenter");
  if (component.length === 0) return [];
  const urns = new Set(component.map((c) => c.urn));
  // Children and grandchildren (event targets and policy attachments hang off their rule or role).
  let grew = true;
  while (grew) {
    grew = false;
    for (const r of run.resources) {
      if (!urns.has(r.urn) && urns.has(r.parent)) {
        urns.add(r.urn);
        grew = true;
      }
    }
  }
  return run.resources.filter((r) => urns.has(r.urn) && r.custom);
}

const mine = (run: ProgramRun, type: string, suffix?: string): RecordedResource => {
  const found = karpenterResources(run).filter(
    (r) => r.type === type && (suffix === undefined || r.name.endsWith(suffix)),
  );
  if (found.length !== 1) {
    throw new Error(`expected one ${type} ${suffix ?? ""} under Karpenter, found ${found.length}`);
  }
  return found[0] as RecordedResource;
};
const parse = (text: unknown) => JSON.parse(String(text)) as { Statement: any[] };
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

/** Every stack file of the project (`Pulumi.<stack>.yaml`). */
const STACKS = readdirSync(join(__dirname, ".."))
  .map((f) => /^Pulumi\.([\w-]+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => s !== undefined)
  .sort();

it("covers dev and prod at least", () => {
  expect(STACKS).toEqual(expect.arrayContaining(["dev", "prod"]));
});

describe.each(STACKS)("Karpenter in the %s stack", (stack) => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram(stack);
  });

  it("installs the official OCI charts, CRDs first, both pinned to the settings' 1.x version", () => {
    const version = run.settings.karpenter.chartVersion;
    expect(version).toMatch(/^1\.\d+\.\d+$/);
    const crds = mine(run, RELEASE, "-crds");
    const controller = mine(run, RELEASE, "-controller");
    expect(crds.inputs).toMatchObject({
      chart: "oci://public.ecr.aws/karpenter/karpenter-crd",
      version,
      namespace: KARPENTER_NAMESPACE,
    });
    expect(controller.inputs).toMatchObject({
      chart: "oci://public.ecr.aws/karpenter/karpenter",
      version,
      namespace: KARPENTER_NAMESPACE,
      skipCrds: true,
      atomic: true,
    });
    expect(crds.inputs.repositoryOpts).toBeUndefined();
    expect(dependsOn(controller, crds)).toBe(true);
  });

  it("points the controller at this cluster and its interruption queue", () => {
    const values = mine(run, RELEASE, "-controller").inputs.values;
    const queue = mine(run, "aws:sqs/queue:Queue", "-interruption");
    expect(values.settings.clusterName).toBe(run.outputs.clusterName);
    const eks = one(run, "eks:index:Cluster").state.eksCluster;
    expect(values.settings.clusterEndpoint).toBe(eks.endpoint);
    expect(values.settings.interruptionQueue).toBe(queue.state.name);
    expect(values.serviceAccount).toEqual({ create: true, name: KARPENTER_SERVICE_ACCOUNT });
    expect(values.controller.env).toEqual([{ name: "AWS_REGION", value: run.settings.region }]);
    expect(values.replicas).toBe(Math.min(2, run.settings.cluster.nodeGroup.minSize));
  });

  it("gives the controller its role through Pod Identity for kube-system/karpenter only", () => {
    const association = mine(run, "aws:eks/podIdentityAssociation:PodIdentityAssociation");
    const role = mine(run, "aws:iam/role:Role", "-controller");
    expect(association.inputs).toMatchObject({
      clusterName: run.outputs.clusterName,
      namespace: KARPENTER_NAMESPACE,
      serviceAccount: KARPENTER_SERVICE_ACCOUNT,
      roleArn: role.state.arn,
    });
    const trust = parse(role.inputs.assumeRolePolicy).Statement;
    expect(trust).toHaveLength(1);
    expect(trust[0].Principal).toEqual({ Service: "pods.eks.amazonaws.com" });
    expect(trust[0].Condition.StringEquals).toMatchObject({
      "aws:RequestTag/kubernetes-namespace": KARPENTER_NAMESPACE,
      "aws:RequestTag/kubernetes-service-account": KARPENTER_SERVICE_ACCOUNT,
    });
    // The release waits for the association, so the first controller pod gets credentials.
    expect(dependsOn(mine(run, RELEASE, "-controller"), association)).toBe(true);
  });

  it("scopes the controller policy to the Karpenter node role, queue and cluster", () => {
    const policy = parse(mine(run, "aws:iam/rolePolicy:RolePolicy", "-controller").inputs.policy);
    const nodeRole = mine(run, "aws:iam/role:Role", "-node");
    const queue = mine(run, "aws:sqs/queue:Queue", "-interruption");
    const actions = policy.Statement.flatMap((s) => asArray(s.Action) as string[]);
    expect(actions.filter((a) => a.includes("*"))).toEqual([]);
    const passRole = policy.Statement.filter((s) => asArray(s.Action).includes("iam:PassRole"));
    expect(passRole.map((s) => s.Resource)).toEqual([nodeRole.state.arn]);
    // The managed node group's role is not passable: only the nodes Karpenter launches get a role.
    expect(nodeRole.state.arn).not.toBe(one(run, "aws:iam/role:Role", "cluster-node").state.arn);
    const sqs = policy.Statement.find((s) => s.Sid === "AllowInterruptionQueueActions");
    expect(sqs.Resource).toBe(queue.state.arn);
    const describe = policy.Statement.find((s) => s.Sid === "AllowAPIServerEndpointDiscovery");
    expect(describe.Resource).toMatch(new RegExp(`:cluster/${String(run.outputs.clusterName)}$`));
    for (const s of policy.Statement.filter((x) => asArray(x.Resource).includes("*"))) {
      const key = WILDCARD_RESOURCE_CONDITIONS[s.Sid]?.key;
      expect(Object.values(s.Condition ?? {}).flatMap((c: any) => Object.keys(c))).toContain(key);
    }
    const owned = `aws:ResourceTag/kubernetes.io/cluster/${String(run.outputs.clusterName)}`;
    expect(
      policy.Statement.find((s) => s.Sid === "AllowScopedDeletion").Condition.StringEquals,
    ).toEqual({ [owned]: "owned" });
  });

  it("gives the nodes a role with the worker policies and an EC2_LINUX access entry", () => {
    const nodeRole = mine(run, "aws:iam/role:Role", "-node");
    const trust = parse(nodeRole.inputs.assumeRolePolicy).Statement;
    expect(trust.map((s) => s.Principal)).toEqual([{ Service: "ec2.amazonaws.com" }]);
    const attached = karpenterResources(run)
      .filter((r) => r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
      .map((r) => String(r.inputs.policyArn).split("/").pop())
      .sort();
    expect(attached).toEqual(
      [
        "AmazonEC2ContainerRegistryPullOnly",
        "AmazonEKSWorkerNodePolicy",
        "AmazonEKS_CNI_Policy",
      ].sort(),
    );
    const entry = mine(run, "aws:eks/accessEntry:AccessEntry");
    expect(entry.inputs).toMatchObject({
      clusterName: run.outputs.clusterName,
      principalArn: nodeRole.state.arn,
      type: "EC2_LINUX",
    });
  });

  it("feeds an encrypted queue from rules for the four interruption event types", () => {
    const queue = mine(run, "aws:sqs/queue:Queue", "-interruption");
    const dlq = mine(run, "aws:sqs/queue:Queue", "-interruption-dlq");
    expect(queue.inputs.sqsManagedSseEnabled).toBe(true);
    expect(dlq.inputs.sqsManagedSseEnabled).toBe(true);
    expect(queue.inputs.messageRetentionSeconds).toBe(INTERRUPTION_RETENTION_SECONDS);
    expect(JSON.parse(queue.inputs.redrivePolicy)).toEqual({
      deadLetterTargetArn: dlq.state.arn,
      maxReceiveCount: INTERRUPTION_MAX_RECEIVES,
    });
    const allowed = mine(run, "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy").inputs;
    expect(JSON.parse(allowed.redriveAllowPolicy)).toEqual({
      redrivePermission: "byQueue",
      sourceQueueArns: [queue.state.arn],
    });
    const rules = karpenterResources(run).filter(
      (r) => r.type === "aws:cloudwatch/eventRule:EventRule",
    );
    const detailTypes = rules.flatMap((r) => JSON.parse(r.inputs.eventPattern)["detail-type"]);
    expect(detailTypes.sort()).toEqual(
      [
        "AWS Health Event",
        "EC2 Instance Rebalance Recommendation",
        "EC2 Instance State-change Notification",
        "EC2 Spot Instance Interruption Warning",
      ].sort(),
    );
    expect(rules).toHaveLength(INTERRUPTION_EVENTS.length);
    const targets = karpenterResources(run).filter(
      (r) => r.type === "aws:cloudwatch/eventTarget:EventTarget",
    );
    expect(targets.map((t) => t.inputs.rule).sort()).toEqual(rules.map((r) => r.state.name).sort());
    for (const t of targets) expect(t.inputs.arn).toBe(queue.state.arn);

    const queuePolicy = parse(
      karpenterResources(run).find(
        (r) =>
          r.type === "aws:sqs/queuePolicy:QueuePolicy" && r.inputs.queueUrl === queue.state.url,
      )?.inputs.policy,
    );
    const allow = queuePolicy.Statement.filter((s) => s.Effect === "Allow");
    expect(allow).toHaveLength(1);
    expect(allow[0].Principal).toEqual({ Service: "events.amazonaws.com" });
    expect(allow[0].Action).toBe("sqs:SendMessage");
    expect(allow[0].Condition.ArnEquals["aws:SourceArn"]).toEqual(
      rules.map((r) => r.state.arn).sort(),
    );
  });

  it("declares an EC2NodeClass and two NodePools that pass the Karpenter v1 schemas", async () => {
    const objects = karpenterResources(run).filter((r) => [NODE_CLASS, NODE_POOL].includes(r.type));
    expect(objects.map((o) => o.inputs.metadata.name).sort()).toEqual(
      [NODE_CLASS_NAME, ...Object.values(NODE_POOL_NAMES)].sort(),
    );
    for (const o of objects) {
      const { apiVersion, kind, metadata, spec } = o.inputs;
      await expectSchemaValid({ apiVersion, kind, metadata, spec } as KubernetesObject);
    }
  });

  it("builds nodes with the Karpenter node role in the tagged subnets and security group", () => {
    const nodeClass = mine(run, NODE_CLASS);
    const nodeRole = mine(run, "aws:iam/role:Role", "-node");
    const clusterName = String(run.outputs.clusterName);
    expect(nodeClass.inputs.spec.role).toBe(nodeRole.state.name);
    const tag = { [DISCOVERY_TAG_KEY]: clusterName };
    expect(nodeClass.inputs.spec.subnetSelectorTerms).toEqual([{ tags: tag }]);
    expect(nodeClass.inputs.spec.securityGroupSelectorTerms).toEqual([{ tags: tag }]);
    const sgTag = mine(run, "aws:ec2/tag:Tag");
    expect(sgTag.inputs).toEqual({
      resourceId: one(run, "eks:index:Cluster").state.eksCluster.vpcConfig.clusterSecurityGroupId,
      key: DISCOVERY_TAG_KEY,
      value: clusterName,
    });
    const subnets = byType(run, "aws:ec2/subnet:Subnet");
    const tagged = subnets.filter((s) => s.inputs.tags?.[DISCOVERY_TAG_KEY] === clusterName);
    expect(tagged.map((s) => s.name).sort()).toEqual(
      subnets
        .filter((s) => s.name.includes("private"))
        .map((s) => s.name)
        .sort(),
    );
    expect(tagged).toHaveLength(run.settings.network.azCount);
  });

  it("creates the node objects after the controller and through the cluster's provider", () => {
    const controller = mine(run, RELEASE, "-controller");
    const nodeClass = mine(run, NODE_CLASS);
    const provider = one(run, "pulumi:providers:kubernetes");
    for (const r of karpenterResources(run).filter((x) => x.type.startsWith("kubernetes:"))) {
      expect(r.provider.startsWith(provider.urn)).toBe(true);
    }
    expect(dependsOn(nodeClass, controller)).toBe(true);
    expect(dependsOn(nodeClass, mine(run, "aws:eks/accessEntry:AccessEntry"))).toBe(true);
    for (const pool of karpenterResources(run).filter((r) => r.type === NODE_POOL)) {
      expect(dependsOn(pool, nodeClass)).toBe(true);
      expect(dependsOn(pool, controller)).toBe(true);
    }
    // The controller waits for the managed node group it runs on and the Pod Identity agent.
    const waitsFor = controller.dependencies.map((u) => byUrn(run, u)?.type);
    expect(waitsFor).toEqual(
      expect.arrayContaining(["aws:eks/nodeGroup:NodeGroup", "aws:eks/addon:Addon"]),
    );
  });
});

/** The pod templates of the program's workloads: preprocess (ScaledJob), consumer and producer. */
function podTemplates(run: ProgramRun): Record<"preprocess" | "consumer" | "producer", any> {
  const job = one(run, "kubernetes:keda.sh/v1alpha1:ScaledJob");
  const deployment = (suffix: string) => one(run, "kubernetes:apps/v1:Deployment", suffix);
  return {
    preprocess: job.inputs.spec.jobTargetRef.template,
    consumer: deployment("-consumer").inputs.spec.template,
    producer: deployment("-producer").inputs.spec.template,
  };
}

describe.each(STACKS)("workload pods in the %s stack", (stack) => {
  it("land on the pool Karpenter buys for them: jobs on the tainted job pool, do-not-disrupt", async () => {
    const run = await runProgram(stack);
    const pods = podTemplates(run);
    const jobs = jobPoolScheduling();
    const general = generalPoolScheduling();
    expect(pods.preprocess.spec.nodeSelector).toEqual(jobs.nodeSelector);
    expect(pods.preprocess.spec.tolerations).toEqual(jobs.tolerations);
    expect(pods.preprocess.metadata.annotations).toEqual(jobs.annotations);
    for (const pod of [pods.consumer, pods.producer]) {
      expect(pod.spec.nodeSelector).toEqual(general.nodeSelector);
      expect(pod.spec.tolerations).toEqual(general.tolerations);
    }
    // Every toleration a pod carries matches a taint of the pool it selects, and vice versa.
    const pools = Object.fromEntries(
      karpenterResources(run)
        .filter((r) => r.type === NODE_POOL)
        .map((r) => [r.inputs.spec.template.metadata.labels[POOL_LABEL], r.inputs.spec.template]),
    );
    for (const pod of Object.values(pods)) {
      const template = pools[pod.spec.nodeSelector[POOL_LABEL]];
      expect(template).toBeDefined();
      expect(template.spec.taints.map((t: any) => ({ ...t, operator: "Equal" }))).toEqual(
        pod.spec.tolerations,
      );
    }
  });
});

describe.each(STACKS)("workload objects in the %s stack", (stack) => {
  it("wait for the NodePool their pods select (up never waits on unschedulable pods)", async () => {
    const run = await runProgram(stack);
    const poolOf = (label: string) =>
      karpenterResources(run).find(
        (r) => r.type === NODE_POOL && r.inputs.spec.template.metadata.labels[POOL_LABEL] === label,
      );
    const owners = [
      one(run, "kubernetes:keda.sh/v1alpha1:ScaledJob"),
      one(run, "kubernetes:apps/v1:Deployment", "-consumer"),
      one(run, "kubernetes:apps/v1:Deployment", "-producer"),
    ];
    for (const owner of owners) {
      const template =
        owner.inputs.spec.jobTargetRef?.template ?? (owner.inputs.spec.template as any);
      const pool = poolOf(template.spec.nodeSelector[POOL_LABEL]);
      expect(pool).toBeDefined();
      expect([owner.name, dependsOn(owner, pool as RecordedResource)]).toEqual([owner.name, true]);
      const agent = one(run, "aws:eks/addon:Addon", "-pod-identity-agent");
      expect([owner.name, dependsOn(owner, agent)]).toEqual([owner.name, true]);
    }
  });
});

describe("nodeAutoscaling none", () => {
  it("keeps today's fixed node group: no Karpenter resources at all", async () => {
    const run = await runProgram("dev", { "event-pipeline:nodeAutoscaling": "none" });
    expect(run.settings.nodeAutoscaling).toBe("none");
    expect(byType(run, "pipeline:infra:Karpenter")).toEqual([]);
    expect(byType(run, NODE_CLASS)).toEqual([]);
    expect(byType(run, NODE_POOL)).toEqual([]);
    expect(byType(run, RELEASE).map((r) => r.inputs.chart)).not.toContainEqual(
      expect.stringContaining("karpenter"),
    );
    expect(byType(run, "aws:eks/accessEntry:AccessEntry")).toEqual([]);
    expect(byType(run, "aws:eks/nodeGroup:NodeGroup")).toHaveLength(1);
    // The pods wait for the fixed node group and the Pod Identity agent instead of NodePools.
    const group = one(run, "aws:eks/nodeGroup:NodeGroup");
    const agent = one(run, "aws:eks/addon:Addon", "-pod-identity-agent");
    for (const owner of [
      one(run, "kubernetes:keda.sh/v1alpha1:ScaledJob"),
      ...byType(run, "kubernetes:apps/v1:Deployment"),
    ]) {
      expect([owner.name, dependsOn(owner, group), dependsOn(owner, agent)]).toEqual([
        owner.name,
        true,
        true,
      ]);
    }
    // Nothing ties the pods to pools that do not exist.
    for (const pod of Object.values(podTemplates(run))) {
      expect(pod.spec.nodeSelector).toBeUndefined();
      expect(pod.spec.tolerations).toBeUndefined();
      expect(pod.metadata.annotations).toBeUndefined();
    }
  });
});
