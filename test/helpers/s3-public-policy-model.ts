// A model of S3's "is this bucket policy public?" rule, which Block Public Access applies (BlockPublicPolicy
// refuses a public policy, RestrictPublicBuckets ignores one), written from the S3 User Guide's "The meaning of
// public" (access-control-block-public-access.html), not from code: a policy is non-public when every Allow
// statement grants access only to fixed values (no wildcard, no policy variable) of a principal, or is narrowed
// by a condition with fixed values on one of the listed keys. Only what this package's policies use is modelled.

type Statement = { Effect?: string; Principal?: unknown; Condition?: Record<string, Record<string, unknown>> };

// Condition keys that make a statement non-public when their values are fixed (the guide's list, abridged).
const NARROWING_KEYS = ["aws:sourcearn", "aws:sourceaccount", "aws:sourceowner", "aws:sourcevpc", "aws:sourcevpce", "aws:principalorgid", "aws:principalaccount", "s3:dataaccesspointarn", "s3:dataaccesspointaccount"];

const fixed = (v: unknown): boolean => (Array.isArray(v) ? v.every(fixed) : typeof v === "string" && !/[*?]|\$\{/.test(v));

function fixedPrincipal(principal: unknown): boolean {
    if (principal === "*" || principal === undefined) return false;
    if (typeof principal !== "object" || principal === null) return false;
    return Object.values(principal as Record<string, unknown>).every(fixed);
}

function narrowedByCondition(condition: Statement["Condition"]): boolean {
    if (!condition) return false;
    return Object.entries(condition).some(([operator, keys]) => !/Like|IfExists/.test(operator) && Object.entries(keys).some(([k, v]) => NARROWING_KEYS.includes(k.toLowerCase()) && fixed(v)));
}

/** Whether S3 counts the policy as public (so account-level Block Public Access refuses or ignores it). */
export function isPublicBucketPolicy(policy: { Statement: Statement[] }): boolean {
    return policy.Statement.filter((s) => s.Effect === "Allow").some((s) => !fixedPrincipal(s.Principal) && !narrowedByCondition(s.Condition));
}
