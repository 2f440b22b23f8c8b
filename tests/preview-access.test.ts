/**
 * Pull-request previews with a role that cannot change anything: each preview principal gets an
 * access entry with the read-only AmazonEKSAdminViewPolicy at cluster scope (what the Kubernetes
 * provider and Helm read during preview; infra/cluster.ts), and no other access.
 */
import { CLUSTER_PREVIEW_POLICY } from "../infra/cluster";
import { hasPreviewAccess } from "../harness/preview-access";
import { one, runProgram, stackConfig } from "../harness/program";
import { parseSettings } from "../config";

const PREVIEW = "arn:aws:iam::123456789012:role/github-preview";
const ADMIN = "arn:aws:iam::123456789012:role/platform-admin";

describe("preview principals", () => {
  test("each gets a read-only cluster-scoped access entry, next to the admins'", async () => {
    const run = await runProgram("dev", {
      "event-pipeline:cluster": {
        ...(stackConfig("dev")["event-pipeline:cluster"] as Record<string, unknown>),
        adminPrincipalArns: [ADMIN],
        previewPrincipalArns: [PREVIEW],
      },
    });
    const entries = one(run, "eks:index:Cluster").inputs.accessEntries;
    expect(Object.keys(entries).sort()).toEqual(["admin-1", "preview-1"]);
    expect(entries["preview-1"]).toEqual({
      principalArn: PREVIEW,
      accessPolicies: {
        preview: {
          policyArn: `arn:aws:eks::aws:cluster-access-policy/${CLUSTER_PREVIEW_POLICY}`,
          accessScope: { type: "cluster" },
        },
      },
    });
    expect(CLUSTER_PREVIEW_POLICY).toBe("AmazonEKSAdminViewPolicy");
    // No Kubernetes groups: nothing but the view policy applies to it.
    expect(entries["preview-1"].kubernetesGroups).toBeUndefined();
  });

  test("a stack without preview principals gets no extra entry", async () => {
    const run = await runProgram("dev");
    expect(one(run, "eks:index:Cluster").inputs.accessEntries).toEqual({});
  });

  test("must be role ARNs, and not also admins (one access entry per principal)", () => {
    const base = { region: "eu-west-1" };
    expect(() =>
      parseSettings({ ...base, cluster: { previewPrincipalArns: ["arn:aws:iam::1:user/x"] } }),
    ).toThrow(/previewPrincipalArns\.0: must be an IAM role ARN/);
    expect(() =>
      parseSettings({
        ...base,
        cluster: { adminPrincipalArns: [PREVIEW], previewPrincipalArns: [PREVIEW] },
      }),
    ).toThrow(/previewPrincipalArns: must not repeat cluster.adminPrincipalArns/);
  });

  test("the workflow's check tells whether the preview role is listed", () => {
    expect(hasPreviewAccess("dev", PREVIEW)).toBe(false);
  });
});
