import type * as pulumi from "@pulumi/pulumi";
import { validateAudiences, validateThumbprints } from "../aws/names";
import { validateIssuerUrl } from "../oidc/discovery";
import { IrsaInputError } from "../oidc/errors";
import { DEFAULT_AUDIENCE } from "../oidc/trust-policy";

/** Arguments of the IrsaOidcProvider component: the same issuer registered in another AWS account. */
export interface IrsaOidcProviderArgs {
    /**
     * The cluster's issuer URL (SelfHostedIrsa output `issuerUrl`, or a StackReference output): https, no trailing
     * slash, canonical, exactly the `iss` of the cluster's tokens. Checked like SelfHostedIrsa's issuer (at once when
     * plain, once known otherwise). Default: none (required)
     */
    issuerUrl: pulumi.Input<string>;
    /**
     * Token audiences: the provider's client IDs, the `aud` roles in this account pin. Use the cluster's own (the
     * `audiences` of its SelfHostedIrsa). Default: ["sts.amazonaws.com"]
     */
    audiences?: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * Certificate thumbprints, only for a JWKS endpoint whose certificate AWS does not trust (never S3 or
     * CloudFront). Default: unset (none)
     */
    thumbprints?: pulumi.Input<pulumi.Input<string>[]>;
    /** Tags for the IAM OIDC provider. Default: {} */
    tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /**
     * Protect the IAM OIDC provider (Pulumi `protect`), as SelfHostedIrsa does its own: no edit that replaces it
     * (a new `issuerUrl`) and no `pulumi destroy` deletes it, which would break every role trusting its ARN. Plain.
     * Default: true
     */
    protectIdentity?: boolean;
}

/** The args with defaults applied where they are plain. */
export interface NormalizedOidcProviderArgs {
    audiences: pulumi.Input<pulumi.Input<string>[]>;
    protect: boolean;
}

const isPlainStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === "string");

/** Checks every argument known now, before anything is registered; Outputs are checked once known. Pure. */
export function validateIrsaOidcProviderArgs(name: string, args: IrsaOidcProviderArgs | undefined): NormalizedOidcProviderArgs {
    if (typeof name !== "string" || name.length === 0) {
        throw new IrsaInputError("name", name, "is empty", "give the component a name, e.g. \"cluster-in-billing\"");
    }
    if (args === undefined || args.issuerUrl === undefined) {
        throw new IrsaInputError("issuerUrl", undefined, "is required: the provider registers one issuer", "pass the cluster's issuer, e.g. the `issuerUrl` output of its SelfHostedIrsa");
    }
    if (typeof args.issuerUrl === "string") {
        validateIssuerUrl(args.issuerUrl, "issuerUrl");
    }
    const audiences = args.audiences ?? [DEFAULT_AUDIENCE];
    if (isPlainStringArray(audiences)) {
        validateAudiences(audiences);
    }
    if (isPlainStringArray(args.thumbprints)) {
        validateThumbprints(args.thumbprints);
    }
    if (args.protectIdentity !== undefined && typeof args.protectIdentity !== "boolean") {
        throw new IrsaInputError("protectIdentity", args.protectIdentity, "is not a boolean (it must be known before deployment: it decides the resource options)", "pass true (the default) or false");
    }
    return { audiences, protect: args.protectIdentity ?? true };
}
