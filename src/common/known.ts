// "Is this value known now?": one answer for every layer, and what to do when it is not. A value is pending when
// it is a Pulumi Output or a promise; it is known when nothing in it is pending, at any depth (`undefined` and
// `null` are known: an argument left out). A known value is checked before any resource exists; anything else is
// checked by the same rule once the engine knows it: a Later says which Inputs it waits for and what to compute,
// and the component hands it to the engine (components/irsa-role.ts, resolve), where a check that throws fails
// the resource that takes the value (at preview when the Inputs are known then, as StackReference outputs are).
// Pure: an Output is recognised by the marker that @pulumi/pulumi's own `Output.isInstance` reads (it works
// across copies of the SDK), so the layers the CLI loads can ask without loading the Pulumi runtime.
import type * as pulumi from "@pulumi/pulumi";

/** Whether `value` itself is a Pulumi Output or a promise: its value is not known yet. */
export function isPending(value: unknown): boolean {
    if (typeof value !== "object" || value === null) {
        return false;
    }
    // The SDK marks each Output with `__pulumiOutput: true` (what `pulumi.Output.isInstance` checks).
    return (value as { __pulumiOutput?: unknown }).__pulumiOutput === true || typeof (value as { then?: unknown }).then === "function" || value instanceof Deferred;
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

/** A value computed once `inputs` are known; Laters among the inputs are computed first. Computed at most once. */
export class Later<T> {
    private outcome?: { value: T } | { error: unknown };

    constructor(
        /** What it waits for: Inputs not known yet, known values, and other Laters. */
        readonly inputs: readonly unknown[],
        private readonly compute: (values: any[]) => T,
    ) {}

    /** The Inputs not known now at the leaves of this Later: what the engine resolves first. */
    leaves(): unknown[] {
        const leaves = new Set<unknown>();
        const walk = (later: Later<unknown>): void => {
            for (const input of later.inputs) {
                if (input instanceof Later) walk(input);
                else if (!isKnown(input)) leaves.add(input);
            }
        };
        walk(this);
        return [...leaves];
    }

    /**
     * The value, from the leaves' resolved values. Each Later computes (and checks) once per program, however
     * many resources take it: a failing check throws the same error to each of them.
     */
    evaluate(resolved: ReadonlyMap<unknown, unknown>): T {
        if (this.outcome === undefined) {
            try {
                const values = this.inputs.map((input) => (input instanceof Later ? input.evaluate(resolved) : resolved.has(input) ? resolved.get(input) : input));
                this.outcome = { value: this.compute(values) };
            } catch (error) {
                this.outcome = { error };
            }
        }
        if ("error" in this.outcome) {
            throw this.outcome.error;
        }
        return this.outcome.value;
    }
}

/** A value known now, or a Later. */
export type Planned<T> = T | Later<T>;

export function isLater(value: unknown): value is Later<unknown> {
    return value instanceof Later;
}

/** `fn` over Inputs and planned values: now when all are known, otherwise once they are. */
export function combine<R>(values: readonly unknown[], fn: (known: any[]) => R): Planned<R> {
    return values.every((v) => !(v instanceof Later) && isKnown(v)) ? fn([...values]) : new Later(values, fn);
}

/**
 * The checked value: `check(value)` now when it is known, otherwise once it is. `undefined` stays undefined (not
 * given). `ready` says when the check can run: by default when the value is known; a rule on an object's keys
 * can run once the object itself is there (its values may still be pending: they are resolved when used).
 */
export function checked<T, R = T>(value: pulumi.Input<T> | Planned<T> | undefined, check: (v: T) => R, ready: (v: unknown) => boolean = isKnown): Planned<R> | undefined {
    if (value === undefined) {
        return undefined;
    }
    return !(value instanceof Later) && ready(value) ? check(value as T) : new Later([value], ([v]) => check(v as T));
}

/** What was given for a value that is checked later (the Input itself), or the value when it is known. */
export function givenInput<T>(value: Planned<T>): pulumi.Input<T> {
    return value instanceof Later && value.inputs.length === 1 && !(value.inputs[0] instanceof Later) ? (value.inputs[0] as pulumi.Input<T>) : (value as T);
}

/**
 * An Input a component supplies after planning: one of its own outputs, which exist only once it is registered.
 * Pending until then. A component can so plan its children, and check everything known, before it registers
 * anything (SelfHostedIrsa's `roles` trust the provider it makes).
 */
export class Deferred<T> {
    private supplied?: { input: pulumi.Input<T> };

    supply(input: pulumi.Input<T>): void {
        this.supplied = { input };
    }

    /** The Input, once supplied. */
    get input(): pulumi.Input<T> {
        if (this.supplied === undefined) {
            throw new Error("a Deferred input was used before the component supplied it");
        }
        return this.supplied.input;
    }
}
