/**
 * The layers (docs/DESIGN.md "Layers") as dependency-cruiser rules; `npm run layers` (part of
 * `npm run lint`) fails on any import that crosses a layer the wrong way. Bottom up:
 *   processor/src/contract → processor/src → config → k8s builders → infra, k8s/workloads.ts
 *   → index.ts, local/ — with harness/, policy/, proof/, scripts/ and tests/ as tooling over the
 *   program (scripts/image runs the built image against local mode's emulator; scripts/smoke checks
 *   a deployed stack from its outputs and never imports the program).
 */
const TOOLING = "^(harness|policy|proof|scripts|tests|processor/tests|processor/bench)/";
const TOP = "^(index\\.ts|local/|examples/)";
const CONTRACT = "^processor/(src|dist)/contract/";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "contract-is-the-lowest-layer",
      comment: "The processor's contract imports nothing but itself and zod.",
      severity: "error",
      from: { path: CONTRACT },
      to: { pathNot: [CONTRACT, "^node_modules/zod/"], dependencyTypesNot: ["core"] },
    },
    {
      name: "processor-imports-nothing-of-the-rest",
      comment: "The processor (one image) imports only its own files and its npm dependencies.",
      severity: "error",
      from: { path: "^processor/(src|bin)/" },
      to: { pathNot: ["^processor/", "^node_modules/"], dependencyTypesNot: ["core"] },
    },
    {
      name: "config-imports-only-the-processor-contract",
      comment: "config/ (settings, names, outputs) sits right above the processor's contract.",
      severity: "error",
      from: { path: "^config/" },
      to: { path: "^(?!config/|node_modules/)", pathNot: CONTRACT, dependencyTypesNot: ["core"] },
    },
    {
      name: "k8s-builders-import-config-and-contract-only",
      comment:
        "Pure Kubernetes builders (k8s/specs, k8s/scaling) never reach the Pulumi components.",
      severity: "error",
      from: { path: "^k8s/(specs|scaling)/" },
      to: { path: "^(infra/|k8s/workloads|k8s/index|processor/(?!(src|dist)/contract/))" },
    },
    {
      name: "components-never-import-the-top-or-tooling",
      comment: "infra/ and k8s/ never import local mode, the program, policy, harness or tests.",
      severity: "error",
      from: { path: "^(infra|k8s|config)/" },
      to: { path: [TOOLING, TOP] },
    },
    {
      name: "components-reach-the-processor-only-through-its-contract",
      comment: "Deploy-time code shares values with the processor only through its contract.",
      severity: "error",
      from: { path: "^(infra|k8s|config)/" },
      to: { path: "^processor/", pathNot: CONTRACT },
    },
    {
      name: "nothing-imports-the-tests",
      comment: "Tests import anything; nothing outside them imports a test or its support.",
      severity: "error",
      from: { pathNot: "^(tests|processor/tests)/" },
      to: { path: "^(tests|processor/tests)/" },
    },
    {
      name: "smoke-reads-a-stack-only-through-its-outputs",
      comment:
        "scripts/smoke checks a deployed stack from its outputs and settings: it never imports the program, its components or the tooling that runs them.",
      severity: "error",
      from: { path: "^scripts/smoke/" },
      to: { path: "^(index\\.ts|infra/|k8s/workloads|k8s/index|harness/|policy/|proof/)" },
    },
    {
      name: "nothing-imports-the-top",
      comment:
        "index.ts and local/ are entry points: only tests, local/ itself and scripts/ import them.",
      severity: "error",
      from: { pathNot: "^(tests|local|harness|scripts)/" },
      to: { path: "^(index\\.ts|local/)" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(dist|node_modules|\\.local-run)/" },
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["require", "node", "default", "types"],
    },
  },
};
