import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { requireInvokeResult } from "../provider-outputs";
import { BucketNamespace, accountRegionalBucketName } from "../../aws/bucket-namespace";

/** The AWS provider's region (aws.getRegion), required: the bucket's region, the issuer's and the webhook's. */
export function providerRegion(parent: pulumi.Resource): pulumi.Output<string> {
    return requireInvokeResult(aws.getRegionOutput({}, { parent }).region, "aws:index/getRegion:getRegion", "region", "\"us-west-2\"");
}

/** The account the AWS provider deploys into (aws.getCallerIdentity), required. */
export function providerAccountId(parent: pulumi.Resource): pulumi.Output<string> {
    return requireInvokeResult(aws.getCallerIdentityOutput({}, { parent }).accountId, "aws:index/getCallerIdentity:getCallerIdentity", "accountId", "\"123456789012\"");
}

/**
 * The document bucket's name. Global namespace: the user's `bucketName`, or undefined (Pulumi auto-names it).
 * Account-regional: the user's name checked against the provider's account and the region (S3 refuses another
 * account's suffix), or the name derived from the component, project and stack. Known at preview: the invokes
 * run then, so the issuer (and `expectedIssuerUrl`'s check) is known before anything is created.
 */
export function issuerBucketName(
    name: string,
    args: { bucketNamespace: BucketNamespace; bucketName?: pulumi.Input<string>; bucketNameArgument: string },
    region: pulumi.Output<string>,
    parent: pulumi.Resource,
): pulumi.Input<string> | undefined {
    if (args.bucketNamespace === BucketNamespace.Global) {
        return args.bucketName;
    }
    const stack = { project: pulumi.getProject(), stack: pulumi.getStack() };
    return pulumi
        .all([args.bucketName, providerAccountId(parent), region])
        .apply(([given, accountId, r]) => accountRegionalBucketName(name, stack, given, accountId, r, args.bucketNameArgument));
}
