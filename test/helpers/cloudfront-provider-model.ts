// A model of what the real pulumi-aws provider (7.x, bridged from terraform-provider-aws) does with a CloudFront
// distribution's `origins`, written from its documented and published behaviour, not copied: a stand-in for the
// provider plugin, which this machine cannot run (docs/facts.md, "CloudFront").
//
// - Create/update ("expand"): an origin with no S3, custom or VPC origin config is sent to CloudFront with an
//   empty S3OriginConfig (`OriginAccessIdentity: ""`): CloudFront rejects an S3 origin without one (InvalidOrigin,
//   boto/boto3#3804), and with Origin Access Control the identity is empty.
// - Read/refresh ("flatten"): `s3OriginConfig` is kept in state only when its identity is not empty
//   (terraform-provider-aws internal/service/cloudfront/distribution_configuration_structure.go, flattenOrigin).
// So a program that sends `s3OriginConfig: { originAccessIdentity: "" }` reads back without it, and every
// refresh-aware `up` proposes an update that waits minutes for CloudFront (pulumi/pulumi-aws#6623).

/** The origin fields the model looks at (the Pulumi input names). */
export interface ModelOrigin {
    originId?: unknown;
    domainName?: unknown;
    originAccessControlId?: unknown;
    s3OriginConfig?: { originAccessIdentity?: unknown };
    customOriginConfig?: unknown;
    vpcOriginConfig?: unknown;
    [field: string]: unknown;
}

/** What the provider sends CloudFront for one origin (CreateDistribution/UpdateDistribution `Origin`). */
export function sentToCloudFront(origin: ModelOrigin): { S3OriginConfig?: { OriginAccessIdentity: string }; hasCustomOrVpcConfig: boolean } {
    const hasCustomOrVpcConfig = origin.customOriginConfig !== undefined || origin.vpcOriginConfig !== undefined;
    if (origin.s3OriginConfig !== undefined) {
        return { S3OriginConfig: { OriginAccessIdentity: String(origin.s3OriginConfig.originAccessIdentity ?? "") }, hasCustomOrVpcConfig };
    }
    return hasCustomOrVpcConfig ? { hasCustomOrVpcConfig } : { S3OriginConfig: { OriginAccessIdentity: "" }, hasCustomOrVpcConfig };
}

/** The origin as the provider writes it into state after reading the distribution back (a refresh). */
export function readBack(origin: ModelOrigin): ModelOrigin {
    const sent = sentToCloudFront(origin);
    const { s3OriginConfig: _dropped, ...rest } = origin;
    const identity = sent.S3OriginConfig?.OriginAccessIdentity ?? "";
    return identity !== "" ? { ...rest, s3OriginConfig: { originAccessIdentity: identity } } : rest;
}
