import * as pulumi from "@pulumi/pulumi";
import { cloudFrontIssuerUrl } from "./aws/cloudfront-settings";
import { HostingArgs, validateHostingArgs } from "./aws/hosting";
import { s3IssuerUrl, validateAudiences, validateAutoBucketPrefix, validateAwsRegion, validateBucketName, validateThumbprints } from "./aws/names";
import { SigningKeyArgs, validatePublicKeyPems, validateSigningKeyArgs } from "./kubernetes/signing-key";
import { WebhookArgs } from "./kubernetes/webhook";
import { validateWebhookArgs } from "./kubernetes/webhook-values";
import { validateJwksPath } from "./oidc-documents";
import { DEFAULT_JWKS_PATH, issuerHost, validateIssuerUrl } from "./oidc/discovery";
import { IrsaInputError } from "./oidc/errors";
import { DEFAULT_AUDIENCE, validateOidcProviderArn } from "./oidc/trust-policy";

/** Arguments of the SelfHostedIrsa component. */
export interface SelfHostedIrsaArgs {
    /**
     * The service-account signing key: generated with @pulumi/tls when omitted, or your private key, or only
     * the cluster's public keys (EKS Anywhere, k3s, RKE2 keep their own). See SigningKeyArgs.
     * @default generate an RSA 2048 key
     */
    signingKey?: SigningKeyArgs;
    /**
     * More public keys to keep in the JWKS after the signing key's (rotation, migration): tokens signed with
     * any of them stay valid. PEM; a text may hold several keys. @default []
     */
    additionalPublicKeyPems?: pulumi.Input<pulumi.Input<string>[]>;
    /** Also publish the signing key with `kid: ""`, for API servers before 1.16 (tokens without kid). @default false */
    legacyEmptyKid?: pulumi.Input<boolean>;
    /** Where the documents are published. Plain (it decides the resources). @default { kind: "s3" } */
    hosting?: HostingArgs;
    /**
     * Name of the bucket: lowercase letters, digits and hyphens, no dots (the issuer is the bucket's
     * virtual-hosted URL and S3's certificate covers one label). @default auto-named from the component name
     */
    bucketName?: pulumi.Input<string>;
    /** Object key of the JWKS relative to the issuer. Plain. @default "openid/v1/jwks" (as kube-apiserver serves it) */
    jwksPath?: string;
    /** Let `pulumi destroy` delete the bucket with its objects (otherwise a non-empty bucket blocks it). @default false */
    forceDestroy?: pulumi.Input<boolean>;
    /**
     * Token audiences: the IAM OIDC provider's client IDs. The first is the webhook's token audience and the
     * `aud` that `roleFor` pins. @default ["sts.amazonaws.com"]
     */
    audiences?: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * Reuse an IAM OIDC provider registered for this issuer instead of creating one (it must name the same
     * issuer host). @default undefined (create `${name}-oidc-provider`)
     */
    existingOidcProviderArn?: pulumi.Input<string>;
    /**
     * Certificate thumbprints for the IAM OIDC provider. Not needed for S3 or CloudFront hosting: AWS checks
     * their certificates against its trusted root CAs. @default undefined (none)
     */
    thumbprints?: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * The pod identity webhook (Helm release). `{ enabled: false }` skips it. Its region defaults to this
     * component's region and its token audience to the first of `audiences`. @default { enabled: true }
     */
    webhook?: WebhookArgs;
    /** AWS region of the bucket and the webhook's pods. @default the AWS provider's region (aws.getRegionOutput) */
    region?: pulumi.Input<string>;
    /** Tags for the bucket and the IAM OIDC provider. @default {} */
    tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Args with defaults applied where they are plain (no Inputs resolved). */
export interface NormalizedArgs {
    hostingKind: "s3" | "cloudfront";
    jwksPath: string;
    audiences: pulumi.Input<pulumi.Input<string>[]>;
    /** Webhook args, or undefined when disabled. */
    webhook?: WebhookArgs;
}

const REGION_NOT_YET_KNOWN: Promise<string> = new Promise<string>(() => undefined);

function isPlainStringArray(value: unknown): value is string[] {
    return Array.isArray(value) && value.every((v) => typeof v === "string");
}

/**
 * Validates every argument that is known now, before any resource exists (Outputs are checked when they
 * resolve). Messages name the argument and the fix. Pure apart from types.
 */
export function validateSelfHostedIrsaArgs(name: string, args: SelfHostedIrsaArgs): NormalizedArgs {
    if (typeof name !== "string" || name.length === 0) {
        throw new IrsaInputError("name", name, "is empty", "give the component a name, e.g. \"cluster-irsa\"");
    }
    const hostingKind = validateHostingArgs(args.hosting);
    validateSigningKeyArgs(args.signingKey);
    if (Array.isArray(args.additionalPublicKeyPems)) {
        validatePublicKeyPems(args.additionalPublicKeyPems, "additionalPublicKeyPems", true);
    }
    const jwksPath = validateJwksPath(args.jwksPath ?? DEFAULT_JWKS_PATH);
    if (typeof args.bucketName === "string") {
        validateBucketName(args.bucketName);
    } else if (args.bucketName === undefined) {
        validateAutoBucketPrefix(name);
    }
    if (typeof args.region === "string") {
        validateAwsRegion(args.region);
    }
    // The issuer, when it is known now: the bucket's URL (S3) or the custom domain (CloudFront).
    let plainIssuer: string | undefined;
    if (hostingKind === "s3" && typeof args.bucketName === "string" && typeof args.region === "string") {
        plainIssuer = validateIssuerUrl(s3IssuerUrl(args.bucketName, args.region), "issuerUrl");
    } else if (hostingKind === "cloudfront" && args.hosting?.domainName !== undefined) {
        plainIssuer = cloudFrontIssuerUrl(args.hosting.domainName);
    }
    const audiences = args.audiences ?? [DEFAULT_AUDIENCE];
    if (isPlainStringArray(audiences)) {
        validateAudiences(audiences);
    }
    if (Array.isArray(args.thumbprints) && isPlainStringArray(args.thumbprints)) {
        validateThumbprints(args.thumbprints);
    }
    if (args.existingOidcProviderArn !== undefined) {
        if (args.thumbprints !== undefined) {
            throw new IrsaInputError("thumbprints", args.thumbprints, "has no effect with `existingOidcProviderArn` (the existing provider keeps its own)", "remove one of them");
        }
        if (typeof args.existingOidcProviderArn === "string") {
            const host = validateOidcProviderArn(args.existingOidcProviderArn, "existingOidcProviderArn");
            if (plainIssuer !== undefined) {
                checkProviderMatchesIssuer(args.existingOidcProviderArn, host, plainIssuer);
            }
        }
    }
    // `false` is accepted too (the shorthand; typed callers write { enabled: false }).
    const webhookInput = (args.webhook as unknown) === false ? { enabled: false } : args.webhook ?? {};
    let webhook: WebhookArgs | undefined;
    if (webhookInput.enabled !== false) {
        // Without `region` the provider's region is read later: nothing to check for it yet.
        validateWebhookArgs(webhookInput, args.region ?? REGION_NOT_YET_KNOWN);
        const token = webhookInput.tokenAudience;
        if (typeof token === "string" && isPlainStringArray(audiences) && !audiences.includes(token)) {
            throw new IrsaInputError("webhook.tokenAudience", token, `is not one of \`audiences\` (${audiences.join(", ")}), so STS would refuse the tokens`, "leave it unset (the first audience), or add it to `audiences`");
        }
        webhook = webhookInput;
    }
    return { hostingKind, jwksPath, audiences, webhook };
}

/** Throws unless an existing provider ARN names the issuer's host. */
export function checkProviderMatchesIssuer(arn: string, providerHost: string, issuerUrl: string): void {
    const host = issuerHost(issuerUrl);
    if (providerHost !== host) {
        throw new IrsaInputError("existingOidcProviderArn", arn, `names the provider for "${providerHost}", not for the issuer "${host}"`, "pass the ARN of the provider registered for this issuer, or leave it unset to create one");
    }
}
