import * as pulumi from "@pulumi/pulumi";
import { recorded, SECRET_CONNECTION } from "./dynamic";
import { shellQuote as q, waitScript } from "../lib/shell";
import { OnHost, OnHostInputs, reachChanged, sshExec, sshRun } from "./ssh";

/**
 * A systemd service ha-kubernetes owns on a host: enabled, and running. `read` looks at the host,
 * so `pulumi refresh` after someone stopped or disabled the service records it, `pulumi preview`
 * shows the drift and the next `pulumi up` starts and enables exactly that service (waiting until
 * it is active) and nothing else. Starting it the first time, and restarts after configuration
 * changes, belong to the components' rolling restart commands: creating this resource only
 * reloads systemd and enables the unit.
 */

/** What the program passes. */
export interface ManagedServiceInputs extends OnHostInputs {
    /** systemd unit name without `.service`. */
    readonly unit: pulumi.Input<string>;
}

/** The same, resolved, as the provider receives it. */
export interface ManagedServiceArgs extends OnHost {
    readonly unit: string;
}

/** What the provider records: the unit's state as last seen (or as left by ha-kubernetes). */
export interface ManagedServiceState extends ManagedServiceArgs {
    /** `systemctl is-active` said `active`. */
    readonly active: boolean;
    /** `systemctl is-enabled` said `enabled`. */
    readonly enabled: boolean;
}

/** Seconds `update` waits for a started service to become active. */
export const START_TIMEOUT_SEC = 120;

/** Shell that prints `<is-active> <is-enabled>` for a unit. Pure. */
export function statusScript(unit: string): string {
    return `printf '%s %s\\n' "$(systemctl is-active -- ${q(unit)} 2>/dev/null)" "$(systemctl is-enabled -- ${q(unit)} 2>/dev/null)"`;
}

/** Parses statusScript's output. Pure. */
export function parseStatus(out: string): { active: boolean; enabled: boolean } {
    const [active, enabled] = out.trim().split(/\s+/);
    return { active: active === "active", enabled: enabled === "enabled" };
}

/** Shell that reloads systemd and enables the unit (create). Pure. */
export function enableScript(unit: string): string {
    return `set -eu\nsystemctl daemon-reload\nsystemctl enable -- ${q(unit)} >/dev/null 2>&1`;
}

/**
 * Shell that repairs a drifted unit: enable, start if not running, wait until active; on failure
 * the journal tail goes to stderr so the error names the reason. Pure.
 */
export function repairScript(unit: string, host: string, timeoutSec = START_TIMEOUT_SEC): string {
    const u = q(unit);
    return [
        "set -u",
        "systemctl daemon-reload",
        `systemctl enable -- ${u} >/dev/null 2>&1 || { echo ${q(`cannot enable ${unit} on ${host}`)} >&2; exit 1; }`,
        `systemctl is-active --quiet -- ${u} || systemctl start -- ${u} || true`,
        waitScript({ what: `${unit} to become active on ${host}`, check: `systemctl is-active --quiet -- ${u}`, timeoutSec, unit }),
    ].join("\n");
}

/** Shell that stops and disables the unit (delete); the unit file is a ManagedFile of its own. Pure. */
export function disableScript(unit: string): string {
    return `systemctl disable --now -- ${q(unit)} >/dev/null 2>&1 || true\nsystemctl daemon-reload`;
}

/** Update when the host's unit is not active and enabled; replace when it is another unit or host. Pure. */
export function serviceDiff(olds: Partial<ManagedServiceState>, news: ManagedServiceArgs): pulumi.dynamic.DiffResult {
    const replaces: string[] = [];
    if (olds.unit !== news.unit) replaces.push("unit");
    if (olds.connection?.host !== news.connection.host) replaces.push("connection");
    const drifted = olds.active !== true || olds.enabled !== true;
    return { changes: replaces.length > 0 || drifted || reachChanged(olds.connection, news.connection), replaces, deleteBeforeReplace: true };
}

function desired(a: ManagedServiceArgs): ManagedServiceState {
    return { host: a.host, connection: a.connection, unit: a.unit, active: true, enabled: true };
}

/** The dynamic provider; captures nothing but the pure helpers above. */
export const managedServiceProvider: pulumi.dynamic.ResourceProvider<ManagedServiceArgs, ManagedServiceState> = {
    async check(_olds, news) {
        const failures: pulumi.dynamic.CheckFailure[] = [];
        if (typeof news.unit !== "string" || !/^[A-Za-z0-9@_.-]+$/.test(news.unit))
            failures.push({ property: "unit", reason: `not a systemd unit name: ${JSON.stringify(news.unit)}` });
        return { inputs: news, failures };
    },
    async diff(_id, olds, news) {
        return serviceDiff(olds, news);
    },
    async create(inputs) {
        await sshRun(inputs.connection, `enabling ${inputs.unit}`, enableScript(inputs.unit));
        // started by the component's rolling restart right after; recorded as it is meant to be
        return { id: `${inputs.host}:${inputs.unit}`, outs: desired(inputs) };
    },
    async read(id, props) {
        props = recorded(id, props, "ha-kubernetes services are");
        const r = await sshExec(props.connection, statusScript(props.unit));
        return { id, props: { ...props, ...parseStatus(r.stdout) } };
    },
    async update(_id, _olds, news) {
        await sshRun(news.connection, `starting ${news.unit}`, repairScript(news.unit, news.host));
        return { outs: desired(news) };
    },
    async delete(_id, props) {
        await sshRun(props.connection, `stopping ${props.unit}`, disableScript(props.unit));
    },
};

/** A systemd service on a host, drift-detected (stopped, disabled) on refresh. */
export class ManagedService extends pulumi.dynamic.Resource {
    constructor(name: string, args: ManagedServiceInputs, opts?: pulumi.CustomResourceOptions) {
        super(managedServiceProvider, name, { ...args, active: undefined, enabled: undefined }, pulumi.mergeOptions(opts, SECRET_CONNECTION), "ha-kubernetes", "ManagedService");
    }
}
