import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
    DEFAULT_PRICE_CLASS,
    VIEWER_TLS_POLICY,
    cloudFrontIssuerUrl,
    cloudFrontReadPolicy,
    validateCloudFrontCertificateArn,
    validateCloudFrontSettings,
    validateHostedZoneId,
    validatePriceClass,
    validateTtls,
} from "../../aws/cloudfront-settings";
import { BucketSettings, documentKeys } from "../../aws/hosting";
import { Hosting } from "./hosting";
import { createDocumentBucket } from "./document-bucket";
import { AWS_AUTONAME_SUFFIX, CLOUDFRONT_CACHE_POLICY_NAME_RULE, CLOUDFRONT_OAC_NAME_RULE, explicitNameIfNeeded } from "../../common/derived-names";
import { requireResourceOutput } from "../provider-outputs";
import { CLOUDFRONT_CACHE_POLICY_COMMENT, CLOUDFRONT_DISTRIBUTION_COMMENT, CLOUDFRONT_OAC_DESCRIPTION, fitText } from "../../common/derived-text";

/** The CloudFront fields of `hosting` (the same names and meaning as on HostingArgs). */
export interface CloudFrontHostingSettings {
    /** Custom domain of the issuer (lowercase, no scheme, path or trailing dot). Plain. @default the distribution's *.cloudfront.net name */
    domainName?: string;
    /** Route 53 zone of `domainName`: the component makes the certificate, its validation records and alias A/AAAA records. */
    hostedZoneId?: pulumi.Input<string>;
    /** Your ACM certificate for `domainName`, in us-east-1. */
    certificateArn?: pulumi.Input<string>;
    /** @default "PriceClass_100" */
    priceClass?: pulumi.Input<string>;
    /** @default 0 */
    minTtl?: pulumi.Input<number>;
    /** @default 300 */
    defaultTtl?: pulumi.Input<number>;
    /** @default 3600 */
    maxTtl?: pulumi.Input<number>;
}

/** A Hosting plus what only CloudFront has (for outputs, and for users who manage DNS themselves). */
export interface CloudFrontHosting extends Hosting {
    distributionId: pulumi.Output<string>;
    distributionArn: pulumi.Output<string>;
    /** The distribution's *.cloudfront.net name: point `domainName` at it when you manage DNS yourself. */
    distributionDomainName: pulumi.Output<string>;
    /** The viewer certificate's ARN (made, or `certificateArn`); undefined without a custom domain. */
    certificateArn?: pulumi.Output<string>;
}

const ORIGIN_ID = "oidc-documents";
const US_EAST_1 = "us-east-1";

/**
 * CloudFront hosting: a private bucket (ACLs disabled, all four public access blocks on), an Origin Access
 * Control that signs every origin request with SigV4, a cache policy, the distribution (HTTPS only, GET/HEAD,
 * compressed), and a bucket policy that lets only this distribution read the two documents. With
 * `domainName` + `hostedZoneId`: an ACM certificate in us-east-1, its DNS validation and alias A/AAAA records.
 * `readiness` holds everything that must exist before STS can fetch the documents through the issuer.
 */
export function createCloudFrontHosting(
    name: string,
    args: BucketSettings & { jwksPath: string; cloudfront: CloudFrontHostingSettings },
    opts: { parent: pulumi.Resource },
): CloudFrontHosting {
    // Idempotent with the component's own check; here too so that nothing is created from bad settings.
    const plan = validateCloudFrontSettings(args.cloudfront);
    const cf = args.cloudfront;
    const parent = opts.parent;
    const tags = args.tags !== undefined ? { tags: args.tags } : {};
    // Fully private: only the distribution reads, through a policy S3 does not count as public.
    const { bucket, bucketName, bucketArn, ownership, accessBlock, region } = createDocumentBucket(name, args, false, { parent });

    const oac = new aws.cloudfront.OriginAccessControl(
        `${name}-oac`,
        {
            name: explicitNameIfNeeded(`${name}-oac`, CLOUDFRONT_OAC_NAME_RULE, AWS_AUTONAME_SUFFIX),
            description: fitText((n) => `Signs CloudFront's requests for the OIDC documents of ${n}`, name, CLOUDFRONT_OAC_DESCRIPTION),
            originAccessControlOriginType: "s3",
            signingBehavior: "always",
            signingProtocol: "sigv4",
        },
        { parent },
    );
    const ttls = pulumi.all([cf.minTtl, cf.defaultTtl, cf.maxTtl]).apply(([minTtl, defaultTtl, maxTtl]) => validateTtls({ minTtl, defaultTtl, maxTtl }));
    const cachePolicy = new aws.cloudfront.CachePolicy(
        `${name}-cache-policy`,
        {
            name: explicitNameIfNeeded(`${name}-cache-policy`, CLOUDFRONT_CACHE_POLICY_NAME_RULE, AWS_AUTONAME_SUFFIX),
            comment: fitText((n) => `OIDC documents of ${n}: they change only on key rotation`, name, CLOUDFRONT_CACHE_POLICY_COMMENT),
            minTtl: ttls.minTtl,
            defaultTtl: ttls.defaultTtl,
            maxTtl: ttls.maxTtl,
            parametersInCacheKeyAndForwardedToOrigin: {
                // Two static JSON files: nothing from the request should split the cache.
                cookiesConfig: { cookieBehavior: "none" },
                headersConfig: { headerBehavior: "none" },
                queryStringsConfig: { queryStringBehavior: "none" },
                enableAcceptEncodingGzip: true,
                enableAcceptEncodingBrotli: true,
            },
        },
        { parent },
    );

    let viewerCertificateArn: pulumi.Output<string> | undefined;
    let validation: aws.acm.CertificateValidation | undefined;
    if (plan.certificate === "managed") {
        const zoneId = pulumi.output(cf.hostedZoneId!).apply((z) => validateHostedZoneId(z));
        // CloudFront takes certificates from us-east-1 only; the per-resource region keeps the inherited provider.
        const certOpts = { parent };
        const certificate = new aws.acm.Certificate(
            `${name}-certificate`,
            { domainName: plan.domainName!, validationMethod: "DNS", region: US_EAST_1, ...tags },
            certOpts,
        );
        // One name, no SANs: ACM returns one validation option, the one for domainName.
        const option = certificate.domainValidationOptions.apply((options) => {
            const found = options.find((o) => o.domainName === plan.domainName);
            if (!found) {
                throw new Error(`ACM returned no DNS validation record for ${plan.domainName}`);
            }
            return found;
        });
        const validationRecord = new aws.route53.Record(
            `${name}-cert-validation-record`,
            {
                zoneId,
                name: option.resourceRecordName,
                type: option.resourceRecordType,
                records: [option.resourceRecordValue],
                ttl: 60,
                // The record is the same for every certificate of this name: a re-created one may find it there.
                allowOverwrite: true,
            },
            { parent },
        );
        validation = new aws.acm.CertificateValidation(
            `${name}-cert-validation`,
            { certificateArn: certificate.arn, validationRecordFqdns: [validationRecord.fqdn], region: US_EAST_1 },
            certOpts,
        );
        viewerCertificateArn = validation.certificateArn;
    } else if (plan.certificate === "imported") {
        viewerCertificateArn = pulumi.output(cf.certificateArn!).apply((arn) => validateCloudFrontCertificateArn(arn));
    }

    const distribution = new aws.cloudfront.Distribution(
        `${name}-distribution`,
        {
            comment: fitText((n) => `OIDC discovery documents of ${n}`, name, CLOUDFRONT_DISTRIBUTION_COMMENT),
            enabled: true,
            isIpv6Enabled: true,
            httpVersion: "http2and3",
            priceClass: pulumi.output(cf.priceClass ?? DEFAULT_PRICE_CLASS).apply((p) => validatePriceClass(p)),
            ...(plan.domainName !== undefined ? { aliases: [plan.domainName] } : {}),
            origins: [
                {
                    originId: ORIGIN_ID,
                    // The regional endpoint: the global one can redirect for new buckets outside us-east-1.
                    domainName: bucket.bucketRegionalDomainName,
                    // OAC signs the origin requests. No `s3OriginConfig`: the provider sends CloudFront the empty
                    // S3OriginConfig an OAC origin needs, and drops an empty one when it reads the distribution back,
                    // so sending it gave a diff on every up after a refresh (pulumi/pulumi-aws#6623, docs/facts.md).
                    originAccessControlId: oac.id,
                },
            ],
            defaultCacheBehavior: {
                targetOriginId: ORIGIN_ID,
                allowedMethods: ["GET", "HEAD"],
                cachedMethods: ["GET", "HEAD"],
                viewerProtocolPolicy: "https-only",
                compress: true,
                cachePolicyId: cachePolicy.id,
            },
            restrictions: { geoRestriction: { restrictionType: "none", locations: [] } },
            viewerCertificate:
                viewerCertificateArn !== undefined
                    ? { acmCertificateArn: viewerCertificateArn, sslSupportMethod: "sni-only", minimumProtocolVersion: VIEWER_TLS_POLICY }
                    : // *.cloudfront.net: CloudFront picks the security policy itself (TLSv1), nothing to set.
                      { cloudfrontDefaultCertificate: true },
            ...tags,
        },
        { parent },
    );

    const distributionOut = (field: "arn" | "domainName") => requireResourceOutput(distribution[field], "aws:cloudfront/distribution:Distribution", `${name}-distribution`, field);
    const keys = documentKeys(args.jwksPath);
    const policy = new aws.s3.BucketPolicy(
        `${name}-policy`,
        {
            bucket: bucket.bucket,
            policy: pulumi.all([bucketArn, distributionOut("arn")]).apply(([arn, distributionArn]) =>
                JSON.stringify(cloudFrontReadPolicy(arn, [keys.discovery, keys.jwks], distributionArn)),
            ),
            ...region,
        },
        { parent, dependsOn: [accessBlock, ownership] },
    );

    const readiness: pulumi.Resource[] = [policy, distribution];
    if (validation !== undefined) {
        readiness.push(validation);
    }
    if (plan.aliasRecords) {
        const zoneId = pulumi.output(cf.hostedZoneId!).apply((z) => validateHostedZoneId(z));
        for (const type of ["A", "AAAA"] as const) {
            readiness.push(
                new aws.route53.Record(
                    `${name}-alias-${type.toLowerCase()}`,
                    {
                        zoneId,
                        name: plan.domainName!,
                        type,
                        aliases: [{ name: distribution.domainName, zoneId: distribution.hostedZoneId, evaluateTargetHealth: false }],
                    },
                    { parent },
                ),
            );
        }
    }

    return {
        issuerUrl: plan.issuerUrl !== undefined ? pulumi.output(plan.issuerUrl) : distributionOut("domainName").apply(cloudFrontIssuerUrl),
        bucket,
        bucketName,
        region: args.region,
        readiness,
        distributionId: distribution.id,
        distributionArn: distribution.arn,
        distributionDomainName: distribution.domainName,
        ...(viewerCertificateArn !== undefined ? { certificateArn: viewerCertificateArn } : {}),
    };
}
