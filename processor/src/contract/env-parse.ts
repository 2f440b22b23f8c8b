/**
 * Environment parsing shared by every command: one error that names each bad variable, the zod
 * building blocks of the command schemas (./env.ts), and the variables every command understands.
 */
import { z } from "zod";

/** Thrown when the environment does not satisfy a command's schema; the message names each variable. */
export class EnvError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid environment: ${problems.join("; ")}`);
    this.name = "EnvError";
  }
}

/** An environment variable that must be present and non-empty. */
export const requiredString = (description: string) =>
  z
    .string({ error: `is required (${description})` })
    .trim()
    .min(1, `is required (${description})`);

/** An optional variable; an empty string counts as unset (Kubernetes and shells often pass ""). */
export const optionalString = () =>
  z.preprocess((v) => (v === "" ? undefined : v), z.string().trim().optional());

/** A positive integer read from a string, with a default when unset or empty. */
export const positiveInt = (fallback: number) =>
  z.preprocess(
    (v) => (v === undefined || v === "" ? fallback : Number(v)),
    z.number({ error: "must be a number" }).int("must be an integer").positive("must be > 0"),
  );

/** A non-negative integer read from a string (0 is a meaningful value, e.g. "no limit"). */
export const nonNegativeInt = (fallback: number) =>
  z.preprocess(
    (v) => (v === undefined || v === "" ? fallback : Number(v)),
    z.number({ error: "must be a number" }).int("must be an integer").min(0, "must be >= 0"),
  );

/** A non-negative number (fractions allowed, e.g. a rate of 0.5 per second) with a default. */
export const nonNegativeNumber = (fallback: number) =>
  z.preprocess(
    (v) => (v === undefined || v === "" ? fallback : Number(v)),
    z.number({ error: "must be a number" }).finite("must be finite").min(0, "must be >= 0"),
  );

/** Variables every command reads: where AWS is, and how chatty the logs are. */
export const commonEnvSchema = z.object({
  AWS_REGION: optionalString(),
  AWS_ENDPOINT_URL: optionalString().pipe(
    z.url({ error: "must be a URL such as http://127.0.0.1:4566" }).optional(),
  ),
  LOG_LEVEL: z
    .preprocess(
      (v) => (v === "" ? undefined : v),
      z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).optional(),
    )
    .default("info"),
});

export type CommonEnv = z.infer<typeof commonEnvSchema>;

/**
 * Parses `env` with `schema`, or throws an {@link EnvError} listing every bad variable by name
 * (`PREPROCESS_QUEUE_URL is required (...)`), never the whole environment.
 */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  env: Readonly<Record<string, string | undefined>> = process.env,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.length > 0 ? issue.path.join(".") : "environment";
    return `${name} ${issue.message}`;
  });
  throw new EnvError(problems);
}
