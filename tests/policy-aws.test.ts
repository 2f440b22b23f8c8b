/**
 * The AWS rules of the policy pack, each with a complying and a violating resource, evaluated
 * through the policy objects the pack ships (type filter + check).
 */
import { doc, res, urn, violations } from "./support/policy-fixtures";

const BUCKET = "aws:s3/bucket:Bucket";
const SSE =
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
const PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";
const VERSIONING = "aws:s3/bucketVersioning:BucketVersioning";
const QUEUE = "aws:sqs/queue:Queue";
const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
const EKS = "eks:index:Cluster";
const AWS_EKS = "aws:eks/cluster:Cluster";
const NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";
const AUTO_MODE_NODE_CLASS = "kubernetes:eks.amazonaws.com/v1:NodeClass";
const SUBNET = "aws:ec2/subnet:Subnet";
const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const REPO = "aws:ecr/repository:Repository";

const bucket = (name: string, physical = `${name}-0a1b2c3d`) =>
  res(
    BUCKET,
    name,
    { bucketPrefix: `${name}-` },
    { bucket: physical, id: physical, arn: `arn:aws:s3:::${physical}` },
  );
const sse = (name: string, bucketId: string, sseAlgorithm = "aws:kms") =>
  res(SSE, name, {
    bucket: bucketId,
    rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm } }],
  });
const tlsOnly = (arn: string) =>
  doc({
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [arn, `${arn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  });

describe("S3 rules", () => {
  const raw = bucket("event-pipeline-dev-raw");

  test("a bucket with a KMS default-encryption configuration complies", async () => {
    expect(
      await violations(
        "s3-bucket-encryption",
        raw,
        sse("raw-sse", "event-pipeline-dev-raw-0a1b2c3d"),
      ),
    ).toEqual([]);
  });

  test("a bucket without any encryption configuration violates s3-bucket-encryption", async () => {
    const other = sse("other-sse", "some-other-bucket");
    expect(await violations("s3-bucket-encryption", raw, other)).toEqual([
      'Bucket "event-pipeline-dev-raw" has no server-side encryption configuration',
    ]);
  });

  test("an encryption configuration with an unknown algorithm violates s3-bucket-encryption", async () => {
    const found = await violations(
      "s3-bucket-encryption",
      raw,
      sse("raw-sse", "event-pipeline-dev-raw-0a1b2c3d", "none"),
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toContain("default encryption must use one of");
  });

  test("during a preview the configuration is paired with its bucket through property dependencies", async () => {
    const config = res(
      SSE,
      "raw-sse",
      { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
      {},
      {
        bucket: [raw.urn],
      },
    );
    expect(await violations("s3-bucket-encryption", raw, config)).toEqual([]);
  });

  test("a public access block with all four flags complies", async () => {
    const pab = res(PAB, "raw-pab", {
      bucket: "event-pipeline-dev-raw-0a1b2c3d",
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(await violations("s3-public-access-block", raw, pab)).toEqual([]);
  });

  test("a public access block that leaves public policies allowed violates s3-public-access-block", async () => {
    const pab = res(PAB, "raw-pab", {
      bucket: "event-pipeline-dev-raw-0a1b2c3d",
      blockPublicAcls: true,
      blockPublicPolicy: false,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(await violations("s3-public-access-block", raw, pab)).toEqual([
      'Bucket "event-pipeline-dev-raw": public access block must set blockPublicPolicy to true',
    ]);
  });

  test("a bucket policy that denies non-TLS requests on bucket and objects complies", async () => {
    const policy = res(BUCKET_POLICY, "raw-policy", {
      bucket: "event-pipeline-dev-raw-0a1b2c3d",
      policy: tlsOnly("arn:aws:s3:::event-pipeline-dev-raw-0a1b2c3d"),
    });
    expect(await violations("s3-tls-only", raw, policy)).toEqual([]);
  });

  test("a bucket policy whose TLS deny misses the objects violates s3-tls-only", async () => {
    const partial = doc({
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: "arn:aws:s3:::event-pipeline-dev-raw-0a1b2c3d",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
    const policy = res(BUCKET_POLICY, "raw-policy", {
      bucket: "event-pipeline-dev-raw-0a1b2c3d",
      policy: partial,
    });
    expect(await violations("s3-tls-only", raw, policy)).toHaveLength(1);
    expect(await violations("s3-tls-only", raw)).toEqual([
      'Bucket "event-pipeline-dev-raw" has no bucket policy',
    ]);
  });

  test("the raw bucket with versioning Enabled complies", async () => {
    const v = res(VERSIONING, "raw-versioning", {
      bucket: "event-pipeline-dev-raw-0a1b2c3d",
      versioningConfiguration: { status: "Enabled" },
    });
    expect(
      await violations("s3-raw-versioning", raw, v, bucket("event-pipeline-dev-events")),
    ).toEqual([]);
  });

  test("a raw bucket with suspended versioning violates s3-raw-versioning; other buckets need none", async () => {
    const v = res(VERSIONING, "raw-versioning", {
      bucket: "event-pipeline-dev-raw-0a1b2c3d",
      versioningConfiguration: { status: "Suspended" },
    });
    expect(
      await violations("s3-raw-versioning", raw, v, bucket("event-pipeline-dev-events")),
    ).toEqual(['Bucket "event-pipeline-dev-raw": versioning must be Enabled (got Suspended)']);
  });
});

describe("SQS rules", () => {
  const dlq = res(
    QUEUE,
    "preprocess-dlq",
    { name: "p-dlq", sqsManagedSseEnabled: true },
    { arn: "arn:aws:sqs:eu-west-1:1:p-dlq" },
  );
  const main = (redrive: unknown) =>
    res(
      QUEUE,
      "preprocess",
      { name: "p", sqsManagedSseEnabled: true, redrivePolicy: JSON.stringify(redrive) },
      { arn: "arn:aws:sqs:eu-west-1:1:p" },
    );

  test("a queue with SSE-SQS or a KMS key complies with sqs-encryption", async () => {
    expect(await violations("sqs-encryption", dlq)).toEqual([]);
    expect(
      await violations("sqs-encryption", res(QUEUE, "k", { kmsMasterKeyId: "alias/q" })),
    ).toEqual([]);
  });

  test("a queue without encryption violates sqs-encryption", async () => {
    expect(
      await violations("sqs-encryption", res(QUEUE, "plain", { sqsManagedSseEnabled: false })),
    ).toEqual(["queue must be encrypted: set sqsManagedSseEnabled: true or a kmsMasterKeyId"]);
  });

  test("a queue that redrives to a DLQ of the stack, and that DLQ, comply with sqs-dead-letter-queue", async () => {
    const q = main({ deadLetterTargetArn: "arn:aws:sqs:eu-west-1:1:p-dlq", maxReceiveCount: 5 });
    expect(await violations("sqs-dead-letter-queue", q, dlq)).toEqual([]);
  });

  test("a queue without a redrive policy violates sqs-dead-letter-queue", async () => {
    const lonely = res(QUEUE, "events", { name: "e", sqsManagedSseEnabled: true });
    expect(await violations("sqs-dead-letter-queue", lonely)).toEqual([
      'Queue "events" has no redrive policy to a dead-letter queue of this stack',
    ]);
  });

  test("the dead-letter queue of an EventBridge target complies with sqs-dead-letter-queue", async () => {
    const rulesDlq = res(
      QUEUE,
      "rules-dlq",
      { name: "r-dlq", sqsManagedSseEnabled: true },
      { arn: "arn:aws:sqs:eu-west-1:1:r-dlq" },
    );
    const target = res("aws:cloudwatch/eventTarget:EventTarget", "upload", {
      rule: "upload",
      arn: "arn:aws:states:eu-west-1:1:stateMachine:s",
      deadLetterConfig: { arn: "arn:aws:sqs:eu-west-1:1:r-dlq" },
    });
    expect(await violations("sqs-dead-letter-queue", rulesDlq, target)).toEqual([]);
    expect(await violations("sqs-dead-letter-queue", rulesDlq)).toHaveLength(1);
  });

  test("a redrive policy to a queue outside the stack, or with maxReceiveCount 0, violates sqs-dead-letter-queue", async () => {
    const elsewhere = main({
      deadLetterTargetArn: "arn:aws:sqs:eu-west-1:1:not-here",
      maxReceiveCount: 5,
    });
    expect(await violations("sqs-dead-letter-queue", elsewhere)).toHaveLength(1);
    const zero = main({ deadLetterTargetArn: "arn:aws:sqs:eu-west-1:1:p-dlq", maxReceiveCount: 0 });
    expect(await violations("sqs-dead-letter-queue", zero, dlq)).toEqual([
      'Queue "preprocess": maxReceiveCount must be at least 1',
    ]);
  });
});

describe("IAM rules", () => {
  const policy = (...statements: Record<string, unknown>[]) =>
    res(ROLE_POLICY, "consumer-policy", { role: "consumer", policy: doc(...statements) });

  test("exact actions on exact ARNs comply with iam-no-wildcard-actions", async () => {
    const p = policy({
      Effect: "Allow",
      Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage"],
      Resource: "arn:aws:sqs:eu-west-1:1:e",
    });
    expect(await violations("iam-no-wildcard-actions", p)).toEqual([]);
  });

  test("service-wide and prefix wildcards violate iam-no-wildcard-actions (a Deny may use them)", async () => {
    const p = policy(
      {
        Sid: "Wide",
        Effect: "Allow",
        Action: ["sqs:*", "s3:Get*"],
        Resource: "arn:aws:sqs:eu-west-1:1:e",
      },
      { Sid: "Guard", Effect: "Deny", Action: "s3:*", Resource: "*" },
    );
    expect(await violations("iam-no-wildcard-actions", p)).toEqual([
      "statement Wide allows wildcard actions sqs:*, s3:Get*",
    ]);
  });

  test("a role's inline policies are checked too", async () => {
    const role = res(ROLE, "r", {
      assumeRolePolicy: doc({
        Effect: "Allow",
        Principal: { Service: "pods.eks.amazonaws.com" },
        Action: ["sts:AssumeRole", "sts:TagSession"],
      }),
      inlinePolicies: [
        { name: "all", policy: doc({ Effect: "Allow", Action: "*", Resource: "*" }) },
      ],
    });
    expect(await violations("iam-no-wildcard-actions", role)).toEqual([
      "statement #0 allows wildcard actions *",
    ]);
  });

  test('allow-listed actions on Resource "*" comply with iam-star-resource-allow-list', async () => {
    const p = policy({
      Effect: "Allow",
      Action: ["ecr:GetAuthorizationToken", "ec2:DescribeSubnets"],
      Resource: "*",
    });
    expect(await violations("iam-star-resource-allow-list", p)).toEqual([]);
  });

  test('a resource-scoped action on Resource "*" violates iam-star-resource-allow-list', async () => {
    const p = policy({
      Sid: "Put",
      Effect: "Allow",
      Action: ["s3:PutObject", "cloudwatch:PutMetricData"],
      Resource: "*",
    });
    expect(await violations("iam-star-resource-allow-list", p)).toEqual([
      'statement Put allows s3:PutObject on Resource "*"; name the resources',
    ]);
  });

  test("a least-privilege managed policy complies with iam-no-full-access-managed-policies", async () => {
    const a = res(ATTACHMENT, "node-ecr", {
      role: "node",
      policyArn: "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
    });
    expect(await violations("iam-no-full-access-managed-policies", a)).toEqual([]);
  });

  test("AmazonS3FullAccess and AdministratorAccess violate iam-no-full-access-managed-policies", async () => {
    const s3 = res(ATTACHMENT, "s3", {
      role: "r",
      policyArn: "arn:aws:iam::aws:policy/AmazonS3FullAccess",
    });
    const admin = res(ROLE, "admin", {
      managedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"],
    });
    expect(await violations("iam-no-full-access-managed-policies", s3, admin)).toEqual([
      "attaches arn:aws:iam::aws:policy/AmazonS3FullAccess; write a least-privilege policy instead",
      "attaches arn:aws:iam::aws:policy/AdministratorAccess; write a least-privilege policy instead",
    ]);
  });

  test("a Pod Identity trust (AssumeRole + TagSession) and a named service trust comply", async () => {
    const pods = res(ROLE, "consumer", {
      assumeRolePolicy: doc({
        Effect: "Allow",
        Principal: { Service: "pods.eks.amazonaws.com" },
        Action: ["sts:AssumeRole", "sts:TagSession"],
      }),
    });
    const states = res(ROLE, "sfn", {
      assumeRolePolicy: doc({
        Effect: "Allow",
        Principal: { Service: ["states.amazonaws.com"] },
        Action: "sts:AssumeRole",
      }),
    });
    expect(await violations("iam-trust-named-services", pods, states)).toEqual([]);
  });

  test("trusting any principal, an account or an OIDC provider violates iam-trust-named-services", async () => {
    const anyone = res(ROLE, "anyone", {
      assumeRolePolicy: doc({
        Sid: "Any",
        Effect: "Allow",
        Principal: { AWS: "*" },
        Action: "sts:AssumeRole",
      }),
    });
    const irsa = res(ROLE, "irsa", {
      assumeRolePolicy: doc({
        Sid: "Oidc",
        Effect: "Allow",
        Principal: { Federated: "arn:aws:iam::1:oidc-provider/x" },
        Action: "sts:AssumeRoleWithWebIdentity",
      }),
    });
    const found = await violations("iam-trust-named-services", anyone, irsa);
    expect(found).toEqual([
      expect.stringContaining("statement Any trusts AWS principal(s) *"),
      expect.stringContaining("statement Oidc trusts Federated principal(s)"),
      expect.stringContaining("statement Oidc must allow only sts:AssumeRole, sts:TagSession"),
    ]);
  });

  test("trusting a service that is not on the allow-list violates iam-trust-named-services", async () => {
    const lambda = res(ROLE, "fn", {
      assumeRolePolicy: doc({
        Effect: "Allow",
        Principal: { Service: "lambda.amazonaws.com" },
        Action: "sts:AssumeRole",
      }),
    });
    expect(await violations("iam-trust-named-services", lambda)).toEqual([
      "statement #0 trusts service lambda.amazonaws.com, which is not on the allow-list",
    ]);
  });
});

describe("EKS rules", () => {
  const good = {
    authenticationMode: "API",
    encryptionConfigKeyArn: "arn:aws:kms:eu-west-1:1:key/k",
    enabledClusterLogTypes: ["api", "audit", "authenticator"],
    skipDefaultNodeGroup: true,
  };
  const awsCluster = (extra: Record<string, unknown> = {}) =>
    res(AWS_EKS, "cluster-eksCluster", {
      accessConfig: { authenticationMode: "API" },
      encryptionConfig: {
        resources: ["secrets"],
        provider: { keyArn: "arn:aws:kms:eu-west-1:1:key/k" },
      },
      enabledClusterLogTypes: good.enabledClusterLogTypes,
      ...extra,
    });

  test("clusters in API authentication mode comply, in both shapes", async () => {
    expect(
      await violations("eks-api-authentication-mode", res(EKS, "cluster", good), awsCluster()),
    ).toEqual([]);
  });

  test("a cluster that keeps the aws-auth ConfigMap violates eks-api-authentication-mode", async () => {
    const found = await violations(
      "eks-api-authentication-mode",
      res(EKS, "cluster", { ...good, authenticationMode: "API_AND_CONFIG_MAP" }),
      awsCluster({ accessConfig: { authenticationMode: "CONFIG_MAP" } }),
    );
    expect(found).toHaveLength(2);
  });

  test("secrets encrypted with a KMS key comply with eks-secrets-encryption", async () => {
    expect(
      await violations("eks-secrets-encryption", res(EKS, "cluster", good), awsCluster()),
    ).toEqual([]);
  });

  test("a cluster without a secrets KMS key violates eks-secrets-encryption", async () => {
    const { encryptionConfigKeyArn: _k, ...noKey } = good;
    const found = await violations(
      "eks-secrets-encryption",
      res(EKS, "cluster", noKey),
      awsCluster({ encryptionConfig: undefined }),
    );
    expect(found).toEqual([
      "encryptionConfigKeyArn must name a KMS key that encrypts Kubernetes secrets",
      "encryptionConfig must encrypt secrets with a KMS key",
    ]);
  });

  test("the api, audit and authenticator logs comply with eks-control-plane-logs", async () => {
    expect(
      await violations("eks-control-plane-logs", res(EKS, "cluster", good), awsCluster()),
    ).toEqual([]);
  });

  test("a cluster without the audit and authenticator logs violates eks-control-plane-logs", async () => {
    const found = await violations(
      "eks-control-plane-logs",
      res(EKS, "cluster", {
        ...good,
        enabledClusterLogTypes: ["api", "controllerManager", "scheduler"],
      }),
    );
    expect(found).toEqual(["enabledClusterLogTypes is missing audit, authenticator"]);
  });

  const privateSubnet = res(
    SUBNET,
    "private-a",
    { mapPublicIpOnLaunch: false },
    { id: "subnet-a" },
  );
  const publicSubnet = res(SUBNET, "public-a", { mapPublicIpOnLaunch: true }, { id: "subnet-p" });

  test("node groups in the stack's private subnets comply with eks-private-nodes", async () => {
    const ng = res(NODE_GROUP, "system", { subnetIds: ["subnet-a"] });
    expect(
      await violations(
        "eks-private-nodes",
        privateSubnet,
        publicSubnet,
        ng,
        res(EKS, "cluster", good),
      ),
    ).toEqual([]);
  });

  test("a node group in a public subnet, or a launch template with public IPs, violates eks-private-nodes", async () => {
    const ng = res(NODE_GROUP, "system", { subnetIds: ["subnet-p"] });
    const lt = res(LAUNCH_TEMPLATE, "nodes", {
      networkInterfaces: [{ associatePublicIpAddress: "true" }],
    });
    expect(await violations("eks-private-nodes", privateSubnet, publicSubnet, ng, lt)).toEqual([
      'NodeGroup "system" uses public subnet Subnet "public-a" (mapPublicIpOnLaunch)',
      'LaunchTemplate "nodes" gives nodes a public IP address',
    ]);
  });

  test("an eks.Cluster that skips its default node group, or keeps it private, complies with eks-default-nodes-private", async () => {
    const privateDefaults = res(EKS, "c2", {
      skipDefaultNodeGroup: false,
      nodeAssociatePublicIpAddress: false,
    });
    expect(
      await violations("eks-default-nodes-private", res(EKS, "cluster", good), privateDefaults),
    ).toEqual([]);
  });

  test("an eks.Cluster whose default nodes may get public IPs violates eks-default-nodes-private", async () => {
    expect(
      await violations(
        "eks-default-nodes-private",
        res(EKS, "cluster", { ...good, skipDefaultNodeGroup: false }),
      ),
    ).toEqual(["set skipDefaultNodeGroup: true, or nodeAssociatePublicIpAddress: false"]);
  });

  test("an Auto Mode eks.Cluster with built-in pools and public subnets violates eks-default-nodes-private; without them, or with the pools off, it complies", async () => {
    const auto = (computeConfig: Record<string, unknown>, subnets: Record<string, unknown>) =>
      res(EKS, "auto", { ...good, autoMode: { enabled: true, computeConfig }, ...subnets });
    const both = { privateSubnetIds: ["subnet-a"], publicSubnetIds: ["subnet-p"] };
    const message =
      "Auto Mode's built-in node pools put nodes in every subnet of the cluster: give it no publicSubnetIds, or turn the built-in pools off (computeConfig.nodePools: [])";
    expect(
      await violations("eks-default-nodes-private", auto({ nodePools: ["general-purpose"] }, both)),
    ).toEqual([message]);
    expect(await violations("eks-default-nodes-private", auto({}, both))).toEqual([message]);
    expect(
      await violations(
        "eks-default-nodes-private",
        auto({ nodePools: ["general-purpose"] }, { privateSubnetIds: ["subnet-a"] }),
        auto({ nodePools: [] }, both),
      ),
    ).toEqual([]);
  });

  test("an Auto Mode NodeClass selecting the stack's private subnets by ID complies with eks-private-nodes", async () => {
    const nc = res(AUTO_MODE_NODE_CLASS, "jobs", {
      spec: { subnetSelectorTerms: [{ id: "subnet-a" }] },
    });
    expect(await violations("eks-private-nodes", privateSubnet, publicSubnet, nc)).toEqual([]);
  });

  test("an Auto Mode NodeClass in a public, unknown or tag-selected subnet violates eks-private-nodes", async () => {
    const pub = res(AUTO_MODE_NODE_CLASS, "pub", {
      spec: { subnetSelectorTerms: [{ id: "subnet-p" }] },
    });
    const unknown = res(AUTO_MODE_NODE_CLASS, "unknown", {
      spec: { subnetSelectorTerms: [{ id: "subnet-a" }, { id: "subnet-x" }] },
    });
    const tagged = res(AUTO_MODE_NODE_CLASS, "tagged", {
      spec: { subnetSelectorTerms: [{ tags: { Name: "private" } }] },
    });
    expect(
      await violations("eks-private-nodes", privateSubnet, publicSubnet, pub, unknown, tagged),
    ).toEqual([
      'NodeClass "pub" uses public subnet Subnet "public-a" (mapPublicIpOnLaunch)',
      `NodeClass "unknown" must select the stack's own private subnets by ID`,
      `NodeClass "tagged" must select the stack's own private subnets by ID`,
    ]);
  });

  test("a node group in a subnet this stack does not manage violates eks-private-nodes", async () => {
    const ng = res(NODE_GROUP, "system", { subnetIds: ["subnet-a", "subnet-unknown"] });
    expect(await violations("eks-private-nodes", privateSubnet, ng)).toEqual([
      `NodeGroup "system" must run in the stack's own private subnets`,
    ]);
  });

  test("launch templates that require IMDSv2 with hop limit 1, and node groups using them, comply with eks-imdsv2", async () => {
    const lt = res(LAUNCH_TEMPLATE, "nodes", {
      metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 },
    });
    const ng = res(NODE_GROUP, "system", { launchTemplate: { id: "lt-1", version: "1" } });
    expect(await violations("eks-imdsv2", lt, ng)).toEqual([]);
  });

  test("IMDSv1, a hop limit of 3, or a node group without a launch template violates eks-imdsv2", async () => {
    const v1 = res(LAUNCH_TEMPLATE, "v1", { metadataOptions: { httpTokens: "optional" } });
    const hops = res(LAUNCH_TEMPLATE, "hops", {
      metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 3 },
    });
    const ng = res(NODE_GROUP, "system", {});
    expect(await violations("eks-imdsv2", v1, hops, ng)).toEqual([
      'metadataOptions.httpTokens must be "required" (got optional)',
      "metadataOptions.httpPutResponseHopLimit must be at most 2 (got 3)",
      "node group must use a launch template that requires IMDSv2",
    ]);
  });

  test("a Karpenter EC2NodeClass with IMDSv1 violates eks-imdsv2", async () => {
    const nc = res("kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", "jobs", {
      spec: { metadataOptions: { httpTokens: "optional" } },
    });
    expect(await violations("eks-imdsv2", nc)).toHaveLength(1);
  });
});

describe("ECR rules", () => {
  const repo = (extra: Record<string, unknown>) =>
    res(REPO, "processor", {
      imageScanningConfiguration: { scanOnPush: true },
      imageTagMutability: "IMMUTABLE",
      ...extra,
    });

  test("a repository that scans on push with immutable tags complies", async () => {
    expect(await violations("ecr-scan-on-push", repo({}))).toEqual([]);
    expect(await violations("ecr-immutable-tags", repo({}))).toEqual([]);
  });

  test("a repository without scan on push violates ecr-scan-on-push", async () => {
    expect(
      await violations("ecr-scan-on-push", repo({ imageScanningConfiguration: undefined })),
    ).toEqual(["imageScanningConfiguration.scanOnPush must be true"]);
  });

  test("a repository with mutable tags violates ecr-immutable-tags", async () => {
    expect(await violations("ecr-immutable-tags", repo({ imageTagMutability: "MUTABLE" }))).toEqual(
      ["imageTagMutability must be IMMUTABLE (got MUTABLE)"],
    );
  });
});

test("rules ignore resource types they do not govern", async () => {
  const queue = res(QUEUE, "q", {});
  expect(await violations("ecr-scan-on-push", queue)).toEqual([]);
  expect(await violations("iam-trust-named-services", queue)).toEqual([]);
  expect(urn(QUEUE, "q")).toBe(queue.urn);
});
