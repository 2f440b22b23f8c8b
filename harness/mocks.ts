/**
 * What the mock monitor answers: the invokes the program may use and plausible output state per
 * resource type (inputs plus the computed properties the program reads: ARNs, URLs, ids). Every
 * mocked ARN uses {@link MOCK_ACCOUNT} and {@link MOCK_PARTITION}.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- recorded inputs and state are untyped
   provider payloads that tests index freely. */
import { createHash } from "node:crypto";

/** Account id every mocked ARN and URL uses. */
export const MOCK_ACCOUNT = "123456789012";
/** Partition of every mocked ARN. */
export const MOCK_PARTITION = "aws";

/** A mocked invoke: inputs and the stack's region in, result out. */
export type InvokeMock = (inputs: Record<string, any>, region: string) => Record<string, unknown>;

/** The invokes the program may use, by token. Anything else throws. */
export const INVOKES: Readonly<Record<string, InvokeMock>> = {
  "aws:index/getCallerIdentity:getCallerIdentity": () => ({
    accountId: MOCK_ACCOUNT,
    arn: `arn:${MOCK_PARTITION}:iam::${MOCK_ACCOUNT}:user/deployer`,
    userId: "AIDAEXAMPLEDEPLOYER",
    id: MOCK_ACCOUNT,
  }),
  "aws:index/getPartition:getPartition": () => ({
    partition: MOCK_PARTITION,
    dnsSuffix: "amazonaws.com",
    reverseDnsPrefix: "com.amazonaws",
    id: MOCK_PARTITION,
  }),
  "aws:index/getRegion:getRegion": (_inputs, region) => ({
    name: region,
    region,
    endpoint: `ec2.${region}.amazonaws.com`,
    description: region,
    id: region,
  }),
  "aws:index/getAvailabilityZones:getAvailabilityZones": (_inputs, region) => ({
    names: ["a", "b", "c"].map((z) => `${region}${z}`),
    zoneIds: ["1", "2", "3"].map((z) => `euw1-az${z}`),
    groupNames: [region],
    id: region,
  }),
  "aws:ecr/getAuthorizationToken:getAuthorizationToken": (inputs, region) => ({
    authorizationToken: Buffer.from("AWS:mock-password").toString("base64"),
    userName: "AWS",
    password: "mock-password",
    proxyEndpoint: `https://${MOCK_ACCOUNT}.dkr.ecr.${region}.amazonaws.com`,
    expiresAt: "2030-01-01T00:00:00Z",
    registryId: inputs.registryId ?? MOCK_ACCOUNT,
    id: region,
  }),
};

/** A deterministic hex digest of `text`. */
function hex(text: string, length = 64): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/** AWS service of an `aws:<module>/<x>:<Type>` token. */
function awsService(type: string): string {
  const module = type.split(":")[1]?.split("/")[0] ?? "aws";
  const services: Record<string, string> = {
    cloudwatch: "logs",
    cfn: "cloudformation",
    sfn: "states",
    eks: "eks",
    s3: "s3",
  };
  return services[module] ?? module;
}

/** Plausible output state for a resource type: inputs plus the computed properties programs read. */
export function mockState(
  type: string,
  name: string,
  inputs: Record<string, any>,
  region: string,
): { id: string; state: Record<string, any> } {
  const arnOf = (service: string, resource: string, regional = true) =>
    `arn:${MOCK_PARTITION}:${service}:${regional ? region : ""}:${regional ? MOCK_ACCOUNT : ""}:${resource}`;
  const physical =
    (inputs.name as string | undefined) ?? `${inputs.namePrefix ?? name}-${hex(name, 7)}`;
  switch (type) {
    case "aws:s3/bucket:Bucket":
    case "aws:s3/bucketV2:BucketV2": {
      const bucket = inputs.bucket ?? `${inputs.bucketPrefix ?? name}${hex(name, 8)}`;
      return {
        id: bucket,
        state: {
          ...inputs,
          bucket,
          arn: `arn:${MOCK_PARTITION}:s3:::${bucket}`,
          bucketDomainName: `${bucket}.s3.amazonaws.com`,
          bucketRegionalDomainName: `${bucket}.s3.${region}.amazonaws.com`,
          region,
        },
      };
    }
    case "aws:sqs/queue:Queue": {
      const url = `https://sqs.${region}.amazonaws.com/${MOCK_ACCOUNT}/${physical}`;
      return {
        id: url,
        state: { ...inputs, name: physical, url, arn: arnOf("sqs", physical) },
      };
    }
    case "aws:iam/role:Role":
    case "aws:iam/policy:Policy":
    case "aws:iam/instanceProfile:InstanceProfile": {
      const kind = type.split(":")[2]?.replace(/^\w/, (c) => c.toLowerCase()) ?? "role";
      const path = kind === "instanceProfile" ? "instance-profile" : kind;
      return {
        id: physical,
        state: {
          ...inputs,
          name: physical,
          arn: `arn:${MOCK_PARTITION}:iam::${MOCK_ACCOUNT}:${path}/${physical}`,
          uniqueId: `AROA${hex(name, 16).toUpperCase()}`,
        },
      };
    }
    case "aws:kms/key:Key": {
      const keyId = `${hex(name, 8)}-${hex(name + "1", 4)}-${hex(name + "2", 4)}-${hex(name + "3", 4)}-${hex(name + "4", 12)}`;
      return { id: keyId, state: { ...inputs, keyId, arn: arnOf("kms", `key/${keyId}`) } };
    }
    case "aws:cloudwatch/eventBus:EventBus": {
      // EventBridge's own ARN form (the generic fallback would name the wrong service).
      return {
        id: physical,
        state: { ...inputs, name: physical, arn: arnOf("events", `event-bus/${physical}`) },
      };
    }
    case "aws:ecr/repository:Repository": {
      return {
        id: physical,
        state: {
          ...inputs,
          name: physical,
          arn: arnOf("ecr", `repository/${physical}`),
          registryId: MOCK_ACCOUNT,
          repositoryUrl: `${MOCK_ACCOUNT}.dkr.ecr.${region}.amazonaws.com/${physical}`,
        },
      };
    }
    case "docker-build:index:Image": {
      const digest = `sha256:${hex(JSON.stringify(inputs.tags ?? name))}`;
      const tag = (inputs.tags as string[] | undefined)?.[0] ?? name;
      return {
        id: digest,
        state: { ...inputs, digest, ref: `${tag.split(":")[0]}@${digest}` },
      };
    }
    case "eks:index:Cluster": {
      const clusterName = inputs.name ?? `${name}-eksCluster-${hex(name, 7)}`;
      const endpoint = `https://${hex(clusterName, 32).toUpperCase()}.gr7.${region}.eks.amazonaws.com`;
      const kubeconfig = {
        apiVersion: "v1",
        kind: "Config",
        clusters: [
          {
            name: clusterName,
            cluster: { server: endpoint, "certificate-authority-data": "bW9jaw==" },
          },
        ],
        contexts: [{ name: "aws", context: { cluster: clusterName, user: "aws" } }],
        "current-context": "aws",
        users: [
          {
            name: "aws",
            user: {
              exec: {
                apiVersion: "client.authentication.k8s.io/v1beta1",
                command: "aws",
                args: ["eks", "get-token", "--cluster-name", clusterName, "--output", "json"],
              },
            },
          },
        ],
      };
      const clusterSg = `sg-${hex(name + "cluster", 17)}`;
      const eksCluster = {
        name: clusterName,
        arn: arnOf("eks", `cluster/${clusterName}`),
        endpoint,
        version: inputs.version,
        vpcConfig: {
          clusterSecurityGroupId: `sg-${hex(name + "eks", 17)}`,
          subnetIds: [...(inputs.privateSubnetIds ?? []), ...(inputs.publicSubnetIds ?? [])],
          vpcId: inputs.vpcId,
        },
        accessConfig: { authenticationMode: inputs.authenticationMode },
        certificateAuthority: { data: "bW9jaw==" },
        identities: [{ oidcs: [{ issuer: `https://oidc.eks.${region}.amazonaws.com/id/MOCK` }] }],
      };
      return {
        id: `${name}-id`,
        state: {
          kubeconfig,
          kubeconfigJson: JSON.stringify(kubeconfig),
          eksCluster,
          core: { cluster: eksCluster, endpoint, vpcId: inputs.vpcId },
          clusterSecurityGroupId: clusterSg,
          nodeSecurityGroupId: `sg-${hex(name + "node", 17)}`,
          oidcProviderArn: "",
          oidcIssuer: "",
        },
      };
    }
    default:
      break;
  }
  if (type.startsWith("kubernetes:")) {
    const metadata = { ...(inputs.metadata ?? {}) };
    metadata.name ??= `${name}-${hex(name, 8)}`;
    const state: Record<string, any> = { ...inputs, metadata };
    if (type === "kubernetes:helm.sh/v3:Release") {
      state.name = inputs.name ?? `${name}-${hex(name, 8)}`;
      state.status = { name: state.name, namespace: inputs.namespace, status: "deployed" };
    }
    const id = metadata.namespace ? `${metadata.namespace}/${metadata.name}` : metadata.name;
    return { id, state };
  }
  if (type.startsWith("aws:")) {
    const resourceId = inputs.name ?? `${name}-${hex(name, 8)}`;
    return {
      id: type.startsWith("aws:ec2/")
        ? `${type.split(":")[2]?.toLowerCase().slice(0, 6)}-${hex(name, 17)}`
        : resourceId,
      state: {
        name: resourceId,
        arn: arnOf(
          awsService(type),
          `${type.split(":")[2]?.toLowerCase() ?? "resource"}/${resourceId}`,
        ),
        ...inputs,
      },
    };
  }
  return { id: `${name}-id`, state: { ...inputs } };
}
