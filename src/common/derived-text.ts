import { hashOf } from "./derived-names";

// Free text the component derives from user input (CloudFront comments and descriptions, X.509 common names),
// for services with their own limits. Pure: no @pulumi imports. One builder for all of it, the counterpart of
// derived-names.ts for text: the text itself when the service accepts it; otherwise the user's part is
// shortened and ends with a hash of the whole of it, so two long names still read differently, and the same
// input always gives the same text (a second `pulumi up` sees no change).

/** What a service accepts in a free-text field. */
export interface TextRule {
    /** The service's name for the field, for messages and tests (e.g. "CloudFront distribution comment"). */
    field: string;
    /** Longest text the service accepts, in UTF-16 code units (never fewer than its characters). */
    maxLength: number;
}

/** CloudFront distribution comment: at most 128 characters (DistributionConfig.Comment). */
export const CLOUDFRONT_DISTRIBUTION_COMMENT: TextRule = { field: "CloudFront distribution comment", maxLength: 128 };
/** CloudFront cache policy comment: at most 128 characters (CachePolicyConfig.Comment). */
export const CLOUDFRONT_CACHE_POLICY_COMMENT: TextRule = { field: "CloudFront cache policy comment", maxLength: 128 };
/** CloudFront origin access control description: at most 256 characters (the AWS provider's validation). */
export const CLOUDFRONT_OAC_DESCRIPTION: TextRule = { field: "CloudFront origin access control description", maxLength: 256 };
/** X.509 subject common name: at most 64 characters (RFC 5280, ub-common-name). */
export const X509_COMMON_NAME: TextRule = { field: "X.509 common name", maxLength: 64 };

// Control characters (and lone surrogates) have no place in an XML request body or a certificate subject.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * `template(subject)` when it fits `rule`; otherwise the template around the subject's start and
 * `-<8 hex of sha256(subject)>`, exactly as long as the rule allows. Control characters become "?". The
 * template's own text must leave room for the hash (checked, so a new template that cannot fit fails loudly).
 */
export function fitText(template: (subject: string) => string, subject: string, rule: TextRule): string {
    const printable = subject.replace(UNPRINTABLE, "?");
    const whole = template(printable);
    if (whole.length <= rule.maxLength) {
        return whole;
    }
    const room = rule.maxLength - template("").length;
    const hash = hashOf(subject);
    if (room < hash.length + 1) {
        throw new Error(`${rule.field}: the text around the name leaves ${room} of ${rule.maxLength} characters, too few for a shortened name`);
    }
    let head = printable.slice(0, room - hash.length - 1);
    // Never cut a surrogate pair in half.
    if (/[\ud800-\udbff]$/.test(head)) {
        head = head.slice(0, -1);
    }
    return template(`${head}-${hash}`);
}
