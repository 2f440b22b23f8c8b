/**
 * EKS Auto Mode's pure pieces: the NodeClass against the JSON schema written from AWS's documented
 * fields (unknown fields rejected, each rule shown on a planted typo), the jobs NodePool against
 * Karpenter's model, and the settings rules for what Auto Mode cannot do.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- typos are planted in untyped copies. */
import { AUTO_MODE_MAX_EXPIRE_HOURS, namespaceDemand, poolFitProblems } from "../config";
import {
  buildAutoModeJobPool,
  buildAutoModeNodeClass,
  buildNodePool,
  workloadScheduling,
} from "../k8s/specs";
import {
  expectSchemaValid,
  modelProblems,
  unknownFieldProblems,
  type KubernetesObject,
} from "./support/schema-check";
import { settingsWith } from "./support/k8s-fixtures";

const AUTO = { nodeAutoscaling: "auto-mode", karpenter: { expireAfter: "336h" } };
const settings = settingsWith(AUTO);
const nodeClass = buildAutoModeNodeClass({
  nodeRoleName: "event-pipeline-dev-node",
  subnetIds: ["subnet-0a1b2c3d4e5f60718", "subnet-1a1b2c3d4e5f60718"],
  securityGroupIds: ["sg-0a1b2c3d4e5f60718"],
  volumeGiB: 40,
});

function withTypo(obj: unknown, mutate: (copy: Record<string, any>) => void): KubernetesObject {
  const copy = structuredClone(obj) as Record<string, any>;
  mutate(copy);
  return copy as KubernetesObject;
}

describe("Auto Mode's NodeClass schema", () => {
  it("accepts every optional field AWS documents, so a later one is not refused as unknown", async () => {
    // create-node-class.html "Node Class Specification", auto-networking.html (pod subnets) and
    // auto-advanced-security.html.
    const full = withTypo(nodeClass, (c) => {
      Object.assign(c.spec, {
        snatPolicy: "Disabled",
        networkPolicy: "DefaultDeny",
        networkPolicyEventLogs: "Enabled",
        podSubnetSelectorTerms: [{ tags: { "pod-subnet": "1" } }],
        podSecurityGroupSelectorTerms: [{ id: "sg-0a1b2c3d4e5f60719" }],
        advancedNetworking: {
          associatePublicIPAddress: false,
          httpsProxy: "http://192.0.2.4:3128",
          noProxy: ["localhost", "169.254.169.254", ".internal"],
        },
        advancedSecurity: { fips: true, kernelLockdown: "integrity" },
        certificateBundles: [{ name: "corp", data: "Y2VydA==" }],
        tags: { Team: "platform" },
      });
      c.spec.ephemeralStorage = { size: "80Gi", iops: 3000, throughput: 125, kmsKeyID: "alias/x" };
    });
    expect(unknownFieldProblems(full)).toEqual([]);
    await expectSchemaValid(full);
  });

  it("accepts the built NodeClass", async () => {
    await expectSchemaValid(nodeClass);
  });

  it("rejects Karpenter's EC2NodeClass fields, which Auto Mode's NodeClass does not have", () => {
    const typo = withTypo(nodeClass, (c) => {
      c.spec.amiSelectorTerms = [{ alias: "al2023@latest" }];
      c.spec.metadataOptions = { httpTokens: "required" };
    });
    expect(unknownFieldProblems(typo).map((p) => p.path)).toEqual([
      "spec.amiSelectorTerms",
      "spec.metadataOptions",
    ]);
  });

  it("rejects a misspelled field deep inside the spec", async () => {
    const typo = withTypo(nodeClass, (c) => {
      c.spec.ephemeralStorage.kmsKeyId = "alias/x";
      c.spec.subnetSelectorTerms[1].ids = "subnet-0";
    });
    expect(unknownFieldProblems(typo)).toEqual([
      { path: "spec.subnetSelectorTerms[1].ids", message: 'unknown field "ids"' },
      { path: "spec.ephemeralStorage.kmsKeyId", message: 'unknown field "kmsKeyId"' },
    ]);
    await expect(expectSchemaValid(typo)).rejects.toThrow(/kmsKeyId/);
  });

  it("rejects values outside the documented ranges and missing required fields", async () => {
    const outOfRange = withTypo(nodeClass, (c) => {
      c.spec.ephemeralStorage.iops = 100;
      c.spec.networkPolicy = "Deny";
    });
    expect((await modelProblems(outOfRange)).map((p) => p.path).sort()).toEqual([
      "spec.ephemeralStorage.iops",
      "spec.networkPolicy",
    ]);
    const missing = withTypo(nodeClass, (c) => {
      delete c.spec.role;
    });
    expect((await modelProblems(missing))[0]?.message).toMatch(/role/);
    const reserved = withTypo(nodeClass, (c) => {
      c.metadata.name = "default";
    });
    expect(await modelProblems(reserved)).not.toEqual([]);
  });
});

describe("the jobs' Auto Mode NodePool", () => {
  const pool = buildAutoModeJobPool(settings);

  it("is valid against Karpenter's NodePool model, unknown fields included", async () => {
    await expectSchemaValid(pool);
    const typo = withTypo(pool, (p) => {
      p.spec.template.spec.nodeClassReference = p.spec.template.spec.nodeClassRef;
    });
    expect(unknownFieldProblems(typo).map((p) => p.path)).toEqual([
      "spec.template.spec.nodeClassReference",
    ]);
  });

  it("differs from Karpenter's jobs pool only in its NodeClass and the Linux requirement", () => {
    const karpenter = buildNodePool(settings, "jobs");
    const strip = (p: typeof pool) => ({
      ...p.spec,
      template: {
        ...p.spec.template,
        spec: {
          ...p.spec.template.spec,
          nodeClassRef: undefined,
          requirements: p.spec.template.spec.requirements.filter(
            (r) => r.key !== "kubernetes.io/os",
          ),
        },
      },
    });
    expect(strip(pool)).toEqual(strip(karpenter));
    expect(pool.spec.template.spec.nodeClassRef.group).toBe("eks.amazonaws.com");
    expect(karpenter.spec.template.spec.requirements.map((r) => r.key)).toContain(
      "kubernetes.io/os",
    );
  });
});

describe("settings for auto-mode", () => {
  it("refuses a node lifetime beyond Auto Mode's 21 days, naming the key", () => {
    expect(() => settingsWith({ nodeAutoscaling: "auto-mode" })).toThrow(
      /karpenter\.expireAfter: must be at most 504h with nodeAutoscaling auto-mode/,
    );
    expect(() =>
      settingsWith({ nodeAutoscaling: "auto-mode", karpenter: { expireAfter: "Never" } }),
    ).toThrow(/karpenter\.expireAfter/);
    expect(AUTO_MODE_MAX_EXPIRE_HOURS).toBe(504);
    expect(() =>
      settingsWith({ nodeAutoscaling: "auto-mode", karpenter: { expireAfter: "504h" } }),
    ).not.toThrow();
  });

  it("refuses an arm64 image: the built-in general-purpose pool launches amd64 only", () => {
    expect(() =>
      settingsWith({
        ...AUTO,
        image: { platform: "linux/arm64" },
        karpenter: { expireAfter: "336h", jobInstanceTypes: ["m7g.large"] },
      }),
    ).toThrow(/image\.platform: must be linux\/amd64 with nodeAutoscaling auto-mode/);
  });

  it("refuses instance sizes Auto Mode never launches, and architectures the image cannot run", () => {
    expect(() =>
      settingsWith({
        ...AUTO,
        karpenter: { expireAfter: "336h", jobInstanceTypes: ["t3.small", "m7i.large"] },
      }),
    ).toThrow(/karpenter\.jobInstanceTypes: must not list sizes nano, micro or small.*t3\.small/);
    expect(() =>
      settingsWith({
        ...AUTO,
        karpenter: { expireAfter: "336h", jobInstanceTypes: ["m7g.large"] },
      }),
    ).toThrow(/karpenter\.jobInstanceTypes: must match image\.platform linux\/amd64/);
  });

  it("checks the jobs pool's limits but not the general pool's, which is AWS's built-in one", () => {
    const big = {
      ...settings,
      keda: { ...settings.keda, consumer: { ...settings.keda.consumer, maxReplicas: 500 } },
    };
    expect(poolFitProblems(big)).toEqual([]);
    expect(poolFitProblems({ ...big, nodeAutoscaling: "karpenter" }).map((p) => p.path)).toEqual([
      ["keda", "consumer", "maxReplicas"],
    ]);
    const manyJobs = {
      ...settings,
      keda: {
        ...settings.keda,
        preprocess: { ...settings.keda.preprocess, maxReplicaCount: 1000 },
      },
    };
    expect(poolFitProblems(manyJobs).map((p) => p.path)).toEqual([
      ["keda", "preprocess", "maxReplicaCount"],
    ]);
    expect(namespaceDemand(settings).pods).toBeGreaterThan(0);
  });

  it("keeps the job pods on the jobs pool and the rest on general-purpose", () => {
    expect(workloadScheduling("auto-mode", "preprocess").nodeSelector).toEqual({
      "pipeline/pool": "jobs",
    });
    expect(workloadScheduling("auto-mode", "consumer").nodeSelector).toEqual({
      "karpenter.sh/nodepool": "general-purpose",
    });
  });
});
