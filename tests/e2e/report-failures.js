#!/usr/bin/env node
/**
 * Prints what failed in an end-to-end run, short, as the last lines of the output (a CI log is
 * often read from its end): each failed test with the start of its message and the error lines
 * further down, then the error lines of that suite's pulumi log.
 *   node tests/e2e/report-failures.js RESULTS_JSON LOG_DIR
 */
const fs = require("fs");
const path = require("path");

const [resultsFile, logDir] = process.argv.slice(2);
// eslint-disable-next-line no-control-regex -- terminal colour codes (ESC [ ... m)
const plain = (s) => s.replace(/\u001b\[[0-9;]*m/g, "");
const errorLine = /\b(error|failed|refused|timed out|timeout)\b/i;

/** The first lines of a message, then the error lines after them, at most `max` lines in all. */
function brief(message, head = 25, max = 45) {
    const lines = plain(message)
        .split("\n")
        .filter((l) => l.trim() !== "" && !/^\s+at .*\(.*\)$/.test(l));
    if (lines.length <= head) return lines;
    const rest = lines.slice(head).filter((l) => errorLine.test(l));
    const tail = rest.slice(-(max - head));
    return [...lines.slice(0, head), `  … ${lines.length - head - tail.length} lines left out …`, ...tail];
}

const results = JSON.parse(fs.readFileSync(resultsFile, "utf8"));
const out = [`[e2e] FAILED: ${results.numFailedTests} of ${results.numTotalTests} tests, ${results.numFailedTestSuites} of ${results.numTotalTestSuites} suites`];
for (const suite of results.testResults) {
    const failed = suite.assertionResults.filter((t) => t.status === "failed");
    if (failed.length === 0 && !suite.message) continue;
    const name = path.basename(suite.name);
    const seen = new Set();
    for (const t of failed) {
        out.push(`--- ${name} › ${t.fullName} (${Math.round((t.duration ?? 0) / 1000)} s)`);
        for (const m of t.failureMessages) {
            if (seen.has(m)) {
                out.push("    (same error as above)");
                continue;
            }
            seen.add(m);
            out.push(...brief(m).map((l) => `    ${l}`));
        }
    }
    if (failed.length === 0) out.push(`--- ${name}`, ...brief(suite.message).map((l) => `    ${l}`));
    const log = path.join(logDir, `e2e-${name.replace(/\.e2e\.ts$/, "")}.log`);
    if (fs.existsSync(log)) {
        const errors = plain(fs.readFileSync(log, "utf8"))
            .split("\n")
            .filter((l) => errorLine.test(l));
        out.push(
            `    pulumi log ${log}: ${errors.length} error lines${errors.length ? ", the last ones:" : ""}`,
            ...errors.slice(-15).map((l) => `      ${l.trim().slice(0, 300)}`),
        );
    }
}
process.stdout.write(out.join("\n") + "\n");
