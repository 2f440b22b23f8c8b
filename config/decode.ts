/**
 * Pulumi config → raw settings: strips the `<project>:` namespace and decodes the JSON strings the
 * config map holds for structured values (`pulumi.runtime.allConfig()` or a parsed stack file).
 */
import { PROJECT } from "./schema";

/**
 * Turns a stack's config map (`{ "event-pipeline:network": {...} | "<json>", "aws:region": "..." }`,
 * as `pulumi.runtime.allConfig()` or a parsed `Pulumi.<stack>.yaml` gives it) into raw settings.
 */
export function settingsInputFromConfig(config: Record<string, unknown>): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const [fullKey, value] of Object.entries(config)) {
    if (fullKey === "aws:region") raw.region = value;
    if (!fullKey.startsWith(`${PROJECT}:`)) continue;
    raw[fullKey.slice(PROJECT.length + 1)] = decodeConfigValue(value);
  }
  return raw;
}

function decodeConfigValue(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const trimmed = value.trim();
  if (
    /^[[{]/.test(trimmed) ||
    trimmed === "true" ||
    trimmed === "false" ||
    /^-?\d+(\.\d+)?$/.test(trimmed)
  ) {
    try {
      return JSON.parse(trimmed);
    } catch {
      return value;
    }
  }
  return value;
}
