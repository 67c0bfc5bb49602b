import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { ACCOUNT_ID, REGION, RecordedResource, promiseOf, registeredUrns, resources, settle, setupMocks } from "./helpers/pulumi-mocks";

setupMocks();
// Required after setMocks, as the mocks must be in place before resource modules load.
const aws = require("@pulumi/aws") as typeof import("@pulumi/aws");
const { createCloudFrontHosting } = require("../src/components/aws/cloudfront-hosting") as typeof import("../src/components/aws/cloudfront-hosting");
const { publishDocuments } = require("../src/components/aws/hosting") as typeof import("../src/components/aws/hosting");
const { createOidcProvider } = require("../src/components/aws/oidc-provider") as typeof import("../src/components/aws/oidc-provider");
const { buildDiscoveryDocument, serializeDiscoveryDocument } = require("../src/oidc/discovery") as typeof import("../src/oidc/discovery");
const { buildTrustPolicy } = require("../src/oidc/trust-policy") as typeof import("../src/oidc/trust-policy");
const { readBack, sentToCloudFront } = require("./helpers/cloudfront-provider-model") as typeof import("./helpers/cloudfront-provider-model");

type CloudFrontHosting = import("../src/components/aws/cloudfront-hosting").CloudFrontHosting;
type Settings = import("../src/components/aws/cloudfront-hosting").CloudFrontHostingSettings;

const T = {
    bucket: "aws:s3/bucket:Bucket",
    ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    accessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    policy: "aws:s3/bucketPolicy:BucketPolicy",
    object: "aws:s3/bucketObjectv2:BucketObjectv2",
    oac: "aws:cloudfront/originAccessControl:OriginAccessControl",
    cachePolicy: "aws:cloudfront/cachePolicy:CachePolicy",
    distribution: "aws:cloudfront/distribution:Distribution",
    certificate: "aws:acm/certificate:Certificate",
    validation: "aws:acm/certificateValidation:CertificateValidation",
    record: "aws:route53/record:Record",
    oidcProvider: "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
};
// What the shared mocks answered for a program's distribution and certificate (they differ per name, as AWS's do).
const answered = (type: string, name: string): Record<string, any> => resources.find((r) => r.type === type && r.name === name)!.state!;
const cf = (program: string) => answered(T.distribution, `${program}-distribution`);
const acmRecord = () => answered(T.certificate, "custom-certificate").domainValidationOptions[0];
const CF_ZONE = "Z2FDTNDATAQYW2";
const CERT = `arn:aws:acm:us-east-1:${ACCOUNT_ID}:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b`;
const ZONE = "Z0123456789ABCDEFGHIJ";
const JWKS_PATH = "openid/v1/jwks";

/** Waits until no new resource has been registered for a while (applies chain through several ticks). */
async function settleAll(): Promise<void> {
    let last = -1;
    for (let stable = 0; stable < 4; ) {
        await new Promise((r) => setTimeout(r, 10));
        await settle();
        stable = resources.length === last ? stable + 1 : 0;
        last = resources.length;
    }
}

class Parent extends pulumi.ComponentResource {
    constructor(name: string) {
        super("test:index:Parent", name, {}, {});
    }
}

interface Program {
    hosting: CloudFrontHosting;
    /** Resources this program registered, by type. */
    of: (type: string) => RecordedResource[];
    issuer: string;
}

/** Makes a hosting under its own parent, publishes documents for its issuer and registers the OIDC provider. */
async function program(name: string, cloudfront: Settings, extra: { tags?: Record<string, string>; region?: string } = {}): Promise<Program> {
    const parent = new Parent(name);
    const hosting = createCloudFrontHosting(name, { jwksPath: JWKS_PATH, cloudfront, ...extra }, { parent });
    const discoveryJson = hosting.issuerUrl.apply((issuer) => serializeDiscoveryDocument(buildDiscoveryDocument({ issuer, jwks: { keys: [] } })));
    const published = publishDocuments(name, hosting, { discoveryJson, jwksJson: "{\"keys\":[]}", jwksPath: JWKS_PATH }, { parent });
    createOidcProvider(name, { issuerUrl: hosting.issuerUrl, audiences: ["sts.amazonaws.com"] }, { parent, dependsOn: [published.discovery, published.jwks, ...hosting.readiness], protect: false });
    const issuer = await promiseOf(hosting.issuerUrl);
    await settleAll();
    const mine = (r: RecordedResource) => r.name === name || r.name.startsWith(`${name}-`);
    return { hosting, issuer, of: (type) => resources.filter((r) => r.type === type && mine(r)) };
}

function one(p: Program, type: string): RecordedResource {
    const found = p.of(type);
    assert.equal(found.length, 1, `exactly one ${type}`);
    return found[0];
}

const readinessNames = (h: CloudFrontHosting) => Promise.all(h.readiness.map(async (r) => (await promiseOf(r.urn)).split("::")[3]));

describe("CloudFront hosting without a custom domain (defaults)", () => {
    let p: Program;
    before(async () => {
        p = await program("plain", {}, { tags: { team: "platform" } });
    });

    it("uses the distribution's name as the issuer, without a trailing slash", async () => {
        assert.equal(p.issuer, `https://${cf("plain").domainName}`);
        assert.equal(await promiseOf(p.hosting.distributionDomainName), cf("plain").domainName);
        assert.equal(await promiseOf(p.hosting.distributionArn), cf("plain").arn);
        assert.equal(p.hosting.certificateArn, undefined);
    });

    it("creates a private bucket: ACLs disabled, all four public access blocks on", () => {
        const bucket = one(p, T.bucket);
        assert.equal(bucket.name, "plain-bucket");
        assert.equal(bucket.inputs.forceDestroy, false);
        assert.deepEqual(bucket.inputs.tags, { team: "platform" });
        assert.deepEqual(one(p, T.ownership).inputs, { bucket: "plain-bucket-abc1234", rule: { objectOwnership: "BucketOwnerEnforced" } });
        assert.deepEqual(one(p, T.accessBlock).inputs, {
            bucket: "plain-bucket-abc1234",
            blockPublicAcls: true,
            ignorePublicAcls: true,
            blockPublicPolicy: true,
            restrictPublicBuckets: true,
        });
    });

    it("lets only this distribution read the two documents (no public statement anywhere)", () => {
        const policies = p.of(T.policy);
        assert.equal(policies.length, 1);
        assert.equal(policies[0].name, "plain-policy");
        assert.deepEqual(JSON.parse(policies[0].inputs.policy), {
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "AllowCloudFrontReadOidcDocuments",
                    Effect: "Allow",
                    Principal: { Service: "cloudfront.amazonaws.com" },
                    Action: "s3:GetObject",
                    Resource: ["arn:aws:s3:::plain-bucket-abc1234/.well-known/openid-configuration", "arn:aws:s3:::plain-bucket-abc1234/openid/v1/jwks"],
                    Condition: { StringEquals: { "AWS:SourceArn": cf("plain").arn } },
                },
            ],
        });
        assert.ok(!policies[0].inputs.policy.includes("\"*\""), "no wildcard principal");
        for (const object of p.of(T.object)) {
            assert.equal(object.inputs.acl, undefined, "no object ACL");
        }
    });

    it("signs every origin request with SigV4 through an Origin Access Control", () => {
        assert.deepEqual(one(p, T.oac).inputs, {
            description: "Signs CloudFront's requests for the OIDC documents of plain",
            originAccessControlOriginType: "s3",
            signingBehavior: "always",
            signingProtocol: "sigv4",
        });
    });

    it("caches 0 / 300 / 3600 s, compressed, keyed on nothing from the request", () => {
        const policy = one(p, T.cachePolicy);
        assert.equal(policy.inputs.minTtl, 0);
        assert.equal(policy.inputs.defaultTtl, 300);
        assert.equal(policy.inputs.maxTtl, 3600);
        assert.deepEqual(policy.inputs.parametersInCacheKeyAndForwardedToOrigin, {
            cookiesConfig: { cookieBehavior: "none" },
            headersConfig: { headerBehavior: "none" },
            queryStringsConfig: { queryStringBehavior: "none" },
            enableAcceptEncodingGzip: true,
            enableAcceptEncodingBrotli: true,
        });
    });

    it("serves HTTPS only, GET/HEAD only, from the bucket's regional endpoint, PriceClass_100, the default certificate", () => {
        const d = one(p, T.distribution).inputs;
        assert.equal(d.enabled, true);
        assert.equal(d.isIpv6Enabled, true);
        assert.equal(d.httpVersion, "http2and3");
        assert.equal(d.priceClass, "PriceClass_100");
        assert.equal(d.defaultRootObject, undefined);
        assert.equal(d.aliases, undefined);
        assert.deepEqual(d.tags, { team: "platform" });
        assert.deepEqual(d.origins, [
            {
                originId: "oidc-documents",
                domainName: `plain-bucket-abc1234.s3.${REGION}.amazonaws.com`,
                originAccessControlId: "plain-oac_id",
            },
        ]);
        assert.deepEqual(d.defaultCacheBehavior, {
            targetOriginId: "oidc-documents",
            allowedMethods: ["GET", "HEAD"],
            cachedMethods: ["GET", "HEAD"],
            viewerProtocolPolicy: "https-only",
            compress: true,
            cachePolicyId: "plain-cache-policy_id",
        });
        assert.deepEqual(d.restrictions, { geoRestriction: { restrictionType: "none", locations: [] } });
        assert.deepEqual(d.viewerCertificate, { cloudfrontDefaultCertificate: true });
    });

    it("sends no s3OriginConfig beside the OAC, so a refresh reads back what was sent (pulumi/pulumi-aws#6623)", () => {
        const origin = one(p, T.distribution).inputs.origins[0];
        assert.equal("s3OriginConfig" in origin, false);
        // The provider still gives CloudFront the empty S3OriginConfig an OAC origin needs...
        assert.deepEqual(sentToCloudFront(origin).S3OriginConfig, { OriginAccessIdentity: "" });
        // ...and after a refresh the state equals the program's input: no update on the next `up`.
        assert.deepEqual(readBack(origin), origin);
        // The form this package sent before 0.2.0 does not settle: the read drops the empty block.
        const old = { ...origin, s3OriginConfig: { originAccessIdentity: "" } };
        assert.notDeepEqual(readBack(old), old);
    });

    it("makes no certificate and no DNS records", () => {
        assert.equal(p.of(T.certificate).length, 0);
        assert.equal(p.of(T.validation).length, 0);
        assert.equal(p.of(T.record).length, 0);
    });

    it("publishes documents naming the issuer, and the OIDC provider and trust keys follow it", async () => {
        const objects = p.of(T.object);
        assert.deepEqual(objects.map((o) => o.inputs.key).sort(), [".well-known/openid-configuration", "openid/v1/jwks"]);
        const discovery = JSON.parse(objects.find((o) => o.name === "plain-discovery")!.inputs.content);
        assert.equal(discovery.issuer, `https://${cf("plain").domainName}`);
        assert.equal(discovery.jwks_uri, `https://${cf("plain").domainName}/openid/v1/jwks`);
        const provider = one(p, T.oidcProvider);
        assert.equal(provider.inputs.url, `https://${cf("plain").domainName}`);
        const trust = buildTrustPolicy({ oidcProviderArn: `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/${cf("plain").domainName}`, issuerUrl: p.issuer, namespace: "default", serviceAccount: "app" });
        assert.deepEqual(Object.keys(trust.Statement[0].Condition!.StringEquals), [`${cf("plain").domainName}:sub`, `${cf("plain").domainName}:aud`]);
    });

    it("waits for the bucket policy and the distribution before the OIDC provider", async () => {
        assert.deepEqual(await readinessNames(p.hosting), ["plain-policy", "plain-distribution"]);
    });

    it("parents every child on the given component", () => {
        const urns = registeredUrns().filter((u) => u.endsWith("::plain") || u.includes("::plain-"));
        const children = urns.filter((u) => !u.endsWith("::plain"));
        assert.deepEqual(
            children.map((u) => u.split("::")[3]).sort(),
            ["plain-bucket", "plain-cache-policy", "plain-discovery", "plain-distribution", "plain-jwks", "plain-oac", "plain-oidc-provider", "plain-ownership", "plain-policy", "plain-public-access"],
        );
        for (const urn of children) {
            assert.match(urn, /::test:index:Parent\$aws:/, urn);
        }
    });
});

describe("CloudFront hosting with a custom domain and a hosted zone", () => {
    let p: Program;
    before(async () => {
        p = await program(
            "custom",
            { domainName: "oidc.example.com", hostedZoneId: ZONE, priceClass: "PriceClass_All", minTtl: 60, defaultTtl: 120, maxTtl: 600 },
            { region: "eu-central-1" },
        );
    });

    it("uses the custom domain as the issuer everywhere, without a trailing slash", () => {
        assert.equal(p.issuer, "https://oidc.example.com");
        const discovery = JSON.parse(p.of(T.object).find((o) => o.name === "custom-discovery")!.inputs.content);
        assert.equal(discovery.issuer, "https://oidc.example.com");
        assert.equal(discovery.jwks_uri, "https://oidc.example.com/openid/v1/jwks");
        assert.equal(one(p, T.oidcProvider).inputs.url, "https://oidc.example.com");
    });

    it("requests a DNS-validated certificate in us-east-1 with the inherited provider and a per-resource region", async () => {
        const cert = one(p, T.certificate);
        assert.equal(cert.name, "custom-certificate");
        assert.deepEqual(cert.inputs, { domainName: "oidc.example.com", validationMethod: "DNS", region: "us-east-1" });
        assert.ok(!cert.provider, "no provider of its own: the region is per resource");
        const validation = one(p, T.validation);
        assert.deepEqual(validation.inputs, {
            certificateArn: answered(T.certificate, "custom-certificate").arn,
            validationRecordFqdns: [acmRecord().resourceRecordName.replace(/\.$/, "")],
            region: "us-east-1",
        });
        assert.ok(!validation.provider);
        assert.equal(await promiseOf(p.hosting.certificateArn!), answered(T.certificate, "custom-certificate").arn);
    });

    it("writes the validation record ACM asked for, and alias A and AAAA records to the distribution", () => {
        const records = p.of(T.record);
        assert.deepEqual(records.map((r) => r.name).sort(), ["custom-alias-a", "custom-alias-aaaa", "custom-cert-validation-record"]);
        assert.deepEqual(records.find((r) => r.name === "custom-cert-validation-record")!.inputs, {
            zoneId: ZONE,
            name: acmRecord().resourceRecordName,
            type: "CNAME",
            records: [acmRecord().resourceRecordValue],
            ttl: 60,
            allowOverwrite: true,
        });
        for (const type of ["A", "AAAA"]) {
            assert.deepEqual(records.find((r) => r.name === `custom-alias-${type.toLowerCase()}`)!.inputs, {
                zoneId: ZONE,
                name: "oidc.example.com",
                type,
                aliases: [{ name: cf("custom").domainName, zoneId: CF_ZONE, evaluateTargetHealth: false }],
            });
        }
    });

    it("serves the domain with the validated certificate, SNI, TLS 1.2 minimum, the chosen price class and TTLs", () => {
        const d = one(p, T.distribution).inputs;
        assert.deepEqual(d.aliases, ["oidc.example.com"]);
        assert.deepEqual(d.viewerCertificate, {
            acmCertificateArn: answered(T.certificate, "custom-certificate").arn,
            sslSupportMethod: "sni-only",
            minimumProtocolVersion: "TLSv1.2_2021",
        });
        assert.equal(d.priceClass, "PriceClass_All");
        assert.equal(d.defaultCacheBehavior.viewerProtocolPolicy, "https-only");
        assert.equal(d.origins[0].domainName, "custom-bucket-abc1234.s3.eu-central-1.amazonaws.com");
        const cache = one(p, T.cachePolicy).inputs;
        assert.deepEqual([cache.minTtl, cache.defaultTtl, cache.maxTtl], [60, 120, 600]);
    });

    it("keeps the bucket in the requested region, private, readable by this distribution only", () => {
        assert.equal(one(p, T.bucket).inputs.region, "eu-central-1");
        assert.equal(one(p, T.accessBlock).inputs.region, "eu-central-1");
        const policy = JSON.parse(one(p, T.policy).inputs.policy);
        assert.deepEqual(policy.Statement[0].Condition, { StringEquals: { "AWS:SourceArn": cf("custom").arn } });
        assert.deepEqual(policy.Statement[0].Principal, { Service: "cloudfront.amazonaws.com" });
        assert.equal(one(p, T.policy).inputs.region, "eu-central-1");
    });

    it("waits for the policy, the distribution, the certificate validation and both alias records", async () => {
        assert.deepEqual(await readinessNames(p.hosting), ["custom-policy", "custom-distribution", "custom-cert-validation", "custom-alias-a", "custom-alias-aaaa"]);
    });
});

describe("CloudFront hosting with your own certificate", () => {
    it("without a zone: uses the certificate, makes no certificate and no records", async () => {
        const p = await program("imported", { domainName: "oidc.example.com", certificateArn: CERT });
        assert.equal(p.issuer, "https://oidc.example.com");
        assert.equal(p.of(T.certificate).length + p.of(T.validation).length + p.of(T.record).length, 0);
        assert.deepEqual(one(p, T.distribution).inputs.viewerCertificate, { acmCertificateArn: CERT, sslSupportMethod: "sni-only", minimumProtocolVersion: "TLSv1.2_2021" });
        assert.deepEqual(await readinessNames(p.hosting), ["imported-policy", "imported-distribution"]);
    });

    it("with a zone too: uses the certificate and writes only the alias records", async () => {
        const p = await program("both", { domainName: "oidc.example.com", certificateArn: CERT, hostedZoneId: ZONE });
        assert.equal(p.of(T.certificate).length + p.of(T.validation).length, 0);
        assert.deepEqual(p.of(T.record).map((r) => r.inputs.type), ["A", "AAAA"]);
        assert.deepEqual(await readinessNames(p.hosting), ["both-policy", "both-distribution", "both-alias-a", "both-alias-aaaa"]);
    });
});

describe("bad settings register nothing", () => {
    const cases: [Settings, string][] = [
        [{ domainName: "https://oidc.example.com/" }, "`hosting.domainName` \"https://oidc.example.com/\" must be a DNS name, not a URL (the issuer becomes https://<domainName>). Fix: use \"oidc.example.com\""],
        [{ domainName: "oidc.example.com" }, "`hosting.domainName` \"oidc.example.com\" needs `hosting.hostedZoneId` (the component makes the us-east-1 certificate, its DNS validation and the alias records) or `hosting.certificateArn` (your us-east-1 certificate; you point DNS at the distribution). Fix: pass one of them (both: your certificate, and the component writes the alias records)"],
        [{ domainName: "oidc.example.com", certificateArn: CERT.replace("us-east-1", "eu-west-1") }, `\`hosting.certificateArn\` "${CERT.replace("us-east-1", "eu-west-1")}" is in eu-west-1; CloudFront accepts only ACM certificates in us-east-1. Fix: request or import the certificate in us-east-1, or pass \`hosting.hostedZoneId\` instead and let the component make one`],
        [{ hostedZoneId: ZONE }, `\`hosting.hostedZoneId\` "${ZONE}" has no effect without \`hosting.domainName\`. Fix: set \`hosting.domainName\`, or remove \`hosting.hostedZoneId\``],
        [{ maxTtl: 60 }, "`hosting.maxTtl` \"60\" is below `hosting.defaultTtl` (300). Fix: CloudFront needs minTtl <= defaultTtl <= maxTtl"],
        [{ priceClass: "PriceClass_50" }, "`hosting.priceClass` \"PriceClass_50\" is not a CloudFront price class. Fix: use \"PriceClass_100\" (the default), \"PriceClass_200\" or \"PriceClass_All\""],
    ];
    for (const [cloudfront, message] of cases) {
        it(`rejects ${JSON.stringify(cloudfront)}`, async () => {
            await settleAll();
            const before = resources.length;
            const parent = new Parent(`bad-${resources.length}`);
            await settleAll();
            const withParent = resources.length;
            assert.equal(withParent, before + 1);
            assert.throws(() => createCloudFrontHosting("bad", { jwksPath: JWKS_PATH, cloudfront }, { parent }), (err: Error) => {
                assert.equal(err.name, "IrsaInputError");
                assert.equal(err.message, message);
                return true;
            });
            await settleAll();
            assert.equal(resources.length, withParent, "no resource registered");
        });
    }
});
