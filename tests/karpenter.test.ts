/**
 * Karpenter's pure parts: the controller policy, the interruption rules and queue policy, the
 * EC2NodeClass and NodePools (validated against the Karpenter v1 models with unknown fields
 * rejected), the pods' scheduling onto the pools, the chart values and the capacity arithmetic.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- deep copies of manifests and chart values are
   mutated and indexed freely. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { arnParts } from "../infra/karpenter";
import { subnetTags } from "../infra/network";
import { parseSettings, settingsInputFromConfig, type Settings } from "../config";
import {
  buildControllerValues,
  controllerReplicas,
  KARPENTER_SERVICE_ACCOUNT,
  MANAGED_NODEGROUP_LABEL,
} from "../infra/karpenter/chart";
import {
  capacityReport,
  cpuMilli,
  INSTANCE_TABLE,
  instanceSpec,
  jobPoolHolds,
  kubeReservedCpuMilli,
  kubeReservedMemoryMiB,
  memoryMiB,
  nodesWithinLimits,
  podsPerNode,
  poolHourlyCeiling,
  PRICE_TABLE,
  renderCapacityNote,
  workloadAllocatable,
  type PodRequests,
} from "../infra/karpenter/capacity";
import {
  eventPatternJson,
  INTERRUPTION_EVENTS,
  matchesPattern,
} from "../infra/karpenter/interruption";
import {
  amiFamilyOf,
  buildEc2NodeClass,
  buildNodePool,
  buildNodePools,
  poolDisruptionBudgets,
  DISCOVERY_TAG_KEY,
  NODE_CLASS_NAME,
  orderedCapacityTypes,
} from "../k8s/specs/node-pools";
import {
  buildControllerPolicy,
  buildInterruptionQueuePolicy,
  iamEndpointRegion,
  pricingApiRegion,
  WILDCARD_RESOURCE_CONDITIONS,
  type ControllerPolicyArgs,
} from "../infra/iam/karpenter";
import {
  DO_NOT_DISRUPT_ANNOTATION,
  generalPoolScheduling,
  jobPoolScheduling,
  POOL_LABEL,
  schedulingForWorkloads,
  workloadScheduling,
  type Scheduling,
} from "../k8s/specs/scheduling";
import { workloadManifests } from "../k8s/specs";
import { inputsFor } from "./support/k8s-fixtures";
import type { PolicyStatement } from "../infra/iam/documents";
import { WORKLOADS, type Workload } from "../config";
import { CONTAINER_SIZES } from "../k8s/specs/common";
import {
  expectSchemaValid,
  schemaProblems,
  unknownFieldProblems,
  type KubernetesObject,
} from "./support/schema-check";
import { stackConfig } from "../harness/program";

const ROOT = join(__dirname, "..");

/** The settings of a stack file, or the defaults for `undefined`. */
function settingsOf(stack?: "dev" | "prod", overrides: Record<string, unknown> = {}): Settings {
  const config = stack ? stackConfig(stack) : { "aws:region": "eu-west-1" };
  return parseSettings(settingsInputFromConfig({ ...config, ...overrides }));
}
const STACKS = { defaults: settingsOf(), dev: settingsOf("dev"), prod: settingsOf("prod") };

const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);
const actionsOf = (s: PolicyStatement) => asArray(s.Action) as string[];
const resourcesOf = (s: PolicyStatement) => asArray(s.Resource) as string[];

// ---------------------------------------------------------------------------------------------
describe("Karpenter controller policy", () => {
  const args: ControllerPolicyArgs = {
    partition: "aws",
    region: "eu-west-1",
    accountId: "123456789012",
    clusterName: "event-pipeline-prod",
    clusterArn: "arn:aws:eks:eu-west-1:123456789012:cluster/event-pipeline-prod",
    nodeRoleArn: "arn:aws:iam::123456789012:role/karpenter-node-abc1234",
    interruptionQueueArn: "arn:aws:sqs:eu-west-1:123456789012:karpenter-interruption-abc1234",
  };
  const policy = buildControllerPolicy(args);
  const statements = policy.Statement;
  const bySid = (sid: string) => {
    const s = statements.find((x) => x.Sid === sid);
    if (!s) throw new Error(`no statement ${sid}`);
    return s;
  };

  /** Karpenter v1's documented controller actions (getting-started CloudFormation / split policies). */
  const DOCUMENTED_ACTIONS = [
    "ec2:RunInstances",
    "ec2:CreateFleet",
    "ec2:CreateLaunchTemplate",
    "ec2:CreateTags",
    "ec2:TerminateInstances",
    "ec2:DeleteLaunchTemplate",
    "ec2:DescribeCapacityReservations",
    "ec2:DescribeImages",
    "ec2:DescribeInstances",
    "ec2:DescribeInstanceStatus",
    "ec2:DescribeInstanceTypeOfferings",
    "ec2:DescribeInstanceTypes",
    "ec2:DescribeLaunchTemplates",
    "ec2:DescribePlacementGroups",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSpotPriceHistory",
    "ec2:DescribeSubnets",
    "ssm:GetParameter",
    "pricing:GetProducts",
    "sqs:DeleteMessage",
    "sqs:GetQueueUrl",
    "sqs:ReceiveMessage",
    "iam:PassRole",
    "iam:CreateInstanceProfile",
    "iam:TagInstanceProfile",
    "iam:AddRoleToInstanceProfile",
    "iam:RemoveRoleFromInstanceProfile",
    "iam:DeleteInstanceProfile",
    "iam:GetInstanceProfile",
    "iam:ListInstanceProfiles",
    "eks:DescribeCluster",
  ];

  it("has the documented statements and only Allow effects", () => {
    expect(statements.map((s) => s.Sid).sort()).toEqual(
      [
        "AllowScopedEC2InstanceAccessActions",
        "AllowScopedEC2LaunchTemplateAccessActions",
        "AllowScopedEC2InstanceActionsWithTags",
        "AllowScopedResourceCreationTagging",
        "AllowScopedResourceTagging",
        "AllowScopedDeletion",
        "AllowRegionalReadActions",
        "AllowSSMReadActions",
        "AllowPricingReadActions",
        "AllowInterruptionQueueActions",
        "AllowPassingInstanceRole",
        "AllowScopedInstanceProfileCreationActions",
        "AllowScopedInstanceProfileTagActions",
        "AllowScopedInstanceProfileActions",
        "AllowInstanceProfileReadActions",
        "AllowUnscopedInstanceProfileListAction",
        "AllowAPIServerEndpointDiscovery",
      ].sort(),
    );
    expect(new Set(statements.map((s) => s.Effect))).toEqual(new Set(["Allow"]));
  });

  it("grants no wildcard action and nothing beyond what Karpenter documents", () => {
    const granted = statements.flatMap(actionsOf);
    expect(granted.filter((a) => a.includes("*") || a.includes("?"))).toEqual([]);
    expect([...new Set(granted)].sort()).toEqual([...DOCUMENTED_ACTIONS].sort());
  });

  it('bounds every Resource "*" statement by its condition key, with read-only actions', () => {
    const wildcard = statements.filter((s) => resourcesOf(s).includes("*"));
    expect(wildcard.map((s) => s.Sid).sort()).toEqual(
      Object.keys(WILDCARD_RESOURCE_CONDITIONS).sort(),
    );
    for (const s of wildcard) {
      const justification = WILDCARD_RESOURCE_CONDITIONS[s.Sid ?? ""];
      expect(justification?.why).toBeTruthy();
      const keys = Object.values(s.Condition ?? {}).flatMap((block) => Object.keys(block));
      expect(keys).toContain(justification?.key);
      expect(resourcesOf(s)).toEqual(["*"]);
      for (const action of actionsOf(s)) {
        expect(action).toMatch(/^[a-z0-9]+:(Describe|Get|List)[A-Za-z]+$/);
      }
    }
    expect(bySid("AllowRegionalReadActions").Condition).toEqual({
      StringEquals: { "aws:RequestedRegion": "eu-west-1" },
    });
    expect(bySid("AllowPricingReadActions").Condition).toEqual({
      StringEquals: { "aws:RequestedRegion": "eu-central-1" },
    });
    expect(bySid("AllowUnscopedInstanceProfileListAction").Condition).toEqual({
      StringEquals: { "aws:RequestedRegion": ["us-east-1", "eu-west-1"] },
    });
  });

  it("passes only the node role, and only to EC2", () => {
    const passing = statements.filter((s) => actionsOf(s).includes("iam:PassRole"));
    expect(passing).toHaveLength(1);
    expect(passing[0]?.Action).toBe("iam:PassRole");
    expect(passing[0]?.Resource).toBe(args.nodeRoleArn);
    expect(passing[0]?.Condition).toEqual({
      StringEquals: { "iam:PassedToService": ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"] },
    });
  });

  it("launches, tags and deletes only resources tagged for this cluster and a NodePool", () => {
    const owned = `kubernetes.io/cluster/${args.clusterName}`;
    const writes = [
      "ec2:CreateFleet",
      "ec2:CreateLaunchTemplate",
      "ec2:CreateTags",
      "ec2:TerminateInstances",
      "ec2:DeleteLaunchTemplate",
    ];
    const scopedByTags = statements.filter(
      (s) =>
        actionsOf(s).some((a) => writes.includes(a)) &&
        s.Sid !== "AllowScopedEC2InstanceAccessActions",
    );
    expect(scopedByTags.length).toBeGreaterThanOrEqual(5);
    for (const s of scopedByTags) {
      const equals = s.Condition?.StringEquals ?? {};
      const like = s.Condition?.StringLike ?? {};
      const tagKey = Object.keys(equals).find((k) => k.endsWith(`/${owned}`));
      expect([s.Sid, tagKey && equals[tagKey]]).toEqual([s.Sid, "owned"]);
      expect(Object.keys(like).some((k) => k.endsWith("/karpenter.sh/nodepool"))).toBe(true);
    }
    // The unconditioned launch statement covers only the shared inputs of a launch, never instances.
    const shared = bySid("AllowScopedEC2InstanceAccessActions");
    expect(shared.Condition).toBeUndefined();
    for (const arn of resourcesOf(shared)) {
      expect(arn).toMatch(
        /:(image|snapshot|security-group|subnet|capacity-reservation|placement-group)\/\*$/,
      );
    }
    // Tags on existing instances: only the three keys Karpenter writes after launch.
    expect(bySid("AllowScopedResourceTagging").Condition?.["ForAllValues:StringEquals"]).toEqual({
      "aws:TagKeys": ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"],
    });
  });

  it("manages only instance profiles tagged for this cluster, region and an EC2NodeClass", () => {
    for (const sid of [
      "AllowScopedInstanceProfileCreationActions",
      "AllowScopedInstanceProfileTagActions",
      "AllowScopedInstanceProfileActions",
    ]) {
      const s = bySid(sid);
      expect(s.Resource).toBe("arn:aws:iam::123456789012:instance-profile/*");
      const equals = s.Condition?.StringEquals ?? {};
      expect(Object.entries(equals)).toEqual(
        expect.arrayContaining([
          [expect.stringMatching(/Tag\/kubernetes\.io\/cluster\/event-pipeline-prod$/), "owned"],
          [expect.stringMatching(/Tag\/topology\.kubernetes\.io\/region$/), "eu-west-1"],
        ]),
      );
      expect(
        Object.keys(s.Condition?.StringLike ?? {}).some((k) =>
          k.endsWith("/karpenter.k8s.aws/ec2nodeclass"),
        ),
      ).toBe(true);
    }
  });

  it("names the interruption queue and the cluster exactly", () => {
    expect(bySid("AllowInterruptionQueueActions").Resource).toBe(args.interruptionQueueArn);
    expect(bySid("AllowAPIServerEndpointDiscovery").Resource).toBe(args.clusterArn);
    expect(bySid("AllowSSMReadActions").Resource).toBe(
      "arn:aws:ssm:eu-west-1::parameter/aws/service/*",
    );
  });

  it("pins every ARN to the partition, and every EC2 ARN to the cluster's region", () => {
    const arns = statements.flatMap(resourcesOf).filter((r) => r !== "*");
    for (const arn of arns) expect(arn.startsWith("arn:aws:")).toBe(true);
    for (const arn of arns.filter((a) => a.startsWith("arn:aws:ec2:"))) {
      expect(arn.split(":")[3]).toBe("eu-west-1");
    }
    const cn = buildControllerPolicy({
      ...args,
      partition: "aws-cn",
      region: "cn-north-1",
      clusterArn: "arn:aws-cn:eks:cn-north-1:123456789012:cluster/x",
      nodeRoleArn: "arn:aws-cn:iam::123456789012:role/node",
      interruptionQueueArn: "arn:aws-cn:sqs:cn-north-1:123456789012:interruption",
    });
    for (const arn of cn.Statement.flatMap(resourcesOf).filter((r) => r.startsWith("arn:"))) {
      expect(arn.startsWith("arn:aws-cn:")).toBe(true);
    }
  });

  it("fits IAM's 10,240-character limit for a role's inline policies", () => {
    const long = buildControllerPolicy({
      ...args,
      clusterName: "x".repeat(100),
      nodeRoleArn: `arn:aws:iam::123456789012:role/${"r".repeat(64)}`,
      interruptionQueueArn: `arn:aws:sqs:eu-west-1:123456789012:${"q".repeat(80)}`,
    });
    expect(JSON.stringify(long).length).toBeLessThan(10240);
  });

  it("reads the partition and account from the cluster ARN", () => {
    expect(arnParts(args.clusterArn)).toEqual({ partition: "aws", accountId: "123456789012" });
    expect(arnParts("arn:aws-us-gov:eks:us-gov-west-1:210987654321:cluster/c")).toEqual({
      partition: "aws-us-gov",
      accountId: "210987654321",
    });
    expect(() => arnParts("event-pipeline-dev")).toThrow(/not an ARN/);
  });

  it("calls the Price List endpoint Karpenter picks for the region, and IAM's global endpoint", () => {
    expect(
      ["eu-west-1", "ap-southeast-2", "us-west-2", "cn-north-1", "sa-east-1"].map(pricingApiRegion),
    ).toEqual(["eu-central-1", "ap-south-1", "us-east-1", "cn-northwest-1", "us-east-1"]);
    expect(["aws", "aws-cn", "aws-us-gov"].map(iamEndpointRegion)).toEqual([
      "us-east-1",
      "cn-north-1",
      "us-gov-west-1",
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
describe("interruption handling", () => {
  const queueArn = "arn:aws:sqs:eu-west-1:123456789012:karpenter-interruption";
  const ruleArns = INTERRUPTION_EVENTS.map(
    (e) => `arn:aws:events:eu-west-1:123456789012:rule/karpenter-${e.key}`,
  );

  it("covers spot interruption, rebalance, instance state change and scheduled change", () => {
    expect(
      INTERRUPTION_EVENTS.map((e) => e.pattern["detail-type"])
        .flat()
        .sort(),
    ).toEqual(
      [
        "AWS Health Event",
        "EC2 Instance Rebalance Recommendation",
        "EC2 Instance State-change Notification",
        "EC2 Spot Instance Interruption Warning",
      ].sort(),
    );
    for (const e of INTERRUPTION_EVENTS) expect(JSON.parse(eventPatternJson(e))).toEqual(e.pattern);
  });

  it("matches the events Karpenter acts on and leaves out the ones it would drop", () => {
    const matchesAny = (event: Parameters<typeof matchesPattern>[1]) =>
      INTERRUPTION_EVENTS.some((e) => matchesPattern(e.pattern, event));
    const ec2 = (detailType: string, detail: Record<string, unknown> = {}) => ({
      source: "aws.ec2",
      "detail-type": detailType,
      detail,
    });
    expect(
      matchesAny(ec2("EC2 Spot Instance Interruption Warning", { "instance-id": "i-1" })),
    ).toBe(true);
    expect(matchesAny(ec2("EC2 Instance Rebalance Recommendation"))).toBe(true);
    for (const state of ["stopping", "stopped", "shutting-down", "terminated"]) {
      expect(matchesAny(ec2("EC2 Instance State-change Notification", { state }))).toBe(true);
    }
    for (const state of ["pending", "running"]) {
      expect(matchesAny(ec2("EC2 Instance State-change Notification", { state }))).toBe(false);
    }
    const health = (service: string, eventTypeCategory: string) => ({
      source: "aws.health",
      "detail-type": "AWS Health Event",
      detail: { service, eventTypeCategory },
    });
    expect(matchesAny(health("EC2", "scheduledChange"))).toBe(true);
    expect(matchesAny(health("EC2", "issue"))).toBe(false);
    expect(matchesAny(health("RDS", "scheduledChange"))).toBe(false);
    expect(matchesAny({ source: "aws.s3", "detail-type": "Object Created" })).toBe(false);
  });

  it("lets only EventBridge send, only for the interruption rules, only over TLS", () => {
    const policy = buildInterruptionQueuePolicy(queueArn, [...ruleArns].reverse());
    const allows = policy.Statement.filter((s) => s.Effect === "Allow");
    expect(allows).toEqual([
      {
        Sid: "AllowEventBridgeRules",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: queueArn,
        Condition: { ArnEquals: { "aws:SourceArn": [...ruleArns].sort() } },
      },
    ]);
    const deny = policy.Statement.find((s) => s.Effect === "Deny");
    expect(deny?.Condition).toEqual({ Bool: { "aws:SecureTransport": "false" } });
    expect(deny?.Resource).toEqual([queueArn]);
  });
});

// ---------------------------------------------------------------------------------------------
describe("EC2NodeClass and NodePools", () => {
  const nodeClassArgs = {
    clusterName: "event-pipeline-dev",
    nodeRoleName: "karpenter-node-1234567",
    amiAlias: STACKS.defaults.karpenter.amiAlias,
    volumeGiB: STACKS.defaults.karpenter.nodeVolumeGiB,
    tags: { "pipeline:project": "event-pipeline", "pipeline:stack": "dev" },
  };
  const nodeClass = buildEc2NodeClass(nodeClassArgs);

  it.each(Object.entries(STACKS))(
    "the %s EC2NodeClass and NodePools pass the Karpenter v1 schemas with no unknown fields",
    async (_stack, settings) => {
      await expectSchemaValid(
        buildEc2NodeClass({ ...nodeClassArgs, amiAlias: settings.karpenter.amiAlias }),
      );
      for (const pool of Object.values(buildNodePools(settings))) {
        await expectSchemaValid(pool);
      }
    },
  );

  it("a Bottlerocket node class passes the schema too", async () => {
    await expectSchemaValid(
      buildEc2NodeClass({ ...nodeClassArgs, amiAlias: "bottlerocket@v20251120" }),
    );
  });

  it("the schema check rejects a misspelled field, an unknown enum and a missing requirement", async () => {
    const pool = structuredClone(buildNodePool(STACKS.defaults, "jobs")) as Record<string, any>;
    pool.spec.disruption.consolidateAftr = "1m";
    expect(unknownFieldProblems(pool as KubernetesObject).map((p) => p.path)).toEqual([
      "spec.disruption.consolidateAftr",
    ]);
    const badEnum = structuredClone(nodeClass) as Record<string, any>;
    badEnum.spec.metadataOptions.httpTokens = "sometimes";
    expect(await schemaProblems(badEnum as KubernetesObject)).not.toEqual([]);
    const noSubnets = structuredClone(nodeClass) as Record<string, any>;
    delete noSubnets.spec.subnetSelectorTerms;
    expect(await schemaProblems(noSubnets as KubernetesObject)).not.toEqual([]);
  });

  it.each(Object.entries(STACKS))(
    "the %s objects satisfy the CRDs' CEL rules, which the model validators do not evaluate",
    (_stack, settings) => {
      // karpenter.k8s.aws/v1 EC2NodeClass x-kubernetes-validations, as predicates.
      const spec = buildEc2NodeClass({
        ...nodeClassArgs,
        amiAlias: settings.karpenter.amiAlias,
      }).spec;
      const aliases = spec.amiSelectorTerms.filter((t) => t.alias !== undefined);
      expect(aliases.every((t) => /^[a-zA-Z0-9]+@.+$/.test(t.alias ?? ""))).toBe(true);
      expect(aliases.length === 0 || spec.amiSelectorTerms.length === 1).toBe(true);
      expect(aliases.every((t) => !t.id && !t.tags && !t.name && !t.owner)).toBe(true);
      expect(Boolean(spec.role) !== Boolean(spec.instanceProfile)).toBe(true);
      expect(aliases.length > 0 || spec.amiFamily !== undefined).toBe(true);
      for (const d of spec.blockDeviceMappings ?? []) {
        expect(Boolean(d.ebs?.snapshotID) || Boolean(d.ebs?.volumeSize)).toBe(true);
      }
      for (const term of [...spec.subnetSelectorTerms, ...spec.securityGroupSelectorTerms]) {
        expect(Object.entries(term.tags ?? {}).every(([k, v]) => k !== "" && v !== "")).toBe(true);
      }
      const reserved = [
        "eks:eks-cluster-name",
        "karpenter.sh/nodepool",
        "karpenter.sh/nodeclaim",
        "karpenter.k8s.aws/ec2nodeclass",
      ];
      for (const key of Object.keys(spec.tags ?? {})) {
        expect(
          key !== "" && !reserved.includes(key) && !key.startsWith("kubernetes.io/cluster"),
        ).toBe(true);
      }
      // karpenter.sh/v1 NodePool rules on labels and requirements.
      const karpenterDomain = (key: string, domain: string) =>
        (key.split("/")[0] ?? "").endsWith(domain) && key.includes("/");
      for (const pool of Object.values(buildNodePools(settings))) {
        const template = pool.spec.template;
        for (const key of Object.keys(template.metadata?.labels ?? {})) {
          expect(karpenterDomain(key, "karpenter.sh")).toBe(false);
          expect(karpenterDomain(key, "karpenter.k8s.aws")).toBe(false);
          expect(key).not.toBe("kubernetes.io/hostname");
        }
        for (const r of template.spec.requirements) {
          expect(
            r.key === "karpenter.sh/capacity-type" || !karpenterDomain(r.key, "karpenter.sh"),
          ).toBe(true);
          expect(r.key).not.toBe("kubernetes.io/hostname");
          if (r.operator === "In") expect(r.values?.length).toBeGreaterThan(0);
          if (r.minValues !== undefined)
            expect(r.values?.length).toBeGreaterThanOrEqual(r.minValues);
        }
        expect(pool.spec.replicas).toBeUndefined();
      }
    },
  );

  it("requires IMDSv2 with a hop limit of 1, encrypts every volume and assigns no public IP", () => {
    expect(nodeClass.spec.metadataOptions).toEqual({
      httpEndpoint: "enabled",
      httpProtocolIPv6: "disabled",
      httpPutResponseHopLimit: 1,
      httpTokens: "required",
    });
    expect(nodeClass.spec.associatePublicIPAddress).toBe(false);
    for (const alias of ["al2023@v20251117", "bottlerocket@v20251120"]) {
      const devices = buildEc2NodeClass({ ...nodeClassArgs, amiAlias: alias }).spec
        .blockDeviceMappings;
      expect(devices?.length).toBeGreaterThan(0);
      for (const d of devices ?? []) {
        expect(d.ebs).toMatchObject({
          encrypted: true,
          deleteOnTermination: true,
          volumeType: "gp3",
        });
      }
      expect(devices?.filter((d) => d.rootVolume)).toHaveLength(1);
    }
    expect(nodeClass.spec.blockDeviceMappings?.[0]?.ebs?.volumeSize).toBe("40Gi");
  });

  it("selects the private subnets and the node security group by the tag the program sets", () => {
    const tag = { [DISCOVERY_TAG_KEY]: "event-pipeline-dev" };
    expect(nodeClass.spec.subnetSelectorTerms).toEqual([{ tags: tag }]);
    expect(nodeClass.spec.securityGroupSelectorTerms).toEqual([{ tags: tag }]);
    // The network tags private subnets (only) with the same key and value.
    expect(subnetTags("private", "event-pipeline-dev")).toMatchObject(tag);
    expect(subnetTags("public", "event-pipeline-dev")).not.toHaveProperty(DISCOVERY_TAG_KEY);
  });

  it("pins the AMI alias from settings and names the node role, not an instance profile", () => {
    expect(nodeClass.spec.amiSelectorTerms).toEqual([{ alias: "al2023@v20251117" }]);
    expect(nodeClass.spec.role).toBe("karpenter-node-1234567");
    expect(nodeClass.spec.instanceProfile).toBeUndefined();
    expect(amiFamilyOf("bottlerocket@v20251120")).toBe("bottlerocket");
    expect(() => amiFamilyOf("al2@v20250101")).toThrow(/unsupported AMI alias/);
    // Settings accept only a pinned alias: "latest" would change nodes under a running stack.
    expect(() =>
      settingsOf(undefined, { "event-pipeline:karpenter": { amiAlias: "al2023@latest" } }),
    ).toThrow(/karpenter\.amiAlias/);
  });

  it("the job pool buys spot first with on-demand fallback, and taints its nodes", () => {
    const jobs = buildNodePool(STACKS.defaults, "jobs");
    const spec = jobs.spec.template.spec;
    const capacity = spec.requirements.find((r) => r.key === "karpenter.sh/capacity-type");
    expect(capacity).toEqual({
      key: "karpenter.sh/capacity-type",
      operator: "In",
      values: ["spot", "on-demand"],
    });
    expect(spec.taints).toEqual([{ key: POOL_LABEL, value: "jobs", effect: "NoSchedule" }]);
    expect(jobs.spec.template.metadata?.labels).toEqual({ [POOL_LABEL]: "jobs" });
    expect(orderedCapacityTypes(["on-demand", "spot", "spot"])).toEqual(["spot", "on-demand"]);
  });

  it("the general pool buys on-demand nodes, tainted for the consumer and producer", () => {
    const general = buildNodePool(STACKS.defaults, "general");
    const spec = general.spec.template.spec;
    expect(spec.requirements.find((r) => r.key === "karpenter.sh/capacity-type")?.values).toEqual([
      "on-demand",
    ]);
    expect(spec.taints).toEqual([{ key: POOL_LABEL, value: "general", effect: "NoSchedule" }]);
    expect(general.spec.template.metadata?.labels).toEqual({ [POOL_LABEL]: "general" });
  });

  it.each(Object.entries(STACKS))(
    "the %s pools take their instance types, limits, consolidation and expiry from settings",
    (_stack, settings) => {
      const k = settings.karpenter;
      for (const [pool, types, cpu, mem] of [
        ["jobs", k.jobInstanceTypes, k.jobCpuLimit, k.jobMemoryLimitGiB],
        ["general", k.generalInstanceTypes, k.generalCpuLimit, k.generalMemoryLimitGiB],
      ] as const) {
        const np = buildNodePool(settings, pool);
        expect(np.spec.limits).toEqual({ cpu: String(cpu), memory: `${mem}Gi` });
        expect(np.spec.disruption).toEqual({
          consolidationPolicy: "WhenEmptyOrUnderutilized",
          consolidateAfter: k.consolidateAfter,
          budgets: poolDisruptionBudgets(pool),
        });
        expect(np.spec.template.spec.expireAfter).toBe(k.expireAfter);
        expect(np.spec.template.spec.nodeClassRef).toEqual({
          group: "karpenter.k8s.aws",
          kind: "EC2NodeClass",
          name: NODE_CLASS_NAME,
        });
        const reqs = Object.fromEntries(
          np.spec.template.spec.requirements.map((r) => [r.key, r.values]),
        );
        expect(reqs["node.kubernetes.io/instance-type"]).toEqual(types);
        expect(reqs["kubernetes.io/os"]).toEqual(["linux"]);
      }
    },
  );

  it("lets a running job finish before a drained job node is terminated", () => {
    for (const settings of Object.values(STACKS)) {
      const grace = buildNodePool(settings, "jobs").spec.template.spec.terminationGracePeriod;
      expect(grace).toMatch(/^\d+s$/);
      expect(parseInt(grace ?? "0", 10)).toBeGreaterThanOrEqual(
        settings.keda.preprocess.activeDeadlineSeconds,
      );
    }
  });

  it("buys nodes of the image's architecture", () => {
    const arm = settingsOf(undefined, {
      "event-pipeline:image": { platform: "linux/arm64" },
      "event-pipeline:karpenter": {
        jobInstanceTypes: ["m7g.large"],
        generalInstanceTypes: ["m7g.large"],
      },
    });
    for (const pool of ["jobs", "general"] as const) {
      const arch = (s: Settings) =>
        buildNodePool(s, pool).spec.template.spec.requirements.find(
          (r) => r.key === "kubernetes.io/arch",
        )?.values;
      expect(arch(STACKS.defaults)).toEqual(["amd64"]);
      expect(arch(arm)).toEqual(["arm64"]);
    }
  });
});

// ---------------------------------------------------------------------------------------------
describe("workload scheduling onto the pools", () => {
  /** Whether a pod with this scheduling can land on a node of the pool (labels and taints). */
  function landsOn(scheduling: Scheduling, pool: "jobs" | "general"): boolean {
    const template = buildNodePool(STACKS.defaults, pool).spec.template;
    const labels = template.metadata?.labels ?? {};
    const selected = Object.entries(scheduling.nodeSelector ?? {}).every(
      ([k, v]) => labels[k] === v,
    );
    const tolerated = (template.spec.taints ?? []).every((t) =>
      (scheduling.tolerations ?? []).some(
        (tol) =>
          tol.key === t.key &&
          tol.effect === t.effect &&
          (tol.operator === "Exists" || tol.value === t.value),
      ),
    );
    return selected && tolerated;
  }

  it("preprocess jobs land on the job pool only, and ask not to be consolidated mid-file", () => {
    const jobs = jobPoolScheduling();
    expect(landsOn(jobs, "jobs")).toBe(true);
    expect(landsOn(jobs, "general")).toBe(false);
    expect(jobs.annotations).toEqual({ [DO_NOT_DISRUPT_ANNOTATION]: "true" });
  });

  it("the producer and consumer land on the general pool and can never take a spot job node", () => {
    const general = generalPoolScheduling();
    expect(landsOn(general, "general")).toBe(true);
    expect(landsOn(general, "jobs")).toBe(false);
    expect(general.annotations).toEqual({});
  });

  it("pods that select no pool (system pods) land on neither pool", () => {
    const system = { nodeSelector: {}, tolerations: [], annotations: {} };
    expect(landsOn(system, "jobs")).toBe(false);
    expect(landsOn(system, "general")).toBe(false);
  });

  it("each workload gets its pool's scheduling with Karpenter and none without", () => {
    expect(workloadScheduling("karpenter", "preprocess")).toEqual(jobPoolScheduling());
    expect(workloadScheduling("karpenter", "consumer")).toEqual(generalPoolScheduling());
    expect(workloadScheduling("karpenter", "producer")).toEqual(generalPoolScheduling());
    for (const w of WORKLOADS) {
      expect(workloadScheduling("none", w)).toEqual({
        nodeSelector: {},
        tolerations: [],
        annotations: {},
      });
    }
  });
});

describe("workload pods built with the pools' scheduling", () => {
  const podOf = (mode: "karpenter" | "none") => {
    const m = workloadManifests(
      STACKS.defaults,
      inputsFor("dev", { scheduling: schedulingForWorkloads(mode) }),
    );
    return {
      manifests: m,
      preprocess: m.preprocessScaledJob.spec.jobTargetRef.template,
      consumer: m.consumer.spec?.template,
      producer: m.producer.spec?.template,
    };
  };

  it("the preprocess job template selects the job pool, tolerates its taint and is do-not-disrupt", async () => {
    const { manifests, preprocess } = podOf("karpenter");
    const jobs = jobPoolScheduling();
    expect(preprocess.spec?.nodeSelector).toEqual(jobs.nodeSelector);
    expect(preprocess.spec?.tolerations).toEqual(jobs.tolerations);
    expect(preprocess.metadata?.annotations).toEqual({ [DO_NOT_DISRUPT_ANNOTATION]: "true" });
    expect(preprocess.metadata?.labels).toBeDefined();
    await expectSchemaValid(manifests.preprocessScaledJob);
  });

  it("the consumer and producer select the general pool and tolerate its taint", async () => {
    const { manifests, consumer, producer } = podOf("karpenter");
    for (const pod of [consumer, producer]) {
      expect(pod?.spec?.nodeSelector).toEqual({ [POOL_LABEL]: "general" });
      expect(pod?.spec?.tolerations).toEqual(generalPoolScheduling().tolerations);
      expect(pod?.metadata?.annotations).toBeUndefined();
    }
    await expectSchemaValid(manifests.consumer);
  });

  it("without Karpenter no pod is constrained to a pool", () => {
    const { preprocess, consumer, producer } = podOf("none");
    for (const pod of [preprocess, consumer, producer]) {
      expect(pod?.spec?.nodeSelector).toBeUndefined();
      expect(pod?.spec?.tolerations).toBeUndefined();
      expect(pod?.metadata?.annotations).toBeUndefined();
    }
  });
});

// ---------------------------------------------------------------------------------------------
describe("controller chart values", () => {
  const values = buildControllerValues({
    clusterName: "event-pipeline-dev",
    clusterEndpoint: "https://ABC.gr7.eu-west-1.eks.amazonaws.com",
    interruptionQueueName: "karpenter-interruption-1234567",
    region: "eu-west-1",
    systemNodes: 2,
  }) as Record<string, any>;

  it("points Karpenter at the cluster and its interruption queue", () => {
    expect(values.settings).toEqual({
      clusterName: "event-pipeline-dev",
      clusterEndpoint: "https://ABC.gr7.eu-west-1.eks.amazonaws.com",
      interruptionQueue: "karpenter-interruption-1234567",
    });
    expect(values.serviceAccount).toEqual({ create: true, name: KARPENTER_SERVICE_ACCOUNT });
  });

  it("tells the controller its region (pods cannot reach IMDS through a hop limit of 1)", () => {
    expect(values.controller.env).toEqual([{ name: "AWS_REGION", value: "eu-west-1" }]);
  });

  it("runs two replicas only when the managed group keeps two nodes to spread them over", () => {
    expect([1, 2, 3, 6].map(controllerReplicas)).toEqual([1, 2, 2, 2]);
  });

  it("never schedules the controller on a node Karpenter manages, one replica per node", () => {
    const terms =
      values.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    expect(terms).toHaveLength(1);
    expect(terms[0].matchExpressions).toEqual(
      expect.arrayContaining([
        { key: "karpenter.sh/nodepool", operator: "DoesNotExist" },
        { key: MANAGED_NODEGROUP_LABEL, operator: "Exists" },
      ]),
    );
    expect(values.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution).toEqual([
      { topologyKey: "kubernetes.io/hostname" },
    ]);
    expect(values.replicas).toBe(2);
  });

  it("runs non-root with RuntimeDefault seccomp and bounded memory", () => {
    expect(values.podSecurityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(values.podSecurityContext.runAsUser).toBeGreaterThan(0);
    expect(values.controller.securityContext).toEqual({
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(values.controller.resources.requests).toEqual({ cpu: "200m", memory: "512Mi" });
    expect(values.controller.resources.limits.memory).toBe("1Gi");
  });
});

// ---------------------------------------------------------------------------------------------
describe("capacity and cost", () => {
  /** The workloads' requests, as the k8s spec builders set them (README, KEDA headroom). */
  const SPEC_REQUESTS = Object.fromEntries(
    Object.entries(CONTAINER_SIZES).map(([w, size]) => [
      w,
      { cpuMilli: cpuMilli(size.cpuRequest), memoryMiB: memoryMiB(size.memoryRequest) },
    ]),
  ) as Record<Workload, PodRequests>;
  /** Fixed requests for the arithmetic checks. */
  const REQUESTS: Record<Workload, PodRequests> = {
    preprocess: { cpuMilli: 500, memoryMiB: 1024 },
    consumer: { cpuMilli: 250, memoryMiB: 256 },
    producer: { cpuMilli: 100, memoryMiB: 128 },
  };

  it("parses CPU and memory quantities", () => {
    expect(["500m", "2", "0.5", "1500m"].map(cpuMilli)).toEqual([500, 2000, 500, 1500]);
    expect(["256Mi", "1Gi", "1024Ki", "0.5Gi"].map(memoryMiB)).toEqual([256, 1024, 1, 512]);
    expect(memoryMiB("1G")).toBeCloseTo(953.67, 2);
    expect(() => cpuMilli("1 core")).toThrow(/unsupported CPU quantity/);
  });

  it("reserves CPU and memory for the kubelet the way EKS AMIs do", () => {
    expect([1, 2, 4, 8].map(kubeReservedCpuMilli)).toEqual([60, 70, 80, 90]);
    expect(kubeReservedMemoryMiB(29)).toBe(574);
    expect(kubeReservedMemoryMiB(58)).toBe(893);
    const large = workloadAllocatable(instanceSpec("m7i.large"));
    expect(large.cpuMilli).toBe(2000 - 70 - 425);
    expect(Math.round(large.memoryMiB)).toBe(Math.round(8192 * 0.925 - 574 - 100 - 153));
  });

  it("fits jobs and consumers per node by CPU, memory and pod slots", () => {
    expect(podsPerNode(instanceSpec("m7i.large"), REQUESTS.preprocess)).toBe(3);
    // 4 vCPU: 4000m − 80m kubelet − 425m DaemonSets = 3495m, just short of a 7th 500m job.
    expect(podsPerNode(instanceSpec("m7i.xlarge"), REQUESTS.preprocess)).toBe(6);
    expect(podsPerNode(instanceSpec("c7i.xlarge"), REQUESTS.preprocess)).toBe(6);
    expect(podsPerNode(instanceSpec("m7i.large"), REQUESTS.consumer)).toBe(6);
    // Pod slots bind before CPU or memory for tiny pods.
    expect(podsPerNode(instanceSpec("m7i.large"), { cpuMilli: 1, memoryMiB: 1 })).toBe(25);
  });

  it("every instance type a stack's pools may buy has a dated price", () => {
    expect(PRICE_TABLE.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const settings of Object.values(STACKS)) {
      const k = settings.karpenter;
      for (const type of [...k.jobInstanceTypes, ...k.generalInstanceTypes]) {
        expect(INSTANCE_TABLE[type]?.onDemandHourly).toBeGreaterThan(0);
      }
    }
    expect(() => instanceSpec("x9z.huge")).toThrow(/INSTANCE_TABLE/);
  });

  it("the cost ceiling bounds every mix of nodes the limits admit, and one type reaches it", () => {
    const types = STACKS.defaults.karpenter.jobInstanceTypes;
    const cpu = STACKS.defaults.karpenter.jobCpuLimit;
    const mem = STACKS.defaults.karpenter.jobMemoryLimitGiB;
    const ceiling = poolHourlyCeiling(types, cpu, mem);
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let trial = 0; trial < 500; trial++) {
      let [usedCpu, usedMem, cost] = [0, 0, 0];
      for (let step = 0; step < 200; step++) {
        const spec = instanceSpec(types[Math.floor(random() * types.length)] ?? "m7i.large");
        if (usedCpu + spec.vcpu > cpu || usedMem + spec.memoryGiB > mem) break;
        [usedCpu, usedMem, cost] = [
          usedCpu + spec.vcpu,
          usedMem + spec.memoryGiB,
          cost + spec.onDemandHourly,
        ];
      }
      expect(cost).toBeLessThanOrEqual(ceiling + 1e-9);
    }
    const best = Math.max(
      ...types.map(
        (t) => nodesWithinLimits(instanceSpec(t), cpu, mem) * instanceSpec(t).onDemandHourly,
      ),
    );
    expect(best).toBeCloseTo(ceiling, 6);
  });

  it("the job pool's limits hold the most jobs KEDA may start, in every stack", () => {
    for (const settings of Object.values(STACKS)) {
      expect(jobPoolHolds(settings, SPEC_REQUESTS.preprocess)).toBe(true);
    }
    // More than that is refused by the settings rules (config/quota.ts), naming the key.
    expect(() =>
      settingsOf(undefined, { "event-pipeline:keda": { preprocess: { maxReplicaCount: 500 } } }),
    ).toThrow(/keda\.preprocess\.maxReplicaCount: 500 job pods request 500 vCPU/);
  });

  it("the README's capacity note is the one the default settings produce", () => {
    const note = renderCapacityNote(capacityReport(STACKS.defaults, SPEC_REQUESTS));
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    expect(readme).toContain(note);
    expect(note).toMatch(/at most \*\*\$\d+\.\d{2}\/h\*\*/);
  });
});
