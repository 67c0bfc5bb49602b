import { validateLiteralAudience } from "../oidc/audience";
import { IrsaInputError } from "../oidc/errors";

// Pure checks of AWS names and ARNs (no @pulumi imports): they run before any resource is created.

/** Longest prefix Pulumi can auto-name a bucket from: 63 minus "-" and the 7 random characters it appends. */
export const MAX_AUTO_BUCKET_PREFIX = 55;

const BUCKET_PATTERN = /^[a-z0-9][a-z0-9-]*[a-z0-9]$/;
// S3 general purpose bucket naming rules (S3 User Guide, "Bucket naming rules").
const RESERVED_PREFIXES = ["xn--", "sthree-", "amzn-s3-demo-"];
const RESERVED_SUFFIXES = ["-s3alias", "--ol-s3", "--x-s3", "--table-s3"];

/** The rules both a given bucket name and the prefix of an auto-name must meet; returns a [rule, fix] or undefined. */
function bucketNameProblem(name: string, maxLength: number): [string, string] | undefined {
    if (name.includes(".")) {
        return [
            "contains a dot: the issuer is https://<bucket>.s3.<region>.amazonaws.com and S3's wildcard TLS certificate covers one DNS label, so STS could not fetch the documents",
            `use hyphens instead: "${name.replace(/\./g, "-")}"`,
        ];
    }
    if (/[A-Z]/.test(name)) {
        return ["contains uppercase letters, which S3 bucket names do not allow", `use "${name.toLowerCase()}"`];
    }
    if (name.length < 3 || name.length > maxLength) {
        return [`is ${name.length} characters long; it must have 3 to ${maxLength}`, name.length < 3 ? "use a longer name" : "use a shorter name"];
    }
    if (!BUCKET_PATTERN.test(name)) {
        return ["may hold only lowercase letters, digits and hyphens, and must start and end with a letter or digit", "use a name such as \"my-cluster-oidc\""];
    }
    const prefix = RESERVED_PREFIXES.find((p) => name.startsWith(p));
    if (prefix) {
        return [`starts with "${prefix}", a prefix S3 reserves`, "choose a name that does not start with it"];
    }
    const suffix = RESERVED_SUFFIXES.find((s) => name.endsWith(s));
    if (suffix) {
        return [`ends with "${suffix}", a suffix S3 reserves`, "choose a name that does not end with it"];
    }
    return undefined;
}

/** Checks a bucket name for the S3 hosting (general purpose rules, plus: no dots, see the message). */
export function validateBucketName(name: string, argument = "bucketName"): string {
    if (typeof name !== "string") {
        throw new IrsaInputError(argument, name, "is not a string", "pass a bucket name such as \"my-cluster-oidc\"");
    }
    const problem = bucketNameProblem(name, 63);
    if (problem) {
        throw new IrsaInputError(argument, name, problem[0], problem[1]);
    }
    return name;
}

/**
 * Checks that Pulumi can auto-name the bucket from the component name: the provider lowercases
 * `${name}-bucket` and appends "-" plus 7 random characters, so uppercase is fine but dots, underscores and
 * long names are not. Returns the prefix.
 */
export function validateAutoBucketPrefix(componentName: string, suffix = "bucket"): string {
    const prefix = `${componentName}-${suffix}`.toLowerCase();
    const problem = bucketNameProblem(prefix, MAX_AUTO_BUCKET_PREFIX);
    if (problem) {
        throw new IrsaInputError(
            "name",
            componentName,
            `cannot name the S3 bucket: the auto-name prefix "${prefix}" ${problem[0]}`,
            `pass \`bucketName\` explicitly, or rename the component (${problem[1]})`,
        );
    }
    return prefix;
}

// AWS region codes: us-east-1, us-gov-west-1, cn-north-1, eusc-de-east-1 (not AZs like us-east-1a).
export const AWS_REGION_CODE = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/;

/** Checks an AWS region code. */
export function validateAwsRegion(region: string, argument = "region"): string {
    if (typeof region !== "string" || !AWS_REGION_CODE.test(region)) {
        throw new IrsaInputError(argument, region, "is not an AWS region code", "use a region code such as \"eu-west-1\", not an availability zone or a display name");
    }
    return region;
}

/** DNS suffix of a region's S3 endpoints (China regions live under amazonaws.com.cn). */
export function awsDnsSuffix(region: string): string {
    return region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
}

/**
 * The issuer for a bucket: the regional virtual-hosted endpoint. The global endpoint can answer 307 for
 * new buckets outside us-east-1, and STS does not follow redirects (facts.md).
 */
export function s3IssuerUrl(bucket: string, region: string): string {
    return `https://${bucket}.s3.${region}.${awsDnsSuffix(region)}`;
}

/** Partitions as they appear in ARNs. */
export const ARN_PARTITION = "aws(?:-cn|-us-gov|-iso|-iso-b|-iso-e|-iso-f|-eusc)?";
const IAM_POLICY_ARN = new RegExp(`^arn:${ARN_PARTITION}:iam::(\\d{12}|aws):policy\\/[\\w+=,.@/-]+$`);

/** Checks an IAM managed policy ARN (customer or AWS managed). */
export function validatePolicyArn(arn: string, argument: string): string {
    if (typeof arn !== "string" || !IAM_POLICY_ARN.test(arn)) {
        throw new IrsaInputError(argument, arn, "is not an IAM managed policy ARN (arn:aws:iam::<account or \"aws\">:policy/<name>)", "pass the policy's ARN, e.g. \"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess\"");
    }
    return arn;
}

/** IAM allows up to 100 client IDs per OIDC provider, each at most 255 characters. */
export const MAX_AUDIENCES = 100;

/** Checks the audiences (the IAM OIDC provider's client IDs; the first is the webhook's token audience). */
export function validateAudiences(audiences: readonly string[], argument = "audiences"): readonly string[] {
    if (!Array.isArray(audiences) || audiences.length === 0) {
        throw new IrsaInputError(argument, audiences, "must hold at least one audience", "leave it unset for [\"sts.amazonaws.com\"]");
    }
    if (audiences.length > MAX_AUDIENCES) {
        throw new IrsaInputError(argument, `${audiences.length} audiences`, `holds more than the ${MAX_AUDIENCES} client IDs IAM allows`, "keep the audiences your workloads use");
    }
    const seen = new Set<string>();
    audiences.forEach((audience, i) => {
        validateLiteralAudience(audience, `${argument}[${i}]`);
        if (seen.has(audience)) {
            throw new IrsaInputError(`${argument}[${i}]`, audience, "is listed twice", "list each audience once");
        }
        seen.add(audience);
    });
    return audiences;
}

/** Checks certificate thumbprints (SHA-1, 40 hex digits; IAM keeps at most 5). */
export function validateThumbprints(thumbprints: readonly string[], argument = "thumbprints"): readonly string[] {
    if (!Array.isArray(thumbprints) || thumbprints.length > 5) {
        throw new IrsaInputError(argument, thumbprints, "must be a list of at most 5 thumbprints", "leave it unset: AWS verifies S3 and CloudFront certificates against its trusted root CAs");
    }
    thumbprints.forEach((t, i) => {
        if (typeof t !== "string" || !/^[0-9a-fA-F]{40}$/.test(t)) {
            throw new IrsaInputError(`${argument}[${i}]`, t, "is not a SHA-1 thumbprint (40 hex digits)", "give the certificate's SHA-1 fingerprint without colons");
        }
    });
    return thumbprints;
}
