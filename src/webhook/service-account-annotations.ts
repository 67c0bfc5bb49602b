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

/** The `eks.amazonaws.com/*` annotations the webhook reads from a ServiceAccount (pure; checks each value). */
export function serviceAccountAnnotations(args: ServiceAccountAnnotationArgs): Record<string, string> {
    return annotationsOf({
        roleArn: validateRoleArn(args.roleArn, "roleArn"),
        audience: args.audience === undefined ? undefined : validateAudience(args.audience, "audience"),
        stsRegionalEndpoints: args.stsRegionalEndpoints,
        tokenExpiration: args.tokenExpiration === undefined ? undefined : validateTokenExpiration(args.tokenExpiration, "tokenExpiration", MAX_TOKEN_EXPIRATION),
    });
}

/** The annotations from values already checked; an unset value writes no annotation (the webhook's default). */
export function annotationsOf(args: ServiceAccountAnnotationArgs): Record<string, string> {
    const annotations: Record<string, string> = { [`${ANNOTATION_PREFIX}/role-arn`]: args.roleArn };
    if (args.audience !== undefined) {
        annotations[`${ANNOTATION_PREFIX}/audience`] = args.audience;
    }
    if (args.stsRegionalEndpoints !== undefined) {
        annotations[`${ANNOTATION_PREFIX}/sts-regional-endpoints`] = args.stsRegionalEndpoints ? "true" : "false";
    }
    if (args.tokenExpiration !== undefined) {
        annotations[`${ANNOTATION_PREFIX}/token-expiration`] = String(args.tokenExpiration);
    }
    return annotations;
}
