/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests", "<rootDir>/processor/tests"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.(t|j)sx?$": [
      "@swc/jest",
      { jsc: { target: "es2023", parser: { syntax: "typescript" } }, module: { type: "commonjs" } },
    ],
  },
  // kubernetes-models and @kubernetes-models/* are ESM-only: resolve them with the `import` condition
  // and compile them to CommonJS like our own sources. The processor's p-limit and p-retry (and their
  // dependencies) are ESM-only too; the built processor loads them with Node's require(esm).
  resolver: "<rootDir>/tests/support/esm-resolver.js",
  // The processor's contract from its source, not its build (processor/src/contract/index.ts says
  // why the package exports dist): a test never runs against a stale dist.
  moduleNameMapper: {
    "^@pipeline/processor/contract$": "<rootDir>/processor/src/contract/index.ts",
  },
  transformIgnorePatterns: [
    "/node_modules/(?!(kubernetes-models|@kubernetes-models|is-cidr|cidr-regex|ip-regex|re2-wasm|p-limit|yocto-queue|p-retry|is-network-error)/)",
  ],
  // One real S3/SQS emulator (fauxqs, ESM-only) for the whole run, started outside the test sandbox;
  // its endpoint reaches the workers as FAUXQS_ENDPOINT.
  globalSetup: "<rootDir>/tests/support/emulator-setup.mjs",
  globalTeardown: "<rootDir>/tests/support/emulator-teardown.mjs",
  testTimeout: 60000,
  maxWorkers: 2,
};
