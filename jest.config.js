/** @type {import('jest').Config} */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  roots: ["<rootDir>/tests/unit"],
  modulePathIgnorePatterns: ["<rootDir>/bin/"],
  testMatch: ["**/*.test.ts"],
  testTimeout: 90000,
  transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: { warnOnly: false }, isolatedModules: false }] },
};
