import { PATHS } from "./paths";

/** A command-line flag value: arrays are joined with commas, `undefined` omits the flag. */
export type FlagValue = string | number | boolean | ReadonlyArray<string> | undefined;

/**
 * Serializes `--name=value` flags in the given order, as a single line for an EnvironmentFile
 * variable that a static unit expands with `$VAR` (systemd splits it on whitespace, so values
 * may not contain whitespace). Pure.
 */
export function renderFlags(flags: ReadonlyArray<readonly [string, FlagValue]>): string {
    const parts: string[] = [];
    for (const [name, value] of flags) {
        if (value === undefined) continue;
        if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new Error(`bad flag name: ${name}`);
        const v = Array.isArray(value) ? value.join(",") : String(value);
        if (/\s/.test(v)) throw new Error(`flag --${name} has whitespace in its value: ${JSON.stringify(v)}`);
        parts.push(`--${name}=${v}`);
    }
    return parts.join(" ");
}

/** Flags extraArgs may not set, sharing one reason (name → reason, for a PROTECTED_FLAGS table). Pure. */
export function protectedFlags(reason: string, names: ReadonlyArray<string>): Record<string, string> {
    return Object.fromEntries(names.map((n) => [n, reason]));
}

/** The reason of the flags that name the files ha-kubernetes writes (certificates, keys, kubeconfigs, policies). */
export const MANAGED_BY_HA_KUBERNETES = "managed by ha-kubernetes";

/**
 * `flags` with `extra` merged in: a flag already there keeps its place and takes the new value,
 * others are appended in order. `problem` names what is wrong with one (the merge throws it).
 * Pure.
 */
export function mergeExtraFlags(
    flags: ReadonlyArray<readonly [string, FlagValue]>,
    extra: Readonly<Record<string, string>> | undefined,
    problem: (name: string, value: string) => string | undefined,
): Array<[string, FlagValue]> {
    const out = flags.map(([n, v]): [string, FlagValue] => [n, v]);
    for (const [name, v] of Object.entries(extra ?? {})) {
        const p = problem(name, v);
        if (p) throw new Error(p);
        const i = out.findIndex(([n]) => n === name);
        if (i >= 0) out[i] = [name, v];
        else out.push([name, v]);
    }
    return out;
}

/**
 * kube-controller-manager and kube-scheduler hand the authentication and authorization of
 * requests to their own endpoint to the API server, through `kubeconfig`.
 */
export function delegatedAuthFlags(kubeconfig: string): Array<[string, FlagValue]> {
    return [
        ["authentication-kubeconfig", kubeconfig],
        ["authorization-kubeconfig", kubeconfig],
    ];
}

/** The CAs those delegated checks trust for client certificates: the cluster's, and the front proxy's (requests the API server forwards). */
export function delegatedClientCaFlags(): Array<[string, FlagValue]> {
    return [
        ["client-ca-file", PATHS.kubernetes.ca],
        ["requestheader-client-ca-file", PATHS.kubernetes.frontProxyCa],
    ];
}
