import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { requireResourceOutput } from "../provider-outputs";

export interface OidcProviderSettings {
    issuerUrl: pulumi.Input<string>;
    audiences: pulumi.Input<pulumi.Input<string>[]>;
    /** Only when the JWKS endpoint's certificate does not chain to a CA AWS trusts (not S3, not CloudFront). */
    thumbprints?: pulumi.Input<pulumi.Input<string>[]>;
    tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export interface OidcProvider {
    resource: aws.iam.OpenIdConnectProvider;
    /** The provider's ARN, required (a mock that omits it gets a clear error). */
    arn: pulumi.Output<string>;
}

/**
 * The IAM OIDC identity provider for the issuer (`${name}-oidc-provider`), the one builder for SelfHostedIrsa's own
 * and IrsaOidcProvider's. `dependsOn` holds the published documents and whatever makes them readable: AWS fetches
 * them when the provider is created. The account is the AWS provider's (inherited from the parent).
 */
export function createOidcProvider(name: string, args: OidcProviderSettings, opts: { parent: pulumi.Resource; dependsOn?: pulumi.Resource[]; protect: boolean }): OidcProvider {
    const resource = new aws.iam.OpenIdConnectProvider(
        `${name}-oidc-provider`,
        {
            url: args.issuerUrl,
            clientIdLists: args.audiences,
            ...(args.thumbprints !== undefined ? { thumbprintLists: args.thumbprints } : {}),
            ...(args.tags !== undefined ? { tags: args.tags } : {}),
        },
        // Protected: a new `url` replaces the provider, and every role trusting its ARN stops working.
        { parent: opts.parent, ...(opts.dependsOn !== undefined ? { dependsOn: opts.dependsOn } : {}), ...(opts.protect ? { protect: true } : {}) },
    );
    return { resource, arn: requireResourceOutput(resource.arn, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", `${name}-oidc-provider`, "arn") };
}
