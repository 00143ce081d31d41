/** End-to-end suites: real `pulumi up` against lab hosts, one topology per file, run in band. */
module.exports = {
  rootDir: "../..",
  preset: "ts-jest",
  testEnvironment: "node",
  roots: ["<rootDir>/tests/e2e"],
  testMatch: ["**/*.e2e.ts"],
  testTimeout: 1_800_000,
  maxWorkers: 1,
  modulePathIgnorePatterns: ["<rootDir>/bin/"],
};
