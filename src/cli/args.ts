import { IrsaInputError } from "../oidc/errors";

/** The flags one command accepts: name → whether it repeats, whether it takes a value. */
export interface FlagSpec {
    [flag: string]: { value: boolean; repeat?: boolean };
}

export interface ParsedArgs {
    /** Flags as given; repeated flags collect every value in order. */
    flags: Map<string, string[]>;
    /** Arguments that are not flags. */
    positional: string[];
}

/**
 * A small, strict parser: `--flag value`, `--flag=value` and boolean `--flag`. Unknown flags are errors so
 * that a typo never silently falls back to a default.
 */
export function parseArgs(argv: readonly string[], spec: FlagSpec): ParsedArgs {
    const flags = new Map<string, string[]>();
    const positional: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (!arg.startsWith("--") || arg === "-") {
            positional.push(arg);
            continue;
        }
        const eq = arg.indexOf("=");
        const name = arg.slice(2, eq === -1 ? undefined : eq);
        const rule = spec[name];
        if (!rule) {
            throw new IrsaInputError(`--${name}`, arg, "is not a flag of this command", "see --help for the flags it takes");
        }
        let value = "true";
        if (rule.value) {
            if (eq !== -1) {
                value = arg.slice(eq + 1);
            } else if (i + 1 < argv.length) {
                value = argv[++i];
            } else {
                throw new IrsaInputError(`--${name}`, undefined, "needs a value", `write --${name} VALUE`);
            }
        } else if (eq !== -1) {
            throw new IrsaInputError(`--${name}`, arg, "takes no value", `write --${name} alone`);
        }
        const seen = flags.get(name);
        if (seen && !rule.repeat) {
            throw new IrsaInputError(`--${name}`, value, "may be given once", `keep one --${name}`);
        }
        flags.set(name, [...(seen ?? []), value]);
    }
    return { flags, positional };
}

/** The single value of a flag, or undefined. */
export function flagValue(args: ParsedArgs, name: string): string | undefined {
    return args.flags.get(name)?.[0];
}

/** The value of a flag that must be present. */
export function requiredFlag(args: ParsedArgs, name: string): string {
    const value = flagValue(args, name);
    if (value === undefined || value === "") {
        throw new IrsaInputError(`--${name}`, value, "is required", `pass --${name} VALUE (see --help)`);
    }
    return value;
}

/** A flag holding a positive number (seconds, counts). */
export function numberFlag(args: ParsedArgs, name: string, fallback: number): number {
    const text = flagValue(args, name);
    if (text === undefined) {
        return fallback;
    }
    const value = Number(text);
    if (!Number.isFinite(value) || value <= 0) {
        throw new IrsaInputError(`--${name}`, text, "must be a positive number", `pass e.g. --${name} ${fallback}`);
    }
    return value;
}
