import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { serviceAccountAnnotations } from "../../webhook/service-account-annotations";
import { validateDns1123Label, validateDns1123Subdomain } from "../../kubernetes/names";

export { ANNOTATION_PREFIX, validateRoleArn } from "../../webhook/annotation-rules";
export { serviceAccountAnnotations } from "../../webhook/service-account-annotations";
export type { ServiceAccountAnnotationArgs } from "../../webhook/service-account-annotations";

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
