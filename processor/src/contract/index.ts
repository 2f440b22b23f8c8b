/**
 * The processor's contract with everything that runs it (the Pulumi program, the Kubernetes specs,
 * local mode): object keys and the input → results mapping, environment variables, ports and health
 * paths, event types, and the visibility-timeout rule. The lowest layer: imports only zod.
 */
export * from "./env";
export * from "./env-parse";
export * from "./events";
export * from "./keys";
export * from "./ports";
export * from "./visibility";
