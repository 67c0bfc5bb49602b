import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import {
    DEFAULT_TTLS,
    cloudFrontIssuerUrl,
    cloudFrontReadPolicy,
    rejectCloudFrontOnlyFields,
    validateCloudFrontCertificateArn,
    validateCloudFrontSettings,
    validateDomainName,
    validateHostedZoneId,
    validatePriceClass,
    validateTtls,
} from "../src/aws/cloudfront-settings";
import { buildDiscoveryDocument } from "../src/oidc/discovery";
import { buildTrustPolicy } from "../src/oidc/trust-policy";

const CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b";

function throwsExactly(fn: () => unknown, message: string): void {
    assert.throws(fn, (err: Error) => {
        assert.equal(err.name, "IrsaInputError");
        assert.equal(err.message, message);
        return true;
    });
}

describe("validateDomainName", () => {
    it("accepts lowercase DNS names", () => {
        for (const name of ["oidc.example.com", "a.b", "k8s-oidc.prod.example.co.uk", "xn--bcher-kva.example"]) {
            assert.equal(validateDomainName(name), name);
        }
    });
    const cases: [unknown, string][] = [
        ["", "`hosting.domainName` \"\" is not a DNS name. Fix: pass a name such as \"oidc.example.com\""],
        [42, "`hosting.domainName` \"42\" is not a DNS name. Fix: pass a name such as \"oidc.example.com\""],
        ["https://OIDC.example.com/", "`hosting.domainName` \"https://OIDC.example.com/\" must be a DNS name, not a URL (the issuer becomes https://<domainName>). Fix: use \"oidc.example.com\""],
        ["oidc.example.com/cluster", "`hosting.domainName` \"oidc.example.com/cluster\" must not include a path (the documents are served from the root of the domain). Fix: use \"oidc.example.com\""],
        ["oidc.example.com:443", "`hosting.domainName` \"oidc.example.com:443\" must not include a port (CloudFront serves HTTPS on 443). Fix: use \"oidc.example.com\""],
        ["oidc.example.com.", "`hosting.domainName` \"oidc.example.com.\" must not end with a dot (the issuer must be exactly the host STS connects to). Fix: use \"oidc.example.com\""],
        ["OIDC.Example.com", "`hosting.domainName` \"OIDC.Example.com\" contains uppercase letters (the issuer must match the lowercase host STS computes). Fix: use \"oidc.example.com\""],
        ["*.example.com", "`hosting.domainName` \"*.example.com\" is a wildcard; the issuer needs one concrete host name. Fix: use a name such as \"oidc.example.com\""],
        ["oidc", "`hosting.domainName` \"oidc\" has a single label; CloudFront aliases and ACM certificates need a fully qualified name. Fix: use a name under a domain you own, e.g. \"oidc.example.com\""],
        ["-oidc.example.com", "`hosting.domainName` \"-oidc.example.com\" has the label \"-oidc\", which is not a DNS label (1 to 63 lowercase letters, digits and hyphens, not starting or ending with a hyphen). Fix: use only letters, digits and inner hyphens in each label"],
        ["oidc..example.com", "`hosting.domainName` \"oidc..example.com\" has the label \"\", which is not a DNS label (1 to 63 lowercase letters, digits and hyphens, not starting or ending with a hyphen). Fix: use only letters, digits and inner hyphens in each label"],
        ["oidc_1.example.com", "`hosting.domainName` \"oidc_1.example.com\" has the label \"oidc_1\", which is not a DNS label (1 to 63 lowercase letters, digits and hyphens, not starting or ending with a hyphen). Fix: use only letters, digits and inner hyphens in each label"],
        ["10.0.0.1", "`hosting.domainName` \"10.0.0.1\" looks like an IP address; CloudFront needs a DNS name. Fix: use a DNS name in a zone you control, e.g. \"oidc.example.com\""],
        ["d111111abcdef8.cloudfront.net", "`hosting.domainName` \"d111111abcdef8.cloudfront.net\" is a CloudFront domain name, not a custom domain. Fix: leave `hosting.domainName` unset to use the distribution's own *.cloudfront.net name"],
    ];
    for (const [value, message] of cases) {
        it(`rejects ${JSON.stringify(value)}`, () => throwsExactly(() => validateDomainName(value), message));
    }
    it("rejects labels over 63 and names over 253 characters", () => {
        const long = `${"a".repeat(64)}.example.com`;
        throwsExactly(() => validateDomainName(long), `\`hosting.domainName\` "${long}" has the label "${"a".repeat(64)}", which is not a DNS label (1 to 63 lowercase letters, digits and hyphens, not starting or ending with a hyphen). Fix: use only letters, digits and inner hyphens in each label`);
        const huge = `${Array.from({ length: 5 }, () => "b".repeat(60)).join(".")}.com`;
        assert.equal(huge.length, 308);
        throwsExactly(() => validateDomainName(huge), `\`hosting.domainName\` "${huge.slice(0, 117)}..." is 308 characters long; a DNS name has at most 253. Fix: use a shorter name`);
    });
});

describe("zone ID, certificate ARN, price class", () => {
    it("accepts a zone ID and rejects the /hostedzone/ form and lowercase", () => {
        assert.equal(validateHostedZoneId("Z0123456789ABCDEFGHIJ"), "Z0123456789ABCDEFGHIJ");
        throwsExactly(() => validateHostedZoneId("/hostedzone/Z123"), "`hosting.hostedZoneId` \"/hostedzone/Z123\" includes the \"/hostedzone/\" prefix. Fix: use \"Z123\"");
        throwsExactly(() => validateHostedZoneId("example.com"), "`hosting.hostedZoneId` \"example.com\" is not a Route 53 hosted zone ID (uppercase letters and digits, e.g. \"Z0123456789ABCDEFGHIJ\"). Fix: pass the zone's ID, e.g. aws.route53.getZoneOutput({ name: \"example.com\" }).zoneId");
    });
    it("accepts only us-east-1 ACM certificate ARNs", () => {
        assert.equal(validateCloudFrontCertificateArn(CERT), CERT);
        const euArn = CERT.replace("us-east-1", "eu-west-1");
        throwsExactly(() => validateCloudFrontCertificateArn(euArn), `\`hosting.certificateArn\` "${euArn}" is in eu-west-1; CloudFront accepts only ACM certificates in us-east-1. Fix: request or import the certificate in us-east-1, or pass \`hosting.hostedZoneId\` instead and let the component make one`);
        const iamArn = "arn:aws:iam::123456789012:server-certificate/oidc";
        throwsExactly(() => validateCloudFrontCertificateArn(iamArn), `\`hosting.certificateArn\` "${iamArn}" is not an ACM certificate ARN (arn:aws:acm:us-east-1:<account>:certificate/<id>). Fix: pass the ARN of an issued ACM certificate in us-east-1 that covers \`hosting.domainName\``);
    });
    it("knows the three price classes", () => {
        for (const p of ["PriceClass_100", "PriceClass_200", "PriceClass_All"]) {
            assert.equal(validatePriceClass(p), p);
        }
        throwsExactly(() => validatePriceClass("PriceClass_300"), "`hosting.priceClass` \"PriceClass_300\" is not a CloudFront price class. Fix: use \"PriceClass_100\" (the default), \"PriceClass_200\" or \"PriceClass_All\"");
    });
});

describe("validateTtls", () => {
    it("defaults to 0 / 300 / 3600 (the documents' max-age of 300 fits inside)", () => {
        assert.deepEqual(validateTtls({}), { minTtl: 0, defaultTtl: 300, maxTtl: 3600 });
        assert.deepEqual(DEFAULT_TTLS, { minTtl: 0, defaultTtl: 300, maxTtl: 3600 });
        assert.deepEqual(validateTtls({ minTtl: 60, defaultTtl: 60, maxTtl: 60 }), { minTtl: 60, defaultTtl: 60, maxTtl: 60 });
    });
    const cases: [Record<string, unknown>, string][] = [
        [{ minTtl: -1 }, "`hosting.minTtl` \"-1\" must be a whole number of seconds, 0 or more. Fix: use e.g. 300"],
        [{ defaultTtl: 1.5 }, "`hosting.defaultTtl` \"1.5\" must be a whole number of seconds, 0 or more. Fix: use e.g. 300"],
        [{ maxTtl: "3600" }, "`hosting.maxTtl` \"3600\" must be a whole number of seconds, 0 or more. Fix: use e.g. 300"],
        [{ minTtl: 600 }, "`hosting.defaultTtl` \"300\" is below `hosting.minTtl` (600). Fix: CloudFront needs minTtl <= defaultTtl <= maxTtl"],
        [{ maxTtl: 100 }, "`hosting.maxTtl` \"100\" is below `hosting.defaultTtl` (300). Fix: CloudFront needs minTtl <= defaultTtl <= maxTtl"],
        [{ defaultTtl: 0, maxTtl: 0 }, "`hosting.maxTtl` \"0\" turns caching off (all TTLs 0), and CloudFront then rejects the cache policy's gzip/brotli settings. Fix: use at least 1 (the default is 3600; the documents' own max-age of 300 still applies)"],
    ];
    for (const [ttls, message] of cases) {
        it(`rejects ${JSON.stringify(ttls)}`, () => throwsExactly(() => validateTtls(ttls), message));
    }
});

describe("validateCloudFrontSettings", () => {
    it("plans the default certificate without a domain", () => {
        assert.deepEqual(validateCloudFrontSettings({}), { certificate: "default", aliasRecords: false });
    });
    it("plans a managed certificate and alias records with a hosted zone", () => {
        assert.deepEqual(validateCloudFrontSettings({ domainName: "oidc.example.com", hostedZoneId: "Z123" }), {
            domainName: "oidc.example.com",
            issuerUrl: "https://oidc.example.com",
            certificate: "managed",
            aliasRecords: true,
        });
    });
    it("plans your certificate, with alias records only when the zone is given too", () => {
        assert.deepEqual(validateCloudFrontSettings({ domainName: "oidc.example.com", certificateArn: CERT }), {
            domainName: "oidc.example.com",
            issuerUrl: "https://oidc.example.com",
            certificate: "imported",
            aliasRecords: false,
        });
        assert.equal(validateCloudFrontSettings({ domainName: "oidc.example.com", certificateArn: CERT, hostedZoneId: "Z123" }).aliasRecords, true);
    });
    it("passes Outputs through (checked when they resolve), but not for domainName", () => {
        const pending = Promise.resolve("x");
        assert.equal(validateCloudFrontSettings({ domainName: "oidc.example.com", hostedZoneId: pending, priceClass: pending, maxTtl: pending }).certificate, "managed");
        throwsExactly(() => validateCloudFrontSettings({ certificateArn: pending }), "`hosting.certificateArn` \"(an Output)\" has no effect without `hosting.domainName`. Fix: set `hosting.domainName`, or remove `hosting.certificateArn`");
        throwsExactly(() => validateCloudFrontSettings({ domainName: pending }), "`hosting.domainName` \"(an Output)\" must be a plain string (it decides the issuer, the certificate and the DNS records). Fix: pass the name as a string, e.g. from pulumi.Config");
    });
    const cases: [Record<string, unknown>, string][] = [
        [{ domainName: "oidc.example.com" }, "`hosting.domainName` \"oidc.example.com\" needs `hosting.hostedZoneId` (the component makes the us-east-1 certificate, its DNS validation and the alias records) or `hosting.certificateArn` (your us-east-1 certificate; you point DNS at the distribution). Fix: pass one of them (both: your certificate, and the component writes the alias records)"],
        [{ hostedZoneId: "Z123" }, "`hosting.hostedZoneId` \"Z123\" has no effect without `hosting.domainName`. Fix: set `hosting.domainName`, or remove `hosting.hostedZoneId`"],
        [{ certificateArn: CERT }, `\`hosting.certificateArn\` "${CERT}" has no effect without \`hosting.domainName\`. Fix: set \`hosting.domainName\`, or remove \`hosting.certificateArn\``],
        [{ domainName: "oidc.example.com", hostedZoneId: "Z123", usEast1Provider: {} }, "`hosting.usEast1Provider` \"(a provider)\" was removed in 0.2.0: the certificate and its validation take the per-resource region us-east-1 with the inherited AWS provider. Fix: remove it; to use other credentials for the certificate, pass your own `hosting.certificateArn`"],
        [{ minTtl: 10, defaultTtl: 5 }, "`hosting.defaultTtl` \"5\" is below `hosting.minTtl` (10). Fix: CloudFront needs minTtl <= defaultTtl <= maxTtl"],
        [{ priceClass: "cheap" }, "`hosting.priceClass` \"cheap\" is not a CloudFront price class. Fix: use \"PriceClass_100\" (the default), \"PriceClass_200\" or \"PriceClass_All\""],
        [{ domainName: "oidc.example.com", hostedZoneId: "z123" }, "`hosting.hostedZoneId` \"z123\" is not a Route 53 hosted zone ID (uppercase letters and digits, e.g. \"Z0123456789ABCDEFGHIJ\"). Fix: pass the zone's ID, e.g. aws.route53.getZoneOutput({ name: \"example.com\" }).zoneId"],
    ];
    for (const [settings, message] of cases) {
        it(`rejects ${JSON.stringify(settings)}`, () => throwsExactly(() => validateCloudFrontSettings(settings), message));
    }
    it("rejects CloudFront-only fields with kind s3", () => {
        rejectCloudFrontOnlyFields({}, "s3");
        throwsExactly(() => rejectCloudFrontOnlyFields({ domainName: "oidc.example.com" }, "s3"), "`hosting.domainName` \"oidc.example.com\" is used only with `hosting.kind` \"cloudfront\", not \"s3\". Fix: set `hosting.kind: \"cloudfront\"`, or remove the field");
    });
});

describe("issuer and bucket policy", () => {
    it("builds the issuer without a trailing slash, and the documents and trust keys follow it", () => {
        const issuer = cloudFrontIssuerUrl("d111111abcdef8.cloudfront.net");
        assert.equal(issuer, "https://d111111abcdef8.cloudfront.net");
        const doc = buildDiscoveryDocument({ issuer, jwks: { keys: [] } });
        assert.equal(doc.issuer, issuer);
        assert.equal(doc.jwks_uri, "https://d111111abcdef8.cloudfront.net/openid/v1/jwks");
        const trust = buildTrustPolicy({
            oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.example.com",
            issuerUrl: cloudFrontIssuerUrl("oidc.example.com"),
            namespace: "default",
            serviceAccount: "app",
        });
        assert.deepEqual(trust.Statement[0].Condition, {
            StringEquals: { "oidc.example.com:sub": "system:serviceaccount:default:app", "oidc.example.com:aud": "sts.amazonaws.com" },
        });
        throwsExactly(() => cloudFrontIssuerUrl("Oidc.example.com"), "`issuerUrl` \"https://Oidc.example.com\" is not in canonical form (lowercase host, no default port, no escaped characters), so it would not match the URL STS computes. Fix: use \"https://oidc.example.com\"");
    });
    it("lets only this distribution's CloudFront read the two documents", () => {
        const policy = cloudFrontReadPolicy("arn:aws:s3:::b", [".well-known/openid-configuration", "openid/v1/jwks"], "arn:aws:cloudfront::123456789012:distribution/E1");
        assert.equal(
            JSON.stringify(policy),
            "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"AllowCloudFrontReadOidcDocuments\",\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"cloudfront.amazonaws.com\"},\"Action\":\"s3:GetObject\",\"Resource\":[\"arn:aws:s3:::b/.well-known/openid-configuration\",\"arn:aws:s3:::b/openid/v1/jwks\"],\"Condition\":{\"StringEquals\":{\"AWS:SourceArn\":\"arn:aws:cloudfront::123456789012:distribution/E1\"}}}]}",
        );
    });
});
