import * as pulumi from "@pulumi/pulumi";
import { OnHostInputs } from "./ssh";

/**
 * The inputs of the providers that act through the API with kubectl on a master (the machine
 * running Pulumi need not reach the API: SSH to the masters is all it has). Types only.
 */

/** Where kubectl runs (`host`/`connection`: a master) and with what. */
export interface KubectlHostInputs extends OnHostInputs {
    /** kubectl binary on the kubectl host. */
    readonly kubectl: pulumi.Input<string>;
    /** Admin kubeconfig on the kubectl host. */
    readonly kubeconfig: pulumi.Input<string>;
    /** Seconds the provider may wait: for the API to answer, a Node to get Ready, a drain. */
    readonly timeoutSec: pulumi.Input<number>;
}

/** The same, acting on one Node. */
export interface KubectlNodeInputs extends KubectlHostInputs {
    /** Node name. */
    readonly node: pulumi.Input<string>;
}
