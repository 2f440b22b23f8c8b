/**
 * The GitHub workflows: previews on pull requests, `up` per stack on main and the weekly e2e run
 * (up, smoke, destroy of an ephemeral stack), with pinned actions,
 * OIDC credentials and least permissions. Parsed with `yaml`; version comments read from the text.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { PROJECT, stackNameProblems } from "../config";
import { settingsFromStackYaml } from "../local/stack";

const ROOT = join(__dirname, "..");
const WORKFLOWS = join(ROOT, ".github", "workflows");

interface Step {
  if?: string;
  uses?: string;
  run?: string;
  name?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  "working-directory"?: string;
}
interface Job {
  needs?: string | string[];
  if?: string;
  environment?: string | { name: string };
  concurrency?: { group: string; "cancel-in-progress": boolean };
  permissions?: Record<string, string>;
  strategy?: { matrix: { stack: string[] } };
  env?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, { branches?: string[] } | { cron: string }[] | null>;
  concurrency?: { group: string; "cancel-in-progress": boolean };
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
}

const text = (file: string) => readFileSync(join(WORKFLOWS, file), "utf8");
const load = (file: string) => parse(text(file)) as Workflow;
const preview = load("preview.yml");
const deploy = load("deploy.yml");
const e2e = load("e2e.yml");

/** The steps of a job that use an action (by `owner/name`). */
const uses = (job: Job, action: string) =>
  job.steps.filter((s) => s.uses?.split("@")[0] === action);
const pulumiStep = (job: Job) => {
  const [step] = uses(job, "pulumi/actions");
  if (!step) throw new Error("job has no pulumi/actions step");
  return step;
};
/** Index of the first step whose `run` is exactly `command`, or of the first step using `action`. */
const indexOfRun = (job: Job, command: string) =>
  job.steps.findIndex((s) => s.run?.startsWith(command));
const indexOfUses = (job: Job, action: string) =>
  job.steps.findIndex((s) => s.uses?.split("@")[0] === action);

describe.each(["preview.yml", "deploy.yml", "e2e.yml"])("%s", (file) => {
  test("every action is pinned to a full commit SHA with its exact version in a comment", () => {
    const lines = text(file)
      .split("\n")
      .filter((l) => /^\s*-?\s*uses:/.test(l));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).toMatch(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    }
  });

  test("the same action is pinned to the same commit everywhere", () => {
    const pins = new Map<string, Set<string>>();
    for (const m of text(file).matchAll(/uses: ([\w.-]+\/[\w.-]+)@([0-9a-f]{40})/g)) {
      pins.set(m[1] as string, (pins.get(m[1] as string) ?? new Set()).add(m[2] as string));
    }
    for (const [action, shas] of pins)
      expect({ action, shas: shas.size }).toEqual({ action, shas: 1 });
    expect([...pins.keys()].sort()).toEqual(
      [
        "actions/checkout",
        "actions/setup-node",
        "aws-actions/configure-aws-credentials",
        "pulumi/actions",
      ].sort(),
    );
  });

  const workflow = load(file);

  test("the workflow grants read-only contents by default; jobs widen only what they use", () => {
    expect(workflow.permissions).toEqual({ contents: "read" });
    for (const [name, job] of Object.entries(workflow.jobs)) {
      const usesAws = uses(job, "aws-actions/configure-aws-credentials").length > 0;
      expect({ name, idToken: job.permissions?.["id-token"] }).toEqual({
        name,
        idToken: usesAws ? "write" : undefined,
      });
      const comments = job.steps.some((s) => s.with?.["comment-on-pr"] === true);
      expect({ name, prs: job.permissions?.["pull-requests"] }).toEqual({
        name,
        prs: comments ? "write" : undefined,
      });
      for (const [scope, level] of Object.entries(job.permissions ?? {})) {
        expect(["contents:read", "id-token:write", "pull-requests:write"]).toContain(
          `${scope}:${level}`,
        );
      }
    }
  });

  test("AWS credentials come from OIDC with a role from repository variables, never from keys", () => {
    expect(text(file)).not.toMatch(
      /aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID/,
    );
    for (const job of Object.values(workflow.jobs)) {
      for (const step of uses(job, "aws-actions/configure-aws-credentials")) {
        expect(step.with?.["role-to-assume"]).toMatch(
          /^\$\{\{ vars\.AWS_[A-Z0-9_]+_ROLE_ARN \}\}$/,
        );
        expect(step.with?.["aws-region"]).toBe("${{ vars.AWS_REGION }}");
      }
    }
  });

  test("pulumi runs on Node 24 after npm ci, with the policy pack installed and applied, token from secrets", () => {
    const pulumiJobs = Object.values(workflow.jobs).filter((j) => uses(j, "pulumi/actions").length);
    expect(pulumiJobs.length).toBeGreaterThan(0);
    for (const job of pulumiJobs) {
      const step = pulumiStep(job);
      expect(step.with?.policyPacks).toBe("policy");
      expect(step.env?.PULUMI_ACCESS_TOKEN).toBe("${{ secrets.PULUMI_ACCESS_TOKEN }}");
      expect(step.with?.["stack-name"]).toMatch(/^\$\{\{ vars\.PULUMI_ORG \}\}\/event-pipeline\//);
      const [node] = uses(job, "actions/setup-node");
      expect(node?.with?.["node-version"]).toBe(24);
      const policyInstall = job.steps.findIndex(
        (s) => s.run?.startsWith("npm ci") && s["working-directory"] === "policy",
      );
      const pulumiAt = indexOfUses(job, "pulumi/actions");
      expect(indexOfRun(job, "npm ci")).toBeGreaterThanOrEqual(0);
      expect(indexOfRun(job, "npm ci")).toBeLessThan(pulumiAt);
      expect(policyInstall).toBeGreaterThanOrEqual(0);
      expect(policyInstall).toBeLessThan(pulumiAt);
      expect(indexOfUses(job, "aws-actions/configure-aws-credentials")).toBeLessThan(pulumiAt);
      expect(job.needs).toBeDefined();
    }
  });

  test("a test job runs lint, types, the policy pack and the tests on Node 24 without any secret", () => {
    const job = workflow.jobs.test;
    expect(job).toBeDefined();
    const runs = (job as Job).steps.map((s) => s.run).filter(Boolean);
    expect(runs).toEqual([
      "npm ci --no-audit --no-fund",
      "npm run lint",
      "npm run typecheck",
      "npm run policy",
      "npm run limits",
      "npm test",
    ]);
    expect(uses(job as Job, "actions/setup-node")[0]?.with?.["node-version"]).toBe(24);
    expect(JSON.stringify(job)).not.toMatch(/secrets\.|vars\./);
  });
});

describe("preview.yml", () => {
  test("runs on pull requests (never pull_request_target) to main", () => {
    expect(Object.keys(preview.on)).toEqual(["pull_request"]);
    expect((preview.on.pull_request as { branches?: string[] }).branches).toEqual(["main"]);
  });

  test("previews every stack in a matrix, after the tests, commenting on the pull request", () => {
    const job = preview.jobs.preview as Job;
    expect(job.needs).toBe("test");
    const stacks = job.strategy?.matrix.stack ?? [];
    expect(stacks).toEqual(["dev", "staging", "prod", "orchestrated"]);
    for (const s of stacks) expect(existsSync(join(ROOT, `Pulumi.${s}.yaml`))).toBe(true);
    const step = pulumiStep(job);
    expect(step.with).toMatchObject({
      command: "preview",
      "comment-on-pr": true,
      "stack-name": "${{ vars.PULUMI_ORG }}/event-pipeline/${{ matrix.stack }}",
    });
    expect(uses(job, "aws-actions/configure-aws-credentials")[0]?.with?.["role-to-assume"]).toBe(
      "${{ vars.AWS_PREVIEW_ROLE_ARN }}",
    );
  });

  test("skips the preview for forks, which get no secrets or OIDC tokens", () => {
    expect(preview.jobs.preview?.if).toBe(
      "github.event.pull_request.head.repo.full_name == github.repository",
    );
  });
});

describe("deploy.yml", () => {
  test("runs on pushes to main only", () => {
    expect(Object.keys(deploy.on)).toEqual(["push"]);
    expect((deploy.on.push as { branches?: string[] }).branches).toEqual(["main"]);
  });

  test("runs up for dev, then staging, then prod behind the prod environment", () => {
    const dev = deploy.jobs["up-dev"] as Job;
    const staging = deploy.jobs["up-staging"] as Job;
    const prod = deploy.jobs["up-prod"] as Job;
    expect(dev.needs).toBe("test");
    expect(staging.needs).toBe("up-dev");
    expect(prod.needs).toBe("up-staging");
    expect(pulumiStep(staging).with).toMatchObject({
      command: "up",
      "stack-name": "${{ vars.PULUMI_ORG }}/event-pipeline/staging",
    });
    expect(staging.environment).toBe("staging");
    expect(pulumiStep(dev).with).toMatchObject({
      command: "up",
      "stack-name": "${{ vars.PULUMI_ORG }}/event-pipeline/dev",
    });
    expect(pulumiStep(prod).with).toMatchObject({
      command: "up",
      "stack-name": "${{ vars.PULUMI_ORG }}/event-pipeline/prod",
    });
    expect(dev.environment).toBe("dev");
    expect(prod.environment).toBe("prod");
    for (const job of [dev, prod]) {
      expect(uses(job, "aws-actions/configure-aws-credentials")[0]?.with?.["role-to-assume"]).toBe(
        "${{ vars.AWS_DEPLOY_ROLE_ARN }}",
      );
    }
  });

  test("each stack has its own concurrency group that never cancels a running update", () => {
    const groups = ["up-dev", "up-prod"].map((name) => deploy.jobs[name]?.concurrency);
    expect(groups).toEqual([
      { group: "pulumi-event-pipeline-dev", "cancel-in-progress": false },
      { group: "pulumi-event-pipeline-prod", "cancel-in-progress": false },
    ]);
  });
});

describe("e2e.yml", () => {
  const job = e2e.jobs.e2e as Job;
  const pulumi = uses(job, "pulumi/actions");
  const [up, destroy] = pulumi;
  const at = (step: Step | undefined) => job.steps.indexOf(step as Step);
  const smokeAt = job.steps.findIndex((s) => s.run?.startsWith("npm run smoke -- --stack"));

  test("runs on demand and weekly, nothing else", () => {
    expect(Object.keys(e2e.on).sort()).toEqual(["schedule", "workflow_dispatch"]);
    const schedule = e2e.on.schedule as { cron: string }[];
    expect(schedule).toHaveLength(1);
    // minute hour day-of-month month day-of-week: one fixed day a week.
    expect(schedule[0]?.cron).toMatch(/^\d+ \d+ \* \* [0-6]$/);
  });

  test("one concurrency group for the workflow that never cancels a running run", () => {
    expect(e2e.concurrency).toEqual({ group: "e2e-event-pipeline", "cancel-in-progress": false });
  });

  test("ups an ephemeral stack with the dev settings, smoke-tests it, then destroys and removes it always", () => {
    expect(job.needs).toBe("test");
    expect(pulumi).toHaveLength(2);
    const stackName = "${{ vars.PULUMI_ORG }}/event-pipeline/${{ env.STACK }}";
    expect(up?.with).toMatchObject({ command: "up", "stack-name": stackName, upsert: true });
    expect(destroy?.with).toMatchObject({ command: "destroy", "stack-name": stackName });
    // `remove` is `pulumi destroy --remove`: the stack is removed once its resources are gone.
    expect(destroy?.with?.remove).toBe(true);
    expect(destroy?.if).toBe("always()");
    expect(destroy?.env?.PULUMI_ACCESS_TOKEN).toBe("${{ secrets.PULUMI_ACCESS_TOKEN }}");
    const settings = job.steps.findIndex(
      (s) => s.run === 'cp Pulumi.dev.yaml "Pulumi.${STACK}.yaml"',
    );
    expect(settings).toBeGreaterThanOrEqual(0);
    expect(settings).toBeLessThan(at(up));
    expect(smokeAt).toBeGreaterThan(at(up));
    expect(at(destroy)).toBeGreaterThan(smokeAt);
    const smoke = job.steps[smokeAt] as Step;
    expect(smoke.run).toBe(
      'npm run smoke -- --stack "${PULUMI_ORG}/event-pipeline/${STACK}" --plain',
    );
    expect(smoke.env).toEqual({
      PULUMI_ORG: "${{ vars.PULUMI_ORG }}",
      PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}",
    });
    // Fresh OIDC credentials right before the destroy, also when an earlier step failed.
    const credentials = uses(job, "aws-actions/configure-aws-credentials");
    const last = credentials[credentials.length - 1];
    expect(last?.if).toBe("always()");
    expect(at(last)).toBe(at(destroy) - 1);
    expect(last?.with?.["role-to-assume"]).toBe("${{ vars.AWS_E2E_ROLE_ARN }}");
  });

  test("the stack name is unique per run and attempt and fits AWS's name limits at its longest", () => {
    expect(job.env?.STACK).toBe("e2e-${{ github.run_number }}-${{ github.run_attempt }}");
    const settings = settingsFromStackYaml(readFileSync(join(ROOT, "Pulumi.dev.yaml"), "utf8"));
    const longest = (job.env?.STACK ?? "")
      .replace("${{ github.run_number }}", "99999")
      .replace("${{ github.run_attempt }}", "9");
    expect(stackNameProblems({ project: PROJECT, stack: longest }, settings)).toEqual([]);
    // One digit more and a bucket prefix no longer fits: the check above is the real limit.
    expect(
      stackNameProblems({ project: PROJECT, stack: longest.replace("99999", "999999") }, settings),
    ).not.toEqual([]);
  });
});
