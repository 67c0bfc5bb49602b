// The OIDC documents in a private bucket behind CloudFront, served as https://oidc.example.com: the component
// requests the certificate in us-east-1, validates it with DNS records in the zone, and points A/AAAA alias
// records at the distribution. The first `pulumi up` takes several minutes (distribution deployment and ACM
// validation); the IAM OIDC provider is created only once the documents can be fetched through the domain.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SelfHostedIrsa } from "selfhosted-irsa";

// The public Route 53 zone that holds the name (replace example.com with your domain).
const zone = aws.route53.getZoneOutput({ name: "example.com", privateZone: false });

const irsa = new SelfHostedIrsa("prod", {
    hosting: {
        kind: "cloudfront",
        // Plain string: it is the issuer (https://oidc.example.com), so it must be known before anything is created.
        domainName: "oidc.example.com",
        hostedZoneId: zone.zoneId,
        // Defaults, written out: North America/Europe edges; the edge re-reads the documents within 5 minutes.
        priceClass: "PriceClass_100",
        minTtl: 0,
        defaultTtl: 300,
        maxTtl: 3600,
    },
    tags: { cluster: pulumi.getStack() },
});

// The pods of ServiceAccount default/s3-reader may read one bucket, and nothing else.
const reader = irsa.roleFor(
    "default",
    "s3-reader",
    JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: ["s3:GetObject", "s3:ListBucket"], Resource: ["arn:aws:s3:::my-data", "arn:aws:s3:::my-data/*"] }],
    }),
);

export const issuerUrl = irsa.issuerUrl; // https://oidc.example.com
export const oidcProviderArn = irsa.oidcProviderArn;
// Give these to kube-apiserver (--service-account-issuer, --service-account-jwks-uri), with the private key as
// --service-account-signing-key-file and the public keys as --service-account-key-file. --api-audiences is
// left as the distribution sets it (never sts.amazonaws.com: tokens sent to AWS would pass as API credentials).
export const apiServerArgs = irsa.apiServerArgs;
export const publicKeyPems = irsa.publicKeyPems;
export const privateKeyPem = irsa.privateKeyPem; // secret: `pulumi stack output privateKeyPem --show-secrets`
export const readerRoleUrn = reader.urn;
