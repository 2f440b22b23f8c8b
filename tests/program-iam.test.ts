/**
 * IAM rules over every policy document the program declares, for each stack file: no wildcard
 * actions, `Resource: "*"` only where AWS offers nothing narrower, each workload role exactly as
 * the README's identity table says, no FullAccess managed policies, no role anyone could assume.
 */
import { STAR_RESOURCE_ACTIONS } from "../policy/rules/iam";
import { grantsOf, list, policiesOf, type FoundPolicy } from "./support/iam";
import { byType, one, runProgram, type ProgramRun } from "../harness/program";

/** Per role, what the README's identity table grants (action -> resources), from the run's own resources. */
function designGrants(run: ProgramRun): Record<string, Record<string, string[]>> {
  const bucket = (role: string): string =>
    one(run, "aws:s3/bucket:Bucket", `storage-${role}`).state.arn;
  const queue = (name: string): string =>
    one(run, "aws:sqs/queue:Queue", `queues-${name}`).state.arn;
  const key: string = one(run, "aws:kms/key:Key", "storage-data-key").state.arn;
  const [raw, processed, events] = [bucket("raw"), bucket("processed"), bucket("events")];
  const [preprocessQ, eventsQ] = [queue("preprocess"), queue("events")];
  return {
    preprocess: {
      "s3:GetObject": [`${raw}/input/*`],
      // Under input/ only (an s3:prefix condition): a missing upload is then 404, not 403.
      "s3:ListBucket": [raw],
      "s3:PutObject": [
        `${processed}/errors/input/*`,
        `${processed}/output.gz/*`,
        `${processed}/output/*`,
      ],
      "s3:AbortMultipartUpload": [
        `${processed}/errors/input/*`,
        `${processed}/output.gz/*`,
        `${processed}/output/*`,
      ],
      "sqs:ReceiveMessage": [preprocessQ],
      "sqs:DeleteMessage": [preprocessQ],
      "sqs:ChangeMessageVisibility": [preprocessQ],
      "kms:Decrypt": [key],
      "kms:GenerateDataKey": [key],
    },
    producer: { "sqs:SendMessage": [eventsQ] },
    consumer: {
      "sqs:ReceiveMessage": [eventsQ],
      "sqs:DeleteMessage": [eventsQ],
      "s3:PutObject": [`${events}/events/*`, `${events}/quarantine/*`],
      "kms:GenerateDataKey": [key],
    },
    "keda-operator": { "sqs:GetQueueAttributes": [eventsQ, preprocessQ].sort() },
  };
}

/** Every policy attached to a role (inline policies and managed attachments), by role name. */
function policiesOfRole(run: ProgramRun, policies: FoundPolicy[], roleName: string) {
  const role = one(run, "aws:iam/role:Role", roleName);
  const physical = role.state.name as string;
  return {
    inline: policies.filter((p) => p.kind === "identity" && p.resource.inputs.role === physical),
    attachments: byType(run, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter(
      (a) => a.inputs.role === physical,
    ),
    managedArns: (role.inputs.managedPolicyArns ?? []) as string[],
  };
}

describe.each(["dev", "prod"])("IAM (%s)", (stack) => {
  let run: ProgramRun;
  let policies: FoundPolicy[];
  beforeAll(async () => {
    run = await runProgram(stack);
    policies = policiesOf(run);
  });

  test("the program declares policies to check (trust, identity, resource and key policies)", () => {
    const kinds = new Set(policies.map((p) => p.kind));
    expect([...kinds].sort()).toEqual(["identity", "key", "resource", "trust"]);
  });

  test("no IAM statement allows a wildcard action, and none uses NotAction or NotPrincipal", () => {
    const offenders = policies.flatMap((p) =>
      p.statements
        .filter(
          (s) =>
            s.NotAction !== undefined ||
            (s.Effect === "Allow" &&
              (s.NotPrincipal !== undefined || s.NotResource !== undefined)) ||
            (s.Effect === "Allow" && list(s.Action).some((a) => a.includes("*"))),
        )
        .map((s) => `${p.resource.name}: ${JSON.stringify(s)}`),
    );
    expect(offenders).toEqual([]);
  });

  test('an identity policy grants Resource "*" only for actions that have no resource types', () => {
    const offenders = policies
      .filter((p) => p.kind === "identity")
      .flatMap((p) =>
        p.statements
          .filter((s) => s.Effect === "Allow" && list(s.Resource).includes("*"))
          .flatMap((s) => list(s.Action).filter((a) => !STAR_RESOURCE_ACTIONS.includes(a)))
          .map((a) => `${p.resource.name}: ${a}`),
      );
    expect(offenders).toEqual([]);
  });

  test('a resource policy never allows Principal "*" (only Deny statements may name everyone)', () => {
    const offenders = policies
      .filter((p) => p.kind === "resource" || p.kind === "key")
      .flatMap((p) =>
        p.statements
          .filter(
            (s) => s.Effect === "Allow" && JSON.stringify(s.Principal ?? null).includes('"*"'),
          )
          .map((s) => `${p.resource.name}: ${JSON.stringify(s)}`),
      );
    expect(offenders).toEqual([]);
  });

  test.each(["preprocess", "producer", "consumer", "keda-operator"])(
    "the %s role grants exactly the actions of the README's identity table on exactly its resources",
    (workload) => {
      const { inline, attachments, managedArns } = policiesOfRole(
        run,
        policies,
        `identity-${workload}`,
      );
      expect(attachments).toEqual([]);
      expect(managedArns).toEqual([]);
      expect(grantsOf(inline)).toEqual(designGrants(run)[workload]);
    },
  );

  test("the data key may be used by the workloads only through S3 in the stack's region", () => {
    for (const workload of ["preprocess", "consumer"]) {
      const { inline } = policiesOfRole(run, policies, `identity-${workload}`);
      const kms = inline
        .flatMap((p) => p.statements)
        .filter((s) => list(s.Action).some((a) => a.startsWith("kms:")));
      expect(kms).toHaveLength(1);
      expect(kms[0]?.Condition).toEqual({
        StringEquals: { "kms:ViaService": `s3.${run.settings.region}.amazonaws.com` },
      });
    }
  });

  test("no role gets an AWS-managed *FullAccess (or AdministratorAccess) policy", () => {
    const arns = [
      ...byType(run, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").map(
        (a) => a.inputs.policyArn as string,
      ),
      ...byType(run, "aws:iam/role:Role").flatMap(
        (r) => (r.inputs.managedPolicyArns ?? []) as string[],
      ),
    ];
    expect(arns.length).toBeGreaterThan(0);
    expect(arns.filter((a) => /FullAccess|AdministratorAccess|PowerUserAccess/.test(a))).toEqual(
      [],
    );
  });

  test("no role is assumable by any principal: every trust names a service or an exact ARN", () => {
    const trusts = policies.filter((p) => p.kind === "trust");
    expect(trusts).toHaveLength(byType(run, "aws:iam/role:Role").length);
    for (const trust of trusts) {
      for (const s of trust.statements.filter((st) => st.Effect === "Allow")) {
        const principal = s.Principal as Record<string, string | string[]> | string | undefined;
        expect(principal).toEqual(expect.any(Object));
        const entries = Object.entries(principal as Record<string, string | string[]>);
        expect(entries.length).toBeGreaterThan(0);
        for (const [kind, values] of entries) {
          expect(["Service", "AWS", "Federated"]).toContain(kind);
          for (const v of list(values)) {
            expect(v).not.toContain("*");
            if (kind === "AWS") expect(v).toMatch(/^arn:aws[a-z-]*:iam::\d{12}:/);
          }
        }
      }
    }
  });

  test("each Pod Identity role trusts only its own cluster, namespace and service account", () => {
    const cluster = one(run, "eks:index:Cluster").state.eksCluster.arn as string;
    const expected: Record<string, [string, string]> = {
      preprocess: [run.settings.workloads.namespace, "preprocess"],
      producer: [run.settings.workloads.namespace, "producer"],
      consumer: [run.settings.workloads.namespace, "consumer"],
      "keda-operator": [run.settings.keda.namespace, "keda-operator"],
    };
    for (const [workload, [namespace, serviceAccount]] of Object.entries(expected)) {
      const trust = JSON.parse(
        one(run, "aws:iam/role:Role", `identity-${workload}`).inputs.assumeRolePolicy,
      );
      expect(trust.Statement).toEqual([
        expect.objectContaining({
          Principal: { Service: "pods.eks.amazonaws.com" },
          Action: ["sts:AssumeRole", "sts:TagSession"],
          Condition: {
            StringEquals: {
              "aws:RequestTag/eks-cluster-arn": cluster,
              "aws:RequestTag/kubernetes-namespace": namespace,
              "aws:RequestTag/kubernetes-service-account": serviceAccount,
            },
          },
        }),
      ]);
    }
  });

  test("the node role has only the worker, CNI and ECR pull-only policies, partition-aware", () => {
    const { inline, attachments } = policiesOfRole(run, policies, "cluster-node");
    expect(inline).toEqual([]);
    expect(attachments.map((a) => a.inputs.policyArn).sort()).toEqual([
      "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
      "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
      "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
    ]);
  });
});
