import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { assertLabNetwork, eventually, Inventory, LAB_BRIDGE, ssh, sshOk, sshOptions } from "./lab";
import { bundleDir } from "./stack";

/** kubectl from the lab's bundle, on this machine, through the load balancer. */
export function kubectl(kubeconfig: string, args: string[], input?: string): string {
    assertLabNetwork();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hak-kc-"));
    const file = path.join(dir, "kubeconfig");
    fs.writeFileSync(file, kubeconfig, { mode: 0o600 });
    try {
        return execFileSync(path.join(bundleDir(), "kubectl"), ["--kubeconfig", file, "--request-timeout=10s", ...args], {
            input,
            encoding: "utf8",
            stdio: ["pipe", "pipe", "pipe"],
        });
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** etcdctl over TLS on a member, with the health-check client certificate. */
export function etcdctl(inv: Inventory, member: string, args: string, endpoints = "https://127.0.0.1:2379"): { code: number; out: string; err: string } {
    return ssh(
        inv,
        member,
        `ETCDCTL_API=3 etcdctl --endpoints=${endpoints} --cacert=/etc/etcd/pki/ca.crt --cert=/etc/etcd/pki/healthcheck-client.crt --key=/etc/etcd/pki/healthcheck-client.key --dial-timeout=3s --command-timeout=5s ${args}`,
    );
}

/**
 * When a unit last became active, in µs on the lab's one monotonic clock (the hosts share a
 * kernel), so restarts on different hosts can be ordered.
 */
export function activeSince(inv: Inventory, host: string, unit: string): number {
    return Number(sshOk(inv, host, `systemctl show -p ActiveEnterTimestampMonotonic --value ${unit}`).trim());
}

/** Copies a local file to a lab host with scp. */
export function scpTo(inv: Inventory, host: string, local: string, remote: string): void {
    const h = inv.hosts.find((x) => x.name === host)!;
    assertLabNetwork();
    execFileSync("scp", ["-q", ...sshOptions(inv), local, `${inv.sshUser}@${h.address}:${remote}`]);
}

/** Which masters hold the VIP right now. */
export function vipHolders(inv: Inventory, masters: string[], vip: string): string[] {
    return masters.filter((m) => {
        const r = ssh(inv, m, `ip -o -4 addr show | grep -q ' ${vip}/'`);
        return r.code === 0;
    });
}

/** A pod running the test app (which also serves as an HTTP client) on one node. */
export function podManifest(name: string, node: string, labels: Record<string, string> = {}): string {
    const l = Object.entries(labels)
        .map(([k, v]) => `${k}: ${v}`)
        .join(", ");
    return `apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: default, labels: { ${l} } }
spec:
  nodeName: ${node}
  containers:
    - name: web
      image: ha-kubernetes.local/testapp:1.0
      imagePullPolicy: Never
      ports: [{ containerPort: 8080 }]
`;
}

/** HTTP GET from inside a pod (busybox nc); returns the response or "" when it failed. */
export function httpFromPod(kubeconfig: string, pod: string, host: string, port: number): string {
    try {
        return kubectl(kubeconfig, ["exec", pod, "--", "sh", "-c", `printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 ${host} ${port}`]);
    } catch {
        return "";
    }
}

/** Waits until these pods are Running. */
export async function podsRunning(kubeconfig: string, pods: string[]): Promise<void> {
    try {
        // one name at a time: `get pods a b` returns a List, `get pods a` a single Pod
        await eventually(
            `pods ${pods.join(", ")} Running`,
            () => pods.every((p) => kubectl(kubeconfig, ["get", "pod", p, "-o", "jsonpath={.status.phase}"]).trim() === "Running"),
            180_000,
        );
    } catch (e) {
        // say why: the pods' status and events
        let why: string;
        try {
            why = kubectl(kubeconfig, ["describe", "pods", ...pods])
                .split("\n")
                .slice(-40)
                .join("\n");
        } catch (d) {
            why = (d as Error).message;
        }
        throw new Error(`${(e as Error).message}\n${why}`, { cause: e });
    }
}

/** The pod + service manifest for the test app. */
export function testAppManifest(node: string): string {
    return `${podManifest("testapp", node, { app: "testapp" })}---
apiVersion: v1
kind: Service
metadata: { name: testapp, namespace: default }
spec:
  selector: { app: testapp }
  ports: [{ port: 80, targetPort: 8080 }]
`;
}

export async function nodesReady(kubeconfig: string, names: string[]): Promise<void> {
    await eventually(
        `nodes ${names.join(",")} Ready`,
        () => {
            const out = kubectl(kubeconfig, ["get", "nodes", "-o", 'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}']);
            const ready = new Set(
                out
                    .split("\n")
                    .filter((l) => l.endsWith("=True"))
                    .map((l) => l.split("=")[0]),
            );
            return names.every((n) => ready.has(n));
        },
        240_000,
    );
}

/** etcd: every member healthy over TLS and the member list complete. */
export function expectEtcdHealthy(inv: Inventory, member: string, count: number): void {
    const health = etcdctl(inv, member, "endpoint health --cluster");
    if (health.code !== 0) throw new Error(`etcd unhealthy on ${member}: ${health.out}${health.err}`);
    const healthy = (health.out + health.err).match(/is healthy/g) ?? [];
    if (healthy.length !== count) throw new Error(`expected ${count} healthy etcd members, got ${healthy.length}`);
}

/**
 * Runs the test app on `podNode` and a client pod on `fromNode`; checks the client reaches the
 * app by pod IP (cross-node pod network) and through its Service (kube-proxy), and that the app's
 * node answers by pod IP from the host network too. Returns the Service IP.
 * (ClusterIPs are checked from pods: the lab hosts have no default route, and a host process
 * needs one for a ClusterIP, which kube-proxy only rewrites after routing.)
 */
export async function expectPodAndService(inv: Inventory, kubeconfig: string, podNode: string, fromNode: string): Promise<string> {
    const client = `client-${fromNode}`;
    kubectl(kubeconfig, ["apply", "-f", "-"], testAppManifest(podNode) + "---\n" + podManifest(client, fromNode));
    await podsRunning(kubeconfig, ["testapp", client]);
    const podIp = kubectl(kubeconfig, ["get", "pod", "testapp", "-o", "jsonpath={.status.podIP}"]).trim();
    const svcIp = kubectl(kubeconfig, ["get", "svc", "testapp", "-o", "jsonpath={.spec.clusterIP}"]).trim();
    await eventually(`pod ${podIp} reachable from the host ${fromNode}`, () => ssh(inv, fromNode, `curl -sf --max-time 3 http://${podIp}:8080/`).code === 0, 90_000);
    await eventually(`pod ${podIp} reachable from pod ${client}`, () => httpFromPod(kubeconfig, client, podIp, 8080).includes("testapp testapp"), 90_000);
    await eventually(`service ${svcIp} reachable from pod ${client}`, () => httpFromPod(kubeconfig, client, svcIp, 80).includes("testapp testapp"), 90_000);
    return svcIp;
}

/** The nodes the CoreDNS replicas run on (one entry per replica). */
export function coreDnsNodes(kubeconfig: string): string[] {
    return kubectl(kubeconfig, ["-n", "kube-system", "get", "pods", "-l", "k8s-app=kube-dns", "-o", "jsonpath={.items[*].spec.nodeName}"]).trim().split(/\s+/).filter(Boolean);
}

/**
 * Looks `name` up from inside `pod` (busybox nslookup, 3 s per try, each try a new query) until
 * the answer holds `address`; returns which try answered (1 = the first), or 0 when none of
 * `tries` did. With `search`, each try walks the pod's resolv.conf search path first, as a libc
 * resolver does for a short name (busybox's nslookup itself queries the name as given).
 */
export function lookupFromPod(kubeconfig: string, pod: string, name: string, address: string, tries: number, search = false): number {
    const domains = search ? `$(sed -n 's/^search //p' /etc/resolv.conf) .` : ".";
    const script = `i=0; while [ $i -lt ${tries} ]; do i=$((i+1)); for d in ${domains}; do q=${name}; [ "$d" = . ] || q=${name}.$d; if timeout 3 nslookup $q 2>/dev/null | grep -qxF 'Address: ${address}'; then echo $i; exit 0; fi; done; done; echo 0`;
    try {
        return Number(kubectl(kubeconfig, ["exec", pod, "--", "sh", "-c", script]).trim());
    } catch {
        return 0;
    }
}

/**
 * Cluster DNS from a pod: the API's Service and the testapp Service by their full names, and by
 * their short names through the pod's search path, each to its ClusterIP.
 */
export async function expectClusterDns(kubeconfig: string, pod: string): Promise<void> {
    const svcIp = kubectl(kubeconfig, ["get", "svc", "testapp", "-o", "jsonpath={.spec.clusterIP}"]).trim();
    const apiIp = kubectl(kubeconfig, ["get", "svc", "kubernetes", "-o", "jsonpath={.spec.clusterIP}"]).trim();
    expect(kubectl(kubeconfig, ["exec", pod, "--", "cat", "/etc/resolv.conf"])).toMatch(/^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local$/m);
    for (const [name, ip, search] of [
        ["kubernetes.default.svc.cluster.local", apiIp, false],
        ["testapp.default.svc.cluster.local", svcIp, false],
        ["kubernetes.default", apiIp, true],
        ["testapp", svcIp, true],
    ] as const) {
        await eventually(`${name} resolves to ${ip} in pod ${pod}`, () => lookupFromPod(kubeconfig, pod, name, ip, 3, search) > 0, 120_000);
    }
    // a name that does not exist is answered (NXDOMAIN), not left to time out
    const nx = kubectl(kubeconfig, ["exec", pod, "--", "sh", "-c", "timeout 3 nslookup no-such-service.default.svc.cluster.local 2>&1; true"]);
    expect(nx).toMatch(/NXDOMAIN|can't find/);
}

/**
 * Every apiserver (each master's own, not the load balancer) reaches the pod network: the API's
 * proxy to a pod and to a Service backed by it answer; and `kubectl port-forward` through the
 * load balancer reaches the pod from this machine.
 */
export async function expectApiserversReachPods(inv: Inventory, kubeconfig: string, masters: string[], pod: string): Promise<void> {
    for (const m of masters) {
        const k = "kubectl --kubeconfig=/etc/kubernetes/admin.kubeconfig --server=https://127.0.0.1:6443 --request-timeout=10s";
        await eventually(
            `apiserver on ${m} proxies to pod ${pod}`,
            () => ssh(inv, m, `${k} get --raw /api/v1/namespaces/default/pods/${pod}:8080/proxy/`).out.includes(`testapp ${pod}`),
            60_000,
        );
        await eventually(
            `apiserver on ${m} proxies to service testapp`,
            () => ssh(inv, m, `${k} get --raw /api/v1/namespaces/default/services/testapp:80/proxy/`).out.includes(`testapp ${pod}`),
            60_000,
        );
    }
    assertLabNetwork();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hak-pf-"));
    const file = path.join(dir, "kubeconfig");
    fs.writeFileSync(file, kubeconfig, { mode: 0o600 });
    const port = 18080 + Math.floor(Math.random() * 1000);
    const child = spawn(path.join(bundleDir(), "kubectl"), ["--kubeconfig", file, "port-forward", `pod/${pod}`, `${port}:8080`, "--address", "127.0.0.1"], { stdio: "ignore" });
    try {
        await eventually(
            `port-forward to ${pod} on 127.0.0.1:${port}`,
            () => {
                try {
                    return execFileSync("curl", ["-sf", "--max-time", "3", `http://127.0.0.1:${port}/`], { encoding: "utf8" }).includes(`testapp ${pod}`);
                } catch {
                    return false;
                }
            },
            30_000,
            1_000,
        );
    } finally {
        child.kill();
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** What a background probe saw: requests answered, requests failed (with the first errors). */
export interface ProbeResult {
    readonly ok: number;
    readonly failed: number;
    readonly errors: string[];
    /** Requests answered only on a client's retry (startApiProbe), with their first errors. */
    readonly retried?: number;
    readonly retryErrors?: string[];
}

/**
 * Asks the API for the `default` namespace (a read that goes to etcd) through the load balancer
 * twice a second until stopped, each request on its own connection with a 5 s timeout. A request
 * that fails is tried once more a second later, as a client would (a connection the load
 * balancer handed to an apiserver at the moment it closed its listener); it counts as failed only
 * when that fails too, and as `retried` otherwise. Stops by itself when the lab bridge goes away
 * (no traffic may leave this machine) or after 15 minutes.
 */
export function startApiProbe(kubeconfig: string): { stop: () => ProbeResult } {
    assertLabNetwork();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hak-probe-"));
    const file = path.join(dir, "kubeconfig");
    fs.writeFileSync(file, kubeconfig, { mode: 0o600 });
    const script = [
        `end=$(( $(date +%s) + 900 ))`,
        `while [ ! -e "$0.stop" ] && [ "$(date +%s)" -lt "$end" ]; do`,
        `  [ -e /sys/class/net/${LAB_BRIDGE} ] || { echo "fail lab bridge gone" >> "$0.log"; exit 3; }`,
        `  get() { "$1" --kubeconfig "$0" --request-timeout=5s get namespace default -o name 2>&1; }`,
        `  if out=$(get "$1"); then echo ok >> "$0.log"`,
        `  else first="$(date +%T) $out"; sleep 1`,
        `    if out=$(get "$1"); then echo "retried $first" | head -n 1 >> "$0.log"; else echo "fail $(date +%T) $out" | head -n 1 >> "$0.log"; fi`,
        `  fi`,
        "  sleep 0.5",
        "done",
    ].join("\n");
    const child = spawn("bash", ["-c", script, file, path.join(bundleDir(), "kubectl")], { stdio: "ignore" });
    return {
        stop: () => {
            fs.writeFileSync(`${file}.stop`, "");
            execFileSync("bash", ["-c", `for i in $(seq 1 30); do kill -0 ${child.pid} 2>/dev/null || exit 0; sleep 0.5; done; kill ${child.pid}`]);
            const lines = fs.existsSync(`${file}.log`)
                ? fs
                      .readFileSync(`${file}.log`, "utf8")
                      .trim()
                      .split("\n")
                      .filter((l) => l !== "")
                : [];
            fs.rmSync(dir, { recursive: true, force: true });
            const errors = lines.filter((l) => l.startsWith("fail "));
            const retried = lines.filter((l) => l.startsWith("retried "));
            return { ok: lines.length - errors.length, failed: errors.length, errors: errors.slice(0, 5), retried: retried.length, retryErrors: retried.slice(0, 5) };
        },
    };
}

/**
 * Writes /e2e/writes/<n> on an etcd member (its local client endpoint) twice a second until
 * stopped, as a client would: a write that fails is retried up to 3 times, one second apart, and
 * only then counts as failed. Runs on the member itself.
 */
export function startEtcdWriter(inv: Inventory, member: string): { stop: () => ProbeResult & { keys: number } } {
    const put = `ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/etcd/pki/ca.crt --cert=/etc/etcd/pki/healthcheck-client.crt --key=/etc/etcd/pki/healthcheck-client.key --dial-timeout=3s --command-timeout=5s put /e2e/writes/$i $i`;
    const loop = `rm -f /tmp/writer.stop /tmp/writer.log; i=0; end=$(( $(date +%s) + 900 )); while [ ! -e /tmp/writer.stop ] && [ "$(date +%s)" -lt "$end" ]; do i=$((i+1)); r="fail $i"; for t in 1 2 3; do if ${put} >/dev/null 2>&1; then r=ok; break; fi; sleep 1; done; echo "$r" >> /tmp/writer.log; sleep 0.5; done`;
    // (the script comes over stdin: written first, then started detached)
    sshOk(inv, member, "cat > /tmp/writer.sh && (setsid nohup sh /tmp/writer.sh >/dev/null 2>&1 < /dev/null &)", loop);
    sshOk(inv, member, "sleep 2; test -s /tmp/writer.log");
    return {
        stop: () => {
            sshOk(inv, member, "touch /tmp/writer.stop; sleep 5");
            const lines = sshOk(inv, member, "cat /tmp/writer.log")
                .trim()
                .split("\n")
                .filter((l) => l !== "");
            const errors = lines.filter((l) => l !== "ok");
            return { ok: lines.length - errors.length, failed: errors.length, errors: errors.slice(0, 5), keys: lines.length };
        },
    };
}

/**
 * metrics-server works for a user: `kubectl top nodes` through the load balancer lists every
 * node with its usage, and every apiserver serves the aggregated metrics.k8s.io API (it reaches
 * the metrics-server pods, verifying their certificate with the APIService's CA).
 */
export async function expectNodeMetrics(inv: Inventory, kubeconfig: string, masters: string[], nodes: string[]): Promise<void> {
    const top = () => {
        try {
            return kubectl(kubeconfig, ["top", "nodes", "--no-headers"]);
        } catch {
            return "";
        }
    };
    // the first figures come after two scrapes (resolution 15 s)
    await eventually("kubectl top nodes lists every node", () => nodes.every((n) => new RegExp(`^${n}\\s+\\d+m\\s+\\d+%\\s+\\d+Mi\\s+\\d+%`, "m").test(top())), 180_000, 5_000);
    for (const m of masters) {
        const k = "kubectl --kubeconfig=/etc/kubernetes/admin.kubeconfig --server=https://127.0.0.1:6443 --request-timeout=10s";
        await eventually(
            `apiserver on ${m} serves metrics.k8s.io`,
            () => {
                const r = ssh(inv, m, `${k} get --raw /apis/metrics.k8s.io/v1beta1/nodes`);
                if (r.code !== 0) return false;
                const names = ((JSON.parse(r.out) as { items?: Array<{ metadata: { name: string } }> }).items ?? []).map((i) => i.metadata.name);
                return nodes.every((n) => names.includes(n));
            },
            60_000,
        );
    }
}
