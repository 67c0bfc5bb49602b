import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DOCUMENT_CACHE_CONTROL, documentKeys } from "../../aws/hosting";

/** What every hosting gives the component: a bucket to upload to, and the issuer that serves it. */
export interface Hosting {
    /** The issuer URL the documents are served from (https, no trailing slash). */
    issuerUrl: pulumi.Output<string>;
    /** The bucket the documents go into. */
    bucket: aws.s3.Bucket;
    /** The bucket's name. */
    bucketName: pulumi.Output<string>;
    /** Per-resource region for the bucket's children (undefined: the provider's). */
    region?: pulumi.Input<string>;
    /** Resources that must exist before AWS can fetch the documents (bucket policy, distribution...). */
    readiness: pulumi.Resource[];
}

export interface PublishedDocuments {
    discovery: aws.s3.BucketObjectv2;
    jwks: aws.s3.BucketObjectv2;
}

/** Uploads both documents (application/json) into the hosting's bucket: `${name}-discovery`, `${name}-jwks`. */
export function publishDocuments(
    name: string,
    hosting: Hosting,
    documents: { discoveryJson: pulumi.Input<string>; jwksJson: pulumi.Input<string>; jwksPath: string },
    opts: { parent: pulumi.Resource },
): PublishedDocuments {
    const keys = documentKeys(documents.jwksPath);
    const object = (suffix: string, key: string, content: pulumi.Input<string>) =>
        new aws.s3.BucketObjectv2(
            `${name}-${suffix}`,
            {
                bucket: hosting.bucket.bucket,
                key,
                content,
                contentType: "application/json",
                cacheControl: DOCUMENT_CACHE_CONTROL,
                ...(hosting.region !== undefined ? { region: hosting.region } : {}),
            },
            { parent: opts.parent },
        );
    return { discovery: object("discovery", keys.discovery, documents.discoveryJson), jwks: object("jwks", keys.jwks, documents.jwksJson) };
}
