// A program of your own that uses ha-kubernetes as a library: the cluster from this stack's
// configuration, plus resources of yours wired to it — a namespace for your team, created with
// kubectl on the first master once the cluster is ready, and the kubeconfig written to a local
// 0600 file. Install: `npm install ha-kubernetes @pulumi/pulumi @pulumi/command`.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { clusterHosts, HaKubernetesCluster, loadClusterConfig, shellQuote } from "ha-kubernetes";

// The same checks as the ha-kubernetes program: a bad stack ends here with the list of problems.
const args = loadClusterConfig(new pulumi.Config("ha-kubernetes"));
const cluster = new HaKubernetesCluster(args.clusterName, args);

const team = new pulumi.Config("team").get("namespace") ?? "team-a";
const firstMaster = clusterHosts(args.hosts, args.ssh).find((h) => args.hosts.find((a) => a.name === h.name)?.roles.includes("master"))!;

// Runs when the cluster's health gates have passed (its `ready` output), through the master's SSH.
export const namespace = new command.remote.Command(
    "team-namespace",
    {
        connection: firstMaster.connection,
        create: pulumi.interpolate`test ${cluster.ready} = true && kubectl --kubeconfig /etc/kubernetes/admin.kubeconfig create namespace ${shellQuote(team)} --dry-run=client -o yaml | kubectl --kubeconfig /etc/kubernetes/admin.kubeconfig apply -f -`,
        delete: `kubectl --kubeconfig /etc/kubernetes/admin.kubeconfig delete namespace ${shellQuote(team)} --ignore-not-found`,
        triggers: [team],
    },
    { dependsOn: [cluster] },
).stdout;

// The kubeconfig on this machine, from stdin into a 0600 file (never on a command line).
new command.local.Command(
    "kubeconfig-file",
    {
        create: "umask 077 && cat > kubeconfig.yaml",
        delete: "rm -f kubeconfig.yaml",
        stdin: cluster.kubeconfig,
        triggers: [cluster.kubeconfig],
        logging: "none",
    },
    { additionalSecretOutputs: ["stdout", "stderr"] },
);

export const apiserverUrl = cluster.apiserverUrl;
export const nodeNames = cluster.nodeNames;
