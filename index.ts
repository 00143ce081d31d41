// The ha-kubernetes program: reads the stack configuration and wires the components.
import * as pulumi from "@pulumi/pulumi";
import { HaKubernetesCluster } from "./components/cluster";
import { HOST_KEYS_OUTPUT, verifiedSshHostKeys } from "./components/hostKeys";
import { INSTALLED_HOSTS_OUTPUT, installedHostsOfLastUpdate } from "./components/rollout";
import { loadClusterConfig } from "./components/stackConfig";
import { unmapSdkStackTraces } from "./lib/sdkStackTraces";

// The SDK's own stack traces without source maps: a third of the program's CPU otherwise.
unmapSdkStackTraces();

// Bad configuration ends the run here, printed as a list of problems and nothing else.
const args = loadClusterConfig(new pulumi.Config());

export = async () => {
    // hosts the last update installed roll one at a time; new hosts install in parallel
    const runningHosts = await installedHostsOfLastUpdate();
    // every host's SSH key checked before anything is sent (an update reads them; a preview contacts no host)
    const sshHostKeys = await verifiedSshHostKeys(args, { scan: !pulumi.runtime.isDryRun() });
    const cluster = new HaKubernetesCluster(args.clusterName, { ...args, runningHosts, sshHostKeys });
    return {
        kubeconfig: cluster.kubeconfig,
        // system:masters, not revocable: an output only when controlPlane.exportBreakGlassKubeconfig asks for it
        ...(cluster.breakGlassKubeconfig ? { breakGlassKubeconfig: cluster.breakGlassKubeconfig } : {}),
        apiserverUrl: cluster.apiserverUrl,
        etcdEndpoints: cluster.etcdEndpoints,
        nodeNames: cluster.nodeNames,
        podCidrs: cluster.podCidrs,
        certificateExpiry: cluster.certificateExpiry,
        ready: cluster.ready,
        // every host, once every gate passed (what the next update reads back)
        [INSTALLED_HOSTS_OUTPUT]: cluster.ready.apply(() => args.hosts.map((h) => h.name)),
        // the keys the next run requires (trusted on first use, or pinned)
        [HOST_KEYS_OUTPUT]: sshHostKeys,
    };
};
