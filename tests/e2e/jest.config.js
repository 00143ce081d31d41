/** End-to-end suites: real `pulumi up` against lab hosts, one topology per file, run in band. */
module.exports = {
    rootDir: "../..",
    preset: "ts-jest",
    testEnvironment: "node",
    roots: ["<rootDir>/tests/e2e"],
    testMatch: ["**/*.e2e.ts"],
    // the summary of failed tests is printed at the end even for a few suites
    reporters: [["default", { summaryThreshold: 0 }]],
    testTimeout: 1_800_000,
    maxWorkers: 1,
    // the stacked suite (it runs the conformance subset) last: see sequencer.js
    testSequencer: "<rootDir>/tests/e2e/sequencer.js",
    modulePathIgnorePatterns: ["<rootDir>/bin/"],
};
