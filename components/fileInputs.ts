// Inputs users give as text or as a file on the machine that runs Pulumi (`x` or `xPath`):
// PEM certificates and SSH private keys. Checked here and read here, nowhere else.
import * as pulumi from "@pulumi/pulumi";
import * as os from "os";

/** `~` or `~/…` at the start of a path → the home directory of the user running Pulumi. */
export function expandHome(path: string, home: string = os.homedir()): string {
    if (path === "~") return home;
    return path.startsWith("~/") ? `${home}/${path.slice(2)}` : path;
}

/** What a file-or-text input must hold. */
export type PemKind = "certificate" | "sshPrivateKey" | "pgpPublicKey";

const KIND_NAME: Record<PemKind, string> = {
    certificate: "a PEM certificate (-----BEGIN CERTIFICATE-----)",
    sshPrivateKey: "an unencrypted SSH private key (OpenSSH, PKCS#1 RSA or SEC1 EC PEM)",
    pgpPublicKey: "an armored OpenPGP public key (-----BEGIN PGP PUBLIC KEY BLOCK-----)",
};

/** One armored public key block: headers, then base64 lines and the `=` checksum line. */
function pgpPublicKeyReason(text: string): string | undefined {
    const m = /^-----BEGIN PGP PUBLIC KEY BLOCK-----\r?\n([\s\S]*?)\r?\n-----END PGP PUBLIC KEY BLOCK-----$/.exec(text);
    if (!m) return "no single PUBLIC KEY BLOCK";
    const lines = m[1].split(/\r?\n/);
    const blank = lines.findIndex((l) => l.trim() === "");
    const body = blank < 0 ? lines : lines.slice(blank + 1);
    if (blank >= 0 && !lines.slice(0, blank).every((l) => /^[A-Za-z-]+: [ -~]*$/.test(l))) return "a bad armor header";
    if (!body.length || !body.every((l) => /^=?[A-Za-z0-9+/]+={0,2}$/.test(l))) return "the key is not base64";
    return undefined;
}

function certificateReason(text: string): string | undefined {
    const { X509Certificate } = require("crypto") as typeof import("crypto");
    const blocks = text.match(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g) ?? [];
    if (blocks.length === 0) return "no PEM block";
    const rest = blocks.reduce((t, b) => t.replace(b, ""), text).trim();
    if (rest !== "") return "text outside the PEM blocks";
    for (const [i, b] of blocks.entries()) {
        if (!b.startsWith("-----BEGIN CERTIFICATE-----")) return `block ${i + 1} is ${b.slice(11, b.indexOf("-----", 11))}, not CERTIFICATE`;
        try {
            new X509Certificate(b);
        } catch (e) {
            return `block ${i + 1} does not parse (${(e as Error).message})`;
        }
    }
    return undefined;
}

function sshKeyReason(text: string): string | undefined {
    const { utils } = require("ssh2") as typeof import("ssh2");
    const parsed = utils.parseKey(text);
    if (parsed instanceof Error) return parsed.message;
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    return key && key.isPrivateKey() ? undefined : "a public key, not a private one";
}

/**
 * Why `text` is not what `kind` asks for, or undefined when it is. Never quotes the text (it may
 * be a secret); a one-line value that looks like a path is called one.
 */
export function pemReason(kind: PemKind, text: unknown, fileKey = "the matching …Path key"): string | undefined {
    if (typeof text !== "string") return `must be ${KIND_NAME[kind]} as text, got ${text === null ? "null" : typeof text}`;
    const t = text.trim();
    if (!t.includes("\n") && !t.startsWith("-----") && /^[^\s]+$/.test(t) && (/^~|\//.test(t) || /\.(pem|crt|cert|key|asc|gpg)$/.test(t) || /^id_\w+$/.test(t))) {
        return `is not ${KIND_NAME[kind]}: it looks like a file path (a file goes in ${fileKey})`;
    }
    const reason = kind === "certificate" ? certificateReason(t) : kind === "pgpPublicKey" ? pgpPublicKeyReason(t) : sshKeyReason(t);
    return reason === undefined ? undefined : `is not ${KIND_NAME[kind]}: ${reason}`;
}

/** Reading files, injectable for tests. */
export interface FileReader {
    readonly fileExists: (path: string) => boolean;
    readonly readFile?: (path: string) => string;
}

const disk: Required<FileReader> = {
    fileExists: (p) => (require("fs") as typeof import("fs")).existsSync(p),
    readFile: (p) => (require("fs") as typeof import("fs")).readFileSync(p, "utf8"),
};

/** One text-or-file input: `text` at `textPath` in the configuration, `file` at `filePath`. */
export interface FileOrText {
    readonly kind: PemKind;
    readonly textPath: string;
    readonly filePath: string;
    /** The text; an Output (a secret from config) is not checked here. */
    readonly text?: unknown;
    readonly file?: unknown;
}

/** Every problem with one text-or-file input, as `[propertyPath, reason]` pairs. */
export function fileOrTextProblems(input: FileOrText, reader: FileReader = disk): [string, string][] {
    const { kind, textPath, filePath, text, file } = input;
    if (text !== undefined && file !== undefined) return [[textPath, `give ${textPath} or ${filePath}, not both`]];
    if (file !== undefined) {
        if (typeof file !== "string" || file === "") return [[filePath, `must be a file path, got ${JSON.stringify(file)}`]];
        const p = expandHome(file);
        if (!reader.fileExists(p)) return [[filePath, `file ${p} does not exist`]];
        let content: string;
        try {
            content = (reader.readFile ?? disk.readFile)(p);
        } catch (e) {
            return [[filePath, `file ${p} cannot be read (${(e as Error).message})`]];
        }
        const reason = pemReason(kind, content);
        return reason ? [[filePath, `file ${p} ${reason}`]] : [];
    }
    if (text === undefined || pulumi.Output.isInstance(text) || text instanceof Promise) return [];
    const reason = pemReason(kind, text, filePath);
    return reason ? [[textPath, reason]] : [];
}

/** The value of a valid text-or-file input: the text as given, else the file's content. */
export function fileOrTextValue<T>(text: T | undefined, file: string | undefined, readFile: (p: string) => string = disk.readFile): T | string | undefined {
    if (text !== undefined) return text;
    return file === undefined ? undefined : readFile(expandHome(file));
}
