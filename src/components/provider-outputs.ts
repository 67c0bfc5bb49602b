import * as pulumi from "@pulumi/pulumi";

// Values the component reads back from providers and invokes (an invoke's answer, a resource's computed output).
// A real provider always returns them; under Pulumi mocks whose answers lack one, the component would otherwise
// go on with `undefined` and fail later with an unrelated message (a "required" region, a TypeError deep in a
// PEM parser). So each is checked where it arrives, and the message names the invoke or output and the fix.

/** Thrown when an invoke or a resource output the component needs is missing (in practice: incomplete mocks). */
export class MissingProviderValueError extends Error {
    constructor(what: string, field: string, mockFix: string) {
        super(
            `${what} returned no \`${field}\`. A real provider always returns it, so this is a Pulumi mock that does not (pulumi.runtime.setMocks): ${mockFix}, or use the mocks of "selfhosted-irsa/testing", which answer every invoke and child of this package (README, "Testing your own stack")`,
        );
        this.name = "MissingProviderValueError";
    }
}

/** The answer of an invoke, required: `value` when set, else MissingProviderValueError naming the invoke. */
export function requireInvokeResult<T>(value: pulumi.Output<T | undefined>, token: string, field: string, example: string): pulumi.Output<T> {
    return value.apply((v) => {
        if (v === undefined || v === null || v === "") {
            throw new MissingProviderValueError(`The invoke ${token}`, field, `answer it from your mocks' \`call\`, e.g. { ${field}: ${example} }`);
        }
        return v;
    });
}

/** A resource's computed output, required: `value` when set, else MissingProviderValueError naming the resource. */
export function requireResourceOutput<T>(value: pulumi.Output<T | undefined>, type: string, name: string, field: string): pulumi.Output<T> {
    return value.apply((v) => {
        if (v === undefined || v === null || v === "") {
            throw new MissingProviderValueError(`The resource ${type} "${name}"`, field, `return it from your mocks' \`newResource\` in \`state\``);
        }
        return v;
    });
}
