/**
 * A private registry on the lab bridge: Debian's docker-registry on a lab host, TLS with a CA of
 * its own (made here with openssl), holding the lab's testapp image pushed through the registry
 * HTTP API. Workers must pull from it with the CA the product configured for containerd.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { scpTo } from "./cluster";
import { CACHE, Inventory, labAptInstall, sshOk } from "./lab";

export interface LabRegistry {
    /** `name:port` (known by name only: no DNS has it) or `address:port`, as in image references. */
    readonly server: string;
    /** The name, which nodes resolve through nodes.extraHosts (when it has one), and its address. */
    readonly name?: string;
    readonly address: string;
    readonly caPem: string;
    /** The testapp image's reference in the registry. */
    readonly testImage: string;
}

const CONFIG = `# managed by the ha-kubernetes e2e suite
version: 0.1
storage:
  filesystem:
    rootdirectory: /var/lib/docker-registry
http:
  addr: :5000
  tls:
    certificate: /etc/docker/registry/server.crt
    key: /etc/docker/registry/server.key
`;

/** Pushes an OCI image layout (extracted at $dir) as $repo:$tag with curl, blobs then manifest. */
const PUSH = String.raw`set -eu
R="https://$server"; C="curl -sf --cacert /etc/docker/registry/ca.crt"
manifest=$(sed -n 's/.*"digest":"sha256:\([0-9a-f]*\)".*/\1/p' "$dir/index.json")
cd "$dir/blobs/sha256"
for b in *; do
    [ "$b" = "$manifest" ] && continue
    loc=$($C -X POST -D - -o /dev/null "$R/v2/$repo/blobs/uploads/" | tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
    case "$loc" in http*) ;; *) loc="$R$loc" ;; esac
    case "$loc" in *\?*) sep='&' ;; *) sep='?' ;; esac
    $C -X PUT -H 'Content-Type: application/octet-stream' --data-binary @"$b" "$loc$sep""digest=sha256:$b" >/dev/null
done
$C -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' --data-binary @"$manifest" "$R/v2/$repo/manifests/$tag" >/dev/null
$C "$R/v2/$repo/tags/list"
`;

function openssl(args: string[], cwd: string): void {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

/**
 * Sets the registry up on `host` (address `address`), known as `name` when given (its certificate
 * names both), and pushes the testapp image into it by address (`host` does not resolve `name`).
 */
export function startLabRegistry(inv: Inventory, host: string, address: string, name?: string): LabRegistry {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hak-reg-"));
    try {
        // its own CA, and a server certificate for the registry's address
        openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=ha-kubernetes e2e registry CA", "-keyout", "ca.key", "-out", "ca.crt"], dir);
        openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=${name ?? address}`, "-keyout", "server.key", "-out", "server.csr"], dir);
        fs.writeFileSync(path.join(dir, "ext.cnf"), `subjectAltName=${name ? `DNS:${name},` : ""}IP:${address}\nextendedKeyUsage=serverAuth\n`);
        openssl(["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-extfile", "ext.cnf", "-out", "server.crt"], dir);
        // Debian's package, from the lab's mirror (hosts have no network beyond the bridge)
        labAptInstall(inv, host, ["docker-registry", "curl"]);
        for (const f of ["ca.crt", "server.crt", "server.key"]) scpTo(inv, host, path.join(dir, f), `/etc/docker/registry/${f}`);
        sshOk(
            inv,
            host,
            "chown docker-registry /etc/docker/registry/server.key && chmod 0600 /etc/docker/registry/server.key && cat > /etc/docker/registry/config.yml && systemctl restart docker-registry",
            CONFIG,
        );
        const byAddress = `${address}:5000`;
        sshOk(inv, host, `for i in $(seq 1 50); do curl -sf --cacert /etc/docker/registry/ca.crt https://${byAddress}/v2/ >/dev/null && exit 0; sleep 0.2; done; exit 1`);
        scpTo(inv, host, path.join(CACHE, "artifacts", "images", "testapp.tar"), "/tmp/testapp.tar");
        const tags = sshOk(
            inv,
            host,
            `rm -rf /tmp/img && mkdir /tmp/img && tar -xf /tmp/testapp.tar -C /tmp/img && server=${byAddress} dir=/tmp/img repo=e2e/testapp tag=1.0 sh -s`,
            PUSH,
        );
        if (!tags.includes('"1.0"')) throw new Error(`push to the lab registry did not land: ${tags}`);
        const server = name ? `${name}:5000` : byAddress;
        return { server, name, address, caPem: fs.readFileSync(path.join(dir, "ca.crt"), "utf8"), testImage: `${server}/e2e/testapp:1.0` };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
