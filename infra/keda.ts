/**
 * KEDA: its namespace (Pod Security "restricted", built by k8s/specs) and the kedacore/keda chart
 * at a pinned version, hardened (non-root, read-only root filesystem, no capabilities,
 * RuntimeDefault seccomp, resource requests and limits), with the operator's service account named
 * for its Pod Identity association.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { KEDA_OPERATOR_SERVICE_ACCOUNT } from "../config";
import { kedaNamespaceSpec } from "../k8s/specs";

/** The kedacore Helm repository. */
export const KEDA_CHART_REPO = "https://kedacore.github.io/charts";

export interface KedaArgs {
  /** Namespace to install KEDA into (settings.keda.namespace). */
  readonly namespace: string;
  /** Exact chart version (settings.keda.chartVersion). */
  readonly chartVersion: string;
  /** Cluster name, reported in KEDA's CloudEvents. */
  readonly clusterName: pulumi.Input<string>;
  /** Provider of the cluster. */
  readonly provider: k8s.Provider;
  /**
   * Resources that must exist before the chart: the operator's Pod Identity association (so it
   * starts with credentials) and the Pod Identity agent.
   */
  readonly dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** Pod security context of every KEDA pod. */
const podSecurityContext = {
  runAsNonRoot: true,
  seccompProfile: { type: "RuntimeDefault" },
};

/** Container security context of every KEDA container. */
const containerSecurityContext = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};

/** The chart values (keys of kedacore/keda 2.20: per-component security contexts and resources). */
export function kedaValues(clusterName: pulumi.Input<string>): Record<string, unknown> {
  const perComponent = <T>(value: T) => ({ operator: value, metricServer: value, webhooks: value });
  return {
    clusterName,
    crds: { install: true },
    serviceAccount: {
      operator: {
        create: true,
        name: KEDA_OPERATOR_SERVICE_ACCOUNT,
        automountServiceAccountToken: true,
      },
    },
    // Scalers authenticate with Pod Identity, so neither component needs to read Secrets elsewhere.
    permissions: {
      operator: { restrict: { secret: true } },
      metricServer: { restrict: { secret: true } },
    },
    podSecurityContext: perComponent(podSecurityContext),
    securityContext: perComponent(containerSecurityContext),
    resources: {
      operator: {
        requests: { cpu: "100m", memory: "128Mi" },
        limits: { cpu: "1", memory: "512Mi" },
      },
      metricServer: {
        requests: { cpu: "100m", memory: "128Mi" },
        limits: { cpu: "1", memory: "512Mi" },
      },
      webhooks: {
        requests: { cpu: "10m", memory: "32Mi" },
        limits: { cpu: "100m", memory: "128Mi" },
      },
    },
    logging: {
      operator: { format: "json", level: "info" },
      webhooks: { format: "json", level: "info" },
    },
    image: { pullPolicy: "IfNotPresent" },
  };
}

/** KEDA's namespace and Helm release. */
export class Keda extends pulumi.ComponentResource {
  public readonly namespace: pulumi.Output<string>;
  public readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: KedaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pipeline:infra:Keda", name, {}, opts);
    const self = { parent: this, provider: args.provider };

    const namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      kedaNamespaceSpec(args.namespace),
      self,
    );
    this.release = new k8s.helm.v3.Release(
      `${name}-chart`,
      {
        name: "keda",
        chart: "keda",
        version: args.chartVersion,
        repositoryOpts: { repo: KEDA_CHART_REPO },
        namespace: namespace.metadata.name,
        values: kedaValues(args.clusterName),
        atomic: true,
        cleanupOnFail: true,
        timeout: 600,
      },
      { ...self, dependsOn: [namespace, ...args.dependsOn] },
    );
    this.namespace = namespace.metadata.name;
    this.registerOutputs({ namespace: this.namespace });
  }
}
