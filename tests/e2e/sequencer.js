/**
 * The order of the e2e suites: jest's own (slowest first once it has timings), except that the
 * stacked suite runs last. It runs the conformance subset, whose e2e.test tests/e2e/run.sh builds
 * behind the other suites at the lowest priority; on a cold machine the build then uses the CPU
 * the other suites leave idle instead of holding up the whole run.
 */
const Sequencer = require("@jest/test-sequencer").default;

const LAST = /stacked\.e2e\.ts$/;

class E2eSequencer extends Sequencer {
    async sort(tests) {
        const sorted = await super.sort(tests);
        return [...sorted.filter((t) => !LAST.test(t.path)), ...sorted.filter((t) => LAST.test(t.path))];
    }
}

module.exports = E2eSequencer;
