/**
 * Sets a component's outputs — its create-function's whole result — on it as its readonly
 * properties, and returns them for `registerOutputs`, so both carry the same keys:
 * `this.registerOutputs(adopt(this, createX(name, args, { parent: this })))`.
 */
export function adopt<O extends object>(component: O, outputs: O): O {
    Object.assign(component, outputs);
    return outputs;
}
