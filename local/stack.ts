/**
 * What local mode knows about a stack: its validated settings (read from `Pulumi.<stack>.yaml`
 * through the same `parseSettings` the program uses) and the physical names of its queues and
 * buckets (the same `physicalNames` the program uses).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { physicalNames, type PhysicalNames } from "../config";
import { PROJECT, parseSettings, settingsInputFromConfig, type Settings } from "../config";

/** A stack as local mode runs it. */
export interface LocalStack {
  readonly name: string;
  readonly settings: Settings;
  readonly names: PhysicalNames;
}

/** Settings of a stack file's text (`config:` map of `Pulumi.<stack>.yaml`). */
export function settingsFromStackYaml(text: string): Settings {
  const doc: unknown = parse(text);
  const config =
    doc !== null && typeof doc === "object" && "config" in doc ? (doc.config as unknown) : {};
  if (config === null || typeof config !== "object") {
    throw new Error("the stack file's config: must be a map");
  }
  return parseSettings(settingsInputFromConfig(config as Record<string, unknown>));
}

/** The stacks that have a stack file `Pulumi.<stack>.yaml` in `root`, sorted. */
export function stackNames(root: string): string[] {
  return readdirSync(root)
    .map((name) => /^Pulumi\.(.+)\.yaml$/.exec(name)?.[1])
    .filter((name): name is string => name !== undefined)
    .sort();
}

/**
 * Reads `Pulumi.<stack>.yaml` from `root` and derives the stack's settings and names. An unknown
 * stack is refused with the names of the stack files that exist.
 */
export function loadStack(stack: string, root: string): LocalStack {
  if (!/^[A-Za-z0-9_.-]+$/.test(stack))
    throw new Error(`invalid stack name ${JSON.stringify(stack)}`);
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  if (!existsSync(file)) {
    const known = stackNames(root);
    throw new Error(
      `no stack ${JSON.stringify(stack)}: there is no Pulumi.${stack}.yaml; ` +
        (known.length > 0
          ? `the stack files are for ${known.join(", ")}`
          : "there is no stack file"),
    );
  }
  const settings = settingsFromStackYaml(readFileSync(file, "utf8"));
  return { name: stack, settings, names: physicalNames(PROJECT, stack) };
}
