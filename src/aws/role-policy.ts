import * as pulumi from "@pulumi/pulumi";
import { IrsaInputError } from "../oidc/errors";
import { PolicyDocument } from "../oidc/trust-policy";
import { validatePolicyArn } from "./names";

/**
 * What a role may do, in the long form every language can pass: managed policy ARNs and named inline
 * documents (JSON text or, from TypeScript, objects).
 */
export interface IrsaRolePolicyArgs {
    /** Managed policies to attach (AWS-managed or your own). @default [] */
    managedPolicyArns?: pulumi.Input<string>[];
    /** Inline policy documents by name (IAM names: 1-128 of `[A-Za-z0-9+=,.@_-]`). @default {} */
    inlinePolicies?: Record<string, pulumi.Input<string> | PolicyDocument>;
}

/**
 * The TypeScript shorthand of `roleFor`/`IrsaRole`: a managed policy ARN, a list of them, a policy document
 * (object or JSON text), or the long form.
 */
export type RolePolicy = string | string[] | PolicyDocument | IrsaRolePolicyArgs;

export interface NormalizedRolePolicy {
    managedPolicyArns: pulumi.Input<string>[];
    inlinePolicies: Array<{ name: string; document: pulumi.Input<string> }>;
}

/** Name of the inline policy when a single document is given. */
export const DEFAULT_INLINE_POLICY_NAME = "irsa";
const INLINE_NAME = /^[\w+=,.@-]{1,128}$/;

function isPolicyDocument(value: unknown): value is PolicyDocument {
    return typeof value === "object" && value !== null && "Statement" in value;
}

/** Checks a policy document (object, or JSON text once known) and returns it as JSON text. */
export function policyDocumentJson(document: unknown, argument: string): string {
    let parsed: unknown = document;
    if (typeof document === "string") {
        try {
            parsed = JSON.parse(document);
        } catch {
            throw new IrsaInputError(argument, document, "is neither a policy ARN nor JSON", "pass a managed policy ARN or a policy document such as {\"Version\":\"2012-10-17\",\"Statement\":[...]}");
        }
    }
    const doc = parsed as { Version?: unknown; Statement?: unknown };
    if (typeof doc !== "object" || doc === null || doc.Version !== "2012-10-17" || !(Array.isArray(doc.Statement) ? doc.Statement.length > 0 : typeof doc.Statement === "object" && doc.Statement !== null)) {
        throw new IrsaInputError(argument, parsed, "is not an IAM policy document (it needs \"Version\": \"2012-10-17\" and at least one Statement)", "add the Version and Statement fields");
    }
    return typeof document === "string" ? document : JSON.stringify(document);
}

/** A plain string is checked now; an Output once its value is known (the failure then stops `pulumi up`). */
function checkedWhenKnown(value: pulumi.Input<string>, check: (v: string) => string): pulumi.Input<string> {
    return typeof value === "string" ? check(value) : pulumi.output(value).apply(check);
}

function longForm(policy: IrsaRolePolicyArgs, argument: string): NormalizedRolePolicy {
    const managedPolicyArns = (policy.managedPolicyArns ?? []).map((arn, i) => checkedWhenKnown(arn, (v) => validatePolicyArn(v, `${argument}.managedPolicyArns[${i}]`)));
    const inlinePolicies = Object.keys(policy.inlinePolicies ?? {})
        .sort() // object key order must not reorder resources between runs
        .map((name) => {
            if (!INLINE_NAME.test(name)) {
                throw new IrsaInputError(`${argument}.inlinePolicies`, name, "is not a valid inline policy name (1-128 of A-Z a-z 0-9 + = , . @ _ -)", "rename the policy, e.g. \"s3-read\"");
            }
            const doc = policy.inlinePolicies![name];
            const label = `${argument}.inlinePolicies.${name}`;
            const document = isPolicyDocument(doc) ? policyDocumentJson(doc, label) : checkedWhenKnown(doc, (v) => policyDocumentJson(v, label));
            return { name, document };
        });
    return { managedPolicyArns, inlinePolicies };
}

/**
 * Turns any accepted policy form into managed ARNs and named inline documents, checking what is known now.
 * A string is an ARN when it starts with "arn:", otherwise a JSON document.
 */
export function normalizeRolePolicy(policy: RolePolicy | undefined, argument = "policy"): NormalizedRolePolicy {
    if (policy === undefined) {
        return { managedPolicyArns: [], inlinePolicies: [] };
    }
    if (typeof policy === "string") {
        return policy.startsWith("arn:")
            ? { managedPolicyArns: [validatePolicyArn(policy, argument)], inlinePolicies: [] }
            : { managedPolicyArns: [], inlinePolicies: [{ name: DEFAULT_INLINE_POLICY_NAME, document: policyDocumentJson(policy, argument) }] };
    }
    if (Array.isArray(policy)) {
        return { managedPolicyArns: policy.map((arn, i) => validatePolicyArn(arn, `${argument}[${i}]`)), inlinePolicies: [] };
    }
    if (isPolicyDocument(policy)) {
        return { managedPolicyArns: [], inlinePolicies: [{ name: DEFAULT_INLINE_POLICY_NAME, document: policyDocumentJson(policy, argument) }] };
    }
    if (typeof policy === "object" && policy !== null && ("managedPolicyArns" in policy || "inlinePolicies" in policy)) {
        return longForm(policy, argument);
    }
    throw new IrsaInputError(argument, policy, "is not a policy", "pass a managed policy ARN, a list of ARNs, a policy document, or { managedPolicyArns, inlinePolicies }");
}
