import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { HostWork, installHost, restartHost } from "./hostWork";
import { isIpv4 } from "../lib/address";
import { ClusterHost, remoteCommand, restartAndWaitScript, shellQuote, waitScript } from "./remote";
import { renderHaproxyConfig } from "./render/haproxy";
import { renderKeepalivedCheckScript, renderKeepalivedConfig } from "./render/keepalived";
import { renderNginxConfig } from "./render/nginx";
import { PATHS } from "./render/paths";
import { HaproxyKeepalivedPlan, LoadBalancerPlan, LoadBalancerSettings, NginxPlan, planLoadBalancer } from "./loadBalancerPlan";
import { hostLookup, PlannedArgs, plannedFrom, Planner } from "./planned";
import { hostListProblems, hostProblems, IFACE, isHostAddress, Problem } from "./validation";
import { RolloutOrder } from "./rollout";
import { adopt } from "./outputs";

/** `haproxy-keepalived` (on the masters, VRRP VIP), `nginx` (own host) or `external` (see LoadBalancerSettings). */
export type LoadBalancerArgs = LoadBalancerSettings<ClusterHost> & {
    /**
     * Hosts that ran before this update: they restart one at a time; the others start in parallel
     * (components/rollout.ts). Default: all of them (one at a time).
     */
    readonly runningHosts?: readonly string[];
};

export interface LoadBalancerOutputs {
    /** `https://host:port` clients use for the apiserver. */
    readonly endpoint: pulumi.Output<string>;
    readonly host: pulumi.Output<string>;
    readonly port: pulumi.Output<number>;
    /** Resolves once the balancer accepts connections on its address (for haproxy-keepalived: the VIP is up). */
    readonly ready: pulumi.Output<boolean>;
}

export function validateLoadBalancer(args: LoadBalancerArgs): Problem[] {
    const problems = hostListProblems(args.backends, "backends", "apiserver backend");
    if (args.mode === "haproxy-keepalived") {
        if (!args.vip || !isIpv4(args.vip)) problems.push({ propertyPath: "vip", reason: `haproxy-keepalived needs an IPv4 VIP, got ${JSON.stringify(args.vip)}` });
        if (args.interface !== undefined && !IFACE.test(args.interface))
            problems.push({ propertyPath: "interface", reason: `bad interface name ${JSON.stringify(args.interface)}` });
        const planned = planLoadBalancer(args);
        if (planned.port === planned.backendPort)
            problems.push({ propertyPath: "port", reason: "haproxy shares the masters with kube-apiserver: its port must differ from the apiserver's" });
    } else if (args.mode === "nginx") {
        if (!args.lbHost) problems.push({ propertyPath: "lbHost", reason: "mode nginx needs lbHost" });
        else problems.push(...hostProblems(args.lbHost, "lbHost", "lb host"));
    } else if (args.mode === "external") {
        if (!isHostAddress(args.externalAddress))
            problems.push({
                propertyPath: "externalAddress",
                reason: `mode external needs externalAddress, an IPv4 address or a DNS name (got ${JSON.stringify(args.externalAddress)})`,
            });
    } else {
        problems.push({ propertyPath: "mode", reason: `unknown mode ${JSON.stringify((args as { mode: unknown }).mode)}` });
    }
    return problems;
}

/** TCP connect check with bash's /dev/tcp (no extra tools needed); host and port reach bash as arguments, never as its script. Pure. */
export function tcpCheck(host: string, port: number): string {
    return `timeout 3 bash -c '</dev/tcp/"$1"/"$2"' tcp-check ${shellQuote(host)} ${shellQuote(String(port))}`;
}

function haproxyKeepalived(name: string, plan: HaproxyKeepalivedPlan, args: PlannedArgs<LoadBalancerPlan>, opts: pulumi.CustomResourceOptions): pulumi.Output<boolean> {
    const { port, vip, healthTimeoutSec: timeout } = plan;
    const authPass = new random.RandomPassword(`${name}-vrrp-auth`, { length: 8, special: false }, opts);
    const haproxy = renderHaproxyConfig({
        port,
        backends: plan.backends.map((b) => ({ name: b.name, address: b.address, port: plan.backendPort })),
        maxconn: plan.maxConnections,
    });
    const check = renderKeepalivedCheckScript({ port, vip });
    const order = new RolloutOrder(args.runningHosts);
    const gates: command.remote.Command[] = [];
    const host = hostLookup(args.hosts);
    for (const b of plan.backends.map((m) => host(m.name))) {
        const prefix = `${name}-${b.name}`;
        const role = plan.vrrp[b.name];
        const keepalived = pulumi.secret(authPass.result).apply((pass) =>
            renderKeepalivedConfig({
                routerId: b.name,
                interface: plan.interface,
                virtualRouterId: plan.virtualRouterId,
                priority: role.priority,
                state: role.state,
                vip,
                vipPrefixLength: plan.vipPrefixLength,
                authPass: pass,
                unicastSrcIp: b.address,
                unicastPeers: plan.backends.filter((o) => o.name !== b.name).map((o) => o.address),
                checkScriptPath: PATHS.lb.keepalivedCheckScript,
                weight: -30,
            }),
        );
        const work: HostWork = {
            host: b,
            prefix,
            role: "lb",
            packages: ["haproxy", "keepalived", "curl"],
            cleanup: "systemctl disable --now keepalived haproxy >/dev/null 2>&1 || true",
            files: [
                { key: "haproxy-cfg", path: PATHS.lb.haproxyConfig, content: haproxy },
                { key: "keepalived-conf", path: PATHS.lb.keepalivedConfig, content: keepalived, mode: "0600" },
                { key: "keepalived-check", path: PATHS.lb.keepalivedCheckScript, content: check, mode: "0755" },
            ],
        };
        const restart = restartHost(
            work,
            installHost(work, opts),
            {
                script: [
                    "set -u",
                    "systemctl enable haproxy keepalived >/dev/null 2>&1",
                    restartAndWaitScript({
                        unit: "haproxy",
                        host: b.name,
                        check: tcpCheck("127.0.0.1", port),
                        timeoutSec: timeout,
                        preRestart: `haproxy -c -q -f ${shellQuote(PATHS.lb.haproxyConfig)} >&2 || { echo ${shellQuote(`ha-kubernetes: invalid haproxy config on ${b.name}`)} >&2; exit 1; }`,
                    }),
                    restartAndWaitScript({ unit: "keepalived", host: b.name, check: "systemctl is-active --quiet keepalived", timeoutSec: timeout }),
                ].join("\n"),
                after: order.after(b.name),
            },
            opts,
        );
        order.passed(b.name, restart);
        gates.push(restart);
    }
    const first = host(plan.backends[0].name);
    const gate = remoteCommand(
        `${name}-${first.name}-lb-health`,
        first,
        {
            create: waitScript({ what: `the VIP ${vip}:${port} to accept connections`, check: tcpCheck(vip, port), timeoutSec: timeout }),
            triggers: gates.map((g) => g.id),
            logging: "stderr",
        },
        pulumi.mergeOptions(opts, { dependsOn: gates }),
    );
    return gate.stdout.apply(() => true);
}

function nginx(name: string, plan: NginxPlan, args: PlannedArgs<LoadBalancerPlan>, opts: pulumi.CustomResourceOptions): pulumi.Output<boolean> {
    const { port, healthTimeoutSec: timeout } = plan;
    const host = hostLookup(args.hosts)(plan.lbHost.name);
    const prefix = `${name}-${host.name}`;
    const conf = renderNginxConfig({ listenPort: port, backends: plan.backends.map((b) => ({ address: b.address, port: plan.backendPort })) });
    const work: HostWork = {
        host,
        prefix,
        role: "lb",
        packages: ["nginx", "libnginx-mod-stream", "curl"],
        cleanup: "systemctl disable --now nginx >/dev/null 2>&1 || true",
        files: [{ key: "nginx-conf", path: PATHS.lb.nginxConfig, content: conf }],
    };
    const restart = restartHost(
        work,
        installHost(work, opts),
        {
            script: [
                "set -u",
                "systemctl enable nginx >/dev/null 2>&1",
                restartAndWaitScript({
                    unit: "nginx",
                    host: host.name,
                    check: tcpCheck(host.address, port),
                    timeoutSec: timeout,
                    preRestart: `nginx -t -q >&2 || { echo ${shellQuote(`ha-kubernetes: invalid nginx config on ${host.name}`)} >&2; exit 1; }`,
                }),
            ].join("\n"),
            after: [],
        },
        opts,
    );
    return restart.stdout.apply(() => true);
}

function createLoadBalancer(name: string, args: PlannedArgs<LoadBalancerPlan>, opts: pulumi.CustomResourceOptions): LoadBalancerOutputs {
    const plan = args.plan;
    const { host, port, url } = plan.endpoint;
    const ready = plan.mode === "haproxy-keepalived" ? haproxyKeepalived(name, plan, args, opts) : plan.mode === "nginx" ? nginx(name, plan, args, opts) : pulumi.output(true);
    return { endpoint: pulumi.output(url), host: pulumi.output(host), port: pulumi.output(port), ready };
}

/** How settings become a plan (nginx: its host too). */
const PLANNER: Planner<LoadBalancerArgs, LoadBalancerPlan> = {
    validate: validateLoadBalancer,
    plan: planLoadBalancer,
    hosts: (a) => (a.mode === "nginx" ? [...a.backends, a.lbHost] : a.backends),
};

/** The apiserver load balancer: haproxy + keepalived VIP on the masters, nginx on its own host, or external. */
export class LoadBalancer extends pulumi.ComponentResource implements LoadBalancerOutputs {
    declare public readonly endpoint: pulumi.Output<string>;
    declare public readonly host: pulumi.Output<string>;
    declare public readonly port: pulumi.Output<number>;
    declare public readonly ready: pulumi.Output<boolean>;

    /** `args`: settings (library users) or the ClusterPlan's slice (components/cluster.ts). */
    constructor(name: string, args: LoadBalancerArgs | PlannedArgs<LoadBalancerPlan>, opts?: pulumi.ComponentResourceOptions) {
        const planned = plannedFrom<LoadBalancerArgs, LoadBalancerPlan, object>("LoadBalancer", name, args, PLANNER);
        super("ha-kubernetes:components:LoadBalancer", name, {}, opts);
        this.registerOutputs(adopt(this, createLoadBalancer(name, planned, { parent: this })));
    }
}
