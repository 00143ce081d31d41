#!/usr/bin/env bash
# The library as users install it (README "On your own hosts", the library): builds and packs the
# package (`npm pack`), installs the tarball into a temporary project with the example program
# under examples/cluster-with-extras, type-checks it there, and runs it under Pulumi's mocks
# with a stack configuration like Pulumi.example.yaml (preview.js). Prints the packed files.
#   bash tests/package/check.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source-path=SCRIPTDIR source=../node.sh
. tests/node.sh
repo="$PWD"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
npm run -s build
tgz="$(npm pack --silent --pack-destination "$tmp" | tail -n 1)"
echo "[package] $tgz:"
tar -tzf "$tmp/$tgz" | sed 's#^package/##' | sort | awk '{ print "  " $0 } END { print "  (" NR " files)" }'
if tar -tzf "$tmp/$tgz" | grep -Eq '^package/(bin/)?tests/|\.test\.|fixtures'; then echo "[package] tests are in the package" >&2; exit 1; fi

proj="$tmp/project"; mkdir -p "$proj"
cp examples/cluster-with-extras/index.ts "$proj/index.ts"
cp tests/package/preview.js "$proj/preview.js"
node -e '
const repo = require(process.argv[1] + "/package.json");
const pick = (names) => Object.fromEntries(names.map((n) => [n, repo.dependencies[n] ?? repo.devDependencies[n]]));
require("fs").writeFileSync(process.argv[2] + "/package.json", JSON.stringify({
  name: "ha-kubernetes-example", private: true, main: "bin/index.js",
  dependencies: { "ha-kubernetes": "file:" + process.argv[3], ...pick(["@pulumi/pulumi", "@pulumi/command"]) },
  devDependencies: pick(["typescript", "@types/node"]),
}, null, 2));
require("fs").writeFileSync(process.argv[2] + "/tsconfig.json", JSON.stringify({ compilerOptions: {
  strict: true, target: "es2022", module: "commonjs", moduleResolution: "node", outDir: "bin",
  esModuleInterop: true, skipLibCheck: true, types: ["node"] }, files: ["index.ts"] }, null, 2));
' "$repo" "$proj" "$tmp/$tgz"
echo "[package] npm install in a temporary project"
(cd "$proj" && npm install --no-audit --no-fund --loglevel=error)
echo "[package] type-check and compile the example against the installed package"
(cd "$proj" && npx tsc -p tsconfig.json)

# A stack like Pulumi.example.yaml, with its key, CA and release directory made here.
ssh-keygen -q -t ed25519 -N "" -C "" -f "$tmp/id_ed25519"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/ca.key" -out "$tmp/ca.crt" -subj /CN=example-registry -days 1 2>/dev/null
mkdir -p "$tmp/release"
for b in etcd etcdctl etcdutl kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy; do echo "$b" > "$tmp/release/$b"; done
(cd "$tmp/release" && sha256sum -- * > SHA256SUMS)
node -e '
const { parse } = require(process.argv[1] + "/node_modules/yaml");
const c = parse(require("fs").readFileSync(process.argv[1] + "/Pulumi.example.yaml", "utf8")).config;
const [dir] = process.argv.slice(2);
c["ha-kubernetes:ssh"].privateKeyPath = dir + "/id_ed25519";
c["ha-kubernetes:registry"].caPemPath = dir + "/ca.crt";
c["ha-kubernetes:artifacts"].directory = dir + "/release";
const out = Object.fromEntries(Object.entries(c).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
require("fs").writeFileSync(dir + "/config.json", JSON.stringify(out));
' "$repo" "$tmp"
echo "[package] the example program under mocks:"
(cd "$proj" && node preview.js "$proj/bin/index.js" "$tmp/config.json" "$repo")
echo "[package] ok"
