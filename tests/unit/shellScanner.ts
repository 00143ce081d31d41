/**
 * A small POSIX-shell quoting-state scanner for the tests: where in a script a piece of text
 * would be live shell syntax (a word, a command, a substitution) rather than inert data. It
 * follows single and double quotes, backslash escapes, `$(…)`, `$((…))`, `${…}`, backticks,
 * comments and here-documents (a quoted delimiter makes the body literal); a single-quoted
 * script given to `sh -c` / `bash -c` is scanned again as the script it is.
 */

type Kind = "cmd" | "sq" | "dq" | "bt" | "param" | "heredoc";

interface Context {
    readonly kind: Kind;
    /** Open parentheses inside a `$(`…`)` (0 for the script itself and for backticks). */
    depth: number;
    /** `$(`: closes on its `)`; the script's own context never closes. */
    readonly closes: boolean;
    /** A here-document's delimiter (body until a line equal to it). */
    readonly delimiter?: string;
}

/** Where a here-document waits for its body: after the line that opened it. */
interface PendingHeredoc {
    readonly delimiter: string;
    readonly quoted: boolean;
    readonly stripTabs: boolean;
}

const WORD_START = /[\s;&|()]/;

/** For each character of `script`: true when the shell takes it as data (quoted, escaped, a comment, a literal here-document). */
export function inertMap(script: string): boolean[] {
    const inert: boolean[] = new Array(script.length).fill(false);
    const stack: Context[] = [{ kind: "cmd", depth: 0, closes: false }];
    const pending: PendingHeredoc[] = [];
    const top = () => stack[stack.length - 1];
    const isCmd = (k: Kind) => k === "cmd" || k === "bt" || k === "param";
    let i = 0;
    /** At a newline that ends a command line: the pending here-documents' bodies. */
    const bodies = () => {
        while (pending.length > 0) {
            const h = pending.shift()!;
            const endOf = (from: number) => (script.indexOf("\n", from) < 0 ? script.length : script.indexOf("\n", from));
            if (h.quoted) {
                for (;;) {
                    if (i >= script.length) throw new Error(`here-document ${h.delimiter} never ends`);
                    const end = endOf(i);
                    const line = script.slice(i, end);
                    if ((h.stripTabs ? line.replace(/^\t+/, "") : line) === h.delimiter) {
                        i = end + 1;
                        break;
                    }
                    for (let j = i; j <= end && j < script.length; j++) inert[j] = true;
                    i = end + 1;
                }
            } else {
                const end = endOf(i);
                if (script.slice(i, end) === h.delimiter) i = end + 1;
                else return void stack.push({ kind: "heredoc", depth: 0, closes: false, delimiter: h.delimiter });
            }
        }
    };
    while (i < script.length) {
        const c = script[i];
        const ctx = top();
        if (ctx.kind === "sq") {
            if (c === "'") stack.pop();
            else inert[i] = true;
            i++;
            continue;
        }
        if (ctx.kind === "dq" || ctx.kind === "heredoc") {
            if (c === "\\" && i + 1 < script.length && /[$`"\\\n]/.test(script[i + 1]) && (ctx.kind === "dq" || script[i + 1] !== '"')) {
                inert[i + 1] = true;
                i += 2;
                continue;
            }
            if (c === '"' && ctx.kind === "dq") {
                stack.pop();
                i++;
                continue;
            }
            if (c === "\n" && ctx.kind === "heredoc") {
                inert[i] = true;
                const end = script.indexOf("\n", i + 1) < 0 ? script.length : script.indexOf("\n", i + 1);
                if (script.slice(i + 1, end) === ctx.delimiter) {
                    stack.pop();
                    i = end;
                    continue;
                }
                i++;
                continue;
            }
            if (c === "$" || c === "`") {
                i = open(i);
                continue;
            }
            inert[i] = true;
            i++;
            continue;
        }
        // unquoted: the script, a substitution, a parameter expansion
        if (c === "\\") {
            inert[i] = true;
            if (i + 1 < script.length) inert[i + 1] = true;
            i += 2;
            continue;
        }
        if (c === "'") {
            stack.push({ kind: "sq", depth: 0, closes: false });
            i++;
            continue;
        }
        if (c === '"') {
            stack.push({ kind: "dq", depth: 0, closes: false });
            i++;
            continue;
        }
        if (c === "#" && ctx.kind !== "param" && (i === 0 || WORD_START.test(script[i - 1]))) {
            while (i < script.length && script[i] !== "\n") inert[i++] = true;
            continue;
        }
        if (c === "`") {
            if (ctx.kind === "bt") stack.pop();
            else stack.push({ kind: "bt", depth: 0, closes: false });
            i++;
            continue;
        }
        if (c === "$") {
            i = open(i);
            continue;
        }
        if (ctx.kind === "param" && c === "}") {
            stack.pop();
            i++;
            continue;
        }
        if (c === "(" && ctx.closes) ctx.depth++;
        if (c === ")" && ctx.closes) {
            if (ctx.depth === 0) {
                stack.pop();
                i++;
                continue;
            }
            ctx.depth--;
        }
        if (c === "<" && script.startsWith("<<", i) && !script.startsWith("<<<", i)) {
            const m = /^<<(-?)\s*('([^']*)'|"([^"]*)"|\\?([A-Za-z_][A-Za-z0-9_]*))/.exec(script.slice(i));
            if (m) {
                pending.push({ delimiter: m[3] ?? m[4] ?? m[5], quoted: m[3] !== undefined || m[4] !== undefined || m[2].startsWith("\\"), stripTabs: m[1] === "-" });
                i += m[0].length;
                continue;
            }
        }
        if (c === "\n" && pending.length > 0 && isCmd(ctx.kind)) {
            i++;
            bodies();
            continue;
        }
        i++;
    }
    if (stack.length !== 1 || pending.length > 0) throw new Error(`the scanner ends inside ${stack.map((s) => s.kind).join(" > ")}: unbalanced quoting in\n${script}`);
    return inert;

    /** At a `$` or backtick inside quotes or unquoted: what it opens; returns where scanning goes on. */
    function open(at: number): number {
        if (script[at] === "`") {
            stack.push({ kind: "bt", depth: 0, closes: false });
            return at + 1;
        }
        const next = script[at + 1];
        if (next === "(") {
            stack.push({ kind: "cmd", depth: 0, closes: true });
            return at + 2;
        }
        if (next === "{") {
            stack.push({ kind: "param", depth: 0, closes: false });
            return at + 2;
        }
        // `$name`, `$1`, `$?`: live but opens nothing; a lone `$` is a literal dollar
        if (next !== undefined && /[A-Za-z0-9_?#@*!$-]/.test(next)) return at + 2;
        if (top().kind !== "cmd" && top().kind !== "bt" && top().kind !== "param") inert[at] = true;
        return at + 1;
    }
}

/** Offsets of `marker` in `script` where the shell would take any of its characters as syntax, including inside a `sh -c` / `bash -c` script. */
export function liveOccurrences(script: string, marker: string): string[] {
    const inert = inertMap(script);
    const live: string[] = [];
    for (let at = script.indexOf(marker); at >= 0; at = script.indexOf(marker, at + 1))
        if (inert.slice(at, at + marker.length).some((x) => !x)) live.push(`…${script.slice(Math.max(0, at - 60), at + marker.length + 10)}…`);
    for (const m of script.matchAll(/\b(?:ba)?sh -c ('[^']*'(?:\\''[^']*')*)/g)) {
        const inner = m[1].slice(1, -1).replace(/'\\''/g, "'");
        live.push(...liveOccurrences(inner, marker).map((s) => `(in ${m[0].slice(0, 12)}…) ${s}`));
    }
    return live;
}
