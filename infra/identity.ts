/**
 * Workload identity: one IAM role per workload (preprocess, producer, consumer) and one for KEDA's
 * operator, each trusted only by EKS Pod Identity for its own (cluster, namespace, service account),
 * each with an inline policy of the exact actions it uses on the exact resources; and the Pod Identity
 * associations that hand the roles to the service accounts.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { errorReportsPrefixOf, KEYS, resultsRootsOf } from "@pipeline/processor/contract";
import { KEDA_OPERATOR_SERVICE_ACCOUNT, SERVICE_ACCOUNTS, type Workload } from "../config";
import {
  arnWithSuffix,
  concat,
  policyDocument,
  type Arn,
  type PolicyDocument,
  type PolicyStatement,
} from "./iam/documents";

/** The principals that get a role: the workloads and KEDA's operator. */
export type Principal = Workload | "kedaOperator";

export const PRINCIPALS: readonly Principal[] = [
  "preprocess",
  "producer",
  "consumer",
  "kedaOperator",
];

/** The service that assumes roles on behalf of pods. */
export const POD_IDENTITY_SERVICE = "pods.eks.amazonaws.com";

export interface IdentityArgs {
  /** The cluster whose pods assume the roles. */
  readonly cluster: { readonly clusterName: Arn; readonly clusterArn: Arn };
  /** The buckets the workloads use, and the KMS key that encrypts them. */
  readonly storage: Readonly<Record<"raw" | "processed" | "events", { readonly arn: Arn }>> & {
    readonly dataKeyArn: Arn;
  };
  /** The queues the workloads use. */
  readonly queues: Readonly<
    Record<"preprocess" | "events", { readonly queue: { readonly arn: Arn } }>
  >;
  /** Namespace of the workloads (settings.workloads.namespace) and of KEDA (settings.keda.namespace). */
  readonly namespaces: { readonly workloads: string; readonly keda: string };
  /** AWS region of the stack (for the `kms:ViaService` condition). */
  readonly region: string;
  /** Tags for every resource. */
  readonly tags?: Record<string, string>;
}

/**
 * The trust policy of a Pod Identity role: only EKS Pod Identity may assume it, and only for the one
 * service account in the one namespace of the one cluster (session tags Pod Identity always sets).
 */
export function podIdentityTrustPolicy(args: {
  readonly clusterArn: Arn;
  readonly namespace: string;
  /** One service account, or several that share the role (any of them may assume it). */
  readonly serviceAccount: string | string[];
}): PolicyDocument {
  return policyDocument({
    Sid: "AllowEksPodIdentity",
    Effect: "Allow",
    Principal: { Service: POD_IDENTITY_SERVICE },
    Action: ["sts:AssumeRole", "sts:TagSession"],
    Condition: {
      StringEquals: {
        "aws:RequestTag/eks-cluster-arn": args.clusterArn,
        "aws:RequestTag/kubernetes-namespace": args.namespace,
        "aws:RequestTag/kubernetes-service-account": args.serviceAccount,
      },
    },
  });
}

/** Where the data key may be used from: S3 in this region and partition. */
export interface KmsScope {
  readonly region: string;
  /** DNS suffix of the partition (`amazonaws.com`; `amazonaws.com.cn` in China). */
  readonly dnsSuffix?: Arn;
}

/** Use of the bucket key, only through S3 in this region (objects are SSE-KMS). */
export function kmsThroughS3(
  dataKeyArn: Arn,
  scope: KmsScope,
  actions: ("kms:Decrypt" | "kms:GenerateDataKey")[],
): PolicyStatement {
  return {
    Sid: "UseDataKeyThroughS3",
    Effect: "Allow",
    Action: actions,
    Resource: dataKeyArn,
    Condition: {
      StringEquals: {
        "kms:ViaService": concat(`s3.${scope.region}.`, scope.dnsSuffix ?? "amazonaws.com"),
      },
    },
  };
}

/**
 * Writing objects the way the processor does: results go through `@aws-sdk/lib-storage`'s `Upload`
 * (multipart above one part, `leavePartsOnError: false`), whose Create/UploadPart/Complete calls are
 * authorised by `s3:PutObject` but whose clean-up after a failed part is `AbortMultipartUpload`, a
 * separate action. Without it a failed upload leaves its parts behind and the abort error hides the
 * real one.
 */
export function writeObjects(sid: string, resources: Arn[]): PolicyStatement {
  return {
    Sid: sid,
    Effect: "Allow",
    Action: ["s3:PutObject", "s3:AbortMultipartUpload"],
    Resource: resources,
  };
}

/**
 * Listing keys under exact prefixes of one bucket. Readers need it so that a missing key is a 404
 * `NoSuchKey`, not a 403: "If you don't have the s3:ListBucket permission, Amazon S3 returns an
 * HTTP status code 403" (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html,
 * Permissions). The `s3:prefix` condition keeps it to the prefixes the reader may read
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html).
 */
export function listUnderPrefixes(
  sid: string,
  bucketArn: Arn,
  prefixes: string[],
): PolicyStatement {
  return {
    Sid: sid,
    Effect: "Allow",
    Action: "s3:ListBucket",
    Resource: bucketArn,
    Condition: { StringLike: { "s3:prefix": prefixes.map((p) => `${p}*`) } },
  };
}

/**
 * Preprocess jobs: read uploads under `input/`, write results under the path's results roots
 * (`output/`, `output.gz/`) and rejections under `errors/input/`, consume their queue (visibility changes are the heartbeat of long files). Listing
 * under `input/` only makes a missing upload a 404, which the job reports as a rejected file.
 */
export function preprocessPolicy(args: {
  readonly rawBucketArn: Arn;
  readonly processedBucketArn: Arn;
  readonly preprocessQueueArn: Arn;
  readonly dataKeyArn: Arn;
  readonly kms: KmsScope;
}): PolicyDocument {
  return policyDocument(
    {
      Sid: "ReadUploads",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: arnWithSuffix(args.rawBucketArn, `/${KEYS.inputPrefix}*`),
    },
    listUnderPrefixes("ListUploads", args.rawBucketArn, [KEYS.inputPrefix]),
    writeObjects("WriteResults", [
      ...resultsRootsOf(KEYS.inputPrefix).map((root) =>
        arnWithSuffix(args.processedBucketArn, `/${root}*`),
      ),
      arnWithSuffix(args.processedBucketArn, `/${errorReportsPrefixOf(KEYS.inputPrefix)}*`),
    ]),
    {
      Sid: "ConsumePreprocessQueue",
      Effect: "Allow",
      Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"],
      Resource: args.preprocessQueueArn,
    },
    kmsThroughS3(args.dataKeyArn, args.kms, ["kms:Decrypt", "kms:GenerateDataKey"]),
  );
}

/** The producer: send events. */
export function producerPolicy(args: { readonly eventsQueueArn: Arn }): PolicyDocument {
  return policyDocument({
    Sid: "SendEvents",
    Effect: "Allow",
    Action: "sqs:SendMessage",
    Resource: args.eventsQueueArn,
  });
}

/**
 * The consumer: consume events and store batches under `events/` and `quarantine/` (one PutObject
 * per batch, so the key is only needed for new data keys). It never changes visibility: messages
 * are received with a visibility timeout longer than a batch can stay open.
 */
export function consumerPolicy(args: {
  readonly eventsQueueArn: Arn;
  readonly eventsBucketArn: Arn;
  readonly dataKeyArn: Arn;
  readonly kms: KmsScope;
}): PolicyDocument {
  return policyDocument(
    {
      Sid: "ConsumeEvents",
      Effect: "Allow",
      Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage"],
      Resource: args.eventsQueueArn,
    },
    {
      Sid: "StoreBatches",
      Effect: "Allow",
      Action: "s3:PutObject",
      Resource: [
        arnWithSuffix(args.eventsBucketArn, `/${KEYS.eventsPrefix}*`),
        arnWithSuffix(args.eventsBucketArn, `/${KEYS.quarantinePrefix}*`),
      ],
    },
    kmsThroughS3(args.dataKeyArn, args.kms, ["kms:GenerateDataKey"]),
  );
}

/** KEDA's operator: read the depth of the two queues it scales on, nothing else. */
export function kedaOperatorPolicy(args: { readonly queueArns: Arn[] }): PolicyDocument {
  return policyDocument({
    Sid: "ReadQueueDepth",
    Effect: "Allow",
    Action: "sqs:GetQueueAttributes",
    Resource: args.queueArns,
  });
}

/** A role with its inline policy and association. */
export interface PodRole {
  readonly role: aws.iam.Role;
  readonly policy: aws.iam.RolePolicy;
  readonly association: aws.eks.PodIdentityAssociation;
  /**
   * What a pod using the role must wait for: the association (credentials at all) and the inline
   * policy (permissions; a role without it yet is denied, and a Job burns its backoffLimit).
   */
  readonly ready: pulumi.Resource[];
  readonly namespace: string;
  readonly serviceAccount: string;
}

/** The Pod Identity roles and associations of the workloads and of KEDA's operator. */
export class Identity extends pulumi.ComponentResource {
  public readonly roles: Readonly<Record<Principal, PodRole>>;
  /** KEDA's association; the KEDA chart must wait for it so the operator starts with credentials. */
  public readonly kedaOperatorAssociation: aws.eks.PodIdentityAssociation;
  /** KEDA's association and inline policy: the chart waits for both. */
  public readonly kedaOperatorReady: pulumi.Resource[];

  constructor(name: string, args: IdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pipeline:infra:Identity", name, {}, opts);
    const self = { parent: this };
    const tags = args.tags ?? {};

    const kms = {
      region: args.region,
      dnsSuffix: aws.getPartitionOutput({}, self).dnsSuffix,
    };
    const arns = {
      rawBucketArn: args.storage.raw.arn,
      processedBucketArn: args.storage.processed.arn,
      eventsBucketArn: args.storage.events.arn,
      dataKeyArn: args.storage.dataKeyArn,
      preprocessQueueArn: args.queues.preprocess.queue.arn,
      eventsQueueArn: args.queues.events.queue.arn,
      kms,
    };
    const policies: Record<Principal, PolicyDocument> = {
      preprocess: preprocessPolicy(arns),
      producer: producerPolicy(arns),
      consumer: consumerPolicy(arns),
      kedaOperator: kedaOperatorPolicy({
        queueArns: [arns.preprocessQueueArn, arns.eventsQueueArn],
      }),
    };
    const { workloads, keda } = args.namespaces;
    const subjects: Record<Principal, { namespace: string; serviceAccount: string }> = {
      preprocess: { namespace: workloads, serviceAccount: SERVICE_ACCOUNTS.preprocess },
      producer: { namespace: workloads, serviceAccount: SERVICE_ACCOUNTS.producer },
      consumer: { namespace: workloads, serviceAccount: SERVICE_ACCOUNTS.consumer },
      kedaOperator: { namespace: keda, serviceAccount: KEDA_OPERATOR_SERVICE_ACCOUNT },
    };

    const make = (principal: Principal): PodRole => {
      const key = principal === "kedaOperator" ? "keda-operator" : principal;
      const { namespace, serviceAccount } = subjects[principal];
      const role = new aws.iam.Role(
        `${name}-${key}`,
        {
          description: `Pod Identity role of ${namespace}/${serviceAccount}`,
          assumeRolePolicy: pulumi.jsonStringify(
            podIdentityTrustPolicy({
              clusterArn: args.cluster.clusterArn,
              namespace,
              serviceAccount,
            }),
          ),
          tags,
        },
        self,
      );
      const policy = new aws.iam.RolePolicy(
        `${name}-${key}`,
        { role: role.name, policy: pulumi.jsonStringify(policies[principal]) },
        { parent: role },
      );
      const association = new aws.eks.PodIdentityAssociation(
        `${name}-${key}`,
        {
          clusterName: args.cluster.clusterName,
          namespace,
          serviceAccount,
          roleArn: role.arn,
          tags,
        },
        { parent: role },
      );
      return { role, policy, association, ready: [association, policy], namespace, serviceAccount };
    };

    this.roles = {
      preprocess: make("preprocess"),
      producer: make("producer"),
      consumer: make("consumer"),
      kedaOperator: make("kedaOperator"),
    };
    this.kedaOperatorAssociation = this.roles.kedaOperator.association;
    this.kedaOperatorReady = this.roles.kedaOperator.ready;
    this.registerOutputs({
      roleArns: Object.fromEntries(PRINCIPALS.map((p) => [p, this.roles[p].role.arn])),
    });
  }
}
