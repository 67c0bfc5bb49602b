import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { BucketSettings } from "../../aws/hosting";
import { validateBucketName } from "../../aws/names";
import { BucketNamespace } from "../../aws/bucket-namespace";
import { requireResourceOutput } from "../provider-outputs";

/**
 * The bucket's name is in the issuer URL. In the global namespace, once deleted, anyone may create a bucket of
 * that name and publish their own JWKS (the account-regional namespace, the default, leaves that to this account
 * alone). So it is protected (no replacement, no destroy) unless the user turned that off, and retained on delete
 * whenever something this stack does not own (an existing IAM OIDC provider, and the roles trusting it) may
 * still trust its URL.
 */
export function bucketLifecycle(args: Pick<BucketSettings, "protect" | "retainOnDelete">): { protect?: boolean; retainOnDelete?: boolean } {
    return { ...(args.protect ? { protect: true } : {}), ...(args.retainOnDelete ? { retainOnDelete: true } : {}) };
}

export interface DocumentBucket {
    bucket: aws.s3.Bucket;
    /** The bucket's name and ARN as the provider reports them, required (a mock that omits one gets a clear error). */
    bucketName: pulumi.Output<string>;
    bucketArn: pulumi.Output<string>;
    ownership: aws.s3.BucketOwnershipControls;
    accessBlock: aws.s3.BucketPublicAccessBlock;
    /** Spread into each child's args: the bucket's region when given, else nothing (the provider's). */
    region: { region?: pulumi.Input<string> };
}

/**
 * The bucket both hostings publish into: ACLs disabled (BucketOwnerEnforced; new buckets have them off
 * since April 2023), and a public access block that always blocks ACLs. `publicPolicy` says whether the
 * bucket policy may make the two documents public (S3 hosting) or the bucket stays fully private (CloudFront).
 */
export function createDocumentBucket(name: string, args: BucketSettings, publicPolicy: boolean, opts: { parent: pulumi.Resource }): DocumentBucket {
    const parent = opts.parent;
    const lifecycle = bucketLifecycle(args);
    const region = args.region !== undefined ? { region: args.region } : {};
    const bucket = new aws.s3.Bucket(
        `${name}-bucket`,
        {
            // Outputs are checked when known; plain names were checked before any resource was created.
            ...(args.bucketName !== undefined ? { bucket: pulumi.output(args.bucketName).apply((b) => validateBucketName(b)) } : {}),
            // Sent only for the account-regional namespace: a global bucket's request stays as it was.
            ...(args.bucketNamespace === BucketNamespace.AccountRegional ? { bucketNamespace: BucketNamespace.AccountRegional } : {}),
            forceDestroy: args.forceDestroy ?? false,
            ...(args.tags !== undefined ? { tags: args.tags } : {}),
            ...region,
        },
        // A derived name follows the component, project and stack names, which a rename (with aliases) changes:
        // the bucket that exists keeps its name, and the issuer its URL (ignoreChanges, as for derived role names).
        { parent, ...lifecycle, ...(args.keepDerivedName ? { ignoreChanges: ["bucket"] } : {}) },
    );
    const ownership = new aws.s3.BucketOwnershipControls(
        `${name}-ownership`,
        { bucket: bucket.bucket, rule: { objectOwnership: "BucketOwnerEnforced" }, ...region },
        { parent },
    );
    const accessBlock = new aws.s3.BucketPublicAccessBlock(
        `${name}-public-access`,
        {
            bucket: bucket.bucket,
            blockPublicAcls: true,
            ignorePublicAcls: true,
            // S3 hosting: the documents are public through the bucket policy, and only through it.
            blockPublicPolicy: !publicPolicy,
            restrictPublicBuckets: !publicPolicy,
            ...region,
        },
        // S3 may answer 409 OperationAborted to concurrent ownership and access-block writes on one bucket.
        { parent, dependsOn: [ownership] },
    );
    const out = (field: "bucket" | "arn") => requireResourceOutput(bucket[field], "aws:s3/bucket:Bucket", `${name}-bucket`, field);
    return { bucket, bucketName: out("bucket"), bucketArn: out("arn"), ownership, accessBlock, region };
}
