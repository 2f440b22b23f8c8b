/**
 * Jobs are never evicted mid-file: with Karpenter (self-managed or EKS Auto Mode's), a preprocess job pod carries `karpenter.sh/do-not-disrupt: "true"`, which blocks consolidation of
 * its node; drift and expiry wait for it up to the jobs pool's terminationGracePeriod, which is at
 * least the longest a job may run; and the pools' disruption budgets never consolidate an underused
 * job node (only empty ones go) and take general nodes one at a time. Semantics: Karpenter's
 * well-known annotations and disruption budgets (karpenter.sh reference, v1).
 */
import { parseSettings, settingsInputFromConfig } from "../config";
import {
  buildAutoModeJobPool,
  buildNodePools,
  DO_NOT_DISRUPT_ANNOTATION,
  preprocessScaledJobSpec,
  schedulingForWorkloads,
} from "../k8s/specs";
import { stackConfig } from "../harness/program";
import { inputsFor } from "./support/k8s-fixtures";

const seconds = (duration: string | undefined) => {
  const m = /^(\d+)(s|m|h)$/.exec(duration ?? "");
  if (!m) throw new Error(`not a duration: ${duration}`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as "s" | "m" | "h"];
};

describe.each(["dev", "staging", "prod", "orchestrated"])("the %s stack", (stack) => {
  const settings = parseSettings(settingsInputFromConfig(stackConfig(stack)));
  const pools = buildNodePools(settings);
  const scheduling = schedulingForWorkloads("karpenter");

  it("a running job's pod asks Karpenter not to disrupt its node", () => {
    const template = preprocessScaledJobSpec(settings, { ...inputsFor(stack), scheduling }).spec
      .jobTargetRef.template;
    expect(template.metadata?.annotations?.[DO_NOT_DISRUPT_ANNOTATION]).toBe("true");
  });

  it("drift or expiry of a job node waits for its jobs as long as a job may run", () => {
    const grace = seconds(pools.jobs.spec?.template.spec.terminationGracePeriod);
    expect(grace).toBeGreaterThanOrEqual(settings.keda.preprocess.activeDeadlineSeconds);
    if (settings.orchestration.enabled) {
      expect(grace).toBeGreaterThanOrEqual(settings.orchestration.jobTimeoutSeconds);
    }
  });

  it("an underused job node is never consolidated and general nodes go one at a time", () => {
    const jobs = pools.jobs.spec?.disruption?.budgets ?? [];
    const underused = jobs.filter((b) => !b.reasons || b.reasons.includes("Underutilized"));
    expect(Math.min(...underused.map((b) => Number.parseInt(b.nodes, 10)))).toBe(0);
    expect(jobs.some((b) => b.nodes !== "0" && !b.reasons)).toBe(true); // empty ones still go
    expect(pools.general.spec?.disruption?.budgets).toEqual([{ nodes: "1" }]);
  });
});

describe("the dev stack with nodeAutoscaling auto-mode", () => {
  const raw = stackConfig("dev");
  const settings = parseSettings(
    settingsInputFromConfig({
      ...raw,
      "event-pipeline:nodeAutoscaling": "auto-mode",
      "event-pipeline:karpenter": { expireAfter: "336h" },
    }),
  );
  const jobs = buildAutoModeJobPool(settings);
  const scheduling = schedulingForWorkloads("auto-mode");

  it("a running job's pod asks Auto Mode's Karpenter not to disrupt its node", () => {
    const template = preprocessScaledJobSpec(settings, { ...inputsFor("dev"), scheduling }).spec
      .jobTargetRef.template;
    expect(template.metadata?.annotations?.[DO_NOT_DISRUPT_ANNOTATION]).toBe("true");
  });

  it("drift or expiry of a job node waits for its jobs as long as a job may run", () => {
    // Auto Mode's own default would be 24 h (create-node-pool.html, "Termination Grace Period");
    // the pool states the job deadline instead.
    const grace = seconds(jobs.spec.template.spec.terminationGracePeriod);
    expect(grace).toBeGreaterThanOrEqual(settings.keda.preprocess.activeDeadlineSeconds);
  });

  it("an underused job node is never consolidated (Auto Mode's default budget is 10 % of nodes)", () => {
    const budgets = jobs.spec.disruption?.budgets ?? [];
    const underused = budgets.filter((b) => !b.reasons || b.reasons.includes("Underutilized"));
    expect(Math.min(...underused.map((b) => Number.parseInt(b.nodes, 10)))).toBe(0);
    expect(budgets.some((b) => b.nodes !== "0" && !b.reasons)).toBe(true);
  });
});
