/** @type {import('jest').Config} */
module.exports = {
    preset: "ts-jest",
    testEnvironment: "node",
    roots: ["<rootDir>/tests/unit"],
    modulePathIgnorePatterns: ["<rootDir>/bin/"],
    testMatch: ["**/*.test.ts"],
    setupFilesAfterEnv: ["<rootDir>/tests/unit/sdkStackTraces.setup.ts"],
    // the summary of failed tests is printed at the end even for a few suites
    reporters: [["default", { summaryThreshold: 0 }]],
    testTimeout: 90000,
    // every core (jest's default leaves one for itself: a single worker on this project's 2-core machine)
    maxWorkers: "100%",
    // each file transpiled on its own: `npm run build` (tsc) has type-checked everything first
    transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.jest.json", diagnostics: { warnOnly: false } }] },
};
