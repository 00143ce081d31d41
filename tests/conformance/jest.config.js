/** The conformance run (tests/conformance/run.sh): one long test against lab hosts, in band. */
module.exports = {
    rootDir: "../..",
    preset: "ts-jest",
    testEnvironment: "node",
    roots: ["<rootDir>/tests/conformance"],
    testMatch: ["**/*.conformance.ts"],
    reporters: [["default", { summaryThreshold: 0 }]],
    // lab + pulumi up + both ginkgo phases (each bounded by CONFORMANCE_TIMEOUT, default 3h)
    testTimeout: 8 * 3600 * 1000,
    maxWorkers: 1,
    modulePathIgnorePatterns: ["<rootDir>/bin/"],
};
