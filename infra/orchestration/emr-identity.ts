/**
 * Pod Identity for the EMR on EKS engine, as AWS documents it for `StartJobRun`: EMR creates its own
 * service accounts for the Spark client (job submitter), driver and executors, named
 * `emr-containers-sa-spark-<component>-<account id>-<base36 of the execution role's name>`, and the
 * execution role is associated with each of them in the job namespace
 * (https://docs.aws.amazon.com/cli/latest/reference/emr-containers/create-role-associations.html,
 * whose default `--type start_job_run` associates exactly these three).
 * A custom service account passed with `--conf spark.kubernetes.authenticate.*` is not what EMR
 * uses for credentials. Pure.
 */

/** The Spark components of a `StartJobRun`, each with a service account EMR creates. */
export const EMR_SPARK_COMPONENTS = ["client", "driver", "executor"] as const;

/**
 * Base36 of a string as the AWS CLI computes it for these names (`awscli/customizations/
 * emrcontainers/base36.py`): the characters' codes as base-256 digits of one integer, written in
 * base 36 with lowercase letters. Hand-written: no maintained package encodes a string this way, and
 * the names must match what EMR looks up exactly.
 */
export function emrBase36(text: string): string {
  let value = 0n;
  for (const char of text) value = value * 256n + BigInt(char.codePointAt(0) ?? 0);
  return value === 0n ? "0" : value.toString(36);
}

/** The service accounts EMR on EKS runs a Spark job run's pods under, for `executionRoleName`. */
export function emrJobServiceAccounts(accountId: string, executionRoleName: string): string[] {
  const encoded = emrBase36(executionRoleName);
  return EMR_SPARK_COMPONENTS.map(
    (component) => `emr-containers-sa-spark-${component}-${accountId}-${encoded}`,
  );
}
