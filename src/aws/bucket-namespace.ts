import { hashOf } from "../common/derived-names";
import { IrsaInputError } from "../oidc/errors";
import { validateBucketName } from "./names";

// Pure rules of S3's bucket namespaces (no @pulumi imports), checked before any resource exists.
// In the global namespace a deleted bucket's name can be created again by any account, and with it the issuer
// URL of every cluster that trusted it. In the account-regional namespace a name ends with the account ID and
// the region, and no other account can create it (S3 User Guide, "Namespaces for general purpose buckets").

/** The namespace of the document bucket. */
export const BucketNamespace = { AccountRegional: "account-regional", Global: "global" } as const;
export type BucketNamespace = (typeof BucketNamespace)[keyof typeof BucketNamespace];

/** Regions of the partitions that offer account-regional names where S3 does not (the S3 guide's note). */
export const ACCOUNT_REGIONAL_UNAVAILABLE_REGIONS: readonly string[] = ["me-south-1", "me-central-1"];
/** Partitions in which S3 offers account-regional names (commercial, China, GovCloud (US) at launch). */
export const ACCOUNT_REGIONAL_PARTITIONS: readonly string[] = ["aws", "aws-cn", "aws-us-gov"];

const SUFFIX = /-(\d{12})-([a-z]{2,4}(?:-[a-z]+)+-\d{1,2})-an$/;
const MAX_BUCKET_NAME = 63;
const RESERVED_PREFIXES = ["xn--", "sthree-", "amzn-s3-demo-"];

/** Checks the `bucketNamespace` argument (plain: it decides the bucket's name). */
export function validateBucketNamespace(value: unknown): BucketNamespace {
    if (value === undefined) {
        return BucketNamespace.AccountRegional;
    }
    if (value !== BucketNamespace.AccountRegional && value !== BucketNamespace.Global) {
        throw new IrsaInputError("bucketNamespace", typeof value === "string" ? value : "(not a string)", "is not a bucket namespace (it must be known before deployment: it decides the bucket's name)", "use \"account-regional\" (the default) or \"global\"");
    }
    return value;
}

/** The partition of a region code, as ARNs spell it. */
export function partitionOfRegion(region: string): string {
    const prefixes: [string, string][] = [["cn-", "aws-cn"], ["us-gov-", "aws-us-gov"], ["us-isob-", "aws-iso-b"], ["us-iso-", "aws-iso"], ["eu-isoe-", "aws-iso-e"], ["us-isof-", "aws-iso-f"], ["eusc-", "aws-eusc"]];
    return prefixes.find(([prefix]) => region.startsWith(prefix))?.[1] ?? "aws";
}

/** Throws unless S3 offers account-regional bucket names in this region; the fix is `bucketNamespace: "global"`. */
export function checkAccountRegionalOffered(region: string): void {
    const fix = "set `bucketNamespace: \"global\"` (the shared namespace: keep the bucket protected, as `protectIdentity` does by default, since a deleted name could be re-created by anyone)";
    if (ACCOUNT_REGIONAL_UNAVAILABLE_REGIONS.includes(region)) {
        throw new IrsaInputError("bucketNamespace", BucketNamespace.AccountRegional, `is not offered by S3 in ${region} (the S3 User Guide lists it as unavailable in Middle East (Bahrain) and Middle East (UAE))`, fix);
    }
    const partition = partitionOfRegion(region);
    if (!ACCOUNT_REGIONAL_PARTITIONS.includes(partition)) {
        throw new IrsaInputError("bucketNamespace", BucketNamespace.AccountRegional, `is not known to be offered by S3 in partition ${partition} (region ${region}); it was announced for the commercial, China and GovCloud (US) regions`, fix);
    }
}

/** Whether a bucket name has the account-regional ending (-<12 digits>-<region>-an). */
export function isAccountRegionalName(name: string): boolean {
    return SUFFIX.test(name);
}

/** `-<account id>-<region>-an`: what every account-regional name ends with. */
export function accountRegionalSuffix(accountId: string, region: string): string {
    return `-${accountId}-${region}-an`;
}

/**
 * The bucket name the component derives when `bucketName` is unset: `<component name>-<hash>-<account id>-<region>-an`,
 * the component name lowercased, other characters as hyphens, cut to fit 63. The hash is of the project, stack
 * and component names, so stacks of one program in one account and region never share a bucket, and the same
 * stack always derives the same name (no change on a second `up`). Deterministic; never invalid.
 */
export function derivedAccountRegionalBucketName(componentName: string, stack: { project: string; stack: string }, accountId: string, region: string): string {
    const suffix = accountRegionalSuffix(accountId, region);
    const hash = hashOf(`${stack.project}/${stack.stack}/${componentName}`);
    let prefix = componentName.toLowerCase().replace(/[^a-z0-9-]/g, "-").replace(/^-+/, "");
    if (RESERVED_PREFIXES.some((p) => prefix.startsWith(p))) {
        prefix = `irsa-${prefix}`;
    }
    prefix = prefix.slice(0, MAX_BUCKET_NAME - suffix.length - hash.length - 1).replace(/-+$/, "");
    return validateBucketName(`${prefix === "" ? "" : `${prefix}-`}${hash}${suffix}`);
}

/**
 * Checks a given account-regional bucket name before the account is known: the general rules, and the
 * `-<12 digits>-<region>-an` ending (with this region when it is known). `argument` names where it came from.
 */
export function checkAccountRegionalNameShape(name: string, region: string | undefined, argument: string): string {
    validateBucketName(name, argument);
    const match = SUFFIX.exec(name);
    if (match === null) {
        throw new IrsaInputError(
            argument,
            name,
            "is not an account-regional bucket name: with `bucketNamespace` \"account-regional\" (the default) S3 requires <prefix>-<account id>-<region>-an",
            `use "${name}-<account id>-${region ?? "<region>"}-an", leave it unset to derive one, or set \`bucketNamespace: "global"\` for a name in the shared namespace`,
        );
    }
    if (region !== undefined && match[2] !== region) {
        throw new IrsaInputError(argument, name, `ends with the region ${match[2]}, but the bucket is created in ${region}`, `use "${name.slice(0, match.index)}${accountRegionalSuffix(match[1], region)}"`);
    }
    return name;
}

/** Checks a given account-regional bucket name once the account and region are known. */
export function checkAccountRegionalName(name: string, accountId: string, region: string, argument: string): string {
    checkAccountRegionalNameShape(name, region, argument);
    const match = SUFFIX.exec(name)!;
    if (match[1] !== accountId) {
        throw new IrsaInputError(argument, name, `names the account ${match[1]}, but the AWS provider creates the bucket in account ${accountId} (S3 refuses another account's suffix)`, `use "${name.slice(0, match.index)}${accountRegionalSuffix(accountId, region)}", or give the AWS provider of account ${match[1]}`);
    }
    return name;
}

/**
 * The account-regional bucket name once the provider's account and region are known: S3 must offer the namespace
 * there, and a given name must carry this account's suffix; else the derived name.
 */
export function accountRegionalBucketName(componentName: string, stack: { project: string; stack: string }, given: string | undefined, accountId: string, region: string, argument: string): string {
    checkAccountRegionalOffered(region);
    return given !== undefined ? checkAccountRegionalName(given, accountId, region, argument) : derivedAccountRegionalBucketName(componentName, stack, accountId, region);
}
