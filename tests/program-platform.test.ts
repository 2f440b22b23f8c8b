/**
 * Platform rules for every stack file: private nodes and the S3 endpoint; an EKS cluster with
 * access entries, control-plane logs, KMS-encrypted secrets and IMDSv2; Pod Identity for every
 * workload and KEDA; KEDA pinned and hardened; the processor image scanned, immutable and
 * deployed by digest.
 */
import { planSubnets } from "../config";
import { byType, byUrn, dependsOn, one, runProgram, type ProgramRun } from "../harness/program";

describe.each(["dev", "prod"])("network (%s)", (stack) => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram(stack);
  });

  const subnets = (tier: "private" | "public") =>
    byType(run, "aws:ec2/subnet:Subnet").filter((s) => s.name.startsWith(`network-${tier}-`));

  test("subnets follow the CIDR plan, one private and one public per AZ, none assigning public IPs", () => {
    const { azCount } = run.settings.network;
    expect(subnets("private")).toHaveLength(azCount);
    expect(subnets("public")).toHaveLength(azCount);
    const zones = new Set(subnets("private").map((s) => s.inputs.availabilityZone));
    expect(zones.size).toBe(azCount);
    for (const s of byType(run, "aws:ec2/subnet:Subnet")) {
      expect(s.inputs.mapPublicIpOnLaunch).toBe(false);
    }
    expect(one(run, "aws:ec2/vpc:Vpc").inputs.cidrBlock).toBe(run.settings.network.cidr);
    const plan = planSubnets(run.settings.network);
    expect(subnets("private").map((s) => s.inputs.cidrBlock)).toEqual(plan.privateCidrs);
    expect(subnets("public").map((s) => s.inputs.cidrBlock)).toEqual(plan.publicCidrs);
  });

  test("subnets carry the load balancer role tags and, privately, Karpenter's discovery tag", () => {
    for (const s of subnets("public")) {
      expect(s.inputs.tags).toMatchObject({ "kubernetes.io/role/elb": "1" });
      expect(s.inputs.tags["karpenter.sh/discovery"]).toBeUndefined();
    }
    for (const s of subnets("private")) {
      expect(s.inputs.tags).toMatchObject({
        "kubernetes.io/role/internal-elb": "1",
        "karpenter.sh/discovery": run.outputs.clusterName,
      });
    }
  });

  test("private subnets reach the internet only through NAT gateways; public ones through the IGW", () => {
    const tables = byType(run, "aws:ec2/routeTable:RouteTable");
    const associations = byType(run, "aws:ec2/routeTableAssociation:RouteTableAssociation");
    const tableOf = (subnetId: string) => {
      const assoc = associations.find((a) => a.inputs.subnetId === subnetId);
      return tables.find((t) => t.id === assoc?.inputs.routeTableId);
    };
    for (const s of subnets("private")) {
      const routes = tableOf(s.id)?.inputs.routes;
      expect(routes).toEqual([{ cidrBlock: "0.0.0.0/0", natGatewayId: expect.any(String) }]);
    }
    for (const s of subnets("public")) {
      expect(tableOf(s.id)?.inputs.routes).toEqual([
        {
          cidrBlock: "0.0.0.0/0",
          gatewayId: one(run, "aws:ec2/internetGateway:InternetGateway").id,
        },
      ]);
    }
    expect(byType(run, "aws:ec2/natGateway:NatGateway")).toHaveLength(
      run.settings.network.natGateways,
    );
  });

  test("an S3 gateway endpoint serves every private route table", () => {
    const endpoint = one(run, "aws:ec2/vpcEndpoint:VpcEndpoint", "network-s3");
    expect(endpoint.inputs).toMatchObject({
      vpcEndpointType: "Gateway",
      serviceName: `com.amazonaws.${run.settings.region}.s3`,
    });
    const privateTables = byType(run, "aws:ec2/routeTable:RouteTable")
      .filter((t) => t.name.startsWith("network-private-rt-"))
      .map((t) => t.id);
    expect(privateTables).toHaveLength(run.settings.network.azCount);
    expect([...endpoint.inputs.routeTableIds].sort()).toEqual(privateTables.sort());
  });

  test("the default security group has no rules", () => {
    const sg = one(run, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup");
    expect(sg.inputs.ingress ?? []).toEqual([]);
    expect(sg.inputs.egress ?? []).toEqual([]);
  });
});

describe.each(["dev", "prod"])("cluster (%s)", (stack) => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram(stack);
  });

  test("nodes run only in private subnets, without public IPs", () => {
    const eks = one(run, "eks:index:Cluster");
    const privateIds = run.outputs.privateSubnetIds as string[];
    expect(eks.inputs.privateSubnetIds).toEqual(privateIds);
    expect(eks.inputs.nodeAssociatePublicIpAddress).toBe(false);
    expect(eks.inputs.skipDefaultNodeGroup).toBe(true);
    const groups = byType(run, "aws:eks/nodeGroup:NodeGroup");
    expect(groups.length).toBeGreaterThan(0);
    for (const group of groups) {
      expect(group.inputs.subnetIds.length).toBeGreaterThan(0);
      for (const id of group.inputs.subnetIds) expect(privateIds).toContain(id);
    }
  });

  test("the managed node group follows the settings", () => {
    const ng = run.settings.cluster.nodeGroup;
    const group = one(run, "aws:eks/nodeGroup:NodeGroup", "cluster-system");
    expect(group.inputs).toMatchObject({
      instanceTypes: ng.instanceTypes,
      capacityType: ng.capacityType,
      scalingConfig: { minSize: ng.minSize, desiredSize: ng.desiredSize, maxSize: ng.maxSize },
      nodeRoleArn: one(run, "aws:iam/role:Role", "cluster-node").state.arn,
    });
  });

  test("every node role is trusted by EC2 only and carries exactly the worker policies, attached under it", () => {
    const nodeRoles = byType(run, "aws:iam/role:Role").filter((r) =>
      JSON.stringify(JSON.parse(r.inputs.assumeRolePolicy)).includes("ec2.amazonaws.com"),
    );
    const expected = [
      "cluster-node",
      ...(run.settings.nodeAutoscaling === "karpenter" ? ["karpenter-node"] : []),
    ];
    expect(nodeRoles.map((r) => r.name).sort()).toEqual(expected);
    for (const role of nodeRoles) {
      const trust = JSON.parse(role.inputs.assumeRolePolicy).Statement;
      expect(trust.map((t: { Principal: unknown }) => t.Principal)).toEqual([
        { Service: "ec2.amazonaws.com" },
      ]);
      const attached = byType(run, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter(
        (a) => a.inputs.role === role.state.name,
      );
      // Children of the role, named after it: the URNs of live attachments stay put.
      expect(attached.map((a) => [a.parent, a.name.replace(/-[A-Za-z0-9_]+$/, "")])).toEqual(
        attached.map(() => [role.urn, role.name]),
      );
      expect(attached.map((a) => String(a.inputs.policyArn)).sort()).toEqual(
        [
          "AmazonEC2ContainerRegistryPullOnly",
          "AmazonEKSWorkerNodePolicy",
          "AmazonEKS_CNI_Policy",
        ].map((p) => `arn:aws:iam::aws:policy/${p}`),
      );
    }
  });

  test("every node launch template requires IMDSv2 with a hop limit of 1 and encrypts the root volume", () => {
    const templates = byType(run, "aws:ec2/launchTemplate:LaunchTemplate");
    expect(templates.length).toBeGreaterThan(0);
    for (const lt of templates) {
      expect(lt.inputs.metadataOptions).toMatchObject({
        httpTokens: "required",
        httpPutResponseHopLimit: 1,
      });
    }
    const lt = one(run, "aws:ec2/launchTemplate:LaunchTemplate", "cluster-nodes");
    expect(lt.inputs.blockDeviceMappings[0].ebs).toMatchObject({
      encrypted: "true",
      volumeType: "gp3",
      volumeSize: run.settings.cluster.nodeGroup.diskSizeGiB,
    });
    expect(one(run, "aws:eks/nodeGroup:NodeGroup", "cluster-system").inputs.launchTemplate.id).toBe(
      lt.id,
    );
  });

  test("the cluster authenticates with access entries only and logs api, audit and authenticator", () => {
    const eks = one(run, "eks:index:Cluster");
    expect(eks.inputs.authenticationMode).toBe("API");
    expect([...eks.inputs.enabledClusterLogTypes].sort()).toEqual([
      "api",
      "audit",
      "authenticator",
    ]);
    expect(eks.inputs.name).toBe(run.outputs.clusterName);
    expect(eks.inputs.version).toBe(run.settings.cluster.kubernetesVersion);
    const logs = one(run, "aws:cloudwatch/logGroup:LogGroup", "cluster-control-plane");
    expect(logs.inputs).toMatchObject({
      name: `/aws/eks/${run.outputs.clusterName}/cluster`,
      retentionInDays: run.settings.cluster.logRetentionDays,
    });
    expect(dependsOn(eks, logs)).toBe(true);
  });

  test("Kubernetes secrets are envelope-encrypted with a rotating KMS key", () => {
    const eks = one(run, "eks:index:Cluster");
    const key = one(run, "aws:kms/key:Key", "cluster-secrets");
    expect(eks.inputs.encryptionConfigKeyArn).toBe(key.state.arn);
    expect(key.inputs.enableKeyRotation).toBe(true);
  });

  test("the VPC CNI enforces the workloads' NetworkPolicies", () => {
    const eks = one(run, "eks:index:Cluster");
    expect(eks.inputs.vpcCniOptions).toMatchObject({ enableNetworkPolicy: true });
    expect(eks.inputs.useDefaultVpcCni).toBeUndefined();
  });

  test("the API endpoint is private, and public only to the configured CIDRs", () => {
    const eks = one(run, "eks:index:Cluster");
    expect(eks.inputs.endpointPrivateAccess).toBe(true);
    expect(eks.inputs.endpointPublicAccess).toBe(run.settings.cluster.endpointPublicAccess);
    if (run.settings.cluster.endpointPublicAccess) {
      expect(eks.inputs.publicAccessCidrs).toEqual(run.settings.cluster.publicAccessCidrs);
    }
  });

  test("extra cluster admins from settings get an access entry with the cluster-admin policy", async () => {
    const arn = "arn:aws:iam::123456789012:role/platform-admins";
    const withAdmin = await runProgram(stack, {
      "event-pipeline:cluster": { ...run.settings.cluster, adminPrincipalArns: [arn] },
    });
    expect(one(withAdmin, "eks:index:Cluster").inputs.accessEntries).toEqual({
      "admin-1": {
        principalArn: arn,
        accessPolicies: {
          admin: {
            policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
            accessScope: { type: "cluster" },
          },
        },
      },
    });
    expect(one(run, "eks:index:Cluster").inputs.accessEntries ?? {}).toEqual({});
  });

  test("the Pod Identity agent add-on is pinned and installed once nodes exist", () => {
    const addon = one(run, "aws:eks/addon:Addon", "cluster-pod-identity-agent");
    expect(addon.inputs.addonName).toBe("eks-pod-identity-agent");
    expect(addon.inputs.addonVersion).toBe(run.settings.cluster.podIdentityAgentVersion);
    expect(addon.inputs.addonVersion).toMatch(/^v\d+\.\d+\.\d+-eksbuild\.\d+$/);
    expect(dependsOn(addon, one(run, "aws:eks/nodeGroup:NodeGroup", "cluster-system"))).toBe(true);
  });

  test("every Kubernetes resource goes through the cluster's provider, built from its kubeconfig", () => {
    const provider = one(run, "pulumi:providers:kubernetes", "cluster-k8s");
    expect(JSON.parse(provider.inputs.kubeconfig)).toMatchObject({ kind: "Config" });
    expect(provider.secretInputs).toContain("kubeconfig");
    const k8s = run.resources.filter((r) => r.type.startsWith("kubernetes:"));
    expect(k8s.length).toBeGreaterThan(0);
    for (const r of k8s) {
      // A provider reference is `<urn>::<id>`.
      expect({ name: r.name, provider: r.provider.slice(0, provider.urn.length) }).toEqual({
        name: r.name,
        provider: provider.urn,
      });
    }
  });
});

describe.each(["dev", "prod"])("Pod Identity and KEDA (%s)", (stack) => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram(stack);
  });

  test("Pod Identity associations cover preprocess, producer, consumer and keda/keda-operator", () => {
    const ns = run.settings.workloads.namespace;
    const expected: Record<string, string> = {
      [`${ns}/preprocess`]: "identity-preprocess",
      [`${ns}/producer`]: "identity-producer",
      [`${ns}/consumer`]: "identity-consumer",
      [`${run.settings.keda.namespace}/keda-operator`]: "identity-keda-operator",
    };
    const associations = byType(run, "aws:eks/podIdentityAssociation:PodIdentityAssociation");
    for (const [subject, roleName] of Object.entries(expected)) {
      const [namespace, serviceAccount] = subject.split("/");
      const found = associations.filter(
        (a) => a.inputs.namespace === namespace && a.inputs.serviceAccount === serviceAccount,
      );
      expect({ subject, count: found.length }).toEqual({ subject, count: 1 });
      expect(found[0]?.inputs.roleArn).toBe(one(run, "aws:iam/role:Role", roleName).state.arn);
      expect(found[0]?.inputs.clusterName).toBe(run.outputs.clusterName);
    }
  });

  test("the KEDA chart comes from kedacore, pinned to an exact version", () => {
    const release = one(run, "kubernetes:helm.sh/v3:Release", "keda-chart");
    expect(release.inputs).toMatchObject({
      chart: "keda",
      version: run.settings.keda.chartVersion,
      repositoryOpts: { repo: "https://kedacore.github.io/charts" },
      namespace: run.settings.keda.namespace,
    });
    expect(release.inputs.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  test("the chart waits for the operator's Pod Identity association and the agent", () => {
    const release = one(run, "kubernetes:helm.sh/v3:Release", "keda-chart");
    const association = byType(run, "aws:eks/podIdentityAssociation:PodIdentityAssociation").find(
      (a) => a.inputs.serviceAccount === "keda-operator",
    );
    expect(association && dependsOn(release, association)).toBe(true);
    expect(dependsOn(release, one(run, "aws:eks/addon:Addon", "cluster-pod-identity-agent"))).toBe(
      true,
    );
    expect(release.inputs.values.serviceAccount.operator.name).toBe("keda-operator");
  });

  test("every KEDA component is non-root, read-only, capability-free, RuntimeDefault, with resources", () => {
    const values = one(run, "kubernetes:helm.sh/v3:Release", "keda-chart").inputs.values;
    for (const c of ["operator", "metricServer", "webhooks"]) {
      expect(values.podSecurityContext[c]).toMatchObject({ runAsNonRoot: true });
      expect(values.securityContext[c]).toMatchObject({
        runAsNonRoot: true,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      });
      expect(Object.keys(values.resources[c]).sort()).toEqual(["limits", "requests"]);
    }
  });

  test("KEDA's namespace enforces the restricted Pod Security Standard", () => {
    const ns = one(run, "kubernetes:core/v1:Namespace", "keda-namespace");
    expect(ns.inputs.metadata).toMatchObject({
      name: run.settings.keda.namespace,
      labels: { "pod-security.kubernetes.io/enforce": "restricted" },
    });
    expect(run.outputs.kedaNamespace).toBe(run.settings.keda.namespace);
    const release = one(run, "kubernetes:helm.sh/v3:Release", "keda-chart");
    expect(byUrn(run, release.parent)?.type).toBe("pipeline:infra:Keda");
  });
});

describe.each(["dev", "prod"])("processor image (%s)", (stack) => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram(stack);
  });

  test("the exported image reference is the repository pinned by digest", () => {
    const repo = one(run, "aws:ecr/repository:Repository");
    expect(run.outputs.processorImage).toMatch(
      /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/.+@sha256:[0-9a-f]{64}$/,
    );
    expect(run.outputs.processorImage).toBe(
      `${repo.state.repositoryUrl}@${one(run, "docker-build:index:Image").state.digest}`,
    );
  });

  test("ECR scans on push, forbids overwriting tags, encrypts, and keeps the last images", () => {
    const repo = one(run, "aws:ecr/repository:Repository");
    expect(repo.inputs).toMatchObject({
      name: `event-pipeline-${stack}-processor`,
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfigurations: [{ encryptionType: "AES256" }],
    });
    const rules = JSON.parse(
      one(run, "aws:ecr/lifecyclePolicy:LifecyclePolicy").inputs.policy,
    ).rules;
    expect(rules).toEqual([
      expect.objectContaining({
        selection: {
          tagStatus: "any",
          countType: "imageCountMoreThan",
          countNumber: run.settings.image.keepLastImages,
        },
      }),
    ]);
  });

  test("the image is built from processor/Dockerfile with the repository root as context, tagged by content, pushed with ECR credentials", () => {
    const image = one(run, "docker-build:index:Image");
    const repo = one(run, "aws:ecr/repository:Repository");
    expect(image.inputs.context).toEqual({ location: "." });
    expect(image.inputs.dockerfile).toEqual({ location: "processor/Dockerfile" });
    expect(image.inputs.platforms).toEqual([run.settings.image.platform]);
    expect(image.inputs.push).toBe(true);
    expect(image.inputs.tags).toEqual([
      expect.stringMatching(new RegExp(`^${repo.state.repositoryUrl}:sha-[0-9a-f]{20}$`)),
    ]);
    expect(image.inputs.registries).toEqual([
      { address: repo.state.repositoryUrl, username: "AWS", password: "mock-password" },
    ]);
    expect(image.secretInputs).toEqual(["registries"]);
  });
});
