import { renderSystemdUnit } from "./systemd";

/**
 * The static unit shape shared by the Kubernetes daemons: one binary, its per-node flags in
 * `$<VAR>` from an EnvironmentFile, restarted on failure. Pure.
 */
export function renderDaemonUnit(spec: {
    readonly description: string;
    readonly binary: string;
    readonly envFile: string;
    readonly argsVar: string;
    readonly fixedArgs?: readonly string[];
    readonly after?: readonly string[];
    readonly requires?: readonly string[];
}): string {
    const exec = [spec.binary, ...(spec.fixedArgs ?? []), `$${spec.argsVar}`].join(" ");
    const after = ["network-online.target", ...(spec.after ?? [])];
    return renderSystemdUnit({
        sections: [
            {
                name: "Unit",
                directives: [
                    ["Description", spec.description],
                    ["Documentation", "https://kubernetes.io/docs/"],
                    ["After", after.join(" ")],
                    ["Wants", "network-online.target"],
                    ...(spec.requires?.length ? [["Requires", spec.requires.join(" ")] as const] : []),
                ],
            },
            {
                name: "Service",
                directives: [
                    ["EnvironmentFile", spec.envFile],
                    ["ExecStart", exec],
                    ["Restart", "always"],
                    ["RestartSec", 5],
                    ["LimitNOFILE", 65536],
                ],
            },
            { name: "Install", directives: [["WantedBy", "multi-user.target"]] },
        ],
    });
}
