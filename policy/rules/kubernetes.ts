/**
 * Kubernetes rules: every pod template runs non-root, read-only, without privilege escalation, with
 * requests and limits and digest-pinned images; namespaces carry Pod Security labels; KEDA
 * authenticates through EKS Pod Identity; Helm charts are pinned.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { type Props, asList, forTypes } from "../support";

/** Where each workload kind keeps its pod spec. */
export const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
  "kubernetes:core/v1:Pod": ["spec"],
  "kubernetes:apps/v1:Deployment": ["spec", "template", "spec"],
  "kubernetes:apps/v1:StatefulSet": ["spec", "template", "spec"],
  "kubernetes:apps/v1:DaemonSet": ["spec", "template", "spec"],
  "kubernetes:apps/v1:ReplicaSet": ["spec", "template", "spec"],
  "kubernetes:batch/v1:Job": ["spec", "template", "spec"],
  "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
  "kubernetes:keda.sh/v1alpha1:ScaledJob": ["spec", "jobTargetRef", "template", "spec"],
};
export const WORKLOAD_TYPES = Object.keys(POD_SPEC_PATHS);
export const NAMESPACE_TYPE = "kubernetes:core/v1:Namespace";
export const HELM_RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";
export const HELM_CHART_TYPES = ["kubernetes:helm.sh/v4:Chart", "kubernetes:helm.sh/v3:Chart"];
export const TRIGGER_AUTH_TYPES = [
  "kubernetes:keda.sh/v1alpha1:TriggerAuthentication",
  "kubernetes:keda.sh/v1alpha1:ClusterTriggerAuthentication",
];
export const SCALED_TYPES = [
  "kubernetes:keda.sh/v1alpha1:ScaledObject",
  "kubernetes:keda.sh/v1alpha1:ScaledJob",
];

/** Pod Security Standards levels a namespace may enforce. */
export const ALLOWED_POD_SECURITY_LEVELS = ["restricted", "baseline"];
const ENFORCE_LABEL = "pod-security.kubernetes.io/enforce";

/** The pod spec of a workload, or undefined for other kinds. */
export function podSpecOf(type: string, props: Props): Props | undefined {
  const path = POD_SPEC_PATHS[type];
  if (!path) return undefined;
  let cur: unknown = props;
  for (const key of path) cur = (cur as Props | undefined)?.[key];
  return (cur as Props | undefined) ?? {};
}

/** Every container of a pod spec (init containers included), with a name for messages. */
function containersOf(spec: Props): { name: string; c: Props }[] {
  return [...asList(spec.initContainers as Props[]), ...asList(spec.containers as Props[])].map(
    (c, i) => ({ name: typeof c?.name === "string" ? c.name : `#${i}`, c: c ?? {} }),
  );
}

/** A rule over each container of every workload: returns the message for a bad container. */
function perContainer(
  check: (container: Props, pod: Props) => string | undefined,
): (props: Props, args: { type: string }) => string[] {
  return (props, args) => {
    const spec = podSpecOf(args.type, props);
    if (!spec) return [];
    const containers = containersOf(spec);
    if (containers.length === 0) return ["pod template has no containers"];
    return containers.flatMap(({ name, c }) => {
      const problem = check(c, spec);
      return problem ? [`container ${name}: ${problem}`] : [];
    });
  };
}

export const nonRootProblems = perContainer((c, pod) => {
  const nonRoot = c.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
  const user = c.securityContext?.runAsUser ?? pod.securityContext?.runAsUser;
  if (user === 0) return "runs as user 0";
  return nonRoot === true ? undefined : "must set runAsNonRoot: true (container or pod)";
});

export const readOnlyRootProblems = perContainer((c) =>
  c.securityContext?.readOnlyRootFilesystem === true
    ? undefined
    : "must set readOnlyRootFilesystem: true",
);

/** Capabilities the restricted Pod Security Standard lets a container add. */
const ADDABLE_CAPABILITIES = ["NET_BIND_SERVICE"];

export const privilegeEscalationProblems = (props: Props, args: { type: string }): string[] => {
  const spec = podSpecOf(args.type, props);
  if (!spec) return [];
  const host = ["hostNetwork", "hostPID", "hostIPC"].filter((k) => spec[k] === true);
  const pod = host.length ? [`pod must not use ${host.join(", ")}`] : [];
  return [
    ...pod,
    ...perContainer((c) => {
      const sc = c.securityContext ?? {};
      if (sc.privileged === true) return "must not be privileged";
      if (sc.allowPrivilegeEscalation !== false) return "must set allowPrivilegeEscalation: false";
      const drop = asList(sc.capabilities?.drop as string[]);
      if (!drop.includes("ALL")) return 'must drop capabilities ["ALL"]';
      const added = asList(sc.capabilities?.add as string[]).filter(
        (cap) => !ADDABLE_CAPABILITIES.includes(cap),
      );
      return added.length ? `must not add capabilities ${added.join(", ")}` : undefined;
    })(props, args),
  ];
};

export const resourceProblems = perContainer((c) => {
  const missing = [
    ["requests", "cpu"],
    ["requests", "memory"],
    ["limits", "memory"],
  ]
    .filter(([kind, res]) => {
      const value = (c.resources?.[kind as string] as Props | undefined)?.[res as string];
      return value === undefined || value === null || value === "";
    })
    .map(([kind, res]) => `${kind}.${res}`);
  return missing.length ? `must set resources ${missing.join(", ")}` : undefined;
});

/** An image reference pinned to a content digest. */
export const DIGEST_PINNED = /@sha256:[0-9a-f]{64}$/;

export const digestProblems = perContainer((c) =>
  typeof c.image === "string" && DIGEST_PINNED.test(c.image)
    ? undefined
    : `image ${JSON.stringify(c.image)} must be pinned by digest (…@sha256:<64 hex>)`,
);

/**
 * Namespaces enforce a Pod Security Standard (restricted or baseline); Helm releases never create a
 * namespace (it would carry no labels).
 */
export function podSecurityLabelProblems(props: Props, type: string): string[] {
  if (type === HELM_RELEASE_TYPE) {
    return props.createNamespace === true
      ? ["must not createNamespace; create a Namespace with Pod Security labels instead"]
      : [];
  }
  const level = props.metadata?.labels?.[ENFORCE_LABEL] as unknown;
  return typeof level === "string" && ALLOWED_POD_SECURITY_LEVELS.includes(level)
    ? []
    : [
        `label ${ENFORCE_LABEL} must be one of ${ALLOWED_POD_SECURITY_LEVELS.join(", ")} (got ${String(level)})`,
      ];
}

/**
 * KEDA reaches AWS through EKS Pod Identity: trigger authentications use `podIdentity.provider:
 * aws` (not the deprecated aws-eks/aws-kiam, no identityOwner), and every SQS trigger refers to one
 * instead of carrying credentials or an identity owner.
 */
export function triggerAuthProblems(props: Props, type: string): string[] {
  if (TRIGGER_AUTH_TYPES.includes(type)) {
    const identity = props.spec?.podIdentity as Props | undefined;
    const problems: string[] = [];
    if (identity?.provider !== "aws") {
      problems.push(`spec.podIdentity.provider must be "aws" (got ${String(identity?.provider)})`);
    }
    if (identity?.identityOwner !== undefined)
      problems.push("spec.podIdentity.identityOwner must not be set");
    if (
      asList(props.spec?.secretTargetRef as Props[]).length ||
      asList(props.spec?.env as Props[]).length
    ) {
      problems.push("must not read static AWS credentials from secrets or environment");
    }
    return problems;
  }
  return asList(props.spec?.triggers as Props[])
    .filter((t) => t?.type === "aws-sqs-queue")
    .flatMap((t, i) => {
      const problems: string[] = [];
      if (!t.authenticationRef?.name)
        problems.push(`SQS trigger #${i} must use an authenticationRef`);
      for (const key of ["identityOwner", "awsAccessKeyID", "awsSecretAccessKey", "awsRoleArn"]) {
        if (t.metadata?.[key] !== undefined)
          problems.push(`SQS trigger #${i} must not set metadata.${key}`);
      }
      return problems;
    });
}

/** An exact chart version (no range, no "latest"). */
export const EXACT_VERSION = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/** Helm charts are installed at an exact version, from an HTTPS or OCI source. */
export function helmPinnedProblems(props: Props): string[] {
  const version = props.version ?? props.fetchOpts?.version;
  const problems: string[] = [];
  if (typeof version !== "string" || !EXACT_VERSION.test(version)) {
    problems.push(
      `chart ${String(props.chart)} must pin an exact version (got ${String(version)})`,
    );
  }
  const repo =
    props.repositoryOpts?.repo ?? props.fetchOpts?.repo ?? props.repositoryOpts?.repository;
  const sources = [repo, props.chart].filter((s): s is string => typeof s === "string");
  if (sources.some((s) => s.startsWith("http://")))
    problems.push("chart must come over HTTPS or OCI");
  return problems;
}

export const kubernetesPolicies: ResourceValidationPolicy[] = [
  {
    name: "k8s-run-as-non-root",
    description: "Every container runs as a non-root user.",
    enforcementLevel: "mandatory",
    validateResource: forTypes(WORKLOAD_TYPES, nonRootProblems),
  },
  {
    name: "k8s-read-only-root-filesystem",
    description: "Every container has a read-only root filesystem.",
    enforcementLevel: "mandatory",
    validateResource: forTypes(WORKLOAD_TYPES, readOnlyRootProblems),
  },
  {
    name: "k8s-no-privilege-escalation",
    description:
      "No container escalates privileges, is privileged, keeps capabilities, or shares host namespaces.",
    enforcementLevel: "mandatory",
    validateResource: forTypes(WORKLOAD_TYPES, privilegeEscalationProblems),
  },
  {
    name: "k8s-requests-and-limits",
    description: "Every container requests CPU and memory and has a memory limit.",
    enforcementLevel: "mandatory",
    validateResource: forTypes(WORKLOAD_TYPES, resourceProblems),
  },
  {
    name: "k8s-digest-pinned-images",
    description: "Every container image is pinned by sha256 digest.",
    enforcementLevel: "mandatory",
    validateResource: forTypes(WORKLOAD_TYPES, digestProblems),
  },
  {
    name: "k8s-pod-security-labels",
    description:
      "Namespaces enforce the restricted or baseline Pod Security Standard; Helm releases do not create namespaces.",
    enforcementLevel: "mandatory",
    validateResource: forTypes([NAMESPACE_TYPE, HELM_RELEASE_TYPE], (props, args) =>
      podSecurityLabelProblems(props, args.type),
    ),
  },
  {
    name: "keda-pod-identity-provider-aws",
    description:
      "KEDA TriggerAuthentications use podIdentity.provider aws; SQS triggers authenticate through them.",
    enforcementLevel: "mandatory",
    validateResource: forTypes([...TRIGGER_AUTH_TYPES, ...SCALED_TYPES], (props, args) =>
      triggerAuthProblems(props, args.type),
    ),
  },
  {
    name: "helm-release-pinned",
    description: "Helm charts are installed at an exact version over HTTPS or OCI.",
    enforcementLevel: "mandatory",
    validateResource: forTypes([HELM_RELEASE_TYPE, ...HELM_CHART_TYPES], helmPinnedProblems),
  },
];
