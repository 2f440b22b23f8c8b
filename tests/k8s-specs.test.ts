/**
 * Rules on the pure Kubernetes spec builders, for the settings of every stack file: schema-valid
 * objects, hardened containers, the right queues, scaling parameters taken from the settings only.
 */
import type { IScaledObjectSpec } from "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObjectSpec";
import type { IScaledJobSpec } from "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledJobSpec";
import { CONSUMER_DEFAULTS, consumerStopSeconds, METRICS_PORT } from "@pipeline/processor/contract";
import { SERVICE_ACCOUNTS, WORKLOADS } from "../config";
import { parseSettings, settingsInputFromConfig, type Settings } from "../config";
import {
  assertStrategyFitsSqs,
  consumerDrainSeconds,
  outputDependentMetadata,
  preprocessScaledJobSpec,
  SQS_TRIGGER_METADATA_KEYS,
  workloadManifestList,
  workloadManifests,
} from "../k8s/specs";
import {
  decideScaledJob,
  scalingRules,
  scalingRulesFromSpecs,
  type JobCounts,
  type ScaledJobRules,
} from "../k8s/scaling";
import { inputsFor, settingsWith } from "./support/k8s-fixtures";
import { containersOf, hardeningProblems, podSpecsOf } from "./support/k8s-rules";
import { stackConfig } from "../harness/program";
import { expectSchemaValid } from "./support/schema-check";

const STACKS = ["dev", "prod"] as const;
const stackSettings = (stack: string): Settings =>
  parseSettings(settingsInputFromConfig(stackConfig(stack)));

const env = (container: { env?: { name: string; value?: string }[] }) =>
  Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));

describe.each(STACKS)("Kubernetes specs for the %s stack", (stack) => {
  const settings = stackSettings(stack);
  const inputs = inputsFor(stack);
  const m = workloadManifests(settings, inputs);
  const all = workloadManifestList(settings, inputs);

  it("every object validates against its kubernetes-models / KEDA schema, with no unknown field", async () => {
    expect(all.length).toBeGreaterThanOrEqual(11);
    for (const obj of all) await expectSchemaValid(obj);
  });

  it("the namespace enforces, audits and warns at Pod Security level restricted", () => {
    const labels = m.namespace.metadata.labels ?? {};
    for (const mode of ["enforce", "audit", "warn"]) {
      expect(labels[`pod-security.kubernetes.io/${mode}`]).toBe("restricted");
      expect(labels[`pod-security.kubernetes.io/${mode}-version`]).toBe(
        `v${settings.cluster.kubernetesVersion}`,
      );
    }
  });

  it("every container is hardened, sized and has a size-limited /tmp", () => {
    const containers = all.flatMap((o) => containersOf(o));
    expect(containers.map((c) => c.owner).sort()).toEqual([
      "Deployment consumer/consumer",
      "Deployment producer/producer",
      "ScaledJob preprocess/preprocess",
    ]);
    for (const { owner, podSpec, container } of containers) {
      expect({ owner, problems: hardeningProblems(podSpec, container) }).toEqual({
        owner,
        problems: [],
      });
    }
  });

  it("every container runs the digest-pinned processor image with its command", () => {
    const commands = Object.fromEntries(
      all.flatMap((o) => containersOf(o)).map(({ container }) => [container.name, container]),
    );
    for (const [workload, command] of [
      ["preprocess", "preprocess"],
      ["producer", "produce"],
      ["consumer", "consume"],
    ] as const) {
      expect(commands[workload]?.image).toBe(inputs.image);
      expect(commands[workload]?.image).toMatch(/@sha256:[0-9a-f]{64}$/);
      expect(commands[workload]?.args).toEqual([command]);
    }
  });

  it("pods run as their workload's service account, without an API token", () => {
    const byName = Object.fromEntries(all.flatMap((o) => podSpecsOf(o)).map((p) => [p.owner, p]));
    expect(byName["Deployment consumer"]?.podSpec.serviceAccountName).toBe(
      SERVICE_ACCOUNTS.consumer,
    );
    expect(byName["Deployment producer"]?.podSpec.serviceAccountName).toBe(
      SERVICE_ACCOUNTS.producer,
    );
    expect(byName["ScaledJob preprocess"]?.podSpec.serviceAccountName).toBe(
      SERVICE_ACCOUNTS.preprocess,
    );
    for (const { podSpec } of Object.values(byName)) {
      expect(podSpec.automountServiceAccountToken).toBe(false);
    }
    expect(Object.values(m.serviceAccounts).map((sa) => sa.metadata.name)).toEqual(
      WORKLOADS.map((w) => SERVICE_ACCOUNTS[w]),
    );
    for (const sa of Object.values(m.serviceAccounts)) {
      expect(sa.metadata.namespace).toBe(settings.workloads.namespace);
    }
  });

  it("containers get the environment contract from the program's values", () => {
    const [preprocess] = containersOf(m.preprocessScaledJob);
    const [consumer] = containersOf(m.consumer);
    const [producer] = containersOf(m.producer);
    expect(env(preprocess!.container)).toMatchObject({
      PREPROCESS_QUEUE_URL: inputs.preprocessQueueUrl,
      OUTPUT_BUCKET: inputs.processedBucketName,
      AWS_REGION: inputs.region,
      METRICS_PORT: String(METRICS_PORT),
    });
    expect(env(consumer!.container)).toMatchObject({
      EVENTS_QUEUE_URL: inputs.eventsQueueUrl,
      EVENTS_BUCKET: inputs.eventsBucketName,
      AWS_REGION: inputs.region,
    });
    expect(env(producer!.container)).toMatchObject({
      EVENTS_QUEUE_URL: inputs.eventsQueueUrl,
      EVENTS_PER_SECOND: String(settings.workloads.eventsPerSecond),
      BAD_EVENT_RATIO: String(settings.workloads.badEventRatio),
      LIVENESS_TIMEOUT_SECONDS: String(settings.workloads.producerLivenessTimeoutSeconds),
      AWS_REGION: inputs.region,
    });
    expect(env(producer!.container)).toHaveProperty("EVENTS_TOTAL");
  });

  it("workers hide received messages for exactly their queue's visibility timeout", () => {
    const [preprocess] = containersOf(m.preprocessScaledJob);
    const [consumer] = containersOf(m.consumer);
    expect(env(preprocess!.container).VISIBILITY_TIMEOUT_SECONDS).toBe(
      String(settings.queues.preprocessVisibilityTimeoutSeconds),
    );
    const c = env(consumer!.container);
    expect(c.VISIBILITY_TIMEOUT_SECONDS).toBe(
      String(settings.queues.eventsVisibilityTimeoutSeconds),
    );
    // The consumer refuses to start unless a batch is stored well before its messages reappear.
    expect(2 * Number(c.BATCH_MAX_AGE_SECONDS)).toBeLessThanOrEqual(
      Number(c.VISIBILITY_TIMEOUT_SECONDS),
    );
  });

  it("the consumer has no replica count, probes its health endpoint, drains within its grace period", () => {
    const spec = m.consumer.spec;
    expect(spec).not.toHaveProperty("replicas");
    const pod = spec.template.spec!;
    const container = pod.containers[0]!;
    expect(container.ports).toEqual([
      { name: "metrics", containerPort: METRICS_PORT, protocol: "TCP" },
    ]);
    expect(container.livenessProbe?.httpGet).toMatchObject({ path: "/healthz", port: "metrics" });
    expect(container.readinessProbe?.httpGet).toMatchObject({ path: "/readyz", port: "metrics" });
    const drain = Number(env(container).SHUTDOWN_TIMEOUT_SECONDS);
    expect(drain).toBe(consumerDrainSeconds());
    // SIGTERM lets the last long poll return before the drain: the grace period covers both.
    const wait = Number(env(container).RECEIVE_WAIT_SECONDS ?? CONSUMER_DEFAULTS.waitTimeSeconds);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(consumerStopSeconds(wait, drain));
    expect(pod.topologySpreadConstraints?.map((t) => t.topologyKey)).toEqual([
      "topology.kubernetes.io/zone",
      "kubernetes.io/hostname",
    ]);
    for (const t of pod.topologySpreadConstraints ?? []) {
      expect(t.labelSelector?.matchLabels).toEqual(spec.selector.matchLabels);
    }
  });

  it("the consumer's PodDisruptionBudget selects exactly the consumer pods", () => {
    expect(m.consumerPdb.spec.selector?.matchLabels).toEqual(m.consumer.spec.selector.matchLabels);
    expect(m.consumerPdb.spec.maxUnavailable).toBe(1);
    expect(m.consumerPdb.spec).not.toHaveProperty("minAvailable");
    const podLabels = m.consumer.spec.template.metadata?.labels ?? {};
    expect(podLabels).toMatchObject(m.consumer.spec.selector.matchLabels ?? {});
    const producerLabels = m.producer.spec.template.metadata?.labels ?? {};
    expect(producerLabels).not.toMatchObject(m.consumer.spec.selector.matchLabels ?? {});
  });

  it("the ScaledObject scales the consumer on the events queue in the stack's region", () => {
    const so = m.consumerScaledObject.spec;
    expect(so.scaleTargetRef).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: m.consumer.metadata.name,
    });
    expect(so.triggers).toHaveLength(2);
    for (const trigger of so.triggers) {
      expect(trigger.type).toBe("aws-sqs-queue");
      expect(trigger.metadata).toMatchObject({
        queueURL: inputs.eventsQueueUrl,
        awsRegion: inputs.region,
      });
      expect(trigger.authenticationRef?.name).toBe(m.triggerAuthentication.metadata.name);
    }
  });

  it("the consumer's replica count follows the backlog (visible messages), not the messages it holds for batching", () => {
    const [backlog, held, ...more] = m.consumerScaledObject.spec.triggers;
    expect(more).toEqual([]);
    expect(backlog?.metadata).toMatchObject({
      scaleOnInFlight: "false",
      queueLength: String(settings.keda.consumer.queueLength),
    });
    // Held messages keep the deployment active, and count only against one replica's hold bound.
    expect(held?.metadata).toMatchObject({
      queueURL: backlog?.metadata.queueURL,
      scaleOnInFlight: "true",
      queueLength: String(CONSUMER_DEFAULTS.maxHeldMessages),
    });
  });

  it("the ScaledJob starts jobs from the preprocess queue, visible messages only, with accurate counting", () => {
    const sj = m.preprocessScaledJob.spec;
    expect(sj.triggers).toHaveLength(1);
    expect(sj.triggers[0]?.metadata).toMatchObject({
      queueURL: inputs.preprocessQueueUrl,
      awsRegion: inputs.region,
      scaleOnInFlight: "false",
    });
    expect(sj.triggers[0]?.metadata.queueURL).not.toMatch(/dlq/i);
    expect(sj.scalingStrategy?.strategy).toBe(settings.keda.preprocess.scalingStrategy);
    expect(["accurate", "eager"]).toContain(sj.scalingStrategy?.strategy);
    expect(sj.triggers[0]?.authenticationRef?.name).toBe(m.triggerAuthentication.metadata.name);
  });

  it("the ScaledJob's Jobs never restart in place, are bounded in time and retries, and are cleaned up", () => {
    const p = settings.keda.preprocess;
    const job = m.preprocessScaledJob.spec.jobTargetRef;
    expect(job.template.spec?.restartPolicy).toBe("Never");
    expect(job.backoffLimit).toBe(p.backoffLimit);
    expect(job.activeDeadlineSeconds).toBe(p.activeDeadlineSeconds);
    expect(job.ttlSecondsAfterFinished).toBe(p.ttlSecondsAfterFinished);
    expect(m.preprocessScaledJob.spec.successfulJobsHistoryLimit).toBe(
      p.successfulJobsHistoryLimit,
    );
    expect(m.preprocessScaledJob.spec.failedJobsHistoryLimit).toBe(p.failedJobsHistoryLimit);
  });

  it("aws-sqs-queue triggers use only parameters KEDA's scaler reads, and no identity override", () => {
    for (const trigger of [
      ...m.consumerScaledObject.spec.triggers,
      ...m.preprocessScaledJob.spec.triggers,
    ]) {
      const unknown = Object.keys(trigger.metadata).filter(
        (k) => !(SQS_TRIGGER_METADATA_KEYS as readonly string[]).includes(k),
      );
      expect(unknown).toEqual([]);
      expect(trigger.metadata).not.toHaveProperty("identityOwner");
      expect(trigger.metadata).not.toHaveProperty("messageReceiptThreshold");
      expect(trigger.metadata.queueLength).toMatch(/^[1-9]\d*$/);
    }
  });

  it("the TriggerAuthentication uses the KEDA operator's own Pod Identity (provider aws, nothing else)", () => {
    expect(m.triggerAuthentication.spec).toEqual({ podIdentity: { provider: "aws" } });
    expect(m.triggerAuthentication.metadata.namespace).toBe(settings.workloads.namespace);
  });

  it("the NetworkPolicy denies ingress but the metrics port and egress but DNS, Pod Identity and HTTPS", () => {
    const np = m.networkPolicy.spec;
    expect(np.podSelector).toEqual({});
    expect(np.policyTypes).toEqual(["Ingress", "Egress"]);
    expect(np.ingress).toEqual([{ ports: [{ protocol: "TCP", port: METRICS_PORT }] }]);
    const egress = (np.egress ?? []).map((rule) => ({
      ports: (rule.ports ?? []).map((p) => `${p.protocol}/${p.port}`),
      to: rule.to ?? "anywhere",
    }));
    expect(egress.flatMap((r) => r.ports).sort()).toEqual([
      "TCP/443",
      "TCP/53",
      "TCP/80",
      "UDP/53",
    ]);
    const podIdentity = egress.find((r) => r.ports.includes("TCP/80"));
    expect(podIdentity?.to).toEqual([{ ipBlock: { cidr: "169.254.170.23/32" } }]);
    const dns = egress.find((r) => r.ports.includes("UDP/53"));
    expect(JSON.stringify(dns?.to)).toContain("kube-dns");
  });

  it("names of output-dependent objects are known from the settings alone", () => {
    const meta = outputDependentMetadata(settings);
    expect(meta.producer).toEqual(m.producer.metadata);
    expect(meta.consumer).toEqual(m.consumer.metadata);
    expect(meta.consumerScaledObject).toEqual(m.consumerScaledObject.metadata);
    expect(meta.preprocessScaledJob).toEqual(m.preprocessScaledJob.metadata);
  });
});

describe("scaling parameters come only from the settings", () => {
  const changed = settingsWith({
    keda: {
      consumer: {
        pollingInterval: 7,
        cooldownPeriod: 77,
        minReplicas: 1,
        maxReplicas: 17,
        queueLength: 123,
        activationQueueLength: 3,
        scaleDownStabilizationSeconds: 45,
      },
      preprocess: {
        pollingInterval: 9,
        maxReplicaCount: 19,
        targetQueueLength: 2,
        activationQueueLength: 1,
        scalingStrategy: "eager",
        backoffLimit: 2,
      },
    },
  });
  const m = workloadManifests(changed, inputsFor());

  it("the ScaledObject follows keda.consumer", () => {
    const so = m.consumerScaledObject.spec;
    expect(so).toMatchObject({
      pollingInterval: 7,
      cooldownPeriod: 77,
      minReplicaCount: 1,
      maxReplicaCount: 17,
    });
    expect(so.triggers[0]?.metadata).toMatchObject({
      queueLength: "123",
      activationQueueLength: "3",
    });
    expect(so.advanced?.horizontalPodAutoscalerConfig?.behavior?.scaleDown).toMatchObject({
      stabilizationWindowSeconds: 45,
    });
  });

  it("the ScaledJob follows keda.preprocess, and each job takes its share of messages", () => {
    const sj = m.preprocessScaledJob.spec;
    expect(sj).toMatchObject({ pollingInterval: 9, maxReplicaCount: 19 });
    expect(sj.scalingStrategy).toEqual({ strategy: "eager", pendingPodConditions: ["Ready"] });
    expect(sj.jobTargetRef.backoffLimit).toBe(2);
    expect(sj.triggers[0]?.metadata).toMatchObject({
      queueLength: "2",
      activationQueueLength: "1",
    });
    const [job] = containersOf(m.preprocessScaledJob);
    expect(env(job!.container).MAX_MESSAGES).toBe("2");
  });

  it("scalingRulesFromSpecs reads back exactly the settings (what local mode emulates)", () => {
    const queues = { ...inputsFor(), region: "eu-west-1" };
    expect(scalingRules(changed, queues)).toEqual({
      consumer: {
        queueUrl: queues.eventsQueueUrl,
        awsRegion: "eu-west-1",
        queueLength: 123,
        activationQueueLength: 3,
        scaleOnInFlight: false,
        pollingInterval: 7,
        minReplicas: 1,
        maxReplicas: 17,
        cooldownPeriod: 77,
        scaleDownStabilizationSeconds: 45,
        moreTriggers: [
          {
            queueLength: CONSUMER_DEFAULTS.maxHeldMessages,
            activationQueueLength: 3,
            scaleOnInFlight: true,
          },
        ],
      },
      preprocess: {
        queueUrl: queues.preprocessQueueUrl,
        awsRegion: "eu-west-1",
        queueLength: 2,
        activationQueueLength: 1,
        scaleOnInFlight: false,
        pollingInterval: 9,
        minReplicaCount: 0,
        maxReplicaCount: 19,
        scalingStrategy: "eager",
        backoffLimit: 2,
        activeDeadlineSeconds: changed.keda.preprocess.activeDeadlineSeconds,
        pendingPodConditions: ["Ready"],
        readyWhenHoldingMessage: true,
      },
    });
    expect(scalingRulesFromSpecs(m.consumerScaledObject, m.preprocessScaledJob.spec)).toEqual(
      scalingRules(changed, queues),
    );
  });
});

describe("the preprocess job's disk follows workloads.preprocessMaxInputMiB", () => {
  /** Input + four outputs over the input, measured by `npm run bench:preprocess` at 1M rows. */
  const MEASURED_DISK_RATIO = 2.57;
  const mib = (quantity: string) => Number(/^(\d+)Mi$/.exec(quantity)?.[1] ?? NaN);

  it.each([1024, 4096])(
    "with %i MiB the job refuses larger uploads and its /tmp and ephemeral-storage hold the largest one's work",
    (maxInputMiB) => {
      const m = workloadManifests(
        settingsWith({ workloads: { preprocessMaxInputMiB: maxInputMiB } }),
        inputsFor(),
      );
      const [job] = containersOf(m.preprocessScaledJob);
      expect(env(job!.container).MAX_INPUT_BYTES).toBe(String(maxInputMiB * 1024 * 1024));
      const pod = m.preprocessScaledJob.spec.jobTargetRef.template.spec;
      const tmp = mib(String(pod?.volumes?.[0]?.emptyDir?.sizeLimit));
      expect(tmp).toBeGreaterThanOrEqual(maxInputMiB * MEASURED_DISK_RATIO);
      expect(tmp).toBeLessThanOrEqual(maxInputMiB * 3);
      const resources = job!.container.resources;
      const disk = mib(String(resources?.requests?.["ephemeral-storage"]));
      // The pod's whole disk: /tmp plus the container's rotated logs; requested as it is limited.
      expect(disk).toBeGreaterThan(tmp);
      expect(resources?.limits?.["ephemeral-storage"]).toBe(
        resources?.requests?.["ephemeral-storage"],
      );
      // Memory grows with the input only through the duplicate-row table: at worst 48 bytes per
      // distinct row of ~156 bytes, on top of the ~290 MiB the job peaks at without it.
      const rows = (maxInputMiB * 1024 * 1024) / 156;
      expect(mib(String(resources?.requests?.memory))).toBeGreaterThanOrEqual(
        290 + (48 * rows) / (1024 * 1024),
      );
    },
  );

  it("the job's memory request covers the peak RSS measured at 4M rows (383 MB for 629 MB), its limit half as much again", () => {
    const [job] = containersOf(
      workloadManifests(stackSettings("dev"), inputsFor()).preprocessScaledJob,
    );
    const resources = job!.container.resources;
    const request = mib(String(resources?.requests?.memory));
    expect(request * 1024 * 1024).toBeGreaterThan(383e6);
    expect(mib(String(resources?.limits?.memory))).toBeGreaterThanOrEqual(request * 1.4);
    // Well under the 1 GiB it once asked for: Karpenter buys nodes for requests.
    expect(request).toBeLessThan(1024);
  });

  it("4 GiB gives an 11,136 MiB /tmp and an 11,200 MiB ephemeral-storage", () => {
    const m = workloadManifests(
      settingsWith({ workloads: { preprocessMaxInputMiB: 4096 } }),
      inputsFor(),
    );
    const pod = m.preprocessScaledJob.spec.jobTargetRef.template.spec;
    expect(pod?.volumes?.[0]?.emptyDir?.sizeLimit).toBe("11136Mi");
    expect(pod?.containers[0]?.resources?.limits?.["ephemeral-storage"]).toBe("11200Mi");
  });
});

describe("ScaledJob strategy with scaleOnInFlight false", () => {
  // The rules KEDA reads from the built ScaledJob, with the strategy under test swapped in.
  const built = scalingRules(
    settingsWith({ keda: { preprocess: { maxReplicaCount: 20, targetQueueLength: 1 } } }),
    inputsFor(),
  ).preprocess;
  const rule = (strategy: ScaledJobRules["scalingStrategy"]): ScaledJobRules => ({
    ...built,
    scalingStrategy: strategy,
  });
  const jobs = (running: number, pending: number): JobCounts => ({ running, pending });
  // 10 visible messages; 5 jobs running, each already holding (and hiding) its own message.
  const create = (r: ScaledJobRules, visible: number, j: JobCounts) =>
    decideScaledJob(r, visible, j).create;

  it("the built ScaledJob excludes in-flight messages", () => {
    expect(built).toMatchObject({ scaleOnInFlight: false, queueLength: 1, maxReplicaCount: 20 });
  });

  it("default double-counts running jobs and leaves visible messages without a job", () => {
    expect(create(rule("default"), 10, jobs(5, 0))).toBe(5);
  });

  it("accurate starts one job per visible message", () => {
    expect(create(rule("accurate"), 10, jobs(5, 0))).toBe(10);
  });

  it("accurate does not start a second job for a message whose job is still pending", () => {
    expect(create(rule("accurate"), 3, jobs(3, 3))).toBe(0);
    expect(create(rule("eager"), 3, jobs(3, 3))).toBe(3);
  });

  it("no strategy exceeds maxReplicaCount running jobs, and nothing starts below activation", () => {
    for (const s of ["default", "accurate", "eager"] as const) {
      expect(create(rule(s), 100, jobs(15, 0)) + 15).toBeLessThanOrEqual(20);
      expect(create({ ...rule(s), activationQueueLength: 5 }, 5, jobs(5, 0))).toBe(0);
    }
  });

  it("the spec builder refuses strategies that double-count, naming the setting", () => {
    expect(() => assertStrategyFitsSqs("default")).toThrow(
      /event-pipeline:keda\.preprocess\.scalingStrategy: "default" double-counts/,
    );
    expect(() => assertStrategyFitsSqs("custom")).toThrow(/double-counts/);
    const settings = settingsWith({ keda: { preprocess: { scalingStrategy: "default" } } });
    expect(() => preprocessScaledJobSpec(settings, inputsFor())).toThrow(/scalingStrategy/);
  });
});

describe("inputs the specs refuse or pass through", () => {
  it("an image without a digest is refused", () => {
    const settings = settingsWith();
    for (const image of ["processor:latest", "123.dkr.ecr.eu-west-1.amazonaws.com/p:v1", ""]) {
      expect(() => workloadManifests(settings, inputsFor("dev", { image }))).toThrow(
        /pinned by digest/,
      );
    }
  });

  it("scheduling applies node selectors and tolerations only to the workload it names", () => {
    const settings = settingsWith();
    const plain = workloadManifests(settings, inputsFor());
    expect(plain.preprocessScaledJob.spec.jobTargetRef.template.spec).not.toHaveProperty(
      "nodeSelector",
    );
    expect(plain.preprocessScaledJob.spec.jobTargetRef.template.spec).not.toHaveProperty(
      "tolerations",
    );
    const scheduled = workloadManifests(
      settings,
      inputsFor("dev", {
        scheduling: {
          preprocess: {
            nodeSelector: { "karpenter.sh/nodepool": "jobs" },
            tolerations: [{ key: "pipeline/jobs", operator: "Exists", effect: "NoSchedule" }],
          },
        },
      }),
    );
    const pod = scheduled.preprocessScaledJob.spec.jobTargetRef.template.spec;
    expect(pod?.nodeSelector).toEqual({ "karpenter.sh/nodepool": "jobs" });
    expect(pod?.tolerations).toHaveLength(1);
    expect(scheduled.consumer.spec.template.spec).not.toHaveProperty("nodeSelector");
  });
});

describe("KEDA objects are typed", () => {
  it("a misspelled KEDA field fails the type-check (tsc enforces the @ts-expect-error lines)", () => {
    const so: IScaledObjectSpec = {
      scaleTargetRef: { name: "consumer" },
      triggers: [],
      // @ts-expect-error -- `pollingIntervall` is not a ScaledObject field
      pollingIntervall: 5,
    };
    const sj: Pick<IScaledJobSpec, "scalingStrategy"> = {
      // @ts-expect-error -- `stratgy` is not a scalingStrategy field
      scalingStrategy: { stratgy: "accurate" },
    };
    expect([so, sj]).toHaveLength(2);
  });
});

describe("the hardening rule can fail", () => {
  it("flags each missing protection of a container", () => {
    const m = workloadManifests(settingsWith(), inputsFor());
    const [{ podSpec, container }] = containersOf(structuredClone(m.consumer)) as [
      ReturnType<typeof containersOf>[number],
    ];
    expect(hardeningProblems(podSpec, container)).toEqual([]);
    container.securityContext = { runAsUser: 0 };
    delete podSpec.securityContext;
    delete container.resources.limits;
    podSpec.volumes = [];
    expect(hardeningProblems(podSpec, container)).toEqual([
      "runAsNonRoot is not true",
      "no numeric non-root runAsUser",
      "root filesystem is writable",
      "privilege escalation is allowed",
      "capabilities not dropped",
      "seccomp is not RuntimeDefault",
      "no cpu limits",
      "no memory limits",
      "no size-limited emptyDir at /tmp",
    ]);
  });
});
