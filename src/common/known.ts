// "Is this value known now?": one answer for every layer. A value is pending when it is a Pulumi Output or a
// promise; it is known when nothing in it is pending, at any depth. A known value is checked before any resource
// exists; anything else is checked by the same rule once the engine resolves it (src/plans/later.ts).
// `undefined` and `null` are known: an argument left out.
// Pure: an Output is recognised by the marker that @pulumi/pulumi's own `Output.isInstance` reads (it works
// across copies of the SDK), so the layers the CLI loads can ask without loading the Pulumi runtime.

/** Whether `value` itself is a Pulumi Output or a promise: its value is not known yet. */
export function isPending(value: unknown): boolean {
    if (typeof value !== "object" || value === null) {
        return false;
    }
    // The SDK marks each Output with `__pulumiOutput: true` (what `pulumi.Output.isInstance` checks).
    return (value as { __pulumiOutput?: unknown }).__pulumiOutput === true || typeof (value as { then?: unknown }).then === "function";
}

/** Whether nothing in `value` is pending, at any depth. */
export function isKnown(value: unknown): boolean {
    if (typeof value !== "object" || value === null) {
        return true;
    }
    if (isPending(value)) {
        return false;
    }
    return Array.isArray(value) ? value.every(isKnown) : Object.values(value).every(isKnown);
}
