/**
 * The definition's own times shortened by the run's time scale, as the scaler's intervals are
 * (`timeScaled` in local/specs.ts): every Retry interval and maximum delay, every state's and the
 * execution's `TimeoutSeconds`, `HeartbeatSeconds` and Wait `Seconds`. Counts (`MaxAttempts`),
 * backoff rates and jitter are unchanged, so the interpreter retries, times out and catches
 * exactly as the definition says, only sooner. Pure.
 */
import type { Definition } from "../../harness/stepfunctions";

/* eslint-disable @typescript-eslint/no-explicit-any -- ASL definitions are JSON */

/** ASL's default retry interval, seconds (https://states-language.net/spec.html#retrying-after-error). */
const DEFAULT_INTERVAL_SECONDS = 1;

function scaleState(state: any, f: number): any {
  const out: any = { ...state };
  for (const field of ["TimeoutSeconds", "HeartbeatSeconds", "Seconds"]) {
    if (typeof out[field] === "number") out[field] = out[field] * f;
  }
  if (Array.isArray(out.Retry)) {
    out.Retry = out.Retry.map((r: any) => ({
      ...r,
      IntervalSeconds: (r.IntervalSeconds ?? DEFAULT_INTERVAL_SECONDS) * f,
      ...(typeof r.MaxDelaySeconds === "number" ? { MaxDelaySeconds: r.MaxDelaySeconds * f } : {}),
    }));
  }
  if (Array.isArray(out.Branches)) out.Branches = out.Branches.map((b: any) => scaleStates(b, f));
  return out;
}

function scaleStates(d: any, f: number): any {
  return {
    ...d,
    States: Object.fromEntries(
      Object.entries(d.States as Record<string, unknown>).map(([n, s]) => [n, scaleState(s, f)]),
    ),
  };
}

/** `definition` with its times multiplied by `factor` (0 < factor ≤ 1). */
export function timeScaledDefinition(definition: Definition, factor: number): Definition {
  if (!(factor > 0 && factor <= 1)) throw new RangeError("time scale must be in (0, 1]");
  const out = scaleStates(definition, factor) as Definition;
  if (typeof definition.TimeoutSeconds === "number") {
    out.TimeoutSeconds = definition.TimeoutSeconds * factor;
  }
  return out;
}
