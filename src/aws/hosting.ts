import type * as pulumi from "@pulumi/pulumi";
import { IrsaInputError } from "../oidc/errors";
import { DISCOVERY_PATH } from "../oidc/discovery";
import { PolicyDocument } from "../oidc/trust-policy";
import { CloudFrontPriceClass, rejectCloudFrontOnlyFields, validateCloudFrontSettings } from "./cloudfront-settings";
import { BucketNamespace } from "./bucket-namespace";

/** Where the documents are served from: a public-read S3 bucket, or a private bucket behind CloudFront. */
export const HostingKind = { S3: "s3", CloudFront: "cloudfront" } as const;
export type HostingKind = (typeof HostingKind)[keyof typeof HostingKind];

/** Where the discovery documents are published. */
export interface HostingArgs {
    /**
     * "s3": a bucket whose two documents are public, read over its regional virtual-hosted endpoint; the issuer
     * is https://<bucket>.s3.<region>.amazonaws.com. "cloudfront": a fully private bucket read only by a
     * CloudFront distribution (Origin Access Control, SigV4); the issuer is https://<domainName>, or
     * https://<id>.cloudfront.net without a domain. Changing it later changes the issuer (see the README).
     * Plain (it decides the resources).
     * Default: "s3"
     */
    kind?: HostingKind;
    /**
     * CloudFront only. Custom domain of the issuer: a lowercase DNS name without scheme, path, port or
     * trailing dot (the issuer becomes https://<domainName>). Needs `hostedZoneId` (the component requests an
     * ACM certificate in us-east-1, validates it with DNS records and writes alias A/AAAA records) or
     * `certificateArn` (yours; with it alone you point DNS at the distribution yourself), or both (your
     * certificate, and the component writes the alias records). Plain: it is the issuer.
     * Default: unset (the issuer is https://<distribution>.cloudfront.net)
     */
    domainName?: string;
    /** CloudFront only. Route 53 public hosted zone ID of `domainName` ("Z..."; not "/hostedzone/Z..."). Default: unset */
    hostedZoneId?: pulumi.Input<string>;
    /**
     * CloudFront only. Your ACM certificate for `domainName`, in us-east-1
     * (arn:aws:acm:us-east-1:<account>:certificate/<id>); CloudFront takes no other region. Default: unset (made with `hostedZoneId`)
     */
    certificateArn?: pulumi.Input<string>;
    /**
     * CloudFront only. Edge locations that serve the documents. STS fetches them from AWS regions, so the
     * cheapest class serves it well. Default: "PriceClass_100"
     */
    priceClass?: pulumi.Input<CloudFrontPriceClass>;
    /**
     * CloudFront only. Cache TTLs in whole seconds, minTtl <= defaultTtl <= maxTtl, maxTtl >= 1. The objects
     * carry Cache-Control max-age=300, which CloudFront honours within [minTtl, maxTtl], so a rotated JWKS
     * reaches the edge within 5 minutes (STS also caches the JWKS itself). Default: 0
     */
    minTtl?: pulumi.Input<number>;
    /** CloudFront only. TTL of objects without Cache-Control (ours always have it), see `minTtl`. Default: 300 */
    defaultTtl?: pulumi.Input<number>;
    /** CloudFront only. Upper bound of the edge TTL, see `minTtl`. Default: 3600 */
    maxTtl?: pulumi.Input<number>;
}

/** Shared by every hosting: the bucket arguments the component controls. */
export interface BucketSettings {
    /** The bucket's name; undefined: Pulumi auto-names it (global namespace only). */
    bucketName?: pulumi.Input<string>;
    /** S3 namespace of the name; "account-regional" is sent to S3, "global" (the default) is not sent. */
    bucketNamespace?: BucketNamespace;
    /**
     * The name is derived (account-regional, no `bucketName`): kept once the bucket exists, as the provider keeps
     * an auto-name, so a renamed component, stack or project keeps its bucket and with it the issuer.
     */
    keepDerivedName?: boolean;
    forceDestroy?: pulumi.Input<boolean>;
    region?: pulumi.Input<string>;
    tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Pulumi `protect` on the bucket (the component's `protectIdentity`). */
    protect?: boolean;
    /** Pulumi `retainOnDelete` on the bucket: set when the IAM OIDC provider is not the component's. */
    retainOnDelete?: boolean;
}

/** Checks the hosting kind and its settings (plain: they decide which resources exist). */
export function validateHostingArgs(hosting: HostingArgs | undefined): HostingKind {
    const kind = hosting?.kind ?? "s3";
    if (kind === "cloudfront") {
        validateCloudFrontSettings(hosting!);
        return kind;
    }
    if (kind !== "s3") {
        throw new IrsaInputError("hosting.kind", kind, "is not a hosting kind", "use \"s3\" (the default) or \"cloudfront\"");
    }
    rejectCloudFrontOnlyFields(hosting ?? {}, kind);
    return kind;
}

/** Object keys of the two documents, relative to the issuer. */
export function documentKeys(jwksPath: string): { discovery: string; jwks: string } {
    return { discovery: DISCOVERY_PATH, jwks: jwksPath };
}

/** Documents' cache lifetime: short, so a rotation is seen within minutes (STS also caches the JWKS itself). */
export const DOCUMENT_CACHE_CONTROL = "public, max-age=300";

/**
 * The bucket policy of the S3 hosting: anyone may s3:GetObject the two documents, and nothing else
 * (no listing, no other keys). Pure.
 */
export function publicReadPolicy(bucketArn: string, objectKeys: readonly string[]): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "PublicReadOidcDocuments",
                Effect: "Allow",
                Principal: "*",
                Action: "s3:GetObject",
                Resource: objectKeys.map((key) => `${bucketArn}/${key}`),
            },
        ],
    };
}
