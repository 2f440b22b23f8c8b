import { emrBase36, emrJobServiceAccounts } from "../infra/orchestration/emr-identity";

describe("the service accounts EMR on EKS creates for a job run", () => {
  // Vectors computed with the AWS CLI's own algorithm (awscli/customizations/emrcontainers/base36.py).
  test.each([
    ["a", "2p"],
    ["ab", "j8i"],
    ["example_iam_role", "609ftmrwo4ivym4h6hmdhdqhx"],
  ])("the role name %j encodes as the AWS CLI encodes it (%s)", (name, encoded) => {
    expect(emrBase36(name)).toBe(encoded);
  });

  test("are the Spark client, driver and executor accounts of the account and role", () => {
    expect(emrJobServiceAccounts("123456789012", "ab")).toEqual([
      "emr-containers-sa-spark-client-123456789012-j8i",
      "emr-containers-sa-spark-driver-123456789012-j8i",
      "emr-containers-sa-spark-executor-123456789012-j8i",
    ]);
  });
});
