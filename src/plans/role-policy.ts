import type * as pulumi from "@pulumi/pulumi";
import { checked, givenInput, isKnown, isPending, Planned } from "../common/known";
import { IrsaInputError } from "../oidc/errors";
import { validatePolicyArn } from "../aws/names";

// Pure: turns the policy shorthand of IrsaRole / roleFor into managed ARNs and named inline documents, each
// checked once: now when known (before any resource exists), otherwise once the engine knows it (then a bad one
// fails `pulumi up`/preview at the resource that takes it).

/**
 * An IAM policy document as an object. Statements are kept open (`object`) so NotAction, NotResource,
 * Condition operators and Sids all type-check; only Version and Statement are checked.
 */
export interface PolicyDocumentObject {
    Version: string;
    Id?: string;
    Statement: object | object[];
}

/**
 * The long form every language can pass: managed policy ARNs and inline documents by name
 * (JSON text, or from TypeScript also objects).
 */
export interface RolePolicySet {
    /** Managed policies to attach (AWS managed or your own), at most 20. @default [] */
    managedPolicyArns?: pulumi.Input<string>[];
    /** Inline policy documents keyed by policy name (1-128 of `A-Za-z0-9+=,.@_-`). @default {} */
    inlinePolicies?: Record<string, pulumi.Input<string> | PolicyDocumentObject>;
}

/**
 * The TypeScript shorthand for what the role may do: a managed policy ARN (plain string starting with
 * "arn:"), a list of managed policy ARNs, a policy document (object, or JSON text), or the long form.
 * An ARN or a document that is an Output goes in the long form, whose fields say which one it is.
 */
export type RolePolicy = string | pulumi.Input<string>[] | PolicyDocumentObject | RolePolicySet;

export interface NormalizedInlinePolicy<D = pulumi.Input<string>> {
    /** The IAM name of the inline policy. */
    name: string;
    /** The document, JSON text (checked now when known; as given when not known yet). */
    document: D;
}

/** Managed ARNs and named inline documents; known entries checked, the others as given (checked once known). */
export interface NormalizedRolePolicy {
    managedPolicyArns: pulumi.Input<string>[];
    inlinePolicies: NormalizedInlinePolicy[];
}

/** The same, each entry planned: checked now, or a Later that checks it once known (what IrsaRole registers). */
export interface PlannedRolePolicy {
    managedPolicyArns: Planned<string>[];
    inlinePolicies: NormalizedInlinePolicy<Planned<string>>[];
}

/** IAM name of the inline policy made from a single document (shorthand). */
export const DEFAULT_INLINE_POLICY_NAME = "irsa";
/** IAM quota: managed policies per role (10 by default, raisable to 20). */
export const MAX_MANAGED_POLICIES = 20;
const POLICY_VERSIONS = ["2012-10-17", "2008-10-17"];
const INLINE_NAME = /^[\w+=,.@-]{1,128}$/;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** Checks a policy document (object, or JSON text) and returns it as JSON text (text is kept as given). */
export function policyDocumentJson(document: unknown, argument: string): string {
    let parsed: unknown = document;
    if (typeof document === "string") {
        try {
            parsed = JSON.parse(document);
        } catch {
            throw new IrsaInputError(argument, document, "is neither a managed policy ARN nor JSON", "pass a managed policy ARN (\"arn:aws:iam::aws:policy/...\") or a policy document {\"Version\":\"2012-10-17\",\"Statement\":[...]}");
        }
    }
    if (!isObject(parsed)) {
        throw new IrsaInputError(argument, parsed, "is not an IAM policy document", "pass an object {\"Version\":\"2012-10-17\",\"Statement\":[...]}");
    }
    if (typeof parsed.Version !== "string" || !POLICY_VERSIONS.includes(parsed.Version)) {
        throw new IrsaInputError(argument, parsed, "has no policy language Version (\"2012-10-17\")", "add \"Version\": \"2012-10-17\" (without it IAM falls back to 2008-10-17, which has no policy variables)");
    }
    const statement = parsed.Statement;
    if (!(Array.isArray(statement) ? statement.length > 0 && statement.every(isObject) : isObject(statement))) {
        throw new IrsaInputError(argument, parsed, "has no Statement (an object or a non-empty list of objects)", "add \"Statement\": [{\"Effect\": \"Allow\", \"Action\": ..., \"Resource\": ...}]");
    }
    return typeof document === "string" ? document : JSON.stringify(document);
}

/** Checks an inline policy name (IAM: 1-128 of letters, digits and `+=,.@_-`). */
export function validateInlinePolicyName(name: string, argument: string): string {
    if (typeof name !== "string" || !INLINE_NAME.test(name)) {
        throw new IrsaInputError(argument, name, "is not an inline policy name (1 to 128 letters, digits or + = , . @ _ -)", "rename the policy, e.g. \"s3-read\"");
    }
    return name;
}

function managedArns(arns: unknown, argument: string): Planned<string>[] {
    if (arns === undefined) {
        return [];
    }
    if (!Array.isArray(arns)) {
        throw new IrsaInputError(argument, arns, "is not a list of managed policy ARNs", "pass e.g. [\"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess\"]");
    }
    return arns.map((arn, i) => checked(arn as pulumi.Input<string>, (v: string) => validatePolicyArn(v, `${argument}[${i}]`))!);
}

function inlineDocuments(policies: unknown, argument: string): NormalizedInlinePolicy<Planned<string>>[] {
    if (policies === undefined) {
        return [];
    }
    if (!isObject(policies) || isPending(policies)) {
        throw new IrsaInputError(argument, policies, "is not a map of policy name to document", "pass e.g. { \"s3-read\": {\"Version\":\"2012-10-17\",\"Statement\":[...]} }");
    }
    // Sorted: object key order must not reorder resources between runs.
    return Object.keys(policies)
        .sort()
        .map((name) => {
            validateInlinePolicyName(name, `${argument}.${name}`);
            const doc = policies[name] as pulumi.Input<string> | PolicyDocumentObject;
            const label = `${argument}.${name}`;
            // An object document is JSON text once checked; text and Inputs are checked as they are (text kept verbatim).
            const document = typeof doc === "string" || !isKnown(doc) ? checked(doc as pulumi.Input<string>, (v: string) => policyDocumentJson(v, label))! : policyDocumentJson(doc, label);
            return { name, document };
        });
}

/** Joins an argument path: "" + "managedPolicyArns" → "managedPolicyArns"; "policy" + ... → "policy.managedPolicyArns". */
const join = (prefix: string, field: string): string => (prefix === "" ? field : `${prefix}.${field}`);

/** The long form (also the IrsaRole fields `managedPolicyArns` / `inlinePolicies`, with prefix ""), planned. */
export function planRolePolicySet(set: RolePolicySet, prefix: string): PlannedRolePolicy {
    return {
        managedPolicyArns: managedArns(set.managedPolicyArns, join(prefix, "managedPolicyArns")),
        inlinePolicies: inlineDocuments(set.inlinePolicies, join(prefix, "inlinePolicies")),
    };
}

/** The long form with known entries checked and the others as given. */
export function normalizeRolePolicySet(set: RolePolicySet, prefix: string): NormalizedRolePolicy {
    return asGiven(planRolePolicySet(set, prefix));
}

/** A planned policy as args: entries not known yet go back as they were given (IrsaRole checks them once known). */
function asGiven(planned: PlannedRolePolicy): NormalizedRolePolicy {
    return {
        managedPolicyArns: planned.managedPolicyArns.map(givenInput),
        inlinePolicies: planned.inlinePolicies.map((p) => ({ name: p.name, document: givenInput(p.document) })),
    };
}

/**
 * Turns any accepted policy form into managed ARNs and named inline documents, checking what is known now.
 * A plain string is an ARN when it starts with "arn:", otherwise a JSON document; a single document becomes
 * the inline policy named "irsa".
 */
export function normalizeRolePolicy(policy: RolePolicy | undefined, argument = "policy"): NormalizedRolePolicy {
    return asGiven(planRolePolicy(policy, argument));
}

/** `normalizeRolePolicy`, planned (what IrsaRole registers for roleFor's `policy`). */
export function planRolePolicy(policy: RolePolicy | undefined, argument = "policy"): PlannedRolePolicy {
    if (policy === undefined) {
        return { managedPolicyArns: [], inlinePolicies: [] };
    }
    if (isPending(policy)) {
        throw new IrsaInputError(argument, "(an Output)", "is an Output, so whether it is an ARN or a document is not known before deployment", "use { managedPolicyArns: [arn] } or { inlinePolicies: { name: json } }");
    }
    if (typeof policy === "string") {
        return policy.startsWith("arn:")
            ? { managedPolicyArns: [validatePolicyArn(policy, argument)], inlinePolicies: [] }
            : { managedPolicyArns: [], inlinePolicies: [{ name: DEFAULT_INLINE_POLICY_NAME, document: policyDocumentJson(policy, argument) }] };
    }
    if (Array.isArray(policy)) {
        return { managedPolicyArns: managedArns(policy, argument), inlinePolicies: [] };
    }
    if (isObject(policy)) {
        const keys = Object.keys(policy);
        const isSet = keys.length > 0 && keys.every((k) => k === "managedPolicyArns" || k === "inlinePolicies");
        if ("Statement" in policy || "Version" in policy) {
            return { managedPolicyArns: [], inlinePolicies: [{ name: DEFAULT_INLINE_POLICY_NAME, document: policyDocumentJson(policy, argument) }] };
        }
        if (isSet) {
            return planRolePolicySet(policy as RolePolicySet, argument);
        }
    }
    throw new IrsaInputError(argument, policy, "is not a policy", "pass a managed policy ARN, a list of ARNs, a policy document, or { managedPolicyArns, inlinePolicies }");
}

/**
 * Joins the `policy` shorthand with the `managedPolicyArns` / `inlinePolicies` fields and checks the whole:
 * no inline name twice, no plain ARN twice, at most 20 managed policies.
 */
export function combineRolePolicies<P extends NormalizedRolePolicy | PlannedRolePolicy>(shorthand: P, fields: P): P {
    const managedPolicyArns = [...shorthand.managedPolicyArns, ...fields.managedPolicyArns];
    const inlinePolicies = [...shorthand.inlinePolicies, ...fields.inlinePolicies];
    const names = new Set<string>();
    for (const p of inlinePolicies) {
        if (names.has(p.name)) {
            throw new IrsaInputError("inlinePolicies", p.name, "names an inline policy twice (in `policy` and in `inlinePolicies`)", "give each inline policy its own name");
        }
        names.add(p.name);
    }
    const arns = new Set<string>();
    for (const arn of managedPolicyArns) {
        if (typeof arn === "string") {
            if (arns.has(arn)) {
                throw new IrsaInputError("managedPolicyArns", arn, "is attached twice", "list each managed policy once");
            }
            arns.add(arn);
        }
    }
    if (managedPolicyArns.length > MAX_MANAGED_POLICIES) {
        throw new IrsaInputError("managedPolicyArns", `${managedPolicyArns.length} policies`, `are more than the ${MAX_MANAGED_POLICIES} managed policies IAM attaches to one role`, "merge policies into fewer customer managed policies or inline documents");
    }
    return { managedPolicyArns, inlinePolicies } as P;
}

/**
 * Stable resource-name suffix of a managed policy attachment. A plain ARN is keyed by itself (account or
 * "aws", then path and name), so adding or removing another ARN never renames, and thus never replaces and
 * detaches, this one. An ARN that is an Output can only be keyed by its position (`0`, `1`, ...).
 */
export function attachmentKey(arn: pulumi.Input<string> | Planned<string>, index: number): string {
    if (typeof arn !== "string") {
        return String(index);
    }
    const match = /^arn:[^:]+:iam::([^:]+):policy\/(.+)$/.exec(arn);
    // validatePolicyArn has already passed, so match is set; the fallback only keeps the type total.
    return match ? `${match[1]}-${match[2].replace(/\//g, "-")}` : String(index);
}

/** Resource-name suffix of an inline policy: the single-document default keeps the short `-policy`. */
export function inlinePolicySuffix(policyName: string): string {
    return policyName === DEFAULT_INLINE_POLICY_NAME ? "policy" : `policy-${policyName}`;
}

/**
 * The TypeScript shorthand as IrsaRole args: spread it in, `new IrsaRole(name, { ...cluster, ...rolePolicyArgs(doc) })`.
 * `extra` (the long-form fields given beside the shorthand, as `roleFor`'s options do) is joined and checked
 * with it: no inline name twice, no ARN twice, at most 20 managed policies. Inline documents become JSON text.
 */
export function rolePolicyArgs(policy: RolePolicy | undefined, extra: RolePolicySet = {}): { managedPolicyArns: pulumi.Input<string>[]; inlinePolicies: Record<string, pulumi.Input<string>> } {
    const combined = asGiven(combineRolePolicies(planRolePolicy(policy, "policy"), planRolePolicySet(extra, "")));
    return {
        managedPolicyArns: combined.managedPolicyArns,
        inlinePolicies: Object.fromEntries(combined.inlinePolicies.map((p) => [p.name, p.document])),
    };
}
