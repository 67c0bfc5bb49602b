import { validateIssuerUrl } from "../oidc/discovery";
import { isKnown } from "../common/known";
import { IrsaInputError } from "../oidc/errors";
import { PolicyDocument } from "../oidc/trust-policy";

// Pure checks and documents of the CloudFront hosting (no @pulumi imports): they run before any resource exists.

/** CloudFront price classes (CreateDistribution API, `PriceClass`). */
export const CloudFrontPriceClass = { PriceClass100: "PriceClass_100", PriceClass200: "PriceClass_200", PriceClassAll: "PriceClass_All" } as const;
export type CloudFrontPriceClass = (typeof CloudFrontPriceClass)[keyof typeof CloudFrontPriceClass];
export const CLOUDFRONT_PRICE_CLASSES: readonly CloudFrontPriceClass[] = Object.values(CloudFrontPriceClass);
/** North America, Europe and Israel: the cheapest class, enough for STS (which fetches from AWS regions). */
export const DEFAULT_PRICE_CLASS: CloudFrontPriceClass = "PriceClass_100";

/**
 * Cache TTLs in seconds. The objects carry `Cache-Control: max-age=300` (hosting.ts), which CloudFront
 * honours within [minTtl, maxTtl]; defaultTtl applies only to objects without that header. So a rotated JWKS
 * reaches the edge within 5 minutes; STS caches the JWKS itself on top of that, so longer edge TTLs only add delay.
 */
export const DEFAULT_TTLS = { minTtl: 0, defaultTtl: 300, maxTtl: 3600 } as const;

/** Security policy for viewers with a custom domain: TLS 1.2 minimum (CloudFront Developer Guide, supported protocols). */
export const VIEWER_TLS_POLICY = "TLSv1.2_2021";

/** Fields of `hosting` the CloudFront hosting reads. Plain values are checked now; Outputs pass through. */
export interface CloudFrontSettingsInput {
    domainName?: unknown;
    hostedZoneId?: unknown;
    certificateArn?: unknown;
    priceClass?: unknown;
    minTtl?: unknown;
    defaultTtl?: unknown;
    maxTtl?: unknown;
    usEast1Provider?: unknown;
}

/** The resource graph the settings call for (all plain). */
export interface CloudFrontPlan {
    /** The custom domain, when set. */
    domainName?: string;
    /** `https://<domainName>` when a custom domain is set; otherwise known only once the distribution exists. */
    issuerUrl?: string;
    /** "default": *.cloudfront.net; "managed": the component requests and validates one; "imported": certificateArn. */
    certificate: "default" | "managed" | "imported";
    /** Whether the component writes the alias A/AAAA records (a hosted zone is given). */
    aliasRecords: boolean;
}

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Checks a custom domain for the issuer: a lowercase DNS name, no scheme, path, port or trailing dot. */
export function validateDomainName(domainName: unknown, argument = "hosting.domainName"): string {
    const fail = (rule: string, fix: string): never => {
        throw new IrsaInputError(argument, domainName, rule, fix);
    };
    if (typeof domainName !== "string" || domainName.length === 0) {
        return fail("is not a DNS name", "pass a name such as \"oidc.example.com\"");
    }
    const host = (name: string) => name.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "").split(/[/?#]/)[0].split(":")[0];
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(domainName)) {
        fail("must be a DNS name, not a URL (the issuer becomes https://<domainName>)", `use ${JSON.stringify(host(domainName).toLowerCase())}`);
    }
    if (/[/?#]/.test(domainName)) {
        fail("must not include a path (the documents are served from the root of the domain)", `use ${JSON.stringify(host(domainName).toLowerCase())}`);
    }
    if (domainName.includes(":")) {
        fail("must not include a port (CloudFront serves HTTPS on 443)", `use ${JSON.stringify(host(domainName).toLowerCase())}`);
    }
    if (domainName.endsWith(".")) {
        fail("must not end with a dot (the issuer must be exactly the host STS connects to)", `use ${JSON.stringify(domainName.replace(/\.+$/, ""))}`);
    }
    if (/[A-Z]/.test(domainName)) {
        fail("contains uppercase letters (the issuer must match the lowercase host STS computes)", `use ${JSON.stringify(domainName.toLowerCase())}`);
    }
    if (domainName.includes("*")) {
        fail("is a wildcard; the issuer needs one concrete host name", "use a name such as \"oidc.example.com\"");
    }
    if (domainName.length > 253) {
        fail(`is ${domainName.length} characters long; a DNS name has at most 253`, "use a shorter name");
    }
    const labels = domainName.split(".");
    if (labels.length < 2) {
        fail("has a single label; CloudFront aliases and ACM certificates need a fully qualified name", `use a name under a domain you own, e.g. "${domainName}.example.com"`);
    }
    const bad = labels.find((label) => !DNS_LABEL.test(label));
    if (bad !== undefined) {
        fail(`has the label ${JSON.stringify(bad)}, which is not a DNS label (1 to 63 lowercase letters, digits and hyphens, not starting or ending with a hyphen)`, "use only letters, digits and inner hyphens in each label");
    }
    if (!/[a-z]/.test(labels[labels.length - 1])) {
        fail("looks like an IP address; CloudFront needs a DNS name", "use a DNS name in a zone you control, e.g. \"oidc.example.com\"");
    }
    if (domainName === "cloudfront.net" || domainName.endsWith(".cloudfront.net")) {
        fail("is a CloudFront domain name, not a custom domain", "leave `hosting.domainName` unset to use the distribution's own *.cloudfront.net name");
    }
    return domainName;
}

/** Checks a Route 53 hosted zone ID (the ID, not "/hostedzone/<id>" and not the zone's name). */
export function validateHostedZoneId(zoneId: unknown, argument = "hosting.hostedZoneId"): string {
    if (typeof zoneId === "string" && zoneId.startsWith("/hostedzone/")) {
        throw new IrsaInputError(argument, zoneId, "includes the \"/hostedzone/\" prefix", `use ${JSON.stringify(zoneId.slice("/hostedzone/".length))}`);
    }
    if (typeof zoneId !== "string" || !/^[A-Z0-9]{1,32}$/.test(zoneId)) {
        throw new IrsaInputError(argument, zoneId, "is not a Route 53 hosted zone ID (uppercase letters and digits, e.g. \"Z0123456789ABCDEFGHIJ\")", "pass the zone's ID, e.g. aws.route53.getZoneOutput({ name: \"example.com\" }).zoneId");
    }
    return zoneId;
}

const ACM_ARN = /^arn:aws:acm:([a-z0-9-]+):(\d{12}):certificate\/([A-Za-z0-9-]+)$/;

/** Checks an ACM certificate ARN for CloudFront: it must live in us-east-1. */
export function validateCloudFrontCertificateArn(arn: unknown, argument = "hosting.certificateArn"): string {
    const match = typeof arn === "string" ? ACM_ARN.exec(arn) : null;
    if (!match) {
        throw new IrsaInputError(argument, arn, "is not an ACM certificate ARN (arn:aws:acm:us-east-1:<account>:certificate/<id>)", "pass the ARN of an issued ACM certificate in us-east-1 that covers `hosting.domainName`");
    }
    if (match[1] !== "us-east-1") {
        throw new IrsaInputError(argument, arn, `is in ${match[1]}; CloudFront accepts only ACM certificates in us-east-1`, "request or import the certificate in us-east-1, or pass `hosting.hostedZoneId` instead and let the component make one");
    }
    return arn as string;
}

/** Checks a CloudFront price class. */
export function validatePriceClass(priceClass: unknown, argument = "hosting.priceClass"): CloudFrontPriceClass {
    if (!(CLOUDFRONT_PRICE_CLASSES as readonly unknown[]).includes(priceClass)) {
        throw new IrsaInputError(argument, priceClass, "is not a CloudFront price class", "use \"PriceClass_100\" (the default), \"PriceClass_200\" or \"PriceClass_All\"");
    }
    return priceClass as CloudFrontPriceClass;
}

/** Checks one TTL: whole seconds, 0 or more. */
export function validateTtl(ttl: unknown, argument: string): number {
    if (typeof ttl !== "number" || !Number.isSafeInteger(ttl) || ttl < 0) {
        throw new IrsaInputError(argument, ttl, "must be a whole number of seconds, 0 or more", "use e.g. 300");
    }
    return ttl;
}

/** Checks the three TTLs together (unset ones take the defaults): minTtl <= defaultTtl <= maxTtl, maxTtl > 0. */
export function validateTtls(ttls: { minTtl?: unknown; defaultTtl?: unknown; maxTtl?: unknown }, prefix = "hosting."): { minTtl: number; defaultTtl: number; maxTtl: number } {
    const minTtl = validateTtl(ttls.minTtl ?? DEFAULT_TTLS.minTtl, `${prefix}minTtl`);
    const defaultTtl = validateTtl(ttls.defaultTtl ?? DEFAULT_TTLS.defaultTtl, `${prefix}defaultTtl`);
    const maxTtl = validateTtl(ttls.maxTtl ?? DEFAULT_TTLS.maxTtl, `${prefix}maxTtl`);
    if (defaultTtl < minTtl) {
        throw new IrsaInputError(`${prefix}defaultTtl`, defaultTtl, `is below \`${prefix}minTtl\` (${minTtl})`, "CloudFront needs minTtl <= defaultTtl <= maxTtl");
    }
    if (maxTtl < defaultTtl) {
        throw new IrsaInputError(`${prefix}maxTtl`, maxTtl, `is below \`${prefix}defaultTtl\` (${defaultTtl})`, "CloudFront needs minTtl <= defaultTtl <= maxTtl");
    }
    if (maxTtl === 0) {
        throw new IrsaInputError(`${prefix}maxTtl`, maxTtl, "turns caching off (all TTLs 0), and CloudFront then rejects the cache policy's gzip/brotli settings", "use at least 1 (the default is 3600; the documents' own max-age of 300 still applies)");
    }
    return { minTtl, defaultTtl, maxTtl };
}

/**
 * Checks the CloudFront hosting settings before any resource exists, and says which resources they call for.
 * `domainName` must be plain (it decides the graph and the issuer); so must the presence of the other fields.
 * With a domain, pass `hostedZoneId` (the component requests the us-east-1 certificate, validates it with DNS
 * records and writes the alias records), `certificateArn` (your certificate; you point DNS at the distribution),
 * or both (your certificate, and the component writes the alias records).
 */
export function validateCloudFrontSettings(hosting: CloudFrontSettingsInput): CloudFrontPlan {
    rejectRemovedFields(hosting);
    const has = (value: unknown) => value !== undefined;
    if (has(hosting.domainName) && !isKnown(hosting.domainName)) {
        throw new IrsaInputError("hosting.domainName", "(an Output)", "must be a plain string (it decides the issuer, the certificate and the DNS records)", "pass the name as a string, e.g. from pulumi.Config");
    }
    const domainName = has(hosting.domainName) ? validateDomainName(hosting.domainName) : undefined;
    if (has(hosting.hostedZoneId) && isKnown(hosting.hostedZoneId)) {
        validateHostedZoneId(hosting.hostedZoneId);
    }
    if (has(hosting.certificateArn) && isKnown(hosting.certificateArn)) {
        validateCloudFrontCertificateArn(hosting.certificateArn);
    }
    if (has(hosting.priceClass) && isKnown(hosting.priceClass)) {
        validatePriceClass(hosting.priceClass);
    }
    const ttls = { minTtl: hosting.minTtl, defaultTtl: hosting.defaultTtl, maxTtl: hosting.maxTtl };
    for (const [field, value] of Object.entries(ttls)) {
        if (has(value) && isKnown(value)) {
            validateTtl(value, `hosting.${field}`);
        }
    }
    if (Object.values(ttls).every(isKnown)) {
        validateTtls(ttls);
    }
    if (domainName === undefined) {
        for (const field of ["hostedZoneId", "certificateArn"] as const) {
            if (has(hosting[field])) {
                throw new IrsaInputError(`hosting.${field}`, isKnown(hosting[field]) ? hosting[field] : "(an Output)", "has no effect without `hosting.domainName`", `set \`hosting.domainName\`, or remove \`hosting.${field}\``);
            }
        }
    } else if (!has(hosting.hostedZoneId) && !has(hosting.certificateArn)) {
        throw new IrsaInputError(
            "hosting.domainName",
            domainName,
            "needs `hosting.hostedZoneId` (the component makes the us-east-1 certificate, its DNS validation and the alias records) or `hosting.certificateArn` (your us-east-1 certificate; you point DNS at the distribution)",
            "pass one of them (both: your certificate, and the component writes the alias records)",
        );
    }
    const certificate = domainName === undefined ? "default" : has(hosting.certificateArn) ? "imported" : "managed";
    return {
        ...(domainName !== undefined ? { domainName, issuerUrl: cloudFrontIssuerUrl(domainName) } : {}),
        certificate,
        aliasRecords: domainName !== undefined && has(hosting.hostedZoneId),
    };
}

/** Fields removed from `hosting` (callers without types would otherwise see them ignored silently). */
function rejectRemovedFields(hosting: CloudFrontSettingsInput): void {
    if (hosting.usEast1Provider !== undefined) {
        // Removed in 0.2.0: a provider-typed arg cannot be expressed in the multi-language schema.
        throw new IrsaInputError("hosting.usEast1Provider", "(a provider)", "was removed in 0.2.0: the certificate and its validation take the per-resource region us-east-1 with the inherited AWS provider", "remove it; to use other credentials for the certificate, pass your own `hosting.certificateArn`");
    }
}

/** With `hosting.kind` "s3", rejects the fields only the CloudFront hosting reads (they would be ignored silently). */
export function rejectCloudFrontOnlyFields(hosting: CloudFrontSettingsInput, kind: string): void {
    rejectRemovedFields(hosting);
    for (const field of ["domainName", "hostedZoneId", "certificateArn", "priceClass", "minTtl", "defaultTtl", "maxTtl"] as const) {
        if (hosting[field] !== undefined) {
            const value = !isKnown(hosting[field]) ? "(set)" : hosting[field];
            throw new IrsaInputError(`hosting.${field}`, value, `is used only with \`hosting.kind\` "cloudfront", not "${kind}"`, "set `hosting.kind: \"cloudfront\"`, or remove the field");
        }
    }
}

/** The issuer of a CloudFront hosting: https://<custom domain or the distribution's *.cloudfront.net name>, no trailing slash. */
export function cloudFrontIssuerUrl(domain: string): string {
    return validateIssuerUrl(`https://${domain}`, "issuerUrl");
}

/**
 * The bucket policy of the CloudFront hosting: only CloudFront, on behalf of this one distribution, may
 * s3:GetObject the two documents (the Origin Access Control form of the CloudFront Developer Guide,
 * narrowed from "<bucket>/*" to the two keys). The bucket stays private: a service principal with a fixed
 * AWS:SourceArn is not "public", so BlockPublicPolicy allows it.
 */
export function cloudFrontReadPolicy(bucketArn: string, objectKeys: readonly string[], distributionArn: string): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "AllowCloudFrontReadOidcDocuments",
                Effect: "Allow",
                Principal: { Service: "cloudfront.amazonaws.com" },
                Action: "s3:GetObject",
                Resource: objectKeys.map((key) => `${bucketArn}/${key}`),
                Condition: { StringEquals: { "AWS:SourceArn": distributionArn } },
            },
        ],
    };
}
