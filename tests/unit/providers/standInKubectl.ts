import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ssh from "../../../providers/ssh";

/** A master's SSH target, as the kubectl providers' tests use it. */
export const masterConnection = {
    host: "10.0.0.11",
    user: "root",
    privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nSSHKEY\n-----END OPENSSH PRIVATE KEY-----\n",
    dialErrorLimit: 1,
};

/** Where the kubectl providers run kubectl in these tests: m1, with a 120 s timeout. */
export const onMaster = { host: "m1", connection: masterConnection, kubectl: "/usr/local/bin/kubectl", kubeconfig: "/etc/kubernetes/admin.kubeconfig", timeoutSec: 120 };

/**
 * Records what a provider runs over SSH (sshRun) instead of running it. With `failure`, each run
 * fails as sshRun does for a script that exits with `failure.code` and prints `failure.stderr`.
 */
export function recordSsh(failure?: { readonly code: number; readonly stderr: string }) {
    const ran: Array<{ what: string; script: string; target: string }> = [];
    const run = jest.spyOn(ssh, "sshRun").mockImplementation(async (t, what, script) => {
        ran.push({ what, script, target: t.host });
        if (failure) throw new Error(`${what} on ${t.host} failed (exit ${failure.code}): ${failure.stderr}`);
        return "";
    });
    return { ran, restore: () => run.mockRestore() };
}

/** How the stand-in kubectl answers. */
export interface ClusterView {
    /** The API answers /readyz. Default true. */
    readonly api?: boolean;
    /** The Node is registered. Default true. */
    readonly registered?: boolean;
    /** `.spec.unschedulable`: "true" or "". Default "". */
    readonly unschedulable?: string;
    /** The Ready condition's status. Default "True". */
    readonly ready?: string;
    /** The drained-for-restart annotation's value. Default "". */
    readonly drainedMark?: string;
    /** `kubectl drain` succeeds. Default true. */
    readonly drainSucceeds?: boolean;
}

const KUBECTL = `#!/bin/sh
printf '%s\\n' "$*" >> "$KUBECTL_LOG"
case "$*" in
  *"get --raw=/readyz"*) [ "$API" = 1 ] || exit 1 ;;
  *"get node"*"unschedulable"*) printf %s "$UNSCHEDULABLE" ;;
  *"get node"*"annotations"*) printf %s "$DRAINED_MARK" ;;
  *"get node"*"Ready"*) printf %s "$READY" ;;
  *"get node"*) [ "$REGISTERED" = 1 ] || exit 1 ;;
  drain*|*" drain "*) [ "$DRAIN_OK" = 1 ] || exit 1 ;;
esac
exit 0
`;

/**
 * Runs a provider's pure kubectl script with /bin/sh against a stand-in kubectl that answers as
 * `view` says and records every call (arguments only, the --kubeconfig and timeout flags dropped).
 * `script(kubectl)` builds the script for the stand-in's path.
 */
export function runWithStandInKubectl(script: (kubectl: string) => string, view: ClusterView = {}): { status: number | null; stderr: string; calls: string[] } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hak-kubectl-"));
    try {
        const kubectl = path.join(dir, "kubectl");
        const log = path.join(dir, "calls");
        fs.writeFileSync(kubectl, KUBECTL, { mode: 0o755 });
        fs.writeFileSync(log, "");
        const flag = (b: boolean | undefined) => (b === false ? "0" : "1");
        const r = spawnSync("/bin/sh", ["-c", script(kubectl)], {
            encoding: "utf8",
            env: {
                PATH: process.env.PATH,
                KUBECTL_LOG: log,
                API: flag(view.api),
                REGISTERED: flag(view.registered),
                UNSCHEDULABLE: view.unschedulable ?? "",
                READY: view.ready ?? "True",
                DRAINED_MARK: view.drainedMark ?? "",
                DRAIN_OK: flag(view.drainSucceeds),
            },
        });
        const calls = fs
            .readFileSync(log, "utf8")
            .split("\n")
            .filter((l) => l !== "")
            .map((l) =>
                l
                    .replace(/ ?--kubeconfig=\S+/, "")
                    .replace(/ ?--request-timeout=\S+/, "")
                    .trim(),
            );
        return { status: r.status, stderr: r.stderr, calls };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
