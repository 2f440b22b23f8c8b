/**
 * IAM decisions by @cloud-copilot/iam-simulate (proof/iam): every recorded call of every workload
 * is allowed by the policies the program builds, every probe is denied, and a removed permission
 * shows up as a mismatch.
 */
import { runProgram } from "../harness/program";
import { decideAll, proofWorld, type PolicyWorld } from "../proof/iam/evaluate";

let world: PolicyWorld;

beforeAll(async () => {
  world = await proofWorld(await runProgram("orchestrated"));
}, 120_000);

describe("IAM decisions of the orchestrated stack", () => {
  test("every recorded call is allowed and every probe denied", async () => {
    const decisions = await decideAll(world);
    expect(
      decisions
        .filter((d) => !d.ok)
        .map((d) => `${d.role} ${d.spec.action} ${d.resource} ${d.result}`),
    ).toEqual([]);
    expect(new Set(decisions.map((d) => d.role))).toEqual(
      new Set([
        "preprocess",
        "preprocess-object",
        "producer",
        "consumer",
        "keda-operator",
        "state machine",
      ]),
    );
    expect(decisions.filter((d) => d.kind === "probe" && d.ok).length).toBeGreaterThanOrEqual(20);
    // KEDA's and the state machine's calls are derived from the program, none written by hand.
    for (const role of ["keda-operator", "state machine"]) {
      const calls = decisions.filter((d) => d.role === role && d.kind === "call");
      expect(calls.length).toBeGreaterThan(0);
      const whys = calls.map((d) => d.spec.why);
      expect(
        whys.filter((w) => !/^(KEDA's aws-sqs-queue|made by an execution|recorded from)/.test(w)),
      ).toEqual([]);
    }
  });

  test("a missing object is a 404 for both processing roles and missing metrics for the state machine: ListBucket under their own prefix is allowed, none is a known defect", async () => {
    const decisions = await decideAll(world);
    expect(decisions.filter((d) => d.knownDefect)).toEqual([]);
    const lists = decisions.filter((d) => d.kind === "call" && d.spec.action === "s3:ListBucket");
    expect(lists.map((d) => [d.role, d.ok])).toEqual([
      ["preprocess", true],
      ["preprocess-object", true],
      // Derived from the proof's executions and recorded from local mode's.
      ["state machine", true],
      ["state machine", true],
    ]);
  });

  test("a removed permission (kms:GenerateDataKey for the consumer) is a mismatch", async () => {
    const consumer = [...world.roles.entries()].find(([name]) => name === "identity-consumer");
    if (!consumer) throw new Error("no consumer role");
    const [, role] = consumer;
    const stripped = role.policies.map((p) => ({
      ...p,
      Statement: p.Statement.filter(
        (s: { Action: string | string[] }) => ![s.Action].flat().includes("kms:GenerateDataKey"),
      ),
    }));
    const roles = new Map(world.roles);
    roles.set("identity-consumer", { ...role, policies: stripped });
    const mismatches = (await decideAll({ ...world, roles })).filter((d) => !d.ok);
    // Both the hand-written call and the one recorded on the wire (proof/calls/recorded.json).
    expect(mismatches.map((d) => [d.role, d.kind, d.spec.action, d.result, d.spec.why])).toEqual([
      ["consumer", "call", "kms:GenerateDataKey", "ImplicitlyDenied", "S3 encrypts the batch"],
      ["consumer", "call", "kms:GenerateDataKey", "ImplicitlyDenied", "recorded from consumer"],
    ]);
  });

  test("a removed permission of the state machine (eks:DescribeCluster) is a mismatch of its derived and recorded calls", async () => {
    const role = world.roles.get("orchestration-state-machine");
    if (!role) throw new Error("no state machine role");
    const stripped = role.policies.map((p) => ({
      ...p,
      Statement: p.Statement.filter(
        (s: { Action: string | string[] }) => ![s.Action].flat().includes("eks:DescribeCluster"),
      ),
    }));
    const roles = new Map(world.roles);
    roles.set("orchestration-state-machine", { ...role, policies: stripped });
    const mismatches = (await decideAll({ ...world, roles })).filter((d) => !d.ok);
    expect(mismatches.map((d) => [d.role, d.spec.action, d.result, d.spec.why])).toEqual([
      [
        "state machine",
        "eks:DescribeCluster",
        "ImplicitlyDenied",
        "made by an execution of the deployed definition",
      ],
      ["state machine", "eks:DescribeCluster", "ImplicitlyDenied", "recorded from state machine"],
    ]);
  });

  test("a non-TLS request is denied by the bucket policy even where the role allows the call", async () => {
    const decisions = await decideAll(world);
    const insecure = decisions.find((d) => d.role === "preprocess" && d.spec.why === "non-TLS");
    expect(insecure?.result).toBe("ExplicitlyDenied");
  });
});
