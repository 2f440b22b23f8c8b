import { Job } from "kubernetes-models/batch/v1/Job";
import { buildJobManifest, JOB_SERVICE_ACCOUNT } from "../infra/orchestration/job";

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
const resolved = resolve(manifest, {
  "States.Format('batch-object-{}', States.UUID())":
    "batch-object-0f8fad5b-d9cb-469f-a165-70867728950e",
  "$$.Execution.Id": "arn:aws:states:eu-west-1:123456789012:execution:sm:1",
  "States.Array('preprocess-object', '--bucket', $.object.bucket, '--key', $.object.key, '--prefix', 'batch/')":
    args,
}) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe("the Job that eks:runJob starts", () => {
  test("is a valid batch/v1 Job once Step Functions fills in name and arguments", () => {
    // kubernetes-models' base types do not resolve under this tsconfig; validate() exists at run time.
    const job = new Job(resolved) as unknown as { validate(): void };
    expect(() => job.validate()).not.toThrow();
    expect(resolved.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(resolved.metadata.name.length).toBeLessThanOrEqual(63);
  });

  test("runs preprocess-object on the object of the execution, with this path's prefix", () => {
    const container = resolved.spec.template.spec.containers[0];
    expect(container.args).toEqual(args);
    expect(container.image).toBe(image);
    expect(container.env).toEqual(
      expect.arrayContaining([{ name: "OUTPUT_BUCKET", value: "processed-bucket" }]),
    );
  });

  test("every container runs as non-root with a read-only root filesystem and no capabilities", () => {
    const pod = resolved.spec.template.spec;
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    for (const c of pod.containers) {
      expect(c.securityContext).toMatchObject({
        runAsNonRoot: true,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
      });
      expect(c.resources.limits.memory).toBeDefined();
    }
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
