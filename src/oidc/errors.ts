import { quoted } from "./display";
import { describeKeyText, looksLikeKeyMaterial } from "./key-text";

/**
 * One error shape for every bad input: the argument, the value, the rule and the fix
 * (house style: tests assert the exact message, so keep this format stable).
 */
export class IrsaInputError extends Error {
    /** The argument or CLI flag that was wrong, e.g. `issuer` or `signingKey.privateKeyPem`. */
    public readonly argument: string;
    /** The rule the value broke ("is not a PEM key ..."), without the argument and value. */
    public readonly rule: string;
    /** What to do about it. */
    public readonly fix: string;
    /** What was found in the value when it is shown by description only (key material), e.g. "a PEM PRIVATE KEY block". */
    public readonly found?: string;

    constructor(argument: string, value: unknown, rule: string, fix: string) {
        const found = value instanceof Found ? value.description : looksLikeKeyMaterial(value) ? describeKeyText(value) : undefined;
        super(`\`${argument}\` ${found !== undefined ? `(${found})` : describeValue(value)} ${rule}. Fix: ${fix}`);
        this.name = "IrsaInputError";
        this.argument = argument;
        this.rule = rule;
        this.fix = fix;
        this.found = found;
    }
}

/** Marker for values that must never appear in an error message (private keys). */
export const REDACTED = Symbol("redacted");

/** A value shown by what was found in it, never by its content: `found("not PEM: 1,234 bytes of base64")`. */
export class Found {
    constructor(public readonly description: string) {}
}

/** Shows a value by description only (key material, or a text that may hold it). */
export function found(description: string): Found {
    return new Found(description);
}

/**
 * The same error told about another argument and value: the CLI names the flag and the file it read
 * (`--key` "sa.key"), keeping what was found in the file's content and the rule and fix.
 */
export function restate(err: IrsaInputError, argument: string, value: unknown): IrsaInputError {
    const restated = new IrsaInputError(argument, value, err.found !== undefined ? `(${err.found}) ${err.rule}` : err.rule, err.fix);
    return Object.assign(restated, { found: err.found });
}

function describeValue(value: unknown): string {
    if (value === REDACTED) {
        return "(value redacted)";
    }
    if (value === undefined) {
        return "(not set)";
    }
    const text = typeof value === "string" ? value : JSON.stringify(value);
    const shown = text.length > 120 ? `${text.slice(0, 117)}...` : text;
    // JSON escapes C0 controls; C1 controls, line separators and bidi controls are escaped too (display.ts).
    return quoted(shown);
}
