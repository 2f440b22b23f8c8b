import { buildJobManifest, JOB_SERVICE_ACCOUNT } from "../k8s/specs/batch-job";
import { jobPoolScheduling } from "../k8s/specs/scheduling";
import { orchestratorRbac } from "../k8s/specs/orchestrator";
import { containersOf, hardeningProblems } from "./support/k8s-rules";
import { expectSchemaValid, schemaProblems, type KubernetesObject } from "./support/schema-check";

const image = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/processor@sha256:${"b".repeat(64)}`;
const manifest = buildJobManifest({
  image,
  namespace: "pipeline",
  prefix: "batch/",
  outputBucket: "processed-bucket",
  region: "eu-west-1",
  activeDeadlineSeconds: 1800,
});

/**
 * What Step Functions sends to the API server: every `key.$` replaced by `key` with the evaluated
 * value (here: a sample per path, so the result can be schema-checked).
 */
function resolve(template: unknown, values: Record<string, unknown>): unknown {
  if (Array.isArray(template)) return template.map((t) => resolve(t, values));
  if (template && typeof template === "object") {
    return Object.fromEntries(
      Object.entries(template).map(([k, v]) => {
        if (!k.endsWith(".$")) return [k, resolve(v, values)];
        if (!((v as string) in values)) throw new Error(`no sample value for ${k}: ${String(v)}`);
        return [k.slice(0, -2), values[v as string]];
      }),
    );
  }
  return template;
}

const args = [
  "preprocess-object",
  "--bucket",
  "raw-bucket",
  "--key",
  "batch/a.csv",
  "--prefix",
  "batch/",
];
const sampleValues: Record<string, unknown> = {
  "States.Format('batch-object-{}', States.UUID())":
    "batch-object-0f8fad5b-d9cb-469f-a165-70867728950e",
  "$$.Execution.Id": "arn:aws:states:eu-west-1:123456789012:execution:sm:1",
  "States.Array('preprocess-object', '--bucket', $.object.bucket, '--key', $.object.key, '--prefix', 'batch/')":
    args,
};
const resolved = resolve(manifest, sampleValues) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe("the Job that eks:runJob starts", () => {
  test("is a valid batch/v1 Job, without unknown fields, once Step Functions fills it in", async () => {
    await expectSchemaValid(resolved as KubernetesObject);
    expect(resolved.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(resolved.metadata.name.length).toBeLessThanOrEqual(63);
  });

  test("the schema check can fail: a misspelt field is reported", async () => {
    const broken = structuredClone(resolved);
    broken.spec.template.spec.containerz = broken.spec.template.spec.containers;
    const problems = await schemaProblems(broken as KubernetesObject);
    expect(problems.map((p) => p.path)).toContain("spec.template.spec.containerz");
  });

  test("runs preprocess-object on the object of the execution, with this path's prefix", () => {
    const container = resolved.spec.template.spec.containers[0];
    expect(container.args).toEqual(args);
    expect(container.image).toBe(image);
    expect(container.env).toEqual(
      expect.arrayContaining([{ name: "OUTPUT_BUCKET", value: "processed-bucket" }]),
    );
  });

  test("every container is hardened like the KEDA preprocess jobs (Pod Security restricted)", () => {
    const containers = containersOf(resolved);
    expect(containers).toHaveLength(1);
    for (const { podSpec, container } of containers) {
      expect(hardeningProblems(podSpec, container)).toEqual([]);
    }
    const pod = resolved.spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe(JOB_SERVICE_ACCOUNT);
  });

  test("the Job has a deadline, no Kubernetes retries (Step Functions retries) and cleans up", () => {
    expect(resolved.spec).toMatchObject({
      backoffLimit: 0,
      activeDeadlineSeconds: 1800,
      ttlSecondsAfterFinished: 3600,
    });
    expect(resolved.spec.template.spec.restartPolicy).toBe("Never");
  });

  test("an image pinned only by tag is refused", () => {
    expect(() =>
      buildJobManifest({
        image: "processor:latest",
        namespace: "pipeline",
        prefix: "batch/",
        outputBucket: "b",
        region: "eu-west-1",
        activeDeadlineSeconds: 60,
      }),
    ).toThrow(/pinned by digest/);
  });
});

describe("the state machine's Kubernetes access", () => {
  const rbac = orchestratorRbac("pipeline", "event-pipeline");

  test("Role and RoleBinding are schema-valid and confined to the workload namespace", async () => {
    await expectSchemaValid({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      ...rbac.role,
    });
    await expectSchemaValid({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      ...rbac.roleBinding,
    });
    expect(rbac.role.metadata.namespace).toBe("pipeline");
    expect(rbac.roleBinding.roleRef).toEqual({
      apiGroup: "rbac.authorization.k8s.io",
      kind: "Role",
      name: rbac.role.metadata.name,
    });
    expect(rbac.roleBinding.subjects).toEqual([
      { apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: rbac.group },
    ]);
  });

  test("the Role grants what eks:runJob.sync does and nothing else (no secrets, no wildcards)", () => {
    const grants = rbac.role.rules.flatMap((r) =>
      r.resources.flatMap((res) => r.verbs.map((v) => `${r.apiGroups.join("")}/${res}:${v}`)),
    );
    expect(grants.sort()).toEqual(
      [
        "batch/jobs:create",
        "batch/jobs:delete",
        "batch/jobs:get",
        "batch/jobs:list",
        "batch/jobs:watch",
        "/pods:get",
        "/pods:list",
        "/pods:watch",
        "/pods/log:get",
      ].sort(),
    );
  });
});

describe("where the Job runs", () => {
  const withPool = (scheduling: ReturnType<typeof jobPoolScheduling> | undefined) =>
    buildJobManifest({
      image,
      namespace: "pipeline",
      prefix: "batch/",
      outputBucket: "processed-bucket",
      region: "eu-west-1",
      activeDeadlineSeconds: 1800,
      ...(scheduling ? { scheduling } : {}),
    }) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

  test("with Karpenter it lands in the job pool like the KEDA preprocess jobs", async () => {
    const job = withPool(jobPoolScheduling());
    const template = job.spec.template;
    expect(template.spec.nodeSelector).toEqual(jobPoolScheduling().nodeSelector);
    expect(template.spec.tolerations).toEqual(jobPoolScheduling().tolerations);
    expect(template.metadata.annotations).toEqual(jobPoolScheduling().annotations);
    await expectSchemaValid(resolve(job, sampleValues) as KubernetesObject);
  });

  test("without Karpenter it carries no placement at all", () => {
    const template = withPool(undefined).spec.template;
    expect(template.spec.nodeSelector).toBeUndefined();
    expect(template.spec.tolerations).toBeUndefined();
    expect(template.metadata.annotations).toBeUndefined();
  });
});
