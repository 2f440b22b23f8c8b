/**
 * The pipeline's own Kubernetes manifests (the pure builders in k8s/specs, for the dev and prod
 * stack files) pass every rule of the policy pack, and each pod rule governs them. This holds before
 * and independently of `npm run policy`, which sees them once the program deploys them.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { settingsInputFromConfig, parseSettings } from "../config";
import { workloadManifestList } from "../k8s/specs";
import { evaluatePolicies, governedCount, type EvaluatedResource } from "../policy/evaluate";
import { policies } from "../policy/policies";
import { inputsFor } from "./support/k8s-fixtures";

/** The Pulumi type token of a Kubernetes manifest (`apps/v1` Deployment → `kubernetes:apps/v1:Deployment`). */
function typeToken(apiVersion: string, kind: string): string {
  const groupVersion = apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`;
  return `kubernetes:${groupVersion}:${kind}`;
}

function manifestsOf(stack: string): EvaluatedResource[] {
  const file = parse(readFileSync(join(__dirname, "..", `Pulumi.${stack}.yaml`), "utf8")) as {
    config: Record<string, unknown>;
  };
  const settings = parseSettings(settingsInputFromConfig(file.config));
  return workloadManifestList(settings, inputsFor(stack)).map((m) => {
    const type = typeToken(m.apiVersion, m.kind);
    return {
      type,
      name: m.metadata.name,
      urn: `urn:${stack}::${type}::${m.metadata.name}`,
      inputs: m,
    };
  });
}

const POD_RULES = [
  "k8s-run-as-non-root",
  "k8s-read-only-root-filesystem",
  "k8s-no-privilege-escalation",
  "k8s-requests-and-limits",
  "k8s-digest-pinned-images",
];

test.each(["dev", "prod"])("the %s workload manifests pass every policy", async (stack) => {
  const resources = manifestsOf(stack);
  const findings = [...(await evaluatePolicies(policies, resources)).values()].flat();
  expect(findings).toEqual([]);
  for (const rule of [...POD_RULES, "k8s-pod-security-labels", "keda-pod-identity-provider-aws"]) {
    const policy = policies.find((p) => p.name === rule);
    if (!policy) throw new Error(`no policy ${rule}`);
    // producer, consumer and preprocess jobs; the namespace; the TriggerAuthentication + scalers.
    const governed = governedCount(policy, resources) ?? 0;
    expect({ rule, governs: governed > 0 }).toEqual({ rule, governs: true });
  }
  const workloads = resources.filter((r) => /Deployment|ScaledJob/.test(r.type));
  expect(workloads.map((r) => r.type).sort()).toEqual([
    "kubernetes:apps/v1:Deployment",
    "kubernetes:apps/v1:Deployment",
    "kubernetes:keda.sh/v1alpha1:ScaledJob",
  ]);
});

test("an image by tag in the producer would be caught", async () => {
  const resources = manifestsOf("dev").map((r) =>
    r.type === "kubernetes:apps/v1:Deployment" && r.name === "producer"
      ? {
          ...r,
          inputs: JSON.parse(JSON.stringify(r.inputs).replace(/@sha256:[0-9a-f]{64}/g, ":latest")),
        }
      : r,
  );
  const policy = policies.find((p) => p.name === "k8s-digest-pinned-images");
  if (!policy) throw new Error("no digest policy");
  const findings = (await evaluatePolicies([policy], resources)).get(policy.name) ?? [];
  expect(findings.map((f) => f.urn)).toEqual([expect.stringContaining("Deployment::producer")]);
});
