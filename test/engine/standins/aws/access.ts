// Who may read an object, as S3 decides it for the two readers an issuer has: anyone (S3 hosting) and one
// CloudFront distribution signing with Origin Access Control (CloudFront hosting). A small subset of S3's policy
// evaluation, kept to what a bucket policy for OIDC documents uses: Allow/Deny statements, Principal "*",
// {"AWS": "*"} or {"Service": "cloudfront.amazonaws.com"}, s3:GetObject (or s3:* / s3:Get*), object ARNs with `*`,
// and the StringEquals condition on AWS:SourceArn. Any other condition makes a statement not apply (conservative:
// the stand-in never grants what S3 might refuse). Block Public Access as S3 documents it.
import type { BucketRecord } from "./store";

export type Reader = { kind: "anonymous" } | { kind: "cloudfront"; distributionArn: string };

interface Statement {
    Effect?: string;
    Principal?: unknown;
    Action?: string | string[];
    Resource?: string | string[];
    Condition?: Record<string, Record<string, unknown>>;
}

const list = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

function wildcard(pattern: string, value: string): boolean {
    const re = new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
    return re.test(value);
}

function principalMatches(principal: unknown, reader: Reader): boolean {
    if (principal === "*") {
        return true;
    }
    if (!principal || typeof principal !== "object") {
        return false;
    }
    const p = principal as Record<string, unknown>;
    if (list(p.AWS).includes("*")) {
        return true;
    }
    return reader.kind === "cloudfront" && list(p.Service).includes("cloudfront.amazonaws.com");
}

function conditionsHold(conditions: Statement["Condition"], reader: Reader): boolean {
    for (const [operator, entries] of Object.entries(conditions ?? {})) {
        for (const [key, expected] of Object.entries(entries)) {
            if (operator !== "StringEquals" || key.toLowerCase() !== "aws:sourcearn" || reader.kind !== "cloudfront") {
                return false;
            }
            if (!list(expected).includes(reader.distributionArn)) {
                return false;
            }
        }
    }
    return true;
}

function statements(policy: string | undefined): Statement[] {
    if (!policy) {
        return [];
    }
    const doc = JSON.parse(policy) as { Statement?: Statement | Statement[] };
    return Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
}

/** S3's "is this policy public": a statement that allows anyone without a condition that pins the caller. */
export function isPublicPolicy(policy: string): boolean {
    return statements(policy).some((s) => s.Effect === "Allow" && (s.Principal === "*" || list((s.Principal as Record<string, unknown> | undefined)?.AWS).includes("*")) && !s.Condition);
}

/** Whether `reader` may s3:GetObject `key` of `bucketName` under its policy and public access block. */
export function mayGetObject(bucketName: string, bucket: BucketRecord, key: string, reader: Reader, accountBlocksPublic: boolean): boolean {
    const objectArn = `arn:aws:s3:::${bucketName}/${key}`;
    const applies = (s: Statement) =>
        principalMatches(s.Principal, reader) &&
        list(s.Action).some((a) => ["s3:getobject", "s3:*", "s3:get*", "*"].includes(a.toLowerCase())) &&
        list(s.Resource).some((r) => wildcard(r, objectArn)) &&
        conditionsHold(s.Condition, reader);
    const all = statements(bucket.policy);
    if (all.some((s) => s.Effect === "Deny" && applies(s))) {
        return false;
    }
    // RestrictPublicBuckets: with a public policy, only AWS service principals and the account itself get access.
    const restricted = (bucket.publicAccessBlock.restrictPublicBuckets || accountBlocksPublic) && bucket.policy !== undefined && isPublicPolicy(bucket.policy);
    if (restricted && reader.kind === "anonymous") {
        return false;
    }
    return all.some((s) => s.Effect === "Allow" && applies(s));
}
