import { isIpv4 } from "../../lib/address";
import { shellQuote } from "../../lib/shell";
import { assertPort, block, comment, directive, KEEPALIVED_DIALECT, renderBlockConfig } from "./blockConfig";
import { renderScriptFile } from "./scriptFile";

export interface KeepalivedSpec {
    /** `router_id` in global_defs (usually the host name): letters, digits, `_.-`. */
    readonly routerId: string;
    /** Network interface that carries the VIP, e.g. `eth0`. */
    readonly interface: string;
    /** VRRP router id 1–255, the same on every member of the group and unique on the L2 segment. */
    readonly virtualRouterId: number;
    /** VRRP priority 1–254; the highest healthy member holds the VIP. */
    readonly priority: number;
    /** Initial state; the highest priority member should start as MASTER. */
    readonly state: "MASTER" | "BACKUP";
    /** The virtual IPv4 address. */
    readonly vip: string;
    /** Prefix length of the VIP on `interface` (1–32). */
    readonly vipPrefixLength: number;
    /** VRRP PASS authentication, 1–8 characters from [A-Za-z0-9_.:/@%+=,-]. SECRET: the lead writes the file 0600. */
    readonly authPass: string;
    /** Source address of unicast adverts (this host's address). Needed with `unicastPeers` where multicast is not forwarded. */
    readonly unicastSrcIp?: string;
    /** The other members' addresses for unicast VRRP. Default: multicast. */
    readonly unicastPeers?: ReadonlyArray<string>;
    /** Absolute path of the track script (see renderKeepalivedCheckScript). */
    readonly checkScriptPath: string;
    /** Seconds between track-script runs. Default 3. */
    readonly checkIntervalSec?: number;
    /**
     * Priority change while the track script fails (-253..253). Default -30: with priorities
     * 10 apart, a failing MASTER falls below every healthy BACKUP.
     */
    readonly weight?: number;
}

const NAME = /^[A-Za-z0-9_.-]+$/;
const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;
const AUTH_PASS = /^[A-Za-z0-9_.:/@%+=,-]{1,8}$/;
const ABS_PATH = /^\/[A-Za-z0-9_./-]+$/;

function intIn(what: string, v: number, min: number, max: number): void {
    if (!Number.isInteger(v) || v < min || v > max) throw new Error(`keepalived ${what} must be an integer ${min}-${max}, got ${JSON.stringify(v)}`);
}

function validate(spec: KeepalivedSpec): void {
    if (!NAME.test(spec.routerId ?? "")) throw new Error(`keepalived routerId ${JSON.stringify(spec.routerId)} must match ${NAME}`);
    if (!IFNAME.test(spec.interface ?? "")) throw new Error(`keepalived interface ${JSON.stringify(spec.interface)} is not an interface name`);
    intIn("virtualRouterId", spec.virtualRouterId, 1, 255);
    intIn("priority", spec.priority, 1, 254);
    if (spec.state !== "MASTER" && spec.state !== "BACKUP") throw new Error(`keepalived state must be MASTER or BACKUP, got ${JSON.stringify(spec.state)}`);
    if (!isIpv4(spec.vip)) throw new Error(`keepalived vip ${JSON.stringify(spec.vip)} is not an IPv4 address`);
    intIn("vipPrefixLength", spec.vipPrefixLength, 1, 32);
    if (typeof spec.authPass !== "string" || !AUTH_PASS.test(spec.authPass)) {
        throw new Error(
            `keepalived authPass must be 1-8 characters from [A-Za-z0-9_.:/@%+=,-] (got ${typeof spec.authPass === "string" ? `${spec.authPass.length} characters` : typeof spec.authPass})`,
        );
    }
    if (spec.unicastSrcIp !== undefined && !isIpv4(spec.unicastSrcIp)) throw new Error(`keepalived unicastSrcIp ${JSON.stringify(spec.unicastSrcIp)} is not an IPv4 address`);
    const peers = new Set<string>();
    for (const p of spec.unicastPeers ?? []) {
        if (!isIpv4(p)) throw new Error(`keepalived unicast peer ${JSON.stringify(p)} is not an IPv4 address`);
        if (peers.has(p)) throw new Error(`duplicate keepalived unicast peer ${p}`);
        if (p === spec.unicastSrcIp) throw new Error(`keepalived unicast peer ${p} is this host's unicastSrcIp`);
        peers.add(p);
    }
    if (peers.has(spec.vip) || spec.unicastSrcIp === spec.vip) throw new Error(`keepalived vip ${spec.vip} must not be a member's own address`);
    if (!ABS_PATH.test(spec.checkScriptPath ?? "")) throw new Error(`keepalived checkScriptPath ${JSON.stringify(spec.checkScriptPath)} must be an absolute path`);
    if (spec.checkIntervalSec !== undefined) intIn("checkIntervalSec", spec.checkIntervalSec, 1, 3600);
    if (spec.weight !== undefined) intIn("weight", spec.weight, -253, 253);
}

/**
 * /etc/keepalived/keepalived.conf for keepalived 2.2 (Debian bookworm): one VRRP instance that
 * holds the apiserver VIP and tracks the local haproxy through `chk_apiserver`. Scripts run as
 * root with script security on. Contains the VRRP password: write it 0600. Pure.
 */
export function renderKeepalivedConfig(spec: KeepalivedSpec): string {
    validate(spec);
    const interval = spec.checkIntervalSec ?? 3;
    const peers = spec.unicastPeers ?? [];
    return renderBlockConfig(KEEPALIVED_DIALECT, [
        block("global_defs", [], [directive("router_id", spec.routerId), directive("enable_script_security"), directive("script_user", "root")]),
        comment("Fails while the local haproxy frontend (or, on the VIP holder, the VIP) does not answer /readyz."),
        block(
            "vrrp_script",
            ["chk_apiserver"],
            [
                directive("script", spec.checkScriptPath),
                directive("interval", interval),
                directive("timeout", Math.max(interval, 5)),
                directive("fall", 2),
                directive("rise", 2),
                directive("weight", spec.weight ?? -30),
            ],
        ),
        block(
            "vrrp_instance",
            ["kube_apiserver"],
            [
                directive("state", spec.state),
                directive("interface", spec.interface),
                directive("virtual_router_id", spec.virtualRouterId),
                directive("priority", spec.priority),
                directive("advert_int", 1),
                block("authentication", [], [directive("auth_type", "PASS"), directive("auth_pass", spec.authPass)]),
                spec.unicastSrcIp !== undefined && directive("unicast_src_ip", spec.unicastSrcIp),
                peers.length > 0 &&
                    block(
                        "unicast_peer",
                        [],
                        peers.map((p) => directive(p)),
                    ),
                block("virtual_ipaddress", [], [directive(`${spec.vip}/${spec.vipPrefixLength}`, "dev", spec.interface)]),
                block("track_script", [], [directive("chk_apiserver")]),
            ],
        ),
    ]);
}

export interface KeepalivedCheckSpec {
    /** Port of the haproxy frontend on this host (127.0.0.1:port is checked). */
    readonly port: number;
    /** The VIP; when this host holds it, https://VIP:vipPort/readyz is checked too. */
    readonly vip: string;
    /** Port clients use on the VIP. Default `port`. */
    readonly vipPort?: number;
}

/**
 * /etc/keepalived/check_apiserver.sh (mode 0755): POSIX sh using only curl, iproute2 and grep.
 * Exits 1 when https://127.0.0.1:PORT/readyz (through the local haproxy) does not answer 2xx
 * within 2 s, or when this host holds the VIP and https://VIP:VIP_PORT/readyz does not.
 * The shebang comes first, the header comment second. Pure.
 */
export function renderKeepalivedCheckScript(spec: KeepalivedCheckSpec): string {
    assertPort("keepalived check port", spec.port);
    const vipPort = spec.vipPort ?? spec.port;
    assertPort("keepalived check vipPort", vipPort);
    if (!isIpv4(spec.vip)) throw new Error(`keepalived check vip ${JSON.stringify(spec.vip)} is not an IPv4 address`);
    return renderScriptFile("keepalived-check.sh", { PORT: shellQuote(String(spec.port)), VIP: shellQuote(spec.vip), VIP_PORT: shellQuote(String(vipPort)) });
}
