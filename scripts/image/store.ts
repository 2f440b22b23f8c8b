/**
 * The image test's store (see `Store` in containers.ts): overlay, persistent in the cache folder,
 * when the kernel mounts overlayfs on the cache's file system; otherwise a vfs store for one run.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { cacheRoot } from "./assemble";
import { podmanOptions, storageOptions, type Store } from "./containers";
import { exec } from "./exec";

/** Whether an overlay mount works in `dir` (a throw-away lower/upper/work/merged set). */
export async function overlayMounts(dir: string): Promise<boolean> {
  mkdirSync(dir, { recursive: true });
  const probe = mkdtempSync(join(dir, "overlay-probe-"));
  try {
    for (const d of ["lower", "upper", "work", "merged"]) mkdirSync(join(probe, d));
    const options = `lowerdir=${probe}/lower,upperdir=${probe}/upper,workdir=${probe}/work`;
    const mount = await exec(
      "mount",
      ["-t", "overlay", "overlay", "-o", options, join(probe, "merged")],
      { allowFailure: true },
    );
    if (mount.code !== 0) return false;
    await exec("umount", [join(probe, "merged")]);
    return true;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

/**
 * The store for this run: `driver` when given, else overlay where it mounts. An overlay store is
 * `<cache>/store-overlay` (kept); a vfs store is a fresh folder under /var/tmp (deleted after).
 */
export async function openStore(driver?: Store["driver"]): Promise<Store> {
  const cache = cacheRoot();
  const overlay = driver ? driver === "overlay" : await overlayMounts(cache);
  if (overlay) return { root: join(cache, "store-overlay"), driver: "overlay", persistent: true };
  return { root: mkdtempSync("/var/tmp/pipeline-image-test-"), driver: "vfs", persistent: false };
}

/** The ID of `image` in the store, or undefined when it has none. */
export async function imageId(store: Store, image: string): Promise<string | undefined> {
  const args = [...podmanOptions(store), "image", "inspect", "--format", "{{.Id}}", image];
  const inspect = await exec("podman", args, { allowFailure: true, quietStderr: true });
  return inspect.code === 0 ? inspect.stdout.trim() : undefined;
}

/**
 * Removes the image a new build replaced under the same name (a previous run's result), so a
 * persistent store keeps one result; the cached layers the new build shares stay. Not a prune:
 * the build stages' last layers are untagged leaves too, and are the cache of their `npm ci`.
 */
export async function dropReplaced(store: Store, old: string | undefined, current?: string) {
  if (old === undefined || old === current) return;
  await exec("podman", [...podmanOptions(store), "rmi", old], { allowFailure: true });
}

/**
 * Ends the run: unmounts the images and removes leftover build containers, then deletes a
 * one-run store (a persistent one is kept with its layers).
 */
export async function closeStore(store: Store): Promise<void> {
  const quiet = { allowFailure: true };
  await exec("podman", [...podmanOptions(store), "image", "unmount", "--all"], quiet);
  await exec("buildah", [...storageOptions(store), "rm", "--all"], quiet);
  if (!store.persistent) rmSync(store.root, { recursive: true, force: true });
}
