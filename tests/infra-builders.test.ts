/**
 * The pure builders of the infra components, checked with plain strings (no Pulumi engine): policy
 * documents, the raw bucket's notification, lifecycle rules, subnet tags, node AMI types, image tags.
 */
import {
  existsSync,
  mkdtempSync,
  mkdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { amiTypeFor, nodeTrustPolicy } from "../infra/cluster";
import {
  consumerPolicy,
  kedaOperatorPolicy,
  podIdentityTrustPolicy,
  preprocessPolicy,
  producerPolicy,
} from "../infra/identity";
import {
  ecrLifecyclePolicy,
  IMAGE_INPUTS,
  imageContentHash,
  imageInputFiles,
  imageTag,
} from "../infra/image";
import { kedaValues } from "../infra/keda";
import { restrictedNamespaceLabels } from "../k8s/specs";
import { azKey, natGatewayFor, subnetTags, zoneAt } from "../infra/network";
import { concat, keyPolicy, KEY_ADMIN_ACTIONS } from "../infra/iam/documents";
import {
  DLQ_RETENTION_SECONDS,
  preprocessQueuePolicy,
  rawNotificationArgs,
  redrivePolicy,
  tlsOnlyQueuePolicy,
} from "../infra/queues";
import { parseSettings } from "../config";
import { bucketPolicy } from "../infra/bucket";
import { lifecycleRules, retentionDays } from "../infra/storage";

const RAW = "arn:aws:s3:::raw-bucket";
const PROCESSED = "arn:aws:s3:::processed-bucket";
const EVENTS = "arn:aws:s3:::events-bucket";
const PREPROCESS_Q = "arn:aws:sqs:eu-west-1:123456789012:p";
const EVENTS_Q = "arn:aws:sqs:eu-west-1:123456789012:e";
const KEY = "arn:aws:kms:eu-west-1:123456789012:key/k";
const CLUSTER = "arn:aws:eks:eu-west-1:123456789012:cluster/c";
const kms = { region: "eu-west-1" };

/** `action -> sorted resources` of the Allow statements of a document. */
function grants(doc: { Statement: { Effect: string; Action: unknown; Resource?: unknown }[] }) {
  const out: Record<string, string[]> = {};
  for (const s of doc.Statement.filter((st) => st.Effect === "Allow")) {
    for (const a of [s.Action].flat() as string[]) {
      out[a] = [...(out[a] ?? []), ...([s.Resource].flat() as string[])].sort();
    }
  }
  return out;
}

describe("workload policies grant exactly what the README's identity table lists", () => {
  test("preprocess reads input/, writes its results roots (output/, output.gz/) and errors/input/, consumes its queue, uses the key via S3", () => {
    const doc = preprocessPolicy({
      rawBucketArn: RAW,
      processedBucketArn: PROCESSED,
      preprocessQueueArn: PREPROCESS_Q,
      dataKeyArn: KEY,
      kms,
    });
    expect(grants(doc)).toEqual({
      "s3:GetObject": [`${RAW}/input/*`],
      // Listing under input/ only (s3:prefix condition): a missing upload is then 404, not 403.
      "s3:ListBucket": [RAW],
      "s3:PutObject": [
        `${PROCESSED}/errors/input/*`,
        `${PROCESSED}/output.gz/*`,
        `${PROCESSED}/output/*`,
      ],
      "s3:AbortMultipartUpload": [
        `${PROCESSED}/errors/input/*`,
        `${PROCESSED}/output.gz/*`,
        `${PROCESSED}/output/*`,
      ],
      "sqs:ReceiveMessage": [PREPROCESS_Q],
      "sqs:DeleteMessage": [PREPROCESS_Q],
      "sqs:ChangeMessageVisibility": [PREPROCESS_Q],
      "kms:Decrypt": [KEY],
      "kms:GenerateDataKey": [KEY],
    });
    const kmsStatement = doc.Statement.find((s) => [s.Action].flat().includes("kms:Decrypt"));
    expect(kmsStatement?.Condition).toEqual({
      StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" },
    });
  });

  test("the key may be used only through S3 of the stack's region and partition", () => {
    const doc = consumerPolicy({
      eventsQueueArn: EVENTS_Q,
      eventsBucketArn: EVENTS,
      dataKeyArn: KEY,
      kms: { region: "cn-north-1", dnsSuffix: "amazonaws.com.cn" },
    });
    const kmsStatement = doc.Statement.find((s) =>
      [s.Action].flat().includes("kms:GenerateDataKey"),
    );
    expect(kmsStatement?.Condition?.StringEquals?.["kms:ViaService"]).toBe(
      "s3.cn-north-1.amazonaws.com.cn",
    );
  });

  test("producer only sends to the events queue", () => {
    expect(grants(producerPolicy({ eventsQueueArn: EVENTS_Q }))).toEqual({
      "sqs:SendMessage": [EVENTS_Q],
    });
  });

  test("consumer receives and deletes events and writes only under events/ and quarantine/", () => {
    const doc = consumerPolicy({
      eventsQueueArn: EVENTS_Q,
      eventsBucketArn: EVENTS,
      dataKeyArn: KEY,
      kms,
    });
    expect(grants(doc)).toEqual({
      "sqs:ReceiveMessage": [EVENTS_Q],
      "sqs:DeleteMessage": [EVENTS_Q],
      "s3:PutObject": [`${EVENTS}/events/*`, `${EVENTS}/quarantine/*`],
      "kms:GenerateDataKey": [KEY],
    });
  });

  test("KEDA's operator only reads the attributes of the two queues", () => {
    expect(grants(kedaOperatorPolicy({ queueArns: [PREPROCESS_Q, EVENTS_Q] }))).toEqual({
      "sqs:GetQueueAttributes": [EVENTS_Q, PREPROCESS_Q],
    });
  });
});

describe("trust policies", () => {
  test("a Pod Identity role is assumable only by EKS Pod Identity for one cluster, namespace and service account", () => {
    const doc = podIdentityTrustPolicy({
      clusterArn: CLUSTER,
      namespace: "pipeline",
      serviceAccount: "consumer",
    });
    expect(doc.Statement).toEqual([
      {
        Sid: "AllowEksPodIdentity",
        Effect: "Allow",
        Principal: { Service: "pods.eks.amazonaws.com" },
        Action: ["sts:AssumeRole", "sts:TagSession"],
        Condition: {
          StringEquals: {
            "aws:RequestTag/eks-cluster-arn": CLUSTER,
            "aws:RequestTag/kubernetes-namespace": "pipeline",
            "aws:RequestTag/kubernetes-service-account": "consumer",
          },
        },
      },
    ]);
  });

  test("the node role is assumable only by EC2", () => {
    expect(nodeTrustPolicy()).toEqual({
      Version: "2012-10-17",
      Statement: [
        expect.objectContaining({
          Principal: { Service: "ec2.amazonaws.com" },
          Action: "sts:AssumeRole",
        }),
      ],
    });
  });

  test("a key policy lets the account administer the key and delegates only the listed use to IAM", () => {
    const doc = keyPolicy({
      partition: "aws-cn",
      accountId: "123456789012",
      usage: ["kms:Decrypt"],
    });
    expect(doc.Statement.map((s) => s.Principal)).toEqual([
      { AWS: "arn:aws-cn:iam::123456789012:root" },
      { AWS: "arn:aws-cn:iam::123456789012:root" },
    ]);
    expect(doc.Statement[0]?.Action).toEqual([...KEY_ADMIN_ACTIONS]);
    expect(doc.Statement[1]?.Action).toEqual(["kms:Decrypt"]);
    expect(KEY_ADMIN_ACTIONS).not.toContain("kms:Decrypt");
    expect(KEY_ADMIN_ACTIONS.every((a) => !a.includes("*"))).toBe(true);
  });
});

describe("resource policies", () => {
  test("a bucket policy denies every request without TLS, to the bucket and its objects", () => {
    expect(bucketPolicy(RAW).Statement).toEqual([
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [RAW, `${RAW}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ]);
  });

  test("only the raw bucket of the own account may send to the preprocess queue, over TLS", () => {
    const doc = preprocessQueuePolicy({
      queueArn: PREPROCESS_Q,
      rawBucketArn: RAW,
      accountId: "123456789012",
    });
    const [allow, deny] = doc.Statement;
    expect(allow).toEqual({
      Sid: "AllowRawBucketNotifications",
      Effect: "Allow",
      Principal: { Service: "s3.amazonaws.com" },
      Action: "sqs:SendMessage",
      Resource: PREPROCESS_Q,
      Condition: {
        ArnEquals: { "aws:SourceArn": RAW },
        StringEquals: { "aws:SourceAccount": "123456789012" },
      },
    });
    expect(deny).toMatchObject({
      Effect: "Deny",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
    expect(tlsOnlyQueuePolicy(EVENTS_Q).Statement).toEqual([
      deny && { ...deny, Resource: [EVENTS_Q] },
    ]);
  });

  test("concat keeps plain strings plain", () => {
    expect(concat("arn:", "aws", ":iam::", "1:root")).toBe("arn:aws:iam::1:root");
  });
});

describe("queues", () => {
  test("the notification sends input/*.csv and input/*.csv.gz creations to the preprocess queue", () => {
    expect(rawNotificationArgs("raw", PREPROCESS_Q, false)).toEqual({
      bucket: "raw",
      eventbridge: false,
      queues: [
        {
          // The id deployed stacks already have: changing it would rewrite their configuration.
          id: "preprocess-csv-uploads",
          queueArn: PREPROCESS_Q,
          events: ["s3:ObjectCreated:*"],
          filterPrefix: "input/",
          filterSuffix: ".csv",
        },
        {
          id: "preprocess-csv-gz-uploads",
          queueArn: PREPROCESS_Q,
          events: ["s3:ObjectCreated:*"],
          filterPrefix: "input/",
          filterSuffix: ".csv.gz",
        },
      ],
    });
  });

  test("the same notification also goes to EventBridge when orchestration asks for it", () => {
    const args = rawNotificationArgs("raw", PREPROCESS_Q, true);
    expect(args.eventbridge).toBe(true);
    expect(args.queues).toEqual(rawNotificationArgs("raw", PREPROCESS_Q, false).queues);
  });

  test("a redrive policy names the DLQ and the receive count", () => {
    expect(JSON.parse(redrivePolicy("arn:dlq", 5))).toEqual({
      deadLetterTargetArn: "arn:dlq",
      maxReceiveCount: 5,
    });
    expect(DLQ_RETENTION_SECONDS).toBe(14 * 24 * 3600);
  });
});

describe("bucket lifecycle rules", () => {
  const storage = parseSettings({ region: "eu-west-1" }).storage;

  test("every bucket aborts incomplete multipart uploads", () => {
    for (const role of ["raw", "processed", "events"] as const) {
      expect(lifecycleRules(role, storage)).toContainEqual(
        expect.objectContaining({ abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } }),
      );
    }
  });

  test("objects expire after the configured retention; raw versions too", () => {
    const raw = lifecycleRules("raw", storage);
    expect(raw).toContainEqual(
      expect.objectContaining({ expiration: { days: storage.rawRetentionDays } }),
    );
    expect(raw).toContainEqual(
      expect.objectContaining({
        noncurrentVersionExpiration: { noncurrentDays: storage.noncurrentVersionDays },
      }),
    );
    expect(lifecycleRules("events", storage)).toContainEqual(
      expect.objectContaining({ expiration: { days: storage.eventsRetentionDays } }),
    );
    expect(lifecycleRules("processed", storage).some((r) => r.noncurrentVersionExpiration)).toBe(
      false,
    );
  });

  test("a retention of 0 keeps objects forever", () => {
    const keep = { ...storage, processedRetentionDays: 0 };
    expect(retentionDays("processed", keep)).toBe(0);
    expect(lifecycleRules("processed", keep).some((r) => r.expiration?.days !== undefined)).toBe(
      false,
    );
  });

  test("every rule applies to the whole bucket through an explicit filter", () => {
    for (const rule of lifecycleRules("raw", storage)) expect(rule.filter).toEqual({ prefix: "" });
  });
});

describe("network", () => {
  test("public subnets carry the ELB tag; private ones the internal-ELB and Karpenter discovery tags", () => {
    expect(subnetTags("public", "c")).toEqual({ "kubernetes.io/role/elb": "1" });
    expect(subnetTags("private", "c")).toEqual({
      "kubernetes.io/role/internal-elb": "1",
      "karpenter.sh/discovery": "c",
    });
  });

  test("private subnets spread over the NAT gateways", () => {
    expect([0, 1, 2].map((i) => natGatewayFor(i, 1))).toEqual([0, 0, 0]);
    expect([0, 1, 2].map((i) => natGatewayFor(i, 3))).toEqual([0, 1, 2]);
    expect([0, 1, 2].map((i) => natGatewayFor(i, 2))).toEqual([0, 1, 0]);
    expect(() => natGatewayFor(0, 0)).toThrow(/at least 1/);
  });

  test("AZ keys are stable names, and a missing zone is reported", () => {
    expect([0, 1, 2].map(azKey)).toEqual(["az1", "az2", "az3"]);
    expect(() => zoneAt(["a", "b"], 2)).toThrow(/2 availability zones; azCount needs 3/);
  });
});

describe("cluster", () => {
  test("Graviton instance types get the ARM AMI, others x86; mixing them is refused", () => {
    expect(amiTypeFor(["m7i.large", "m6i.large"])).toBe("AL2023_x86_64_STANDARD");
    expect(amiTypeFor(["m7g.large", "c6gn.xlarge", "t4g.medium"])).toBe("AL2023_ARM_64_STANDARD");
    expect(() => amiTypeFor(["m7g.large", "m7i.large"])).toThrow(/mixes ARM and x86/);
  });
});

describe("KEDA", () => {
  const values = kedaValues("c") as Record<string, Record<string, Record<string, unknown>>>;

  test("every component runs non-root, read-only, without capabilities, with RuntimeDefault seccomp", () => {
    for (const component of ["operator", "metricServer", "webhooks"]) {
      expect(values.podSecurityContext?.[component]).toMatchObject({ runAsNonRoot: true });
      expect(values.securityContext?.[component]).toEqual({
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      });
      expect(values.resources?.[component]).toEqual({
        requests: { cpu: expect.any(String), memory: expect.any(String) },
        limits: { cpu: expect.any(String), memory: expect.any(String) },
      });
    }
  });

  test("the operator's service account is the one the Pod Identity association names", () => {
    expect(values.serviceAccount?.operator).toMatchObject({ create: true, name: "keda-operator" });
  });

  test("the namespace enforces the restricted Pod Security Standard", () => {
    expect(restrictedNamespaceLabels()["pod-security.kubernetes.io/enforce"]).toBe("restricted");
  });
});

describe("processor image", () => {
  const root = mkdtempSync(join(tmpdir(), "image-"));
  mkdirSync(join(root, "processor", "src"), { recursive: true });
  mkdirSync(join(root, "processor", "node_modules", "x"), { recursive: true });
  writeFileSync(join(root, "package.json"), "{}");
  writeFileSync(join(root, "processor", "src", "a.ts"), "a");
  writeFileSync(join(root, "processor", "node_modules", "x", "b.js"), "b");
  const inputs = ["package.json", "processor", ".npmrc"];

  test("the image inputs skip dependencies and build output, and tolerate absent files", () => {
    expect(imageInputFiles(root, inputs)).toEqual(["package.json", "processor/src/a.ts"]);
  });

  test("the tag changes with the content and the platform, not with dependencies", () => {
    const before = imageContentHash(root, inputs, "linux/amd64");
    writeFileSync(join(root, "processor", "node_modules", "x", "b.js"), "changed");
    expect(imageContentHash(root, inputs, "linux/amd64")).toBe(before);
    expect(imageContentHash(root, inputs, "linux/arm64")).not.toBe(before);
    writeFileSync(join(root, "processor", "src", "a.ts"), "changed");
    expect(imageContentHash(root, inputs, "linux/amd64")).not.toBe(before);
    expect(imageTag(before)).toMatch(/^sha-[0-9a-f]{20}$/);
  });

  test("the tag follows a file rewritten to the same size with its old modification time", () => {
    const file = join(root, "processor", "src", "a.ts");
    writeFileSync(file, "one");
    const { atime, mtime } = statSync(file);
    const before = imageContentHash(root, inputs, "linux/amd64");
    writeFileSync(file, "two");
    utimesSync(file, atime, mtime);
    expect(imageContentHash(root, inputs, "linux/amd64")).not.toBe(before);
    writeFileSync(file, "one");
    expect(imageContentHash(root, inputs, "linux/amd64")).toBe(before);
  });

  test("ECR keeps the configured number of images", () => {
    expect(JSON.parse(ecrLifecyclePolicy(20)).rules).toEqual([
      expect.objectContaining({
        selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 20 },
        action: { type: "expire" },
      }),
    ]);
  });
});

describe("the processor's Dockerfile and the image tag agree", () => {
  const root = join(__dirname, "..");
  const dockerfile = join(root, "processor", "Dockerfile");
  const inInputs = (path: string) => {
    const clean = path.replace(/^\.\//, "").replace(/\/$/, "");
    return IMAGE_INPUTS.some((input) => clean === input || clean.startsWith(`${input}/`));
  };
  // Until processor/Dockerfile exists there is nothing to compare.
  const whenBuilt = existsSync(dockerfile) ? test : test.skip;

  whenBuilt("every COPY from the build context stays inside the image inputs", () => {
    const sources = readFileSync(dockerfile, "utf8")
      .replace(/\\\n/g, " ")
      .split("\n")
      .filter((line) => /^\s*(COPY|ADD)\s/i.test(line) && !/--from=/i.test(line))
      .flatMap((line) => {
        const words = line
          .trim()
          .split(/\s+/)
          .slice(1)
          .filter((w) => !w.startsWith("--"));
        return words.slice(0, -1);
      });
    expect(sources.length).toBeGreaterThan(0);
    expect(sources.filter((src) => !inInputs(src))).toEqual([]);
  });

  whenBuilt("the context ignores everything but the image inputs (so the tag covers it)", () => {
    const ignoreFile = [
      join(root, "processor", "Dockerfile.dockerignore"),
      join(root, ".dockerignore"),
    ].find(existsSync);
    expect(ignoreFile).toBeDefined();
    const lines = readFileSync(ignoreFile as string, "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#"));
    expect(["*", "**"]).toContain(lines[0]);
    const allowed = lines.filter((l) => l.startsWith("!")).map((l) => l.slice(1));
    expect(allowed.filter((a) => !inInputs(a))).toEqual([]);
  });
});
