/**
 * Kubernetes objects of the orchestrated variant beside its Job manifest (./batch-job.ts): the state
 * machine's RBAC, and the EMR engine's namespace, service account and the spark-submit flags that
 * name it. Plain objects (pure; the Orchestration component creates them with the cluster's
 * provider).
 *
 * Why RBAC and not an EKS access policy: the state machine's role gets an access entry whose only
 * effect is membership in {@link orchestratorGroup}; a namespaced Role bound to that group allows
 * exactly what `eks:runJob.sync` does (create a Job, watch it, read its Pods and their logs, delete
 * it when an execution is stopped) in the workload namespace. `AmazonEKSEditPolicy` scoped to the
 * namespace would also let it read Secrets and change every Deployment, Service and ConfigMap there.
 */

/** The Kubernetes group the state machine's access entry maps its role to. */
export function orchestratorGroup(project: string): string {
  return `${project}-batch-orchestrator`;
}

/** Name of the namespaced Role (and RoleBinding) of the state machine. */
export const ORCHESTRATOR_ROLE = "batch-orchestrator";

/** The rules `eks:runJob.sync` needs, nothing more. */
export const ORCHESTRATOR_RULES = [
  {
    apiGroups: ["batch"],
    resources: ["jobs"],
    verbs: ["create", "get", "list", "watch", "delete"],
  },
  { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] },
  { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] },
] as const;

/** The Role and RoleBinding of the state machine in `namespace`, and the group they bind. */
export function orchestratorRbac(namespace: string, project: string) {
  const group = orchestratorGroup(project);
  const metadata = {
    name: ORCHESTRATOR_ROLE,
    namespace,
    labels: { "app.kubernetes.io/part-of": project, "app.kubernetes.io/managed-by": "pulumi" },
  };
  return {
    group,
    role: {
      metadata,
      rules: ORCHESTRATOR_RULES.map((r) => ({
        apiGroups: [...r.apiGroups],
        resources: [...r.resources],
        verbs: [...r.verbs],
      })),
    },
    roleBinding: {
      metadata,
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: ORCHESTRATOR_ROLE },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: group }],
    },
  };
}

/** The EMR engine's namespace next to the workload namespace. */
export function sparkNamespaceName(workloadNamespace: string): string {
  return `${workloadNamespace}-spark`.slice(0, 63);
}

/**
 * The EMR engine's namespace: Spark pods are not built for Pod Security "restricted", so they get a
 * namespace of their own that enforces "baseline" and warns on "restricted". Generic in the name so
 * the component can pass its (Pulumi) output unchanged.
 */
export function sparkNamespaceSpec<N>(name: N, project: string) {
  return {
    metadata: {
      name,
      labels: {
        "app.kubernetes.io/part-of": project,
        "pod-security.kubernetes.io/enforce": "baseline",
        "pod-security.kubernetes.io/warn": "restricted",
      },
    },
  };
}

/**
 * spark-submit flags of the EMR engine: a small footprint. No service account flags: the pods run
 * under the service accounts EMR creates, which carry the execution role (`emr-identity.ts`).
 */
export function sparkSubmitParameters(): string {
  return [
    "--conf spark.executor.instances=2",
    "--conf spark.executor.cores=1",
    "--conf spark.executor.memory=2G",
    "--conf spark.driver.cores=1",
    "--conf spark.driver.memory=1G",
  ].join(" ");
}
