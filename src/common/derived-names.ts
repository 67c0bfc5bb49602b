import { createHash } from "node:crypto";

// Names the component derives for services with their own limits (IAM role names, Helm release names).
// Pure: no @pulumi imports. One builder for every such name, so the rule is the same everywhere:
// keep the readable name when the service accepts it, else sanitize it and shorten it with a hash of the
// whole original, so two long names that share a prefix still differ, and the same input always gives
// the same name (a second `pulumi up` sees no change).

/** What a service accepts. */
export interface NameRule {
    /** Longest name the service accepts. */
    maxLength: number;
    /** One character the service accepts; anything else is replaced. */
    allowed: RegExp;
    /** What replaces a character outside `allowed`. */
    replacement: string;
    /** The service accepts lowercase only (Helm, Kubernetes). */
    lowercase?: boolean;
    /** Characters that may not start or end the name (e.g. "-" for DNS labels). */
    trim?: string;
}

/** Length of the hash suffix, in hex digits: 32 bits, enough to tell apart the names of one stack. */
const HASH_DIGITS = 8;

/** 8 hex digits of SHA-256: what the shortened names (and texts, derived-text.ts) end with. */
export function hashOf(text: string): string {
    return createHash("sha256").update(text).digest("hex").slice(0, HASH_DIGITS);
}

/** Whether `name` is accepted as it is. */
export function fitsRule(name: string, rule: NameRule, reserve = 0): boolean {
    if (name.length === 0 || name.length + reserve > rule.maxLength) {
        return false;
    }
    if (rule.lowercase && name !== name.toLowerCase()) {
        return false;
    }
    if (rule.trim && (rule.trim.includes(name[0]) || rule.trim.includes(name[name.length - 1]))) {
        return false;
    }
    return [...name].every((c) => rule.allowed.test(c));
}

/**
 * The name itself when the service accepts it; otherwise `<sanitized prefix>-<8 hex of sha256(name)>`,
 * at most `rule.maxLength` characters. Deterministic.
 */
export function derivedName(name: string, rule: NameRule): string {
    if (fitsRule(name, rule)) {
        return name;
    }
    let sanitized = [...(rule.lowercase ? name.toLowerCase() : name)].map((c) => (rule.allowed.test(c) ? c : rule.replacement)).join("");
    sanitized = sanitized.slice(0, rule.maxLength - HASH_DIGITS - 1);
    if (rule.trim) {
        const edges = new RegExp(`^[${escapeClass(rule.trim)}]+|[${escapeClass(rule.trim)}]+$`, "g");
        sanitized = sanitized.replace(edges, "");
    }
    return sanitized.length > 0 ? `${sanitized}-${hashOf(name)}` : hashOf(name);
}

function escapeClass(chars: string): string {
    return chars.replace(/[\]\\^-]/g, "\\$&");
}

/** IAM role names: 1-64 of `A-Za-z0-9+=,.@_-` (IAM API reference, CreateRole). */
export const IAM_ROLE_NAME_RULE: NameRule = { maxLength: 64, allowed: /[\w+=,.@-]/, replacement: "_" };
/** Helm release names: lowercase DNS-1123 label characters, at most 53 (Helm's limit for the release Secret's labels). */
export const HELM_RELEASE_NAME_RULE: NameRule = { maxLength: 53, allowed: /[a-z0-9-]/, replacement: "-", lowercase: true, trim: "-" };

/** CloudFront origin access control names: at most 64 characters (CreateOriginAccessControl API). */
export const CLOUDFRONT_OAC_NAME_RULE: NameRule = { maxLength: 64, allowed: /[A-Za-z0-9_-]/, replacement: "-", trim: "-" };
/** CloudFront cache policy names: at most 128 letters, digits, hyphens and underscores (CreateCachePolicy API). */
export const CLOUDFRONT_CACHE_POLICY_NAME_RULE: NameRule = { maxLength: 128, allowed: /[A-Za-z0-9_-]/, replacement: "-", trim: "-" };

/**
 * Pulumi's auto-naming appends "-" and 7 random characters (aws) or 8 hex digits (Helm releases) to the
 * resource name. When that auto-name would be valid, `undefined` keeps it (no change for existing stacks);
 * otherwise the derived name, given explicitly.
 */
export function explicitNameIfNeeded(resourceName: string, rule: NameRule, autoSuffixLength: number): string | undefined {
    return fitsRule(resourceName, rule, autoSuffixLength) ? undefined : derivedName(resourceName, rule);
}

/** Characters aws auto-naming appends to IAM names: "-" and 7 random characters. */
export const AWS_AUTONAME_SUFFIX = 8;
/** Characters pulumi-kubernetes appends to a Helm release name it makes up: "-" and 8 hex digits. */
export const HELM_AUTONAME_SUFFIX = 9;
