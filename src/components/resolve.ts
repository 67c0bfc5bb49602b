import * as pulumi from "@pulumi/pulumi";
import { Later, Planned } from "../plans/later";

/**
 * A planned value as a resource input: the value when the plan knew it, else one Output that waits for the Inputs
 * it needs and computes it (known values are not wrapped: an await per Output costs, for thousands of roles).
 */
export function resolve<T>(value: Planned<T> | pulumi.Input<T>): pulumi.Input<T> {
    if (!(value instanceof Later)) {
        return value;
    }
    const leaves = value.leaves() as pulumi.Input<unknown>[];
    return pulumi.all(leaves).apply((values) => value.evaluate(new Map(leaves.map((leaf, i) => [leaf, values[i]]))) as pulumi.UnwrappedObject<T> as T) as pulumi.Output<T>;
}
