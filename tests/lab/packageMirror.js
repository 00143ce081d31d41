// The lab's Debian package mirror (tests/lab/lab.sh start_mirror): a read-only static file server
// on one address (the lab bridge's gateway, never another), serving the directory lab.sh built
// (debian/dists, debian/pool), each request logged as `<client address> <status> <path>`.
//   node packageMirror.js ADDRESS PORT ROOT LOGFILE
"use strict";
const fs = require("fs");
const http = require("http");
const path = require("path");

const [address, port, rootArg, logFile] = process.argv.slice(2);
if (!address || !port || !rootArg || !logFile) {
    console.error("usage: node packageMirror.js ADDRESS PORT ROOT LOGFILE");
    process.exit(2);
}
const root = path.resolve(rootArg);
const log = fs.createWriteStream(logFile, { flags: "a" });

const server = http.createServer((req, res) => {
    const from = (req.socket.remoteAddress ?? "").replace(/^::ffff:/, "");
    const done = (status) => log.write(`${from} ${status} ${req.url}\n`);
    let rel;
    try {
        rel = decodeURIComponent(new URL(req.url ?? "/", "http://mirror").pathname);
    } catch {
        rel = "";
    }
    const file = path.resolve(root, "." + rel);
    if ((req.method !== "GET" && req.method !== "HEAD") || !file.startsWith(root + path.sep)) {
        res.writeHead(404).end();
        done(404);
        return;
    }
    fs.stat(file, (err, st) => {
        if (err || !st.isFile()) {
            res.writeHead(404).end();
            done(404);
            return;
        }
        res.writeHead(200, { "content-type": "application/octet-stream", "content-length": st.size, "last-modified": st.mtime.toUTCString() });
        done(200);
        if (req.method === "HEAD") res.end();
        else fs.createReadStream(file).pipe(res);
    });
});
server.listen(Number(port), address);
const stop = () => server.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
