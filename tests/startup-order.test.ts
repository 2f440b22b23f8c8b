/**
 * Start-up order: a pod that starts before its role's inline policy is attached gets credentials
 * (the Pod Identity association exists) but is denied, and a Job burns its backoffLimit. So KEDA,
 * the workloads and the orchestrated job wait for the RolePolicy as well as the association.
 */
import { dependsOn, one, runProgram, type ProgramRun } from "../harness/program";

const policy = (run: ProgramRun, name: string) => one(run, "aws:iam/rolePolicy:RolePolicy", name);
const association = (run: ProgramRun, name: string) =>
  one(run, "aws:eks/podIdentityAssociation:PodIdentityAssociation", name);

describe.each(["dev", "orchestrated"])("start-up order (%s)", (stack) => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram(stack);
  });

  test("the KEDA chart waits for the operator role's association and inline policy", () => {
    const chart = one(run, "kubernetes:helm.sh/v3:Release", "keda-chart");
    expect(dependsOn(chart, association(run, "identity-keda-operator"))).toBe(true);
    expect(dependsOn(chart, policy(run, "identity-keda-operator"))).toBe(true);
  });

  test.each([
    ["kubernetes:apps/v1:Deployment", "workloads-producer", "producer"],
    ["kubernetes:apps/v1:Deployment", "workloads-consumer", "consumer"],
    ["kubernetes:keda.sh/v1alpha1:ScaledJob", "workloads-preprocess-scaledjob", "preprocess"],
  ])("%s %s waits for the %s role's association and inline policy", (type, name, role) => {
    const workload = one(run, type, name);
    expect(dependsOn(workload, association(run, `identity-${role}`))).toBe(true);
    expect(dependsOn(workload, policy(run, `identity-${role}`))).toBe(true);
  });
});

test("the state machine waits for the processing job role's inline policy", async () => {
  const run = await runProgram("orchestrated");
  const machine = one(run, "aws:sfn/stateMachine:StateMachine");
  expect(dependsOn(machine, policy(run, "orchestration-job"))).toBe(true);
  expect(dependsOn(machine, association(run, "orchestration-job"))).toBe(true);
});
