/**
 * The processor's contract with everything that runs it (the Pulumi program, the Kubernetes specs,
 * local mode): object keys and the input → results mapping, environment variables, ports and health
 * paths, event types, and the visibility-timeout rule. The lowest layer: imports only zod.
 *
 * Imported elsewhere as `@pipeline/processor/contract` (processor/package.json `exports`): at run
 * time it resolves to the compiled `dist/contract/index.js`, because the one scheme every runtime
 * loads is plain CommonJS — the Pulumi CLI's ts-node does not compile TypeScript it reaches
 * through node_modules, and `npm ci` (`prepare`), `npm start` and `npm run policy` build dist first.
 * Types come from this source: the `types` condition for resolvers that honour `exports`, and
 * `typesVersions` for the root tsconfig's `moduleResolution: node`, which ignores `exports` (kept,
 * rather than moving the whole program to node16 resolution and its stricter module rules). Jest
 * maps the specifier to this source (jest.config.js), so tests never see a stale build. Inside the
 * processor, import it relatively (`../contract`): the Docker image compiles processor/src alone.
 */
export * from "./env";
export * from "./env-parse";
export * from "./events";
export * from "./heap";
export * from "./keys";
export * from "./ports";
export * from "./scratch";
export * from "./visibility";
