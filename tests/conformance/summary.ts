/**
 * Reads the phases' JUnit files (ginkgo's format, as e2e.test --report-dir writes it) and writes
 * summary.json and summary.md: passed, failed, skipped, duration, each failure's name and first
 * error line. Specs the focus, skip or label filter left out are in the JUnit as
 * `<skipped message="skipped"/>` and are not counted; a spec skipped while running is
 * ("skipped - <why>"). A failed suite node (e.g. [SynchronizedBeforeSuite]) counts as a failure,
 * and so does a phase whose ginkgo failed without a failed spec in its report. A spec that passed
 * only on a later attempt (ginkgo --flake-attempts) counts as passed and is listed as flaked with
 * its failed attempt's message, read from ginkgo's JSON report (the JUnit omits passed specs'
 * timelines).
 */
import * as fs from "fs";
import * as path from "path";
import { PhaseResult } from "./ginkgo";

// eslint-disable-next-line no-control-regex -- terminal colour codes (ESC [ ... m)
const ANSI_COLOUR = /\u001b\[[0-9;]*m/g;

export interface Case {
    readonly name: string;
    readonly state: string;
    readonly seconds: number;
    /** For skipped specs: the skip message; for failures: the first line of the failure. */
    readonly detail: string;
}

export interface Failure {
    readonly name: string;
    readonly phase: string;
    readonly state: string;
    readonly firstLine: string;
}

export interface Summary {
    readonly focus: string;
    readonly skip: string;
    readonly passed: number;
    readonly failed: number;
    readonly skipped: number;
    /** The phases' time (the specs), and the whole run's (lab, registry, `pulumi up` too). */
    readonly durationSeconds: number;
    readonly totalSeconds: number;
    readonly phases: { name: string; procs: number; exitCode: number; seconds: number; junit?: string }[];
    readonly passedSpecs: string[];
    readonly failures: Failure[];
    /** Passed, but only on a retry: firstLine is the failed attempt's first line. */
    readonly flaked: Failure[];
}

const unescape = (s: string) =>
    s
        .replace(/&#x([0-9a-fA-F]+);/g, (_, h) => String.fromCodePoint(parseInt(h, 16)))
        .replace(/&#([0-9]+);/g, (_, d) => String.fromCodePoint(Number(d)))
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&quot;/g, '"')
        .replace(/&apos;/g, "'")
        .replace(/&amp;/g, "&");
const attr = (tag: string, name: string) => unescape(new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1] ?? "");

/** The test cases of a ginkgo JUnit file. */
export function parseJUnit(xml: string): Case[] {
    const cases: Case[] = [];
    const re = /<testcase\s([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g;
    for (let m = re.exec(xml); m; m = re.exec(xml)) {
        const tag = ` ${m[1]}`,
            body = m[3] ?? "";
        const skipped = /<skipped\s([^>]*)/.exec(body);
        const failure = /<(failure|error)\b([^>]*)>([\s\S]*?)<\/\1>/.exec(body);
        let detail = "";
        if (skipped) detail = attr(` ${skipped[1]}`, "message");
        if (failure) {
            const text = [attr(` ${failure[2]}`, "message"), unescape(failure[3])].join("\n");
            detail =
                text
                    .replace(ANSI_COLOUR, "")
                    .split("\n")
                    .map((l) => l.trim())
                    .find((l) => l !== "") ?? "";
        }
        cases.push({ name: attr(tag, "name"), state: attr(tag, "status"), seconds: Number(attr(tag, "time")) || 0, detail });
    }
    return cases;
}

/** The parts of a ginkgo JSON report (`ginkgo --json-report`) that tell a flaked spec. */
interface JsonSpecReport {
    readonly ContainerHierarchyTexts?: string[] | null;
    readonly LeafNodeText?: string;
    readonly LeafNodeType?: string;
    readonly State?: string;
    readonly NumAttempts?: number;
    readonly AdditionalFailures?: { Failure?: { Message?: string } }[] | null;
}

/** Specs of a ginkgo JSON report that passed after a failed attempt, with that attempt's failure. */
export function parseFlaked(json: string, phase: string): Failure[] {
    const suites = JSON.parse(json) as { SpecReports?: JsonSpecReport[] | null }[];
    const out: Failure[] = [];
    for (const r of suites.flatMap((s) => s.SpecReports ?? [])) {
        if (r.LeafNodeType !== "It" || r.State !== "passed" || (r.NumAttempts ?? 1) < 2) continue;
        const message = r.AdditionalFailures?.[0]?.Failure?.Message ?? "";
        const firstLine =
            message
                .replace(ANSI_COLOUR, "")
                .split("\n")
                .map((l) => l.trim())
                .find((l) => l !== "" && !/^Failure recorded during attempt \d+:$/.test(l)) ?? "";
        out.push({ name: [...(r.ContainerHierarchyTexts ?? []), r.LeafNodeText ?? ""].join(" "), phase, state: `passed on attempt ${r.NumAttempts}`, firstLine });
    }
    return out;
}

const isSpec = (c: Case) => c.name.startsWith("[It] ");
/** Left out by the focus/skip/label filter (not run in this phase). */
const filteredOut = (c: Case) => c.state === "skipped" && c.detail === "skipped";
const failedState = (s: string) => !["passed", "skipped", "pending"].includes(s);

export function summarize(results: PhaseResult[], sel: { focus: string; skip: string }, totalSeconds: number): Summary {
    const specs = new Map<string, Case & { phase: string }>();
    const failures: Failure[] = [];
    const flaked: Failure[] = [];
    for (const r of results) {
        if (r.jsonReport) flaked.push(...parseFlaked(fs.readFileSync(r.jsonReport, "utf8"), r.phase.name));
        const cases = r.junit ? parseJUnit(fs.readFileSync(r.junit, "utf8")) : [];
        for (const c of cases) {
            if (isSpec(c) && !filteredOut(c)) specs.set(c.name, { ...c, phase: r.phase.name });
            else if (!isSpec(c) && failedState(c.state)) failures.push({ name: c.name, phase: r.phase.name, state: c.state, firstLine: c.detail });
        }
        const failedHere = cases.some((c) => failedState(c.state));
        if (r.exitCode !== 0 && !failedHere) {
            failures.push({
                name: `ginkgo (${r.phase.name} phase)`,
                phase: r.phase.name,
                state: "failed",
                firstLine: `exited ${r.exitCode}${r.junit ? "" : " without writing its JUnit report"}; see ginkgo-${r.phase.name}.log`,
            });
        }
    }
    const all = [...specs.values()];
    for (const c of all.filter((x) => failedState(x.state))) failures.unshift({ name: c.name.slice(5), phase: c.phase, state: c.state, firstLine: c.detail });
    return {
        focus: sel.focus,
        skip: sel.skip,
        passed: all.filter((c) => c.state === "passed").length,
        failed: failures.length,
        skipped: all.filter((c) => c.state === "skipped" || c.state === "pending").length,
        durationSeconds: results.reduce((n, r) => n + r.seconds, 0),
        totalSeconds,
        phases: results.map((r) => ({ name: r.phase.name, procs: r.phase.procs, exitCode: r.exitCode, seconds: r.seconds, junit: r.junit && path.basename(r.junit) })),
        passedSpecs: all
            .filter((c) => c.state === "passed")
            .map((c) => c.name.slice(5))
            .sort(),
        failures,
        flaked,
    };
}

const hms = (s: number) => `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m${String(s % 60).padStart(2, "0")}s`;

export function markdown(s: Summary): string {
    const lines = [
        "# Conformance run",
        "",
        `focus \`${s.focus}\`${s.skip ? `, skip \`${s.skip}\`` : ""}`,
        "",
        "| passed | failed | skipped | duration | whole run |",
        "| --- | --- | --- | --- | --- |",
        `| ${s.passed} | ${s.failed} | ${s.skipped} | ${hms(s.durationSeconds)} | ${hms(s.totalSeconds)} |`,
        "",
        ...s.phases.map((p) => `- ${p.name} phase: ${p.procs} process${p.procs > 1 ? "es" : ""}, ${hms(p.seconds)}, ginkgo exit ${p.exitCode}${p.junit ? `, ${p.junit}` : ""}`),
    ];
    if (s.failures.length) lines.push("", "## Failures", "", ...s.failures.map((f) => `- ${f.name} (${f.phase}, ${f.state}): ${f.firstLine}`));
    if (s.flaked.length) lines.push("", "## Flaked: failed, then passed on a retry", "", ...s.flaked.map((f) => `- ${f.name} (${f.phase}, ${f.state}): ${f.firstLine}`));
    return lines.join("\n") + "\n";
}

/** Writes summary.json and summary.md into `dir`; returns the Markdown. */
export function writeSummary(dir: string, s: Summary): string {
    fs.writeFileSync(path.join(dir, "summary.json"), JSON.stringify(s, null, 2) + "\n");
    const md = markdown(s);
    fs.writeFileSync(path.join(dir, "summary.md"), md);
    return md;
}
