import type * as pulumi from "@pulumi/pulumi";
import { cloudFrontIssuerUrl } from "../aws/cloudfront-settings";
import { HostingArgs, HostingKind, validateHostingArgs } from "../aws/hosting";
import { validatePreviousIssuers } from "../kubernetes/api-server-args";
import { s3IssuerUrl, validateAudiences, validateAutoBucketPrefix, validateAwsRegion, validateBucketName, validateThumbprints } from "../aws/names";
import { SigningKeyArgs, validatePublicKeyPems, validateSigningKeyArgs } from "../kubernetes/signing-key";
import { validateWebhookArgs, WebhookArgs } from "../webhook/webhook-values";
import { validateJwksPath } from "../oidc/documents";
import { DEFAULT_JWKS_PATH, issuerHost, validateIssuerUrl } from "../oidc/discovery";
import { isKnown } from "../common/known";
import type { ServiceAccountRole } from "./irsa-role-args";
import { IrsaInputError } from "../oidc/errors";
import { DEFAULT_AUDIENCE, validateOidcProviderArn } from "../oidc/trust-policy";
import { BucketNamespace, checkAccountRegionalNameShape, checkAccountRegionalOffered, isAccountRegionalName, validateBucketNamespace } from "../aws/bucket-namespace";

/** Arguments of the SelfHostedIrsa component. */
export interface SelfHostedIrsaArgs {
    /**
     * The service-account signing key: generated with the Pulumi TLS provider when omitted, or your private key, or only
     * the cluster's public keys (EKS Anywhere, k3s, RKE2 keep their own). See SigningKeyArgs.
     * Default: generate an RSA 2048 key
     */
    signingKey?: SigningKeyArgs;
    /**
     * More public keys to keep in the JWKS after the signing key's (rotation, migration): tokens signed with
     * any of them stay valid. PEM; a text may hold several keys. Default: []
     */
    additionalPublicKeyPems?: pulumi.Input<pulumi.Input<string>[]>;
    /** Also publish the signing key with `kid: ""`, for API servers before 1.16 (tokens without kid). Default: false */
    legacyEmptyKid?: pulumi.Input<boolean>;
    /** Where the documents are published. Plain (it decides the resources). Default: { kind: "s3" } */
    hosting?: HostingArgs;
    /**
     * Name of the bucket: lowercase letters, digits and hyphens, no dots (the issuer is the bucket's
     * virtual-hosted URL and S3's certificate covers one label). With `bucketNamespace` "account-regional" (the
     * default) the whole name, ending with -<account id>-<region>-an as S3 requires (the account and region of the
     * AWS provider; checked before the bucket is created). Default: derived, "<name>-<hash>-<account id>-<region>-an"
     * (the hash of the project, stack and component names); in the global namespace, auto-named from the component name
     */
    bucketName?: pulumi.Input<string>;
    /**
     * S3 namespace of the bucket. "account-regional": a name only this AWS account can create, so a deleted bucket's
     * name (and with it the issuer URL) cannot be taken by another account; not offered in every region (a clear
     * error names the fix). "global": the shared namespace, where anyone can re-create a deleted name. Plain (it
     * decides the name). Changing it moves the bucket and the issuer. Default: "account-regional"
     */
    bucketNamespace?: BucketNamespace;
    /** Object key of the JWKS relative to the issuer. Plain. Default: "openid/v1/jwks" (as kube-apiserver serves it) */
    jwksPath?: string;
    /** Let `pulumi destroy` delete the bucket with its objects (otherwise a non-empty bucket blocks it). Default: false */
    forceDestroy?: pulumi.Input<boolean>;
    /**
     * Token audiences: the IAM OIDC provider's client IDs. The first is the webhook's token audience and the
     * `aud` that `roleFor` pins. Default: ["sts.amazonaws.com"]
     */
    audiences?: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * Reuse an IAM OIDC provider registered for this issuer instead of creating one (it must name the same
     * issuer host). Default: unset (create `${name}-oidc-provider`)
     */
    existingOidcProviderArn?: pulumi.Input<string>;
    /**
     * Certificate thumbprints for the IAM OIDC provider. Not needed for S3 or CloudFront hosting: AWS checks
     * their certificates against its trusted root CAs. Default: unset (none)
     */
    thumbprints?: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * The pod identity webhook (Helm release). `{ enabled: false }` skips it. Its region defaults to this
     * component's region and its token audience to the first of `audiences`. Default: { enabled: true }
     */
    webhook?: WebhookArgs;
    /** AWS region of the bucket and the webhook's pods. Default: the AWS provider's region (aws.getRegionOutput) */
    region?: pulumi.Input<string>;
    /** Tags for the bucket and the IAM OIDC provider. Default: {} */
    tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /**
     * Protect what fixes the issuer and the keys: the generated signing key, the document bucket and the IAM
     * OIDC provider are created with Pulumi's `protect`, so no edit that would replace them and no
     * `pulumi destroy` can delete them (the engine stops with an error instead). Turn it off for throwaway
     * stacks and tests. To destroy a protected stack: set it to false, `pulumi up`, then `pulumi destroy`
     * (README, "Destroying a protected stack"). Plain. Default: true
     */
    protectIdentity?: boolean;
    /**
     * Pin the issuer: the URL the cluster and IAM already trust (the `issuerUrl` output of the first `up`). When
     * the issuer this program computes differs (a new `bucketName`, `region`, hosting or domain), the program
     * stops before anything changes, naming both URLs. With S3 hosting and no `bucketName`, the bucket name is
     * taken from it. Default: unset (not pinned)
     */
    expectedIssuerUrl?: pulumi.Input<string>;
    /**
     * Issuers the cluster's API server accepted before this one, e.g. an existing cluster's
     * "https://kubernetes.default.svc.cluster.local" (README, "Adding IRSA to a running cluster"). `apiServerArgs`,
     * `clusterConfigs` and `talosSecretPatch` list them after the new issuer as repeated
     * `--service-account-issuer` flags, so tokens issued before the change keep working; drop them once every
     * pod has a new token. EKS Anywhere takes one issuer, so its entry leaves `clusterConfigs` while this is set.
     * Plain. Default: []
     */
    previousIssuers?: string[];
    /**
     * Roles for this cluster's service accounts, made as `roleFor` makes them (the same names, trust, audience
     * and checks) in every language, YAML included: each is the Role plus one resource per policy, with no
     * component of its own. Their ARNs are in `roleArns`, keyed "namespace/serviceAccount". Plain: the list,
     * and each entry's namespace and serviceAccount, decide the resources. Default: []
     */
    roles?: ServiceAccountRole[];
}

/** Args with defaults applied where they are plain (no Inputs resolved). */
export interface NormalizedArgs {
    hostingKind: HostingKind;
    /** `protectIdentity`, defaulted. */
    protect: boolean;
    /** `previousIssuers`, checked. */
    previousIssuers: string[];
    /** The bucket name: `bucketName`, or read from a plain S3 `expectedIssuerUrl`; undefined for an auto-name. */
    bucketName?: pulumi.Input<string>;
    /** Where `bucketName` came from, for messages: "bucketName" or "expectedIssuerUrl". */
    bucketNameArgument: string;
    /** `bucketNamespace`, defaulted. */
    bucketNamespace: BucketNamespace;
    /** The audiences when known before deployment (for `roleFor`'s audience check); undefined when an Output. */
    plainAudiences?: readonly string[];
    jwksPath: string;
    audiences: pulumi.Input<pulumi.Input<string>[]>;
    /** Webhook args, or undefined when disabled. */
    webhook?: WebhookArgs;
}

const REGION_NOT_YET_KNOWN: Promise<string> = new Promise<string>(() => undefined);

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
    if (typeof args.region === "string") {
        validateAwsRegion(args.region);
    }
    if (args.protectIdentity !== undefined && typeof args.protectIdentity !== "boolean") {
        throw new IrsaInputError("protectIdentity", args.protectIdentity, "is not a boolean (it must be known before deployment: it decides the resource options)", "pass true (the default) or false");
    }
    const bucketNamespace = validateBucketNamespace(args.bucketNamespace);
    if (bucketNamespace === BucketNamespace.AccountRegional && typeof args.region === "string") {
        checkAccountRegionalOffered(args.region);
    }
    // With S3 hosting, a plain pinned issuer names the bucket: an auto-named bucket then keeps its name.
    const bucketName = args.bucketName ?? (hostingKind === HostingKind.S3 ? bucketFromExpectedIssuer(args.expectedIssuerUrl) : undefined);
    const bucketNameArgument = args.bucketName !== undefined ? "bucketName" : "expectedIssuerUrl";
    if (typeof bucketName === "string") {
        if (bucketNamespace === BucketNamespace.Global) {
            validateBucketName(bucketName, bucketNameArgument);
        } else if (bucketNameArgument === "expectedIssuerUrl" && !isAccountRegionalName(bucketName)) {
            throw new IrsaInputError(
                "expectedIssuerUrl",
                args.expectedIssuerUrl,
                `names the bucket "${bucketName}", which is not in the account-regional namespace (\`bucketNamespace\` "account-regional", the default, names buckets <prefix>-<account id>-<region>-an)`,
                "set `bucketNamespace: \"global\"` when that bucket was made in the global namespace, or pin the issuer of an account-regional bucket",
            );
        } else {
            checkAccountRegionalNameShape(bucketName, typeof args.region === "string" ? args.region : undefined, bucketNameArgument);
        }
    } else if (bucketName === undefined && bucketNamespace === BucketNamespace.Global) {
        validateAutoBucketPrefix(name);
    }
    // The issuer, when it is known now: the bucket's URL (S3) or the custom domain (CloudFront).
    let plainIssuer: string | undefined;
    if (hostingKind === HostingKind.S3 && typeof bucketName === "string" && typeof args.region === "string") {
        plainIssuer = validateIssuerUrl(s3IssuerUrl(bucketName, args.region), "issuerUrl");
    } else if (hostingKind === HostingKind.CloudFront && args.hosting?.domainName !== undefined) {
        plainIssuer = cloudFrontIssuerUrl(args.hosting.domainName);
    }
    if (typeof args.expectedIssuerUrl === "string") {
        validateIssuerUrl(args.expectedIssuerUrl, "expectedIssuerUrl");
        if (plainIssuer !== undefined) {
            checkExpectedIssuer(args.expectedIssuerUrl, plainIssuer);
        }
    }
    if (args.previousIssuers !== undefined) {
        // Without a plain issuer, each URL is checked now and the overlap with the issuer once it is known.
        validatePreviousIssuers(plainIssuer, args.previousIssuers, "previousIssuers");
    }
    const audiences = args.audiences ?? [DEFAULT_AUDIENCE];
    // Known now: checked now (each entry a client ID); otherwise by IAM when the provider is created.
    const plainAudiences = isKnown(audiences) ? validateAudiences(audiences as string[]) : undefined;
    if (args.thumbprints !== undefined && isKnown(args.thumbprints)) {
        validateThumbprints(args.thumbprints as string[]);
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
        if (typeof token === "string" && plainAudiences !== undefined && !plainAudiences.includes(token)) {
            throw new IrsaInputError("webhook.tokenAudience", token, `is not one of \`audiences\` (${plainAudiences.join(", ")}), so STS would refuse the tokens`, "leave it unset (the first audience), or add it to `audiences`");
        }
        webhook = webhookInput;
    }
    return { hostingKind, jwksPath, audiences, plainAudiences, webhook, protect: args.protectIdentity ?? true, previousIssuers: args.previousIssuers ?? [], bucketName, bucketNameArgument, bucketNamespace };
}

/** Throws unless an existing provider ARN names the issuer's host. */
export function checkProviderMatchesIssuer(arn: string, providerHost: string, issuerUrl: string): void {
    const host = issuerHost(issuerUrl);
    if (providerHost !== host) {
        throw new IrsaInputError("existingOidcProviderArn", arn, `names the provider for "${providerHost}", not for the issuer "${host}"`, "pass the ARN of the provider registered for this issuer, or leave it unset to create one");
    }
}

/**
 * Throws unless the computed issuer is the pinned one. The message names both and the usual causes: this is
 * the guard against an edit that would move the issuer (and so break every token and trust policy).
 */
export function checkExpectedIssuer(expected: string, computed: string): string {
    if (expected !== computed) {
        throw new IrsaInputError(
            "expectedIssuerUrl",
            expected,
            `is not the issuer this program would publish, "${computed}" (a changed bucketName, region, hosting or domain moves the issuer, and the cluster's tokens and every trust policy name the old one)`,
            "undo the change that moved the issuer; to move it on purpose, migrate (README, \"Adding IRSA to a running cluster\": list the old issuer in previousIssuers) and then set expectedIssuerUrl to the new URL",
        );
    }
    return computed;
}

/** The bucket of a plain S3 issuer URL (https://<bucket>.s3.<region>.<suffix>), or undefined when it is no such URL. */
function bucketFromExpectedIssuer(expected: pulumi.Input<string> | undefined): string | undefined {
    if (typeof expected !== "string") {
        return undefined;
    }
    const match = /^https:\/\/([a-z0-9-]+)\.s3\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/.exec(expected);
    return match ? match[1] : undefined;
}
