import { validateLiteralAudience } from "../oidc/audience";
import { validateIssuerUrl } from "../oidc/discovery";
import { IrsaInputError } from "../oidc/errors";
import { validateKubectlValue } from "../kubernetes/kubectl";
import { validateDns1123Label, validateDns1123Subdomain } from "../kubernetes/names";

/** Checks one value of a flag (throws an IrsaInputError naming the flag); see `checks`. */
export type FlagCheck = (value: string, flag: string) => void;

/** How one flag is parsed. */
export interface FlagRule {
    /** Whether the flag takes a value (`--flag VALUE` or `--flag=VALUE`); otherwise it is a switch. */
    value: boolean;
    /** Whether it may be given more than once (every value is kept, in order). */
    repeat?: boolean;
    /**
     * Checked for every value as the flag is parsed: the one place where names, ranges and URLs are refused,
     * before any file is read, any request is made or any kubectl runs.
     */
    check?: FlagCheck;
}

/** The flags one command accepts. */
export interface FlagSpec {
    [flag: string]: FlagRule;
}

export interface ParsedArgs {
    /** Flags as given; repeated flags collect every value in order. */
    flags: Map<string, string[]>;
    /** Arguments that are not flags. */
    positional: string[];
}

/**
 * A small, strict parser: `--flag value`, `--flag=value` and boolean `--flag`. Unknown flags are errors so
 * that a typo never silently falls back to a default; a flag's value is never the next flag (`--token --issuer`),
 * and every value passes its rule's check here.
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
        const rule = Object.prototype.hasOwnProperty.call(spec, name) ? spec[name] : undefined;
        if (!rule) {
            throw new IrsaInputError(`--${name}`, arg, "is not a flag of this command", "see --help for the flags it takes");
        }
        let value = "true";
        if (rule.value) {
            if (eq !== -1) {
                value = arg.slice(eq + 1);
            } else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) {
                value = argv[++i];
            } else {
                const next = argv[i + 1];
                throw new IrsaInputError(`--${name}`, undefined, next === undefined ? "needs a value" : `needs a value (the next word, ${JSON.stringify(next)}, is a flag)`, `write --${name} VALUE, or --${name}=VALUE for a value that starts with --`);
            }
            rule.check?.(value, `--${name}`);
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

/** A numeric flag's value (already checked by its rule), or the fallback when it is absent. */
export function numberFlag(args: ParsedArgs, name: string, fallback: number): number {
    const text = flagValue(args, name);
    return text === undefined ? fallback : Number(text);
}

/** `--timeout` of both doctors: whole seconds; more than 300 s is no longer a health check (STS waits 5 s). */
export const TIMEOUT_SECONDS = { min: 1, max: 300 } as const;

/** The rules flags share (README, "Security and limits", lists the ranges). */
export const checks = {
    /** A whole number of seconds from `min` to `max`: `--timeout`, `--ttl`, `--max-token-expiration`. */
    seconds(min: number, max: number, example: number): FlagCheck {
        return (value, flag) => {
            const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
            if (!Number.isSafeInteger(n) || n < min || n > max) {
                throw new IrsaInputError(flag, value, `must be a whole number of seconds from ${min.toLocaleString("en-US")} to ${max.toLocaleString("en-US")}`, `pass e.g. ${flag} ${example}`);
            }
        };
    },
    /** A namespace (DNS-1123 label): what reaches kubectl and the API paths can never be a flag or a path. */
    namespace: ((value, flag) => void validateDns1123Label(value, flag)) as FlagCheck,
    /** An object name (DNS-1123 subdomain): ServiceAccounts, MutatingWebhookConfigurations. */
    objectName: ((value, flag) => void validateDns1123Subdomain(value, flag)) as FlagCheck,
    /** A literal audience (src/oidc/audience.ts). */
    audience: ((value, flag) => void validateLiteralAudience(value, flag)) as FlagCheck,
    /** An issuer URL as STS and kube-apiserver take it (https, canonical, no trailing slash). */
    issuer: ((value, flag) => void validateIssuerUrl(value, flag)) as FlagCheck,
    /** A value kubectl gets for one of its flags (`--context`, `--kubeconfig`): never readable as a flag. */
    word: ((value, flag) => void validateKubectlValue(value, flag, `pass ${flag} VALUE as the kubeconfig names it`)) as FlagCheck,
};
