/**
 * The lab's release mirror for `artifacts.source: download`: an HTTP server on this machine's
 * address on the lab bridge (never another address) serving the lab's binary bundle flat, as a
 * user's mirror serves release binaries. It can serve one file tampered with (one byte changed)
 * to one host, as a compromised or corrupt mirror would, and counts what each host fetched.
 */
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { parseSha256Sums } from "../../components/artifacts";
import { Inventory } from "./lab";

export interface ArtifactServer {
    /** `http://<gateway>:<port>`: every binary is `<url>/<name>`. */
    readonly url: string;
    /** The `artifacts` setting that downloads from it, with the bundle's checksums. */
    readonly artifacts: { source: "download"; baseUrl: string; sha256: Record<string, string> };
    /** Serve `file` with one byte changed to the host at `address` (undefined: serve everything intact). */
    tamper(t: { file: string; address: string } | undefined): void;
    /** `<host address> <file>` of every file served, in order. */
    readonly served: string[];
    close(): Promise<void>;
}

export async function startArtifactServer(inv: Inventory, bundle: string): Promise<ArtifactServer> {
    const sha256 = parseSha256Sums(fs.readFileSync(path.join(bundle, "SHA256SUMS"), "utf8"));
    let tampered: { file: string; address: string } | undefined;
    const served: string[] = [];
    const server = http.createServer((req, res) => {
        const name = decodeURIComponent((req.url ?? "/").slice(1));
        const from = (req.socket.remoteAddress ?? "").replace(/^::ffff:/, "");
        if (!(name in sha256) || req.method !== "GET") {
            res.writeHead(404).end();
            return;
        }
        const file = path.join(bundle, name);
        served.push(`${from} ${name}`);
        if (tampered && tampered.file === name && tampered.address === from) {
            const body = fs.readFileSync(file);
            body[body.length >> 1] ^= 0xff;
            res.writeHead(200, { "content-type": "application/octet-stream", "content-length": body.length }).end(body);
            return;
        }
        res.writeHead(200, { "content-type": "application/octet-stream", "content-length": fs.statSync(file).size });
        fs.createReadStream(file).pipe(res);
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, inv.gateway, resolve);
    });
    const url = `http://${inv.gateway}:${(server.address() as { port: number }).port}`;
    return {
        url,
        artifacts: { source: "download", baseUrl: url, sha256 },
        tamper: (t) => {
            tampered = t;
        },
        served,
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
}
