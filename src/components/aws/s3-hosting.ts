import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { validateIssuerUrl } from "../../oidc/discovery";
import { createDocumentBucket } from "./document-bucket";
import { s3IssuerUrl } from "../../aws/names";
import { BucketSettings, documentKeys, publicReadPolicy } from "../../aws/hosting";
import { Hosting } from "./hosting";

/**
 * S3 hosting: a bucket with ACLs disabled (BucketOwnerEnforced), a public access block that still blocks
 * ACLs but allows the bucket policy, and that policy. The issuer is the bucket's regional virtual-hosted
 * URL, built from the bucket's `bucket` output and `issuerRegion` (the bucket's region).
 */
export function createS3Hosting(
    name: string,
    args: BucketSettings & { jwksPath: string; issuerRegion: pulumi.Input<string> },
    opts: { parent: pulumi.Resource },
): Hosting {
    const parent = opts.parent;
    const { bucket, bucketName, bucketArn, ownership, accessBlock, region } = createDocumentBucket(name, args, true, { parent });
    const keys = documentKeys(args.jwksPath);
    const policy = new aws.s3.BucketPolicy(
        `${name}-policy`,
        {
            bucket: bucket.bucket,
            policy: bucketArn.apply((arn) => JSON.stringify(publicReadPolicy(arn, [keys.discovery, keys.jwks]))),
            ...region,
        },
        // New buckets block public policies until the access block says otherwise.
        { parent, dependsOn: [accessBlock, ownership] },
    );
    return {
        issuerUrl: pulumi.all([bucketName, args.issuerRegion]).apply(([b, r]) => validateIssuerUrl(s3IssuerUrl(b, r), "issuerUrl")),
        bucket,
        bucketName,
        region: args.region,
        readiness: [policy],
    };
}
