import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface OidcProviderSettings {
    issuerUrl: pulumi.Input<string>;
    audiences: pulumi.Input<pulumi.Input<string>[]>;
    /** Only when the JWKS endpoint's certificate does not chain to a CA AWS trusts (not S3, not CloudFront). */
    thumbprints?: pulumi.Input<pulumi.Input<string>[]>;
    tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * The IAM OIDC identity provider for the issuer (`${name}-oidc-provider`). `dependsOn` holds the published
 * documents and whatever makes them readable: AWS fetches them when the provider is created.
 */
export function createOidcProvider(name: string, args: OidcProviderSettings, opts: { parent: pulumi.Resource; dependsOn: pulumi.Resource[]; protect: boolean }): aws.iam.OpenIdConnectProvider {
    return new aws.iam.OpenIdConnectProvider(
        `${name}-oidc-provider`,
        {
            url: args.issuerUrl,
            clientIdLists: args.audiences,
            ...(args.thumbprints !== undefined ? { thumbprintLists: args.thumbprints } : {}),
            ...(args.tags !== undefined ? { tags: args.tags } : {}),
        },
        // Protected: a new `url` replaces the provider, and every role trusting its ARN stops working.
        { parent: opts.parent, dependsOn: opts.dependsOn, ...(opts.protect ? { protect: true } : {}) },
    );
}
