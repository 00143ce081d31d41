// eslint (npm run lint): the TypeScript of the product and its tests, and the project's CommonJS scripts.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["bin/", "node_modules/", "**/*.d.ts"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        languageOptions: { globals: { ...globals.node } },
        rules: {
            // dynamic providers import inside their methods (they are serialized with their code)
            "@typescript-eslint/no-require-imports": "off",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
        },
    },
    {
        files: ["**/*.js", "**/*.cjs"],
        languageOptions: { sourceType: "commonjs" },
    },
    {
        // the tests read what the mock engine and the APIs return, untyped
        files: ["tests/**/*.ts"],
        rules: { "@typescript-eslint/no-explicit-any": "off" },
    },
);
