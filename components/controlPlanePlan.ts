import { Endpoint } from "./loadBalancerPlan";
import { PodSecuritySpec } from "./render/admissionConfig";
import { DEFAULT_ADMIN_GROUP } from "./render/rbac";
import { apiserverSans, DEFAULTS, Member, member, Sans } from "./topology";
import { EncryptionPlan, EncryptionSettings, planEncryption } from "../lib/encryptionConfig";

/** kube-apiserver settings users may change (see ControlPlaneSettingsArgs). */
export interface ApiserverSettings {
    readonly extraArgs?: Readonly<Record<string, string>>;
    readonly auditLogMaxAgeDays?: number;
    readonly serviceNodePortRange?: string;
    /** Pod Security Admission defaults. Default: baseline enforced, restricted warned and audited, kube-system exempt. */
    readonly podSecurity?: PodSecuritySpec;
}

/** What a control plane is configured with; `H` is the host type (a ClusterHost for the component). */
export interface ControlPlaneSettings<H extends Member = Member> {
    /** Cluster name (kubeconfig cluster entry, controller-manager --cluster-name). */
    readonly clusterName: string;
    /** The masters, in declaration order. */
    readonly masters: readonly H[];
    /** Address and port of the apiserver load balancer (goes into SANs and kubeconfigs). */
    readonly endpointHost: string;
    readonly endpointPort: number;
    /** Service ClusterIP range. Default 10.96.0.0/12. */
    readonly serviceCidr?: string;
    /** Pod range, for the controller-manager's node CIDR allocator. Default 10.244.0.0/16. */
    readonly podCidr?: string;
    /** Let the controller-manager allocate node pod CIDRs (flannel). Default false. */
    readonly allocateNodeCidrs?: boolean;
    /** Node pod block prefix length. Default 24. */
    readonly nodeCidrMaskSize?: number;
    /** Default cluster.local. */
    readonly clusterDomain?: string;
    /** Create RBAC for a flanneld identity with this user name. */
    readonly flannelUser?: string;
    /** Extra apiserver SANs (DNS names or IPs). */
    readonly extraSans?: readonly string[];
    /** kube-apiserver settings users may change. Default none. */
    readonly apiserver?: ApiserverSettings;
    /** Encryption at rest: provider, current key name (a new name rotates), resources. Default secretbox, "key1", secrets. */
    readonly encryption?: EncryptionSettings;
    /** Seconds a health gate waits. Default 180. */
    readonly healthTimeoutSec?: number;
    /**
     * Group (certificate O) of the admin kubeconfig the component outputs, bound to cluster-admin
     * by ClusterRoleBinding `ha-kubernetes:cluster-admins` (delete it to revoke). Not a `system:`
     * group. Default `ha-kubernetes:cluster-admins`.
     */
    readonly adminGroup?: string;
    /** Output the break-glass (`system:masters`) kubeconfig as `breakGlassKubeconfig`. Default false: it stays in the state only. */
    readonly exportBreakGlassKubeconfig?: boolean;
}

/** The control plane as decided, every default applied. */
export interface ControlPlanePlan {
    readonly clusterName: string;
    readonly masters: readonly Member[];
    /** Where clients reach the apiservers (the load balancer). */
    readonly endpoint: Endpoint;
    /** The port every kube-apiserver listens on, and the URL the local components use. */
    readonly securePort: number;
    readonly localUrl: string;
    /** The SANs of every apiserver's serving certificate. */
    readonly sans: Sans;
    readonly serviceCidr: string;
    readonly podCidr: string;
    readonly allocateNodeCidrs: boolean;
    readonly nodeCidrMaskSize: number;
    readonly clusterDomain: string;
    readonly flannelUser?: string;
    readonly apiserver: ApiserverSettings;
    readonly encryption: EncryptionPlan;
    readonly healthTimeoutSec: number;
    /** The exported admin kubeconfig's group. */
    readonly adminGroup: string;
    /** Whether the break-glass kubeconfig is an output. */
    readonly exportBreakGlassKubeconfig: boolean;
}

/** The one derivation of the control plane's decisions. Pure. */
export function planControlPlane(s: ControlPlaneSettings): ControlPlanePlan {
    const serviceCidr = s.serviceCidr ?? DEFAULTS.serviceCidr;
    const clusterDomain = s.clusterDomain ?? DEFAULTS.clusterDomain;
    const masters = s.masters.map(member);
    return {
        clusterName: s.clusterName,
        masters,
        endpoint: { host: s.endpointHost, port: s.endpointPort, url: `https://${s.endpointHost}:${s.endpointPort}` },
        securePort: DEFAULTS.apiserverPort,
        localUrl: `https://127.0.0.1:${DEFAULTS.apiserverPort}`,
        sans: apiserverSans({ masters, serviceCidr, clusterDomain, apiserverHost: s.endpointHost, extraSans: s.extraSans }),
        serviceCidr,
        podCidr: s.podCidr ?? DEFAULTS.podCidr,
        allocateNodeCidrs: s.allocateNodeCidrs ?? false,
        nodeCidrMaskSize: s.nodeCidrMaskSize ?? DEFAULTS.nodeCidrMaskSize,
        clusterDomain,
        flannelUser: s.flannelUser,
        apiserver: s.apiserver ?? {},
        encryption: planEncryption(s.encryption),
        healthTimeoutSec: s.healthTimeoutSec ?? 180,
        adminGroup: s.adminGroup ?? DEFAULT_ADMIN_GROUP,
        exportBreakGlassKubeconfig: s.exportBreakGlassKubeconfig ?? false,
    };
}
