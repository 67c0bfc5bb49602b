// Pure: the ServiceAccount annotations the webhook reads, built and checked (no @pulumi imports).
import { ANNOTATION_PREFIX, validateRoleArn } from "./annotation-rules";
import { MAX_TOKEN_EXPIRATION, validateAudience, validateTokenExpiration } from "./webhook-values";

export interface ServiceAccountAnnotationArgs {
    /** ARN of the IAM role the pod assumes. */
    roleArn: string;
    /** Token audience; only written when given. @default the webhook's (sts.amazonaws.com) */
    audience?: string;
    /** Whether the pod uses the regional STS endpoint; only written when given. @default the webhook's */
    stsRegionalEndpoints?: boolean;
    /** Token lifetime in seconds (600 to 2^31); only written when given. @default the webhook's (86400) */
    tokenExpiration?: number;
}

/** The `eks.amazonaws.com/*` annotations the webhook reads from a ServiceAccount (pure). */
export function serviceAccountAnnotations(args: ServiceAccountAnnotationArgs): Record<string, string> {
    const annotations: Record<string, string> = {
        [`${ANNOTATION_PREFIX}/role-arn`]: validateRoleArn(args.roleArn, "roleArn"),
    };
    if (args.audience !== undefined) {
        annotations[`${ANNOTATION_PREFIX}/audience`] = validateAudience(args.audience, "audience");
    }
    if (args.stsRegionalEndpoints !== undefined) {
        annotations[`${ANNOTATION_PREFIX}/sts-regional-endpoints`] = args.stsRegionalEndpoints ? "true" : "false";
    }
    if (args.tokenExpiration !== undefined) {
        annotations[`${ANNOTATION_PREFIX}/token-expiration`] = String(validateTokenExpiration(args.tokenExpiration, "tokenExpiration", MAX_TOKEN_EXPIRATION));
    }
    return annotations;
}
