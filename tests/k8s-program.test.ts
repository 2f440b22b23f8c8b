/**
 * The program's Kubernetes objects under Pulumi mocks, for every stack file: every object it creates
 * (ours, KEDA's and Karpenter's namespaces and custom resources) passes the Kubernetes/KEDA/Karpenter
 * schemas with no unknown field, and the rules that tie them to the rest of the program hold.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- recorded inputs are untyped provider payloads. */
import { METRICS_PORT } from "@pipeline/processor/contract";
import { KEDA_OPERATOR_SERVICE_ACCOUNT } from "../config";
import { schedulingForWorkloads } from "../k8s/specs/scheduling";
import { workloadManifests } from "../k8s/specs";
import { containersOf, hardeningProblems, podSpecsOf } from "./support/k8s-rules";
import {
  byType,
  dependsOn,
  one,
  runProgram,
  type ProgramRun,
  type RecordedResource,
} from "../harness/program";
import { expectSchemaValid, type KubernetesObject } from "./support/schema-check";

const STACKS = ["dev", "prod"] as const;

/** Resource types under `kubernetes:` that are not Kubernetes objects (they carry no schema). */
const NOT_OBJECTS = /^kubernetes:(helm\.sh\/v\d+:(Release|Chart)|yaml\/v\d+:|kustomize\/v\d+:)/;

/** Every Kubernetes object the program creates, as recorded. */
function kubernetesObjects(run: ProgramRun): RecordedResource[] {
  return run.resources.filter((r) => r.type.startsWith("kubernetes:") && !NOT_OBJECTS.test(r.type));
}

const asObject = (r: RecordedResource): Record<string, any> => r.inputs;

const kind = (run: ProgramRun, token: string, suffix?: string) => asObject(one(run, token, suffix));

describe.each(STACKS)("the %s stack's Kubernetes objects", (stack) => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram(stack);
  });

  it("every Kubernetes object validates against its schema, with no unknown field", async () => {
    const objects = kubernetesObjects(run);
    const kinds = new Set(objects.map((r) => r.type));
    for (const expected of [
      "kubernetes:core/v1:Namespace",
      "kubernetes:core/v1:ServiceAccount",
      "kubernetes:apps/v1:Deployment",
      "kubernetes:policy/v1:PodDisruptionBudget",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy",
      "kubernetes:keda.sh/v1alpha1:ScaledObject",
      "kubernetes:keda.sh/v1alpha1:ScaledJob",
      "kubernetes:keda.sh/v1alpha1:TriggerAuthentication",
    ]) {
      expect(kinds).toContain(expected);
    }
    for (const r of objects) {
      const obj = asObject(r);
      // The type token and the object agree on what it is.
      expect(
        `kubernetes:${obj.apiVersion.includes("/") ? "" : "core/"}${obj.apiVersion}:${obj.kind}`,
      ).toBe(r.type);
      await expectSchemaValid(obj as KubernetesObject);
    }
  });

  it("every Kubernetes resource goes through the cluster's provider", () => {
    const provider = one(run, "pulumi:providers:kubernetes");
    for (const r of run.resources.filter((x) => x.type.startsWith("kubernetes:"))) {
      expect({ name: r.name, provider: r.provider }).toEqual({
        name: r.name,
        provider: `${provider.urn}::${provider.id}`,
      });
    }
  });

  it("every namespace the program creates enforces Pod Security restricted", () => {
    const namespaces = byType(run, "kubernetes:core/v1:Namespace").map(asObject);
    expect(namespaces.map((n) => n.metadata.name).sort()).toEqual(
      [run.settings.keda.namespace, run.settings.workloads.namespace].sort(),
    );
    for (const ns of namespaces) {
      for (const mode of ["enforce", "audit", "warn"]) {
        expect(ns.metadata.labels?.[`pod-security.kubernetes.io/${mode}`]).toBe("restricted");
      }
    }
  });

  it("the ScaledObject scales on the events queue and the ScaledJob on the preprocess queue, never a DLQ", () => {
    const so = kind(run, "kubernetes:keda.sh/v1alpha1:ScaledObject");
    const sj = kind(run, "kubernetes:keda.sh/v1alpha1:ScaledJob");
    const dlqs = [run.outputs.preprocessDlqUrl, run.outputs.eventsDlqUrl];
    expect(so.spec.triggers.map((t: any) => t.metadata.queueURL)).toEqual([
      run.outputs.eventsQueueUrl,
      run.outputs.eventsQueueUrl,
    ]);
    expect(sj.spec.triggers.map((t: any) => t.metadata.queueURL)).toEqual([
      run.outputs.preprocessQueueUrl,
    ]);
    for (const t of [...so.spec.triggers, ...sj.spec.triggers]) {
      expect(t.type).toBe("aws-sqs-queue");
      expect(dlqs).not.toContain(t.metadata.queueURL);
      expect(t.metadata.awsRegion).toBe(run.settings.region);
      expect(t.metadata.queueURL).toContain(`sqs.${run.settings.region}.`);
    }
    expect(sj.spec.triggers[0].metadata.scaleOnInFlight).toBe("false");
  });

  it("the ScaledObject targets the consumer Deployment the program creates", () => {
    const so = kind(run, "kubernetes:keda.sh/v1alpha1:ScaledObject");
    const consumer = kind(run, "kubernetes:apps/v1:Deployment", "consumer");
    expect(so.metadata.namespace).toBe(consumer.metadata.namespace);
    expect(so.spec.scaleTargetRef).toMatchObject({
      kind: "Deployment",
      name: consumer.metadata.name,
    });
    expect(consumer.spec).not.toHaveProperty("replicas");
  });

  it("every container runs the digest-pinned image the program built, hardened and sized", () => {
    const containers = kubernetesObjects(run).flatMap((r) => containersOf(asObject(r)));
    expect(containers.length).toBe(3);
    for (const { owner, podSpec, container } of containers) {
      expect(container.image).toBe(run.outputs.processorImage);
      expect(container.image).toMatch(/@sha256:[0-9a-f]{64}$/);
      expect({ owner, problems: hardeningProblems(podSpec, container) }).toEqual({
        owner,
        problems: [],
      });
    }
  });

  it("containers get queue URLs, bucket names and the region from the program's outputs", () => {
    const env = (suffix: string, token = "kubernetes:apps/v1:Deployment") => {
      const [found] = containersOf(kind(run, token, suffix));
      return Object.fromEntries(found!.container.env.map((e: any) => [e.name, e.value]));
    };
    expect(env("consumer")).toMatchObject({
      EVENTS_QUEUE_URL: run.outputs.eventsQueueUrl,
      EVENTS_BUCKET: run.outputs.eventsBucketName,
      AWS_REGION: run.settings.region,
    });
    expect(env("producer")).toMatchObject({
      EVENTS_QUEUE_URL: run.outputs.eventsQueueUrl,
      AWS_REGION: run.settings.region,
    });
    expect(env("preprocess-scaledjob", "kubernetes:keda.sh/v1alpha1:ScaledJob")).toMatchObject({
      PREPROCESS_QUEUE_URL: run.outputs.preprocessQueueUrl,
      OUTPUT_BUCKET: run.outputs.processedBucketName,
      AWS_REGION: run.settings.region,
    });
  });

  it("the recorded workloads are exactly what the pure builders make from the program's outputs", () => {
    const built = workloadManifests(run.settings, {
      image: run.outputs.processorImage as string,
      region: run.settings.region,
      preprocessQueueUrl: run.outputs.preprocessQueueUrl as string,
      eventsQueueUrl: run.outputs.eventsQueueUrl as string,
      processedBucketName: run.outputs.processedBucketName as string,
      eventsBucketName: run.outputs.eventsBucketName as string,
      scheduling: schedulingForWorkloads(run.settings.nodeAutoscaling),
    });
    const pick = (o: any) => ({ metadata: o.metadata, spec: o.spec });
    expect(pick(kind(run, "kubernetes:apps/v1:Deployment", "consumer"))).toEqual(
      pick(built.consumer),
    );
    expect(pick(kind(run, "kubernetes:apps/v1:Deployment", "producer"))).toEqual(
      pick(built.producer),
    );
    expect(pick(kind(run, "kubernetes:keda.sh/v1alpha1:ScaledObject"))).toEqual(
      pick(built.consumerScaledObject),
    );
    expect(pick(kind(run, "kubernetes:keda.sh/v1alpha1:ScaledJob"))).toEqual(
      pick(built.preprocessScaledJob),
    );
  });

  it("the consumer has liveness and readiness probes on the metrics port", () => {
    const [consumer] = containersOf(kind(run, "kubernetes:apps/v1:Deployment", "consumer"));
    const port = consumer!.container.ports.find((p: any) => p.name === "metrics");
    expect(port?.containerPort).toBe(METRICS_PORT);
    expect(consumer!.container.livenessProbe.httpGet).toMatchObject({
      path: "/healthz",
      port: "metrics",
    });
    expect(consumer!.container.readinessProbe.httpGet).toMatchObject({
      path: "/readyz",
      port: "metrics",
    });
  });

  it("every Pod Identity association names a ServiceAccount the program creates", () => {
    const serviceAccounts = new Set(
      byType(run, "kubernetes:core/v1:ServiceAccount").map((r) => {
        const sa = asObject(r);
        return `${sa.metadata.namespace}/${sa.metadata.name}`;
      }),
    );
    // Charts create their controllers' service accounts under the names their values give.
    for (const release of byType(run, "kubernetes:helm.sh/v3:Release")) {
      const values = release.inputs.values ?? {};
      for (const name of [values.serviceAccount?.operator?.name, values.serviceAccount?.name]) {
        if (typeof name === "string") serviceAccounts.add(`${release.inputs.namespace}/${name}`);
      }
    }
    const associations = byType(run, "aws:eks/podIdentityAssociation:PodIdentityAssociation");
    expect(associations.length).toBeGreaterThanOrEqual(4);
    for (const a of associations) {
      expect(serviceAccounts).toContain(`${a.inputs.namespace}/${a.inputs.serviceAccount}`);
    }
  });

  it("workload pods start only after their Pod Identity associations exist", () => {
    const associations = byType(run, "aws:eks/podIdentityAssociation:PodIdentityAssociation");
    const ns = run.settings.workloads.namespace;
    const ours = associations.filter((a) => a.inputs.namespace === ns);
    expect(ours.map((a) => a.inputs.serviceAccount).sort()).toEqual([
      "consumer",
      "preprocess",
      "producer",
    ]);
    for (const workload of [
      one(run, "kubernetes:apps/v1:Deployment", "consumer"),
      one(run, "kubernetes:apps/v1:Deployment", "producer"),
      one(run, "kubernetes:keda.sh/v1alpha1:ScaledJob"),
    ]) {
      const pod = podSpecsOf(asObject(workload))[0]!.podSpec;
      const association = ours.find((a) => a.inputs.serviceAccount === pod.serviceAccountName);
      expect(association).toBeDefined();
      expect(dependsOn(workload, association!)).toBe(true);
    }
  });

  it("the KEDA chart, the TriggerAuthentication and the operator's role fit together", () => {
    // How the operator gets credentials: the chart runs the operator as keda/keda-operator; EKS Pod
    // Identity has an association for exactly that service account, created before the chart so the
    // operator pod starts with container credentials; the TriggerAuthentication says provider "aws"
    // with no roleArn/identityOwner, i.e. "use the operator's own identity"; that identity may only
    // read the two queues' attributes. No IRSA annotation, no aws-eks provider, no static keys.
    const release = one(run, "kubernetes:helm.sh/v3:Release", "keda-chart");
    const association = one(
      run,
      "aws:eks/podIdentityAssociation:PodIdentityAssociation",
      "keda-operator",
    );
    const values = release.inputs.values;
    expect(values.serviceAccount.operator.name).toBe(KEDA_OPERATOR_SERVICE_ACCOUNT);
    expect(association.inputs).toMatchObject({
      namespace: release.inputs.namespace,
      serviceAccount: values.serviceAccount.operator.name,
    });
    expect(release.inputs.namespace).toBe(run.settings.keda.namespace);
    expect(dependsOn(release, association)).toBe(true);
    expect(values.podIdentity?.aws?.irsa?.enabled ?? false).toBe(false);
    expect(JSON.stringify(values)).not.toContain("eks.amazonaws.com/role-arn");

    const auth = kind(run, "kubernetes:keda.sh/v1alpha1:TriggerAuthentication");
    expect(auth.spec).toEqual({ podIdentity: { provider: "aws" } });
    for (const token of ["ScaledObject", "ScaledJob"]) {
      const scaled = one(run, `kubernetes:keda.sh/v1alpha1:${token}`);
      for (const t of asObject(scaled).spec.triggers) {
        expect(t.authenticationRef).toEqual({
          name: auth.metadata.name,
          kind: "TriggerAuthentication",
        });
        expect(t.metadata).not.toHaveProperty("identityOwner");
      }
      // KEDA's CRDs come with the chart: the objects wait for it.
      expect(dependsOn(scaled, release)).toBe(true);
    }

    const role = run.resources.find(
      (r) => r.type === "aws:iam/role:Role" && r.state.arn === association.inputs.roleArn,
    );
    const policies = run.resources.filter(
      (r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.inputs.role === role?.state.name,
    );
    expect(policies).toHaveLength(1);
    const statements = JSON.parse(policies[0]!.inputs.policy).Statement;
    const queueArns = byType(run, "aws:sqs/queue:Queue")
      .filter((q) =>
        [run.outputs.preprocessQueueUrl, run.outputs.eventsQueueUrl].includes(q.state.url),
      )
      .map((q) => q.state.arn)
      .sort();
    expect(statements).toHaveLength(1);
    expect(statements[0].Effect).toBe("Allow");
    expect([statements[0].Action].flat()).toEqual(["sqs:GetQueueAttributes"]);
    expect([statements[0].Resource].flat().sort()).toEqual(queueArns);
  });
});
