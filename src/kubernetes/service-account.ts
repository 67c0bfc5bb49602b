import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ANNOTATION_PREFIX, validateRoleArn } from "./annotation-rules";
import { validateDns1123Label, validateDns1123Subdomain } from "./names";
import { MAX_TOKEN_EXPIRATION, validateAudience, validateTokenExpiration } from "./webhook-values";

export { ANNOTATION_PREFIX, validateRoleArn } from "./annotation-rules";

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

export interface IrsaServiceAccountArgs {
    /** Namespace of the ServiceAccount (must exist). Plain: the trust policy names it. */
    namespace: string;
    /** Name of the ServiceAccount. Plain: the trust policy names it. */
    name: string;
    /** ARN of the IAM role. */
    roleArn: pulumi.Input<string>;
    /** @default the webhook's audience (sts.amazonaws.com) */
    audience?: pulumi.Input<string>;
    /** @default the webhook's setting */
    stsRegionalEndpoints?: pulumi.Input<boolean>;
    /** @default the webhook's token lifetime */
    tokenExpiration?: pulumi.Input<number>;
    /** Extra labels. @default {} */
    labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * A ServiceAccount annotated for IRSA. `resourceName` is the Pulumi name; `args.name` the Kubernetes one.
 * Names are checked now; the annotations once the role ARN is known.
 */
export function createIrsaServiceAccount(resourceName: string, args: IrsaServiceAccountArgs, opts: { parent: pulumi.Resource; provider?: pulumi.ProviderResource }): k8s.core.v1.ServiceAccount {
    validateDns1123Label(args.namespace, "namespace");
    validateDns1123Subdomain(args.name, "serviceAccount");
    const annotations = pulumi
        .all([args.roleArn, args.audience, args.stsRegionalEndpoints, args.tokenExpiration])
        .apply(([roleArn, audience, stsRegionalEndpoints, tokenExpiration]) => serviceAccountAnnotations({ roleArn, audience, stsRegionalEndpoints, tokenExpiration }));
    return new k8s.core.v1.ServiceAccount(
        resourceName,
        { metadata: { namespace: args.namespace, name: args.name, annotations, ...(args.labels ? { labels: args.labels } : {}) } },
        { parent: opts.parent, ...(opts.provider ? { provider: opts.provider } : {}) },
    );
}
