/**
 * Names shared by the AWS side (Pod Identity associations, IAM roles, queue names) and the Kubernetes
 * side (namespaces, service accounts), and by local mode. One module, so the two can never drift.
 * Pure: no Pulumi engine.
 */

/** The workloads that get their own IAM role and Kubernetes service account. */
export type Workload = "preprocess" | "producer" | "consumer";

export const WORKLOADS: readonly Workload[] = ["preprocess", "producer", "consumer"];

/** The service account of each workload in the workload namespace. */
export const SERVICE_ACCOUNTS: Readonly<Record<Workload, string>> = {
  preprocess: "preprocess",
  producer: "producer",
  consumer: "consumer",
};

/** KEDA's operator service account (set by the chart); its Pod Identity role reads queue attributes. */
export const KEDA_OPERATOR_SERVICE_ACCOUNT = "keda-operator";

/** The physical names of a stack's queues, and the prefixes of its buckets. */
export interface PhysicalNames {
  readonly preprocessQueue: string;
  readonly preprocessDlq: string;
  readonly eventsQueue: string;
  readonly eventsDlq: string;
  readonly rawBucket: string;
  readonly processedBucket: string;
  readonly eventsBucket: string;
  /** The orchestrated variant's lake bucket. */
  readonly lakeBucket: string;
}

/**
 * Physical names for `<project>-<stack>`. Queues use them as they are; buckets use them as a prefix
 * (Pulumi adds a random suffix for global uniqueness; local mode uses them as they are), starting
 * with `bucketPrefix` (settings.storage.bucketPrefix) instead of `<project>-<stack>` when given.
 */
export function physicalNames(
  project: string,
  stack: string,
  bucketPrefix?: string,
): PhysicalNames {
  const base = `${project}-${stack}`.toLowerCase().replace(/[^a-z0-9-]/g, "-");
  const buckets = bucketPrefix ?? base;
  return {
    preprocessQueue: `${base}-preprocess`,
    preprocessDlq: `${base}-preprocess-dlq`,
    eventsQueue: `${base}-events`,
    eventsDlq: `${base}-events-dlq`,
    rawBucket: `${buckets}-raw`,
    processedBucket: `${buckets}-processed`,
    eventsBucket: `${buckets}-events`,
    lakeBucket: `${buckets}-lake`,
  };
}
