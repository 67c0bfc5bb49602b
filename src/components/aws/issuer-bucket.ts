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

/** The document bucket's name, and whether this component derived it. */
export interface IssuerBucketName {
    /** Undefined: Pulumi auto-names the bucket (global namespace, no `bucketName`). */
    bucketName?: pulumi.Input<string>;
    /**
     * Derived from the component, project and stack (account-regional, no `bucketName`): the bucket keeps it once it
     * exists, as the provider keeps an auto-name, so renaming any of them keeps the bucket and with it the issuer.
     */
    derived: boolean;
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
): IssuerBucketName {
    if (args.bucketNamespace === BucketNamespace.Global) {
        return { bucketName: args.bucketName, derived: false };
    }
    const stack = { project: pulumi.getProject(), stack: pulumi.getStack() };
    const bucketName = pulumi
        .all([args.bucketName, providerAccountId(parent), region])
        .apply(([given, accountId, r]) => accountRegionalBucketName(name, stack, given, accountId, r, args.bucketNameArgument));
    return { bucketName, derived: args.bucketName === undefined };
}
