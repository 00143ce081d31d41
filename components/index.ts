// ha-kubernetes as a library: import the components into your own Pulumi program.
export * from "./config";
export { HaKubernetesCluster, ClusterOutputs } from "./cluster";
export { ClusterPki, ClusterPkiArgs, ClusterPkiOutputs } from "./clusterPki";
export { EtcdCluster, EtcdClusterArgs, EtcdClusterOutputs } from "./etcdCluster";
export { LoadBalancer, LoadBalancerArgs, HaproxyKeepalivedArgs, NginxArgs, ExternalLoadBalancerArgs, LoadBalancerOutputs } from "./loadBalancer";
export { ControlPlane, ControlPlaneArgs, ControlPlaneOutputs } from "./controlPlane";
export { WorkerPool, WorkerPoolArgs, WorkerPoolOutputs, WorkerNode } from "./workerPool";
export { ClusterHost, Connection, shellQuote } from "./remote";
export { INSTALLED_HOSTS_OUTPUT, installedHostsOfLastUpdate, RolloutOrder } from "./rollout";
export { ArtifactSource, resolveArtifactSource } from "./artifacts";
export { CertificateAuthority, IssuedCert, Validity } from "./pki";
export { clusterHosts, connectionFor } from "./connection";
export { HostPreflight, HostFacts } from "../providers/hostPreflight";
export { ManagedFile } from "../providers/managedFile";
export { formatConfigProblems, loadClusterConfig, readClusterConfig } from "./stackConfig";
export { validateCluster, assertValidCluster, Problem } from "./validation";
export * as topology from "./topology";
