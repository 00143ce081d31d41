import { hashHeader } from "./header";

/**
 * A small generic serializer for the "directive list" config formats that have no npm
 * serializer: haproxy (sections of indented directives), keepalived (nested `name { ... }`
 * blocks, no terminator) and nginx (nested blocks, directives end with `;`).
 * Configs are built as data (`directive`, `block`, `comment`) and written by
 * `renderBlockConfig(dialect, nodes)`. Every token is validated; a token a dialect cannot write
 * bare is quoted where the dialect has a quoting rule without side effects, and rejected
 * otherwise. Pure.
 */

/** One argument of a directive or block header. Numbers must be finite. */
export type BlockArg = string | number;

/** `name arg1 arg2`. A list entry (keepalived's `10.0.0.1` in `unicast_peer { }`) is a directive without args. */
export interface DirectiveNode {
    readonly kind: "directive";
    readonly name: string;
    readonly args: ReadonlyArray<BlockArg>;
}

/** `name args { children }`, or for haproxy a section `name args` followed by its indented children. */
export interface BlockNode {
    readonly kind: "block";
    readonly name: string;
    readonly args: ReadonlyArray<BlockArg>;
    readonly children: ReadonlyArray<ConfigNode>;
}

/** `# text` on its own line. */
export interface CommentNode {
    readonly kind: "comment";
    readonly text: string;
}

export type ConfigNode = DirectiveNode | BlockNode | CommentNode;

/** Builds a directive node. */
export function directive(name: string, ...args: BlockArg[]): DirectiveNode {
    return { kind: "directive", name, args };
}

/** Builds a block node; `undefined`/`false` children are dropped (for conditional entries). */
export function block(name: string, args: ReadonlyArray<BlockArg>, children: ReadonlyArray<ConfigNode | undefined | false>): BlockNode {
    return { kind: "block", name, args, children: children.filter((c): c is ConfigNode => !!c) };
}

/** Builds a comment node. */
export function comment(text: string): CommentNode {
    return { kind: "comment", text };
}

/** How one config language writes nodes. */
export interface BlockDialect {
    /** For error messages. */
    readonly name: string;
    /** `braces`: `name args {` … `}` at any depth; `sections`: top-level sections only, children indented, no braces (haproxy). */
    readonly style: "braces" | "sections";
    /** Written after every directive (nginx `;`). */
    readonly terminator: string;
    /** Tokens written bare. Directive and block names must always match it. */
    readonly bare: RegExp;
    /** Writes a token that is not bare, or throws when the dialect cannot represent it safely. */
    readonly quote: (token: string) => string;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * haproxy 2.6 (configuration.txt §2.2): single quotes are "strong" quotes (no escapes, no
 * environment-variable expansion), so any token without `'` or control characters can be quoted.
 */
export const HAPROXY_DIALECT: BlockDialect = {
    name: "haproxy",
    style: "sections",
    terminator: "",
    bare: /^[A-Za-z0-9_.:/@%+=,*[\]-]+$/,
    quote(token) {
        if (token === "" || token.includes("'") || CONTROL.test(token)) throw new Error(`haproxy: cannot write token ${JSON.stringify(token)}`);
        return `'${token}'`;
    },
};

/**
 * keepalived 2.2: `#` and `!` start comments, `$NAME` is parameter substitution, braces open
 * and close blocks, and quote handling depends on the keyword: only plain tokens are accepted.
 */
export const KEEPALIVED_DIALECT: BlockDialect = {
    name: "keepalived",
    style: "braces",
    terminator: "",
    bare: /^[A-Za-z0-9_.:/@%+=,-]+$/,
    quote(token) {
        throw new Error(`keepalived: token ${JSON.stringify(token)} must match [A-Za-z0-9_.:/@%+=,-]+`);
    },
};

/**
 * nginx 1.22: double-quoted strings with `\"` and `\\` escapes. `$` is variable interpolation
 * even inside quotes, so it is rejected.
 */
export const NGINX_DIALECT: BlockDialect = {
    name: "nginx",
    style: "braces",
    terminator: ";",
    bare: /^[A-Za-z0-9_.:/@%+=,*[\]-]+$/,
    quote(token) {
        if (token.includes("$") || CONTROL.test(token)) throw new Error(`nginx: cannot write token ${JSON.stringify(token)}`);
        return `"${token.replace(/([\\"])/g, "\\$1")}"`;
    },
};

function tokenText(d: BlockDialect, arg: BlockArg): string {
    if (typeof arg === "number") {
        if (!Number.isFinite(arg)) throw new Error(`${d.name}: number argument must be finite, got ${arg}`);
        return String(arg);
    }
    if (typeof arg !== "string") throw new Error(`${d.name}: argument must be a string or number, got ${typeof arg}`);
    return d.bare.test(arg) ? arg : d.quote(arg);
}

function nameText(d: BlockDialect, name: string): string {
    if (typeof name !== "string" || !d.bare.test(name)) throw new Error(`${d.name}: bad directive or block name ${JSON.stringify(name)}`);
    return name;
}

function line(d: BlockDialect, name: string, args: ReadonlyArray<BlockArg>): string {
    return [nameText(d, name), ...args.map((a) => tokenText(d, a))].join(" ");
}

function renderNodes(d: BlockDialect, nodes: ReadonlyArray<ConfigNode>, depth: number, out: string[]): void {
    const indent = "    ".repeat(depth);
    let previous: ConfigNode | undefined;
    for (const node of nodes) {
        // At top level, a block or a comment after a block starts after one blank line
        // (a comment right before a block stays attached to it).
        if (depth === 0 && previous && (previous.kind === "block" || (node.kind === "block" && previous.kind !== "comment"))) out.push("");
        if (node.kind === "comment") {
            if (CONTROL.test(node.text)) throw new Error(`${d.name}: comment must be a single line: ${JSON.stringify(node.text)}`);
            out.push(`${indent}# ${node.text}`.trimEnd());
        } else if (node.kind === "directive") {
            if (d.style === "sections" && depth === 0) throw new Error(`${d.name}: directive ${node.name} must be inside a section`);
            out.push(`${indent}${line(d, node.name, node.args)}${d.terminator}`);
        } else if (d.style === "sections") {
            if (depth > 0) throw new Error(`${d.name}: sections cannot be nested (${node.name})`);
            out.push(line(d, node.name, node.args));
            renderNodes(d, node.children, depth + 1, out);
        } else {
            out.push(`${indent}${line(d, node.name, node.args)} {`);
            renderNodes(d, node.children, depth + 1, out);
            out.push(`${indent}}`);
        }
        previous = node;
    }
}

/** Serializes `nodes` in `dialect`, starting with the ha-kubernetes header comment. Pure. */
export function renderBlockConfig(dialect: BlockDialect, nodes: ReadonlyArray<ConfigNode>): string {
    const out: string[] = [hashHeader().trimEnd()];
    if (nodes.length > 0) out.push("");
    renderNodes(dialect, nodes, 0, out);
    return out.join("\n") + "\n";
}

/** Throws unless `port` is an integer in 1–65535. */
export function assertPort(what: string, port: number): void {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${what} must be an integer port 1-65535, got ${JSON.stringify(port)}`);
}

/** True for an RFC 1123 host name (letters, digits and `-` in dot-separated labels). */
export function isHostname(s: string): boolean {
    return typeof s === "string" && s.length <= 253 && /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(s);
}
