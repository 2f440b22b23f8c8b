import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import {
  parseSettings,
  planSubnets,
  settingsInputFromConfig,
  SettingsError,
  parseCidr,
  LOG_RETENTION_DAYS,
} from "../config";

const base = { region: "eu-west-1" };

function problemsOf(raw: unknown): string[] {
  try {
    parseSettings(raw);
  } catch (e) {
    if (e instanceof SettingsError) return e.problems;
    throw e;
  }
  throw new Error("expected parseSettings to reject the settings");
}

describe("parseSettings", () => {
  test("fills every default from a region alone", () => {
    const s = parseSettings(base);
    expect(s.network).toEqual({
      cidr: "10.0.0.0/16",
      azCount: 2,
      natGateways: 1,
      privateSubnetPrefix: 19,
    });
    expect(s.keda.chartVersion).toMatch(/^2\.20\.\d+$/);
    expect(s.orchestration.enabled).toBe(false);
    expect(s.nodeAutoscaling).toBe("karpenter");
  });

  test("a configured zero stays zero", () => {
    const s = parseSettings({
      ...base,
      keda: { consumer: { cooldownPeriod: 0 } },
      storage: { rawRetentionDays: 0 },
    });
    expect(s.keda.consumer.cooldownPeriod).toBe(0);
    expect(s.storage.rawRetentionDays).toBe(0);
  });

  const bad: [string, unknown, RegExp][] = [
    ["a region that is not one", { region: "Europe" }, /^aws:region: .*got "Europe"/],
    ["a missing region", {}, /^aws:region: .*got nothing/],
    [
      "too many AZs",
      { ...base, network: { azCount: 4 } },
      /^event-pipeline:network\.azCount: .*<=3.*got 4/,
    ],
    [
      "more NAT gateways than AZs",
      { ...base, network: { azCount: 2, natGateways: 3 } },
      /^event-pipeline:network\.natGateways: must be at most azCount \(2\)/,
    ],
    [
      "a CIDR that is not one",
      { ...base, network: { cidr: "10.0.0.0" } },
      /^event-pipeline:network\.cidr: must be an IPv4 CIDR.*got "10\.0\.0\.0"/,
    ],
    [
      "subnets that do not fit the CIDR",
      { ...base, network: { cidr: "10.0.0.0/20", privateSubnetPrefix: 19 } },
      /^event-pipeline:network\.cidr: privateSubnetPrefix \/19 must be longer/,
    ],
    [
      "three /19 subnets in a /18",
      { ...base, network: { cidr: "10.0.0.0/18", azCount: 3, natGateways: 1 } },
      /need .* addresses but 10\.0\.0\.0\/18 has 16384/,
    ],
    [
      "desired below min",
      { ...base, cluster: { nodeGroup: { minSize: 3, desiredSize: 2, maxSize: 4 } } },
      /^event-pipeline:cluster\.nodeGroup\.desiredSize: must satisfy minSize \(3\)/,
    ],
    [
      "an unknown capacity type",
      { ...base, cluster: { nodeGroup: { capacityType: "spot" } } },
      /^event-pipeline:cluster\.nodeGroup\.capacityType: .*"ON_DEMAND"\|"SPOT".*got "spot"/,
    ],
    [
      "a KEDA chart outside 2.20.x",
      { ...base, keda: { chartVersion: "2.16.0" } },
      /^event-pipeline:keda\.chartVersion: must be an exact 2\.20\.x/,
    ],
    [
      "an unknown scaling strategy",
      { ...base, keda: { preprocess: { scalingStrategy: "greedy" } } },
      /^event-pipeline:keda\.preprocess\.scalingStrategy: .*got "greedy"/,
    ],
    [
      "a negative replica count",
      { ...base, keda: { consumer: { minReplicas: -1 } } },
      /^event-pipeline:keda\.consumer\.minReplicas: .*>=0.*got -1/,
    ],
    [
      "min replicas above max",
      { ...base, keda: { consumer: { minReplicas: 5, maxReplicas: 2 } } },
      /^event-pipeline:keda\.consumer\.minReplicas: must be at most maxReplicas \(2\)/,
    ],
    [
      "a visibility timeout shorter than the job",
      {
        ...base,
        queues: { preprocessVisibilityTimeoutSeconds: 200, preprocessExpectedSeconds: 300 },
      },
      /^event-pipeline:queues\.preprocessVisibilityTimeoutSeconds: must exceed preprocessExpectedSeconds \(300\)/,
    ],
    [
      "an events visibility timeout under twice the consumer's batch age",
      {
        ...base,
        queues: { eventsVisibilityTimeoutSeconds: 50 },
        workloads: { consumerBatchMaxAgeSeconds: 30 },
      },
      /^event-pipeline:queues\.eventsVisibilityTimeoutSeconds: must be at least twice workloads\.consumerBatchMaxAgeSeconds \(30\)/,
    ],
    [
      "a largest upload whose scratch disk does not fit on the job nodes' volume",
      { ...base, workloads: { preprocessMaxInputMiB: 10_240 } },
      /^event-pipeline:workloads\.preprocessMaxInputMiB: needs 27712 MiB of scratch disk per job, more than a node's karpenter\.nodeVolumeGiB of 40 GiB leaves \(24576 MiB\): lower it or raise karpenter\.nodeVolumeGiB/,
    ],
    [
      "a producer liveness timeout shorter than one send under the SDK's retries",
      { ...base, workloads: { producerLivenessTimeoutSeconds: 5 } },
      /^event-pipeline:workloads\.producerLivenessTimeoutSeconds: must be at least 30 \(s\)/,
    ],
    [
      "a fractional receive count",
      { ...base, queues: { maxReceiveCount: 2.5 } },
      /^event-pipeline:queues\.maxReceiveCount: .*int.*got 2\.5/,
    ],
    [
      "a bad-event ratio above one",
      { ...base, workloads: { badEventRatio: 1.5 } },
      /^event-pipeline:workloads\.badEventRatio: .*<=1.*got 1\.5/,
    ],
    [
      "a misspelled key",
      { ...base, keda: { consumer: { pollingIntervall: 5 } } },
      /^event-pipeline:keda\.consumer: unknown key\(s\) "pollingIntervall"/,
    ],
    [
      "a Karpenter chart outside 1.x",
      { ...base, karpenter: { chartVersion: "0.37.0" } },
      /^event-pipeline:karpenter\.chartVersion: must be an exact 1\.x chart version/,
    ],
    [
      "an unpinned Karpenter AMI alias",
      { ...base, karpenter: { amiAlias: "al2023@latest" } },
      /^event-pipeline:karpenter\.amiAlias: must be a pinned alias/,
    ],
    [
      "a Karpenter node volume below 20 GiB",
      { ...base, karpenter: { nodeVolumeGiB: 8 } },
      /^event-pipeline:karpenter\.nodeVolumeGiB: .*>=20.*got 8/,
    ],
    [
      "Karpenter ARM instance types for an amd64 image",
      { ...base, karpenter: { jobInstanceTypes: ["m7g.large", "m7i.large"] } },
      /^event-pipeline:karpenter\.jobInstanceTypes: must match image\.platform linux\/amd64: m7g\.large are ARM/,
    ],
    [
      "an unpinned add-on version",
      { ...base, cluster: { podIdentityAgentVersion: "latest" } },
      /^event-pipeline:cluster\.podIdentityAgentVersion: must be an exact add-on version/,
    ],
    [
      "an invalid alarm e-mail",
      { ...base, monitoring: { alarmEmails: ["ops"] } },
      /^event-pipeline:monitoring\.alarmEmails\.0: must be an e-mail address.*got "ops"/,
    ],
    [
      "an orchestration prefix equal to input/",
      { ...base, orchestration: { prefix: "input/" } },
      /^event-pipeline:orchestration\.prefix: must differ from input\//,
    ],
    [
      "an EMR release label that is not one",
      { ...base, orchestration: { emrReleaseLabel: "7.9" } },
      /^event-pipeline:orchestration\.emrReleaseLabel: must be an EMR on EKS release label.*got "7\.9"/,
    ],
    [
      "the eks engine with a private-only API endpoint",
      {
        ...base,
        cluster: { endpointPublicAccess: false },
        orchestration: { enabled: true, engine: "eks" },
      },
      /^event-pipeline:orchestration\.engine: eks needs cluster\.endpointPublicAccess true/,
    ],
    [
      "a log retention CloudWatch does not offer",
      { ...base, cluster: { logRetentionDays: 10 } },
      /^event-pipeline:cluster\.logRetentionDays: .*got 10/,
    ],
    // Found by the program property tests (tests/support/settings-property.ts): both were accepted
    // and made a resource AWS refuses.
    [
      "a pod log retention CloudWatch Logs refuses (PutRetentionPolicy takes listed values only)",
      { ...base, monitoring: { logRetentionDays: 2 } },
      /^event-pipeline:monitoring\.logRetentionDays: must be a retention CloudWatch Logs accepts \(PutRetentionPolicy: 1, 3, 5, .*3653 days\): use the nearest of them \(got 2\)$/,
    ],
    [
      "a Kubernetes version EKS does not offer",
      { ...base, cluster: { kubernetesVersion: "1.36" } },
      /^event-pipeline:cluster\.kubernetesVersion: must be a Kubernetes version EKS offers \(1\.28, .*1\.34; .*\): pick one of them \(got "1\.36"\)$/,
    ],
  ];

  test.each(bad)("rejects %s with a message naming the key and value", (_name, raw, expected) => {
    const problems = problemsOf(raw);
    expect(problems.some((p) => expected.test(p))).toBe(true);
  });

  test("accepts every pod log retention CloudWatch Logs accepts, and only those", () => {
    const accepted = Array.from({ length: 3653 }, (_, i) => i + 1).filter((d) => {
      try {
        parseSettings({ ...base, monitoring: { logRetentionDays: d } });
        return true;
      } catch {
        return false;
      }
    });
    expect(accepted).toEqual([...LOG_RETENTION_DAYS]);
  });

  test("reports every problem at once", () => {
    const problems = problemsOf({
      region: "x",
      network: { azCount: 9 },
      keda: { chartVersion: "3" },
    });
    expect(problems).toHaveLength(3);
  });
});

describe("settingsInputFromConfig", () => {
  test("reads namespaced keys and decodes the JSON strings Pulumi gives for objects", () => {
    const raw = settingsInputFromConfig({
      "aws:region": "us-east-2",
      "event-pipeline:network": '{"azCount":3,"natGateways":3}',
      "event-pipeline:nodeAutoscaling": "none",
      "other-project:network": "{}",
    });
    expect(raw).toEqual({
      region: "us-east-2",
      network: { azCount: 3, natGateways: 3 },
      nodeAutoscaling: "none",
    });
  });

  test.each(["dev", "prod"])("Pulumi.%s.yaml parses into valid settings", (stack) => {
    const file = parse(readFileSync(join(__dirname, "..", `Pulumi.${stack}.yaml`), "utf8")) as {
      config: Record<string, unknown>;
    };
    const s = parseSettings(settingsInputFromConfig(file.config));
    expect(s.region).toBe("eu-west-1");
  });

  test("the prod stack spreads over three AZs with a NAT gateway each and keeps its buckets", () => {
    const file = parse(readFileSync(join(__dirname, "..", "Pulumi.prod.yaml"), "utf8")) as {
      config: Record<string, unknown>;
    };
    const s = parseSettings(settingsInputFromConfig(file.config));
    expect([s.network.azCount, s.network.natGateways, s.storage.forceDestroy]).toEqual([
      3,
      3,
      false,
    ]);
  });
});

describe("planSubnets", () => {
  test("private and public subnets are disjoint, inside the VPC, one of each per AZ", () => {
    const s = parseSettings({
      ...base,
      network: { cidr: "10.20.0.0/16", azCount: 3, natGateways: 3 },
    });
    const plan = planSubnets(s.network);
    expect(plan.privateCidrs).toEqual(["10.20.0.0/19", "10.20.32.0/19", "10.20.64.0/19"]);
    expect(plan.publicCidrs).toEqual(["10.20.96.0/23", "10.20.98.0/23", "10.20.100.0/23"]);
    const ranges = [...plan.privateCidrs, ...plan.publicCidrs].map((c) => {
      const { base: start, prefix } = parseCidr(c)!;
      return [start, start + 2 ** (32 - prefix)] as const;
    });
    const vpc = parseCidr("10.20.0.0/16")!;
    for (const [i, [a0, a1]] of ranges.entries()) {
      expect(a0).toBeGreaterThanOrEqual(vpc.base);
      expect(a1).toBeLessThanOrEqual(vpc.base + 2 ** 16);
      for (const [b0, b1] of ranges.slice(i + 1)) expect(a1 <= b0 || b1 <= a0).toBe(true);
    }
  });

  test("parseCidr rejects an unaligned base address", () => {
    expect(parseCidr("10.0.0.1/16")).toBeUndefined();
    expect(parseCidr("10.0.0.0/16")).toEqual({ base: 10 * 2 ** 24, prefix: 16 });
  });
});
