/**
 * The Kubernetes, KEDA and Helm rules of the policy pack, each with a complying and a violating
 * resource, evaluated through the policy objects the pack ships.
 */
import { res, violations } from "./support/policy-fixtures";

const DIGEST = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/processor@sha256:${"a".repeat(64)}`;

/** A hardened container; `patch` overrides fields, `security` merges into its securityContext. */
function container(patch: Record<string, unknown> = {}, security: Record<string, unknown> = {}) {
  return {
    name: "processor",
    image: DIGEST,
    resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { memory: "1Gi" } },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 10001,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      ...security,
    },
    ...patch,
  };
}

const deployment = (c: Record<string, unknown>, pod: Record<string, unknown> = {}) =>
  res("kubernetes:apps/v1:Deployment", "consumer", {
    apiVersion: "apps/v1",
    kind: "Deployment",
    spec: { template: { spec: { containers: [c], ...pod } } },
  });
const scaledJob = (c: Record<string, unknown>, triggers: unknown[] = []) =>
  res("kubernetes:keda.sh/v1alpha1:ScaledJob", "preprocess", {
    spec: { jobTargetRef: { template: { spec: { containers: [c] } } }, triggers },
  });

describe("pod template rules", () => {
  test("a hardened Deployment and ScaledJob comply with every pod rule", async () => {
    for (const rule of [
      "k8s-run-as-non-root",
      "k8s-read-only-root-filesystem",
      "k8s-no-privilege-escalation",
      "k8s-requests-and-limits",
      "k8s-digest-pinned-images",
    ]) {
      expect({
        rule,
        found: await violations(rule, deployment(container()), scaledJob(container())),
      }).toEqual({
        rule,
        found: [],
      });
    }
  });

  test("runAsNonRoot set on the pod instead of the container complies with k8s-run-as-non-root", async () => {
    const c = container({}, { runAsNonRoot: undefined, runAsUser: undefined });
    expect(
      await violations(
        "k8s-run-as-non-root",
        deployment(c, { securityContext: { runAsNonRoot: true } }),
      ),
    ).toEqual([]);
  });

  test("a container without runAsNonRoot, or running as uid 0, violates k8s-run-as-non-root", async () => {
    const found = await violations(
      "k8s-run-as-non-root",
      deployment(container({}, { runAsNonRoot: undefined })),
      scaledJob(container({}, { runAsUser: 0 })),
    );
    expect(found).toEqual([
      "container processor: must set runAsNonRoot: true (container or pod)",
      "container processor: runs as user 0",
    ]);
  });

  test("a writable root filesystem violates k8s-read-only-root-filesystem (init containers too)", async () => {
    const init = { ...container({ name: "init" }, { readOnlyRootFilesystem: false }) };
    const found = await violations(
      "k8s-read-only-root-filesystem",
      deployment(container(), { initContainers: [init] }),
    );
    expect(found).toEqual(["container init: must set readOnlyRootFilesystem: true"]);
  });

  test("privilege escalation, kept capabilities or host namespaces violate k8s-no-privilege-escalation", async () => {
    const found = await violations(
      "k8s-no-privilege-escalation",
      deployment(container({}, { allowPrivilegeEscalation: true })),
      scaledJob(container({}, { capabilities: { drop: ["ALL"], add: ["SYS_ADMIN"] } })),
      deployment(container(), { hostNetwork: true }),
    );
    expect(found).toEqual([
      "container processor: must set allowPrivilegeEscalation: false",
      "container processor: must not add capabilities SYS_ADMIN",
      "pod must not use hostNetwork",
    ]);
  });

  test("a container without a memory limit or CPU request violates k8s-requests-and-limits", async () => {
    const found = await violations(
      "k8s-requests-and-limits",
      deployment(container({ resources: { requests: { memory: "512Mi" } } })),
    );
    expect(found).toEqual(["container processor: must set resources requests.cpu, limits.memory"]);
  });

  test("an image by tag violates k8s-digest-pinned-images", async () => {
    const found = await violations(
      "k8s-digest-pinned-images",
      scaledJob(container({ image: "processor:latest" })),
    );
    expect(found).toEqual([
      'container processor: image "processor:latest" must be pinned by digest (…@sha256:<64 hex>)',
    ]);
  });

  test("a CronJob and a bare Pod are checked through their own spec paths", async () => {
    const cron = res("kubernetes:batch/v1:CronJob", "c", {
      spec: {
        jobTemplate: {
          spec: { template: { spec: { containers: [container({ image: "busybox" })] } } },
        },
      },
    });
    const pod = res("kubernetes:core/v1:Pod", "p", { spec: { containers: [container()] } });
    expect(await violations("k8s-digest-pinned-images", cron, pod)).toHaveLength(1);
  });
});

describe("namespace, KEDA and Helm rules", () => {
  const ns = (labels: Record<string, string>) =>
    res("kubernetes:core/v1:Namespace", "pipeline", { metadata: { name: "pipeline", labels } });
  const release = (extra: Record<string, unknown>) =>
    res("kubernetes:helm.sh/v3:Release", "keda", {
      chart: "keda",
      version: "2.20.1",
      namespace: "keda",
      repositoryOpts: { repo: "https://kedacore.github.io/charts" },
      ...extra,
    });

  test("a namespace enforcing restricted, and a release into an existing namespace, comply with k8s-pod-security-labels", async () => {
    const found = await violations(
      "k8s-pod-security-labels",
      ns({ "pod-security.kubernetes.io/enforce": "restricted" }),
      release({}),
    );
    expect(found).toEqual([]);
  });

  test("a namespace without an enforce label, or enforcing privileged, violates k8s-pod-security-labels", async () => {
    const found = await violations(
      "k8s-pod-security-labels",
      ns({}),
      ns({ "pod-security.kubernetes.io/enforce": "privileged" }),
    );
    expect(found).toEqual([
      "label pod-security.kubernetes.io/enforce must be one of restricted, baseline (got undefined)",
      "label pod-security.kubernetes.io/enforce must be one of restricted, baseline (got privileged)",
    ]);
  });

  test("a Helm release that creates its namespace violates k8s-pod-security-labels", async () => {
    expect(await violations("k8s-pod-security-labels", release({ createNamespace: true }))).toEqual(
      ["must not createNamespace; create a Namespace with Pod Security labels instead"],
    );
  });

  const auth = (podIdentity: Record<string, unknown>) =>
    res("kubernetes:keda.sh/v1alpha1:TriggerAuthentication", "keda-aws", { spec: { podIdentity } });
  const sqsTrigger = (extra: Record<string, unknown>) => ({
    type: "aws-sqs-queue",
    metadata: { queueURL: "https://sqs/q", awsRegion: "eu-west-1", ...extra },
    authenticationRef: { name: "keda-aws" },
  });

  test("provider aws and SQS triggers that reference it comply with keda-pod-identity-provider-aws", async () => {
    const found = await violations(
      "keda-pod-identity-provider-aws",
      auth({ provider: "aws" }),
      scaledJob(container(), [sqsTrigger({})]),
    );
    expect(found).toEqual([]);
  });

  test("the deprecated aws-eks provider or an identityOwner violates keda-pod-identity-provider-aws", async () => {
    const found = await violations(
      "keda-pod-identity-provider-aws",
      auth({ provider: "aws-eks" }),
      auth({ provider: "aws", identityOwner: "keda" }),
    );
    expect(found).toEqual([
      'spec.podIdentity.provider must be "aws" (got aws-eks)',
      "spec.podIdentity.identityOwner must not be set",
    ]);
  });

  test("an SQS trigger without authenticationRef, or with identityOwner, violates keda-pod-identity-provider-aws", async () => {
    const bare = {
      type: "aws-sqs-queue",
      metadata: { queueURL: "https://sqs/q", identityOwner: "operator" },
    };
    const found = await violations(
      "keda-pod-identity-provider-aws",
      scaledJob(container(), [bare]),
    );
    expect(found).toEqual([
      "SQS trigger #0 must use an authenticationRef",
      "SQS trigger #0 must not set metadata.identityOwner",
    ]);
  });

  test("a release at an exact version over HTTPS complies with helm-release-pinned", async () => {
    const oci = res("kubernetes:helm.sh/v3:Release", "karpenter", {
      chart: "oci://public.ecr.aws/karpenter/karpenter",
      version: "1.14.1",
    });
    expect(await violations("helm-release-pinned", release({}), oci)).toEqual([]);
  });

  test("a release without a version, with a range, or over plain HTTP violates helm-release-pinned", async () => {
    const found = await violations(
      "helm-release-pinned",
      release({ version: undefined }),
      release({ version: "^2.20.0" }),
      release({ repositoryOpts: { repo: "http://charts.example.com" } }),
    );
    expect(found).toEqual([
      "chart keda must pin an exact version (got undefined)",
      "chart keda must pin an exact version (got ^2.20.0)",
      "chart must come over HTTPS or OCI",
    ]);
  });
});
