/**
 * What local mode knows about a stack: its validated settings (read from `Pulumi.<stack>.yaml`
 * through the same `parseSettings` the program uses) and the physical names of its queues and
 * buckets (the same `physicalNames` the program uses).
 */
import { readFileSync } from "node:fs";
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

/** Reads `Pulumi.<stack>.yaml` from `root` and derives the stack's settings and names. */
export function loadStack(stack: string, root: string): LocalStack {
  if (!/^[A-Za-z0-9_.-]+$/.test(stack))
    throw new Error(`invalid stack name ${JSON.stringify(stack)}`);
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  const settings = settingsFromStackYaml(readFileSync(file, "utf8"));
  return { name: stack, settings, names: physicalNames(PROJECT, stack) };
}
