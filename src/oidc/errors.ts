/**
 * One error shape for every bad input: the argument, the value, the rule and the fix
 * (house style: tests assert the exact message, so keep this format stable).
 */
export class IrsaInputError extends Error {
    /** The argument or CLI flag that was wrong, e.g. `issuer` or `signingKey.privateKeyPem`. */
    public readonly argument: string;

    constructor(argument: string, value: unknown, rule: string, fix: string) {
        super(`\`${argument}\` ${describeValue(value)} ${rule}. Fix: ${fix}`);
        this.name = "IrsaInputError";
        this.argument = argument;
    }
}

/** Marker for values that must never appear in an error message (private keys). */
export const REDACTED = Symbol("redacted");

function describeValue(value: unknown): string {
    if (value === REDACTED) {
        return "(value redacted)";
    }
    if (value === undefined) {
        return "(not set)";
    }
    const text = typeof value === "string" ? value : JSON.stringify(value);
    const shown = text.length > 120 ? `${text.slice(0, 117)}...` : text;
    return JSON.stringify(shown);
}
