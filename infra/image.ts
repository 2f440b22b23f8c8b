/**
 * The processor image: a private ECR repository (scan on push, immutable tags, encrypted, old images
 * expire) and the image built from `processor/Dockerfile` with the repository root as context (the
 * processor is an npm workspace: the root lockfile pins its dependencies). Deployed by digest.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync, type BigIntStats } from "node:fs";
import { join, relative, sep } from "node:path";
import * as aws from "@pulumi/aws";
import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import type { Settings } from "../config";

/**
 * What the build context may contain, relative to the repository root. The tag is a hash of these,
 * so it changes whenever the image can; `processor/Dockerfile.dockerignore` must keep the context
 * inside them (an image that changed under an unchanged tag could not be pushed: tags are immutable).
 */
export const IMAGE_INPUTS = [
  "package.json",
  "package-lock.json",
  ".npmrc",
  "tsconfig.base.json",
  "processor",
] as const;

/** The Dockerfile, relative to the repository root, which is the build context. */
export const DOCKERFILE = ["processor", "Dockerfile"] as const;

/** Directories never part of the image inputs. */
const SKIPPED_DIRS = new Set(["node_modules", "dist", "coverage", ".git"]);

export interface ProcessorImageArgs {
  /** Image settings (platform, images kept). */
  readonly image: Settings["image"];
  /** Repository name (`<project>-<stack>-processor`). */
  readonly repositoryName: string;
  /** Repository root (the build context). */
  readonly root: string;
  /** Whether `pulumi destroy` may delete a repository that still holds images. */
  readonly forceDelete: boolean;
  /** Tags for every resource. */
  readonly tags?: Record<string, string>;
}

/** Every file under `paths` (files or directories, relative to `root`), sorted, skipping build output. */
export function imageInputFiles(root: string, paths: readonly string[]): string[] {
  return inputFileStats(root, paths).map(([file]) => file);
}

/** {@link imageInputFiles} with each file's stat. */
function inputFileStats(root: string, paths: readonly string[]): [string, BigIntStats][] {
  const files: [string, BigIntStats][] = [];
  const walk = (abs: string) => {
    let stat;
    try {
      stat = statSync(abs, { bigint: true });
    } catch {
      return; // an optional input (.npmrc) may be absent
    }
    if (stat.isDirectory()) {
      for (const entry of readdirSync(abs).sort()) {
        if (!SKIPPED_DIRS.has(entry)) walk(join(abs, entry));
      }
    } else if (stat.isFile()) {
      files.push([relative(root, abs).split(sep).join("/"), stat]);
    }
  };
  for (const p of paths) walk(join(root, p));
  return files.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Hashes already computed in this process, by root, paths and platform, with the file list and
 * stats they were computed from: a program evaluated many times in one process (the settings
 * property runs it hundreds of times) re-reads the files only when one of them changed.
 */
const hashes = new Map<string, { readonly files: string; readonly hash: string }>();

/** A content hash of the image inputs: file paths and bytes, plus the target platform. */
export function imageContentHash(root: string, paths: readonly string[], platform: string): string {
  const inputs = inputFileStats(root, paths);
  // Any write changes ctime (which utimes cannot set back); size and mtime catch the rest.
  const files = inputs
    .map(([file, s]) => `${file}\0${s.ino}\0${s.size}\0${s.mtimeNs}\0${s.ctimeNs}`)
    .join("\n");
  const key = JSON.stringify([root, paths, platform]);
  const cached = hashes.get(key);
  if (cached?.files === files) return cached.hash;
  const hash = createHash("sha256").update(`platform=${platform}\n`);
  for (const [file] of inputs) {
    hash
      .update(`${file}\n`)
      .update(readFileSync(join(root, file)))
      .update("\n");
  }
  const digest = hash.digest("hex");
  hashes.set(key, { files, hash: digest });
  return digest;
}

/** The immutable tag of an image: `sha-` and 20 hex digits of the content hash. */
export function imageTag(contentHash: string): string {
  return `sha-${contentHash.slice(0, 20)}`;
}

/** The ECR lifecycle policy: keep the newest `keep` images, expire the rest. */
export function ecrLifecyclePolicy(keep: number): string {
  return JSON.stringify({
    rules: [
      {
        rulePriority: 1,
        description: `Keep the last ${keep} images`,
        selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: keep },
        action: { type: "expire" },
      },
    ],
  });
}

/** The processor's ECR repository and image; `imageRef` is what workloads run. */
export class ProcessorImage extends pulumi.ComponentResource {
  public readonly repository: aws.ecr.Repository;
  public readonly repositoryUrl: pulumi.Output<string>;
  /** `repositoryUrl@sha256:…`: what the workloads run. */
  public readonly imageRef: pulumi.Output<string>;
  public readonly tag: string;

  constructor(name: string, args: ProcessorImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pipeline:infra:ProcessorImage", name, {}, opts);
    const self = { parent: this };

    // AES256 (ECR-managed keys): images hold code, not data, and nodes pull without KMS grants.
    this.repository = new aws.ecr.Repository(
      `${name}-repo`,
      {
        name: args.repositoryName,
        imageTagMutability: "IMMUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [{ encryptionType: "AES256" }],
        forceDelete: args.forceDelete,
        tags: args.tags,
      },
      self,
    );
    new aws.ecr.LifecyclePolicy(
      `${name}-lifecycle`,
      { repository: this.repository.name, policy: ecrLifecyclePolicy(args.image.keepLastImages) },
      self,
    );

    const auth = aws.ecr.getAuthorizationTokenOutput(
      { registryId: this.repository.registryId },
      self,
    );
    this.tag = imageTag(imageContentHash(args.root, IMAGE_INPUTS, args.image.platform));
    const image = new dockerBuild.Image(
      `${name}-image`,
      {
        // Relative paths: state must not depend on where the repository is checked out.
        context: { location: relative(process.cwd(), args.root) || "." },
        dockerfile: {
          location: relative(process.cwd(), join(args.root, ...DOCKERFILE)),
        },
        platforms: [args.image.platform as dockerBuild.Platform],
        push: true,
        // Previews of pull requests need no registry writes.
        buildOnPreview: false,
        tags: [pulumi.interpolate`${this.repository.repositoryUrl}:${this.tag}`],
        registries: [
          {
            address: this.repository.repositoryUrl,
            username: auth.userName,
            password: pulumi.secret(auth.password),
          },
        ],
      },
      self,
    );

    this.repositoryUrl = this.repository.repositoryUrl;
    this.imageRef = pulumi.interpolate`${this.repository.repositoryUrl}@${image.digest}`;
    this.registerOutputs({ repositoryUrl: this.repositoryUrl, imageRef: this.imageRef });
  }
}
