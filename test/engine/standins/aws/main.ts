// pulumi-resource-aws, the stand-in (see README.md beside this file): the resource types and functions the
// component uses, computed the way AWS and pulumi-aws compute them, kept in a local account directory. It
// reaches no AWS endpoint: it opens no connection at all.
import * as fs from "node:fs";
import * as path from "node:path";
import { Context, Plugin, Props, serve } from "../lib/provider-server";
import { regionOf } from "./common";
import { bucket, bucketObjectv2, bucketOwnershipControls, bucketPolicy, bucketPublicAccessBlock } from "./s3";
import { openIdConnectProvider, role, rolePolicy, rolePolicyAttachment } from "./iam";
import { cachePolicy, certificate, certificateValidation, distribution, originAccessControl, record } from "./cloudfront";
import { loadAccount } from "./store";

/** The @pulumi/aws version the repository installs: the stand-in answers for that provider version. */
const AWS_VERSION: string = JSON.parse(fs.readFileSync(path.join(path.dirname(require.resolve("@pulumi/aws/package.json")), "package.json"), "utf8")).version;

const getRegion = (ctx: Context, args: Props): Props => {
    const region = args.region ?? regionOf(ctx, {});
    return { id: region, name: region, region, description: region, endpoint: `ec2.${region}.amazonaws.com` };
};

const getCallerIdentity = (): Props => {
    const accountId = loadAccount().accountId;
    return { id: accountId, accountId, arn: `arn:aws:iam::${accountId}:user/standin`, userId: "AIDASTANDINSTANDIN000" };
};

const getPartition = (): Props => ({ id: "aws", partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws" });

const str = { type: "string" };
const strings = { type: "array", items: str };
const tags = { type: "object", additionalProperties: str };

/**
 * The part of pulumi-aws's schema that YAML programs here name directly (hand-written roles: the bench's
 * baseline); the YAML host checks a program against it. Property names and types as in pulumi-aws.
 */
const SCHEMA = {
    name: "aws",
    version: AWS_VERSION,
    meta: { moduleFormat: "(.*)(?:/[^/]*)" },
    resources: {
        "aws:iam/role:Role": {
            inputProperties: { assumeRolePolicy: str, description: str, name: str, path: str, maxSessionDuration: { type: "integer" }, permissionsBoundary: str, tags },
            requiredInputs: ["assumeRolePolicy"],
            properties: { arn: str, assumeRolePolicy: str, description: str, name: str, path: str, maxSessionDuration: { type: "integer" }, permissionsBoundary: str, tags, tagsAll: tags, uniqueId: str, createDate: str },
            required: ["arn", "assumeRolePolicy", "name", "uniqueId", "createDate", "tagsAll"],
        },
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment": {
            inputProperties: { role: str, policyArn: str },
            requiredInputs: ["role", "policyArn"],
            properties: { role: str, policyArn: str },
            required: ["role", "policyArn"],
        },
        "aws:iam/rolePolicy:RolePolicy": {
            inputProperties: { role: str, name: str, policy: str },
            requiredInputs: ["role", "policy"],
            properties: { role: str, name: str, policy: str },
            required: ["role", "name", "policy"],
        },
        "aws:iam/openIdConnectProvider:OpenIdConnectProvider": {
            inputProperties: { url: str, clientIdLists: strings, thumbprintLists: strings, tags },
            requiredInputs: ["url"],
            properties: { arn: str, url: str, clientIdLists: strings, thumbprintLists: strings, tags, tagsAll: tags },
            required: ["arn", "url", "clientIdLists", "thumbprintLists", "tagsAll"],
        },
    },
};

export const awsStandin: Plugin = {
    name: "aws",
    version: AWS_VERSION,
    schema: SCHEMA,
    resources: {
        "aws:s3/bucket:Bucket": bucket,
        "aws:s3/bucketObjectv2:BucketObjectv2": bucketObjectv2,
        "aws:s3/bucketPolicy:BucketPolicy": bucketPolicy,
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls": bucketOwnershipControls,
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": bucketPublicAccessBlock,
        "aws:iam/role:Role": role,
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment": rolePolicyAttachment,
        "aws:iam/rolePolicy:RolePolicy": rolePolicy,
        "aws:iam/openIdConnectProvider:OpenIdConnectProvider": openIdConnectProvider,
        "aws:cloudfront/originAccessControl:OriginAccessControl": originAccessControl,
        "aws:cloudfront/cachePolicy:CachePolicy": cachePolicy,
        "aws:cloudfront/distribution:Distribution": distribution,
        "aws:acm/certificate:Certificate": certificate,
        "aws:acm/certificateValidation:CertificateValidation": certificateValidation,
        "aws:route53/record:Record": record,
    },
    functions: {
        "aws:index/getRegion:getRegion": getRegion,
        "aws:index/getCallerIdentity:getCallerIdentity": getCallerIdentity,
        "aws:index/getPartition:getPartition": getPartition,
    },
};

if (require.main === module) {
    serve(awsStandin);
}
