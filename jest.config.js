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
  // One real S3/SQS emulator (fauxqs, ESM-only) for the whole run, started outside the test sandbox;
  // its endpoint reaches the workers as FAUXQS_ENDPOINT.
  globalSetup: "<rootDir>/tests/support/emulator-setup.mjs",
  globalTeardown: "<rootDir>/tests/support/emulator-teardown.mjs",
  testTimeout: 60000,
  maxWorkers: 2,
};
