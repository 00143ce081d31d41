import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { ClusterTrust } from "./clusterPki";
import { HostWork, installHost, restartHost } from "./hostWork";
import { IssuedCert, issueCert } from "./pki";
import { ClusterHost, remoteCommand, restartAndWaitScript, shellQuote, sshTarget, waitScript } from "./remote";
import { apiserverExtraArgProblem, renderApiserverEnv, renderApiserverUnit } from "./render/apiserver";
import { renderAuditPolicy } from "./render/auditPolicy";
import { renderAdmissionConfig } from "./render/admissionConfig";
import { renderAuthenticationConfig } from "./render/authenticationConfig";
import { renderControllerManagerEnv, renderControllerManagerUnit } from "./render/controllerManager";
import { renderEncryptionConfig } from "./render/encryptionConfig";
import { renderKubeconfig } from "./render/kubeconfig";
import { PATHS } from "./render/paths";
import { ADMIN_BINDING, ADMIN_USER, BREAK_GLASS_IDENTITY, bootstrapRbacObjects, CertIdentity, OPERATOR_BINDING, OPERATOR_IDENTITY, renderAdminBindings } from "./render/rbac";
import { applyObjects } from "./kubernetesObjects";
import { renderSchedulerConfig, renderSchedulerEnv, renderSchedulerUnit } from "./render/scheduler";
import { ControlPlanePlan, ControlPlaneSettings, planControlPlane } from "./controlPlanePlan";
import { hostLookup, InstallInputs, PlannedArgs } from "./planned";
import { HostComponent, HostComponentKind } from "./hostComponent";
import { adminCredentialProblems, clusterNameProblems, hostListProblems, isHostAddress, Problem } from "./validation";
import { RolloutOrder } from "./rollout";
import { EncryptionRotation } from "../providers/encryptionRotation";
import { EncryptionKey, encryptionProblems } from "../lib/encryptionConfig";

/** The runtime inputs every form of the arguments takes (running masters restart one at a time): the cluster's PKI (ClusterTrust: the CAs, the service-account key pair, the encryption key) and: */
export interface ControlPlaneInputs extends ClusterTrust, InstallInputs {
    /** etcd client URLs. */
    readonly etcdEndpoints: pulumi.Input<string[]>;
    /** The etcd health gate; nothing starts before it resolves. */
    readonly etcdReady: pulumi.Input<boolean>;
    /** The load balancer's health gate. */
    readonly loadBalancerReady: pulumi.Input<boolean>;
}

/** Settings (see ControlPlaneSettings) with the masters as ClusterHosts, and the inputs. */
export type ControlPlaneArgs = ControlPlaneSettings<ClusterHost> & ControlPlaneInputs;

/** The ClusterPlan's slice, the hosts it names, and the inputs. */
export type PlannedControlPlaneArgs = PlannedArgs<ControlPlanePlan> & ControlPlaneInputs;

export interface ControlPlaneOutputs {
    /**
     * Admin kubeconfig pointing at the load balancer: user `ha-kubernetes-admin` in the admin group,
     * cluster-admin through ClusterRoleBinding `ha-kubernetes:cluster-admins` (delete it to revoke). Secret.
     */
    readonly kubeconfig: pulumi.Output<string>;
    /**
     * The break-glass kubeconfig (`system:masters`, not revocable through RBAC), pointing at the
     * load balancer; only with `exportBreakGlassKubeconfig`. Secret. Either way it is in the state
     * (its key and certificate), never on a host.
     */
    readonly breakGlassKubeconfig?: pulumi.Output<string>;
    /** `https://lb:port`. */
    readonly apiserverUrl: pulumi.Output<string>;
    /** Resolves once every apiserver is ready through the load balancer and the admin bindings and bootstrap RBAC are applied. */
    readonly ready: pulumi.Output<boolean>;
    /** Expiry (RFC 3339) of every control-plane certificate. */
    readonly certificateExpiry: pulumi.Output<Record<string, string>>;
}

export const APISERVER_KUBELET_CLIENT_USER = "kube-apiserver-kubelet-client";

export function validateControlPlane(args: ControlPlaneArgs): Problem[] {
    const problems = hostListProblems(args.masters, "masters", "master");
    problems.push(...clusterNameProblems(args.clusterName));
    if (!isHostAddress(args.endpointHost))
        problems.push({ propertyPath: "endpointHost", reason: `the load balancer address ${JSON.stringify(args.endpointHost)} must be an IPv4 address or a DNS name` });
    for (const [k, reason] of encryptionProblems(args.encryption ?? {})) problems.push({ propertyPath: `encryption.${k}`, reason });
    for (const [k, v] of Object.entries(args.apiserver?.extraArgs ?? {})) {
        const problem = apiserverExtraArgProblem(k, v);
        if (problem) problems.push({ propertyPath: `apiserver.extraArgs.${k}`, reason: problem });
    }
    problems.push(...adminCredentialProblems(args));
    return problems;
}

/** A kubeconfig as an Output (secret, since it embeds a client key). */
export function kubeconfigFor(clusterName: string, server: string, ca: pulumi.Input<string>, user: string, cert: IssuedCert): pulumi.Output<string> {
    return pulumi.secret(
        pulumi
            .all([ca, cert.certPem, cert.keyPem])
            .apply(([caCertPem, clientCertPem, clientKeyPem]) => renderKubeconfig({ clusterName, server, caCertPem, userName: user, clientCertPem, clientKeyPem })),
    );
}

/** `kubectl` with the kubeconfig a master holds (ha-kubernetes' operator credential, PATHS.kubernetes.adminKubeconfig). Pure. */
export function adminKubectl(args: string): string {
    return `${PATHS.bin.kubectl} --kubeconfig=${PATHS.kubernetes.adminKubeconfig} --request-timeout=5s ${args}`;
}

/** The marker ending the bindings' here-document in adminBindingsScript. */
const MANIFEST_END = "HA_KUBERNETES_ADMIN_BINDINGS";

/**
 * Shell that applies `manifest` (server-side, field manager ha-kubernetes) with the kubeconfig on
 * its stdin, retrying until `timeoutSec`. The kubeconfig is read once into a shell variable and
 * handed to each kubectl on its stdin by the shell's printf builtin: never in a file, an
 * argument or the environment. The manifest (nothing secret) goes to a temporary file. Pure.
 */
export function adminBindingsScript(manifest: string, timeoutSec: number): string {
    if (manifest.split("\n").includes(MANIFEST_END)) throw new Error(`the manifest holds the line ${MANIFEST_END}`);
    const apply = `printf '%s\\n' "$kubeconfig" | ${PATHS.bin.kubectl} --kubeconfig=/dev/stdin --request-timeout=10s apply --server-side --force-conflicts --field-manager=ha-kubernetes -f "$f"`;
    return [
        "set -u",
        "umask 077",
        'kubeconfig="$(cat)"',
        'f="$(mktemp)"',
        "trap 'rm -f \"$f\"' EXIT",
        `cat > "$f" <<'${MANIFEST_END}'`,
        manifest.replace(/\n$/, ""),
        MANIFEST_END,
        waitScript({ what: "the admin ClusterRoleBindings to apply", check: apply, timeoutSec }),
        `echo ${shellQuote(`ha-kubernetes: ClusterRoleBindings ${ADMIN_BINDING} and ${OPERATOR_BINDING} applied`)} >&2`,
    ].join("\n");
}

function createControlPlane(name: string, args: PlannedControlPlaneArgs, opts: pulumi.CustomResourceOptions): ControlPlaneOutputs {
    const plan = args.plan;
    const { serviceCidr, clusterName, healthTimeoutSec: timeout, localUrl, sans } = plan;
    const lbUrl = plan.endpoint.url;
    const v = args.validity;
    const K = PATHS.kubernetes;
    const host = hostLookup(args.hosts);
    const masters = plan.masters.map((m) => host(m.name));
    // Three client credentials, all through the load balancer: the exported admin one (the admin
    // group, revocable), ha-kubernetes' own on the masters (the operator group, bound apart so that
    // revoking the admins leaves `pulumi up` working) and break-glass (system:masters: in the state only).
    const client = (key: string, who: CertIdentity) => {
        const cert = issueCert(`${name}-${key}`, args.clusterCa, { ...who, usages: ["client"] }, v, opts);
        return { cert, kubeconfig: kubeconfigFor(clusterName, lbUrl, args.clusterCa.certPem, who.commonName, cert) };
    };
    const admin = client("admin", { commonName: ADMIN_USER, organization: plan.adminGroup });
    const operator = client("operator", OPERATOR_IDENTITY);
    const breakGlass = client("break-glass", BREAK_GLASS_IDENTITY);
    const expiry: Record<string, pulumi.Output<string>> = { admin: admin.cert.expiresAt, operator: operator.cert.expiresAt, "break-glass": breakGlass.cert.expiresAt };
    const { provider, key: keyName, resources } = plan.encryption;
    const encryptionKey = pulumi.secret(pulumi.output(args.encryptionKeyBase64).apply((secretBase64): EncryptionKey => ({ provider, name: keyName, secretBase64 })));
    const encryption = pulumi.secret(encryptionKey.apply((key) => renderEncryptionConfig({ keys: [key], resources })));
    // a new key reaches the running masters in stages before their files get only the new key (providers/encryptionRotation.ts)
    const rotation = new EncryptionRotation(
        `${name}-encryption-rotation`,
        {
            masters: pulumi.secret(pulumi.all(masters.map((m) => pulumi.output(sshTarget(m)).apply((connection) => ({ host: m.name, connection }))))),
            path: K.encryptionConfig,
            key: encryptionKey,
            resources: [...resources],
            kubectl: PATHS.bin.kubectl,
            kubeconfig: K.adminKubeconfig,
            localUrl,
            timeoutSec: timeout,
        },
        opts,
    );
    const order = new RolloutOrder(args.runningHosts);
    const restarts: command.remote.Command[] = [];
    for (const m of masters) {
        const prefix = `${name}-${m.name}`;
        const certs = {
            apiserver: issueCert(`${prefix}-apiserver`, args.clusterCa, { commonName: "kube-apiserver", sans, usages: ["server"] }, v, opts),
            etcdClient: issueCert(`${prefix}-apiserver-etcd-client`, args.etcdCa, { commonName: "kube-apiserver-etcd-client", usages: ["client"] }, v, opts),
            kubeletClient: issueCert(`${prefix}-apiserver-kubelet-client`, args.clusterCa, { commonName: APISERVER_KUBELET_CLIENT_USER, usages: ["client"] }, v, opts),
            frontProxyClient: issueCert(`${prefix}-front-proxy-client`, args.frontProxyCa, { commonName: "front-proxy-client", usages: ["client"] }, v, opts),
            controllerManager: issueCert(`${prefix}-controller-manager`, args.clusterCa, { commonName: "system:kube-controller-manager", usages: ["client"] }, v, opts),
            scheduler: issueCert(`${prefix}-scheduler`, args.clusterCa, { commonName: "system:kube-scheduler", usages: ["client"] }, v, opts),
        };
        for (const [k, c] of Object.entries(certs)) expiry[`${m.name}-${k}`] = c.expiresAt;
        const apiserverEnv = pulumi.output(args.etcdEndpoints).apply((etcdServers) =>
            renderApiserverEnv({
                advertiseAddress: m.address,
                securePort: plan.securePort,
                etcdServers,
                serviceClusterIpRange: serviceCidr,
                extraArgs: plan.apiserver.extraArgs,
                auditLogMaxAgeDays: plan.apiserver.auditLogMaxAgeDays,
                serviceNodePortRange: plan.apiserver.serviceNodePortRange,
            }),
        );
        const gateDeps = pulumi.all([args.etcdReady, args.loadBalancerReady]);
        const services = ["kube-apiserver", "kube-controller-manager", "kube-scheduler"];
        const work: HostWork = {
            host: m,
            prefix,
            role: "cp",
            packages: ["curl", "ca-certificates"],
            cleanup: `rm -rf -- ${shellQuote(K.pkiDir)} ${shellQuote(K.auditLogDir)}`,
            files: [
                { key: "ca-crt", path: K.ca, content: args.clusterCa.certPem },
                { key: "apiserver-crt", path: K.apiserverCert, content: certs.apiserver.certPem },
                { key: "apiserver-key", path: K.apiserverKey, content: certs.apiserver.keyPem, mode: "0600" },
                { key: "etcd-ca-crt", path: K.etcdCa, content: args.etcdCa.certPem },
                { key: "etcd-client-crt", path: K.apiserverEtcdClientCert, content: certs.etcdClient.certPem },
                { key: "etcd-client-key", path: K.apiserverEtcdClientKey, content: certs.etcdClient.keyPem, mode: "0600" },
                { key: "kubelet-client-crt", path: K.apiserverKubeletClientCert, content: certs.kubeletClient.certPem },
                { key: "kubelet-client-key", path: K.apiserverKubeletClientKey, content: certs.kubeletClient.keyPem, mode: "0600" },
                { key: "front-proxy-ca-crt", path: K.frontProxyCa, content: args.frontProxyCa.certPem },
                { key: "front-proxy-client-crt", path: K.frontProxyClientCert, content: certs.frontProxyClient.certPem },
                { key: "front-proxy-client-key", path: K.frontProxyClientKey, content: certs.frontProxyClient.keyPem, mode: "0600" },
                { key: "sa-pub", path: K.serviceAccountPublicKey, content: args.serviceAccountPublicKeyPem },
                { key: "sa-key", path: K.serviceAccountKey, content: args.serviceAccountKeyPem, mode: "0600" },
                { key: "encryption-config", path: K.encryptionConfig, content: encryption, mode: "0600" },
                { key: "audit-policy", path: K.auditPolicy, content: renderAuditPolicy() },
                { key: "authentication-config", path: K.authenticationConfig, content: renderAuthenticationConfig() },
                { key: "admission-config", path: K.admissionConfig, content: renderAdmissionConfig(plan.apiserver.podSecurity) },
                { key: "apiserver-env", path: K.apiserverEnv, content: apiserverEnv },
                { key: "apiserver-unit", path: PATHS.unit("kube-apiserver"), content: renderApiserverUnit() },
                {
                    key: "cm-kubeconfig",
                    path: K.controllerManagerKubeconfig,
                    content: kubeconfigFor(clusterName, localUrl, args.clusterCa.certPem, "system:kube-controller-manager", certs.controllerManager),
                    mode: "0600",
                },
                {
                    key: "cm-env",
                    path: K.controllerManagerEnv,
                    content: renderControllerManagerEnv({
                        clusterName,
                        serviceClusterIpRange: serviceCidr,
                        allocateNodeCidrs: plan.allocateNodeCidrs,
                        clusterCidr: plan.podCidr,
                        nodeCidrMaskSize: plan.nodeCidrMaskSize,
                    }),
                },
                { key: "cm-unit", path: PATHS.unit("kube-controller-manager"), content: renderControllerManagerUnit() },
                {
                    key: "scheduler-kubeconfig",
                    path: K.schedulerKubeconfig,
                    content: kubeconfigFor(clusterName, localUrl, args.clusterCa.certPem, "system:kube-scheduler", certs.scheduler),
                    mode: "0600",
                },
                { key: "scheduler-config", path: K.schedulerConfig, content: renderSchedulerConfig({}) },
                { key: "scheduler-env", path: K.schedulerEnv, content: renderSchedulerEnv({}) },
                { key: "scheduler-unit", path: PATHS.unit("kube-scheduler"), content: renderSchedulerUnit() },
                // read by no service: ha-kubernetes' own kubectl (gates, drains, objects through the API)
                { key: "admin-kubeconfig", path: K.adminKubeconfig, content: operator.kubeconfig, mode: "0600", restarts: false },
            ],
            binaries: { names: [...services, "kubectl"], source: args.artifacts },
            restartOn: services.map((b) => args.artifacts.sha256[b] ?? ""),
            services,
        };
        // apiserver (until /readyz), then controller-manager and scheduler (until /healthz); running masters one at a time
        const restart = restartHost(
            work,
            installHost(work, pulumi.mergeOptions(opts, { dependsOn: [rotation] })),
            {
                script: [
                    `# gates passed: etcd and load balancer ready`,
                    restartAndWaitScript({ unit: "kube-apiserver", host: m.name, check: `curl -sfk --max-time 3 ${shellQuote(`${localUrl}/readyz`)}`, timeoutSec: timeout }),
                    restartAndWaitScript({ unit: "kube-controller-manager", host: m.name, check: "curl -sfk --max-time 3 https://127.0.0.1:10257/healthz", timeoutSec: timeout }),
                    restartAndWaitScript({ unit: "kube-scheduler", host: m.name, check: "curl -sfk --max-time 3 https://127.0.0.1:10259/healthz", timeoutSec: timeout }),
                ].join("\n"),
                triggers: [gateDeps.apply(() => "ready")],
                after: order.after(m.name),
            },
            opts,
        );
        restarts.push(restart);
        order.passed(m.name, restart);
    }
    const first = masters[0];
    // The control plane's gate: every apiserver restarted and ready, the API answering through the load balancer.
    const bootstrap = remoteCommand(
        `${name}-${first.name}-bootstrap`,
        first,
        {
            create: [
                "set -u",
                waitScript({ what: `kube-apiserver /readyz through the load balancer ${lbUrl}`, check: adminKubectl("get --raw=/readyz"), timeoutSec: timeout }),
            ].join("\n"),
            triggers: restarts.map((r) => r.id),
            logging: "stderr",
        },
        pulumi.mergeOptions(opts, { dependsOn: restarts }),
    );
    // Only system:masters can make the first cluster-admins: the break-glass kubeconfig, on stdin
    // alone (kubectl reads it from /dev/stdin: never on the host's disk), applies the two bindings.
    const bindings = remoteCommand(
        `${name}-${first.name}-admin-bindings`,
        first,
        {
            create: adminBindingsScript(renderAdminBindings({ adminGroup: plan.adminGroup }), timeout),
            stdin: breakGlass.kubeconfig,
            logging: "stderr",
        },
        pulumi.mergeOptions(opts, { dependsOn: [bootstrap], additionalSecretOutputs: ["stdin"] }),
    );
    // everything else through the API uses the operator credential, which needs its binding
    const rbac = applyObjects(
        `${name}-rbac`,
        bootstrapRbacObjects({ apiserverKubeletClientUser: APISERVER_KUBELET_CLIENT_USER, flannelUser: plan.flannelUser }),
        { kubectlHost: first, timeoutSec: timeout },
        pulumi.mergeOptions(opts, { dependsOn: [bindings] }),
    );
    return {
        kubeconfig: admin.kubeconfig,
        ...(plan.exportBreakGlassKubeconfig ? { breakGlassKubeconfig: breakGlass.kubeconfig } : {}),
        apiserverUrl: pulumi.output(lbUrl),
        ready: pulumi.all([bootstrap.stdout, bindings.stdout, pulumi.all(rbac.map((o) => o.present))]).apply(() => true),
        certificateExpiry: pulumi.all(expiry),
    };
}

/** The component: how settings become a plan, and what it creates. */
const KIND: HostComponentKind<ControlPlaneArgs, ControlPlanePlan, ControlPlaneInputs, ControlPlaneOutputs> = {
    kind: "ControlPlane",
    validate: validateControlPlane,
    plan: planControlPlane,
    hosts: (a) => a.masters,
    create: createControlPlane,
};

/** kube-apiserver, kube-controller-manager and kube-scheduler as systemd units on every master. */
export class ControlPlane extends HostComponent<ControlPlaneArgs, ControlPlanePlan, ControlPlaneInputs, ControlPlaneOutputs> implements ControlPlaneOutputs {
    declare public readonly kubeconfig: pulumi.Output<string>;
    declare public readonly breakGlassKubeconfig?: pulumi.Output<string>;
    declare public readonly apiserverUrl: pulumi.Output<string>;

    /** `args`: settings (library users) or the ClusterPlan's slice (components/cluster.ts). */
    constructor(name: string, args: ControlPlaneArgs | PlannedControlPlaneArgs, opts?: pulumi.ComponentResourceOptions) {
        super(KIND, name, args, opts);
    }
}
