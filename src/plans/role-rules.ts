import { validateLiteralAudience } from "../oidc/audience";
import { IrsaInputError } from "../oidc/errors";
import { validateDns1123Label, validateDns1123Subdomain } from "../kubernetes/names";
import { ANNOTATION_PREFIX } from "../webhook/annotation-rules";
import { SubjectMatch } from "./irsa-role-args";

// The rules of IrsaRole's own arguments, each a pure check that returns the value or throws IrsaInputError. The
// role plan (role-plan.ts) is the one place that applies them: to a value now when it is known, to the engine's
// value later otherwise.

const WILDCARD_NAME = /^[a-z0-9*?]([-a-z0-9.*?]*[a-z0-9*?])?$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const ROLE_PATH = /^(\/|\/[\u0021-\u007e]+\/)$/;
const SA_ANNOTATIONS = ["role-arn", "audience", "sts-regional-endpoints", "token-expiration"].map((a) => `${ANNOTATION_PREFIX}/${a}`);
/** The arguments that only apply to a ServiceAccount the role creates or annotates. */
export const SA_FIELDS = ["serviceAccountAnnotations", "stsRegionalEndpoints", "tokenExpiration"] as const;

/** Checks one name of the subject (exact: Kubernetes rules; wildcard: a pattern). */
export function validateSubjectName(value: string, argument: "namespace" | "serviceAccount", subjectMatch: SubjectMatch | undefined): string {
    if (subjectMatch === SubjectMatch.Wildcard) {
        if (typeof value !== "string" || value.length > 253 || !WILDCARD_NAME.test(value)) {
            throw new IrsaInputError(argument, value, "is not a Kubernetes name pattern (lowercase letters, digits, '-', '.', and the wildcards * and ?)", "write e.g. \"team-*\"");
        }
        return value;
    }
    return argument === "namespace" ? validateDns1123Label(value, argument) : validateDns1123Subdomain(value, argument);
}

/** Checks the trust policy's audience: an IAM OIDC provider client ID. */
export function validateRoleAudience(audience: string): string {
    return validateLiteralAudience(audience, "audience");
}

/** Checks a role's audience against the provider's client IDs, when both are known: STS refuses any other `aud`. */
export function checkAudienceListed(audience: string, providerAudiences: readonly string[]): string {
    if (!providerAudiences.includes(audience)) {
        throw new IrsaInputError(
            "audience",
            audience,
            `is not a client ID of the cluster's IAM OIDC provider (${providerAudiences.join(", ")}), so STS would refuse every token for this role`,
            "leave it unset (the component's first audience), or add it to the component's `audiences`",
        );
    }
    return audience;
}

export function validateMaxSessionDuration(seconds: number): number {
    if (typeof seconds !== "number" || !Number.isInteger(seconds) || seconds < 3600 || seconds > 43200) {
        throw new IrsaInputError("maxSessionDuration", seconds, "must be a whole number of seconds from 3600 to 43200 (IAM's limits)", "use e.g. 3600");
    }
    return seconds;
}

export function validateRoleName(name: string): string {
    if (typeof name !== "string" || !ROLE_NAME.test(name)) {
        throw new IrsaInputError("roleName", name, "is not an IAM role name (1 to 64 letters, digits or + = , . @ _ -)", "shorten or rename it, or leave it unset for an auto-name");
    }
    return name;
}

export function validateRolePath(path: string): string {
    if (typeof path !== "string" || path.length > 512 || !ROLE_PATH.test(path)) {
        throw new IrsaInputError("rolePath", path, "is not an IAM path (\"/\", or starting and ending with \"/\", at most 512 characters)", "use e.g. \"/irsa/\"");
    }
    return path;
}

export function validateExtraAnnotations(extra: Record<string, unknown>): Record<string, unknown> {
    for (const key of Object.keys(extra ?? {})) {
        if (SA_ANNOTATIONS.includes(key)) {
            throw new IrsaInputError("serviceAccountAnnotations", key, "is an annotation IrsaRole sets itself", "use the matching IrsaRole argument (the role ARN is this role's; audience, stsRegionalEndpoints, tokenExpiration)");
        }
    }
    return extra;
}
