import * as pulumi from "@pulumi/pulumi";
import { adopt } from "./outputs";
import { PlannedArgs, plannedFrom, Planner } from "./planned";

/** What makes a host component: its type name, how its settings become a plan, and its create-function. */
export interface HostComponentKind<S extends object, P, I, O extends object> extends Planner<S, P> {
    /** The type token's last part (`ha-kubernetes:components:<kind>`). */
    readonly kind: string;
    readonly create: (name: string, args: PlannedArgs<P> & I, opts: pulumi.CustomResourceOptions) => O;
}

/**
 * A component that installs hosts (etcd, the control plane, the nodes): it takes a plan slice or
 * plans its settings (nothing is registered when they have a problem), then sets its
 * create-function's outputs on itself and registers them. `ready` resolves after its health gate.
 */
export abstract class HostComponent<S extends object, P, I, O extends object> extends pulumi.ComponentResource {
    /** Resolves once every host passed its health gate. */
    declare public readonly ready: pulumi.Output<boolean>;
    /** Expiry (RFC 3339) of every certificate the component issued, by name. */
    declare public readonly certificateExpiry: pulumi.Output<Record<string, string>>;

    protected constructor(k: HostComponentKind<S, P, I, O>, name: string, args: S | (PlannedArgs<P> & I), opts?: pulumi.ComponentResourceOptions) {
        const planned = plannedFrom<S, P, I>(k.kind, name, args, k);
        super(`ha-kubernetes:components:${k.kind}`, name, {}, opts);
        this.registerOutputs(adopt(this as unknown as O, k.create(name, planned, { parent: this })));
    }
}
