// The ha-kubernetes program: reads the stack configuration and wires the components.
import * as pulumi from "@pulumi/pulumi";
import { HaKubernetesCluster } from "./components/cluster";
import { loadClusterConfig } from "./components/stackConfig";

// Bad configuration ends the run here, printed as a list of problems and nothing else.
const args = loadClusterConfig(new pulumi.Config());
const cluster = new HaKubernetesCluster(args.clusterName, args);

export const kubeconfig = cluster.kubeconfig;
export const apiserverUrl = cluster.apiserverUrl;
export const etcdEndpoints = cluster.etcdEndpoints;
export const nodeNames = cluster.nodeNames;
export const podCidrs = cluster.podCidrs;
export const certificateExpiry = cluster.certificateExpiry;
export const ready = cluster.ready;
