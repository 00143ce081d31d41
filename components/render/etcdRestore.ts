import { PATHS } from "./paths";
import { renderScriptFile } from "./scriptFile";

/**
 * /usr/local/sbin/ha-kubernetes-etcd-restore, on every etcd member: step 2 of the restore the
 * README describes (every member restores the same snapshot while etcd is stopped everywhere).
 * It reads the member's own settings from its EnvironmentFile, checks the snapshot with `etcdutl
 * snapshot status`, restores it with `etcdutl snapshot restore` into a fresh directory and only
 * then moves the current data directory aside (kept as `<data-dir>.before-restore-<UTC time>`).
 * Static; all values come from arguments and the env file. Pure.
 */
export function renderEtcdRestoreScript(): string {
    return renderScriptFile("etcd-restore.sh", { ETCD_ENV: PATHS.etcd.env, ETCDUTL: PATHS.bin.etcdutl });
}
