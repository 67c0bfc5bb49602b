// Issuer buckets in S3's account-regional namespace (the default since 0.2.0): the derived name, a user's name,
// a pinned issuer, regions and partitions without the namespace, and the issuer, policies and cluster configs that
// follow the name. Names are asserted as literals: a change of the derivation would move deployed buckets.
import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import { ACCOUNT_ID, REGION, calls, promiseOf, setupMocks } from "./helpers/pulumi-mocks";

setupMocks();
const { SelfHostedIrsa } = require("../src/components/selfhosted-irsa") as typeof import("../src/components/selfhosted-irsa");
const ns = require("../src/aws/bucket-namespace") as typeof import("../src/aws/bucket-namespace");
const { T, key, only, outputsOf } = require("./helpers/irsa-program") as typeof import("./helpers/irsa-program");

const RSA = key("rsa2048.pkcs8.pem");
const STACK = { project: "selfhosted-irsa", stack: "test" };
const BUCKET_RULES = /^(?!xn--|sthree-|amzn-s3-demo-)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

describe("the derived account-regional name", () => {
    it("is <name>-<hash of project/stack/name>-<account>-<region>-an", () => {
        assert.equal(ns.derivedAccountRegionalBucketName("cluster-irsa", STACK, ACCOUNT_ID, "eu-west-1"), "cluster-irsa-2bbdc4c4-123456789012-eu-west-1-an");
    });
    it("differs between stacks and projects of one program in one account and region, and is stable", () => {
        const names = [STACK, { ...STACK, stack: "prod" }, { project: "other", stack: "test" }].map((s) => ns.derivedAccountRegionalBucketName("cluster-irsa", s, ACCOUNT_ID, "eu-west-1"));
        assert.equal(new Set(names).size, 3);
        assert.equal(ns.derivedAccountRegionalBucketName("cluster-irsa", STACK, ACCOUNT_ID, "eu-west-1"), names[0]);
    });
    it("is a valid bucket name of at most 63 characters for any component name and the longest region codes", () => {
        const names = ["x", "Prod.Cluster_IRSA", "a".repeat(1000), "xn--punycode", "sthree-x", "amzn-s3-demo-x", "---", "___", "😀 ä", "-lead", `${"b".repeat(40)}-${"c".repeat(10)}`];
        for (const region of ["us-east-1", "ap-southeast-7", "us-gov-west-1", "cn-northwest-1"]) {
            for (const name of names) {
                const bucket = ns.derivedAccountRegionalBucketName(name, STACK, ACCOUNT_ID, region);
                assert.ok(bucket.length <= 63, bucket);
                assert.match(bucket, BUCKET_RULES, bucket);
                assert.ok(bucket.endsWith(`-${ACCOUNT_ID}-${region}-an`), bucket);
                assert.ok(ns.isAccountRegionalName(bucket));
            }
        }
        assert.equal(ns.derivedAccountRegionalBucketName("xn--a", STACK, ACCOUNT_ID, "us-east-1").startsWith("irsa-xn--a-"), true);
        assert.match(ns.derivedAccountRegionalBucketName("___", STACK, ACCOUNT_ID, "us-east-1"), /^[0-9a-f]{8}-123456789012-us-east-1-an$/);
    });
});

describe("a bucketName given for the account-regional namespace", () => {
    it("must end with -<account id>-<region>-an (checked before anything exists)", () => {
        assert.throws(() => ns.checkAccountRegionalNameShape("acme-oidc", "eu-west-1", "bucketName"), {
            message:
                "`bucketName` \"acme-oidc\" is not an account-regional bucket name: with `bucketNamespace` \"account-regional\" (the default) S3 requires <prefix>-<account id>-<region>-an. Fix: use \"acme-oidc-<account id>-eu-west-1-an\", leave it unset to derive one, or set `bucketNamespace: \"global\"` for a name in the shared namespace",
        });
        assert.throws(() => ns.checkAccountRegionalNameShape("acme-oidc-123456789012-us-east-1-an", "eu-west-1", "bucketName"), {
            message: "`bucketName` \"acme-oidc-123456789012-us-east-1-an\" ends with the region us-east-1, but the bucket is created in eu-west-1. Fix: use \"acme-oidc-123456789012-eu-west-1-an\"",
        });
        assert.throws(() => ns.checkAccountRegionalNameShape("Acme-oidc-123456789012-eu-west-1-an", undefined, "bucketName"), /contains uppercase letters/);
        assert.equal(ns.checkAccountRegionalNameShape("acme-oidc-123456789012-eu-west-1-an", undefined, "bucketName"), "acme-oidc-123456789012-eu-west-1-an");
    });
    it("must name the AWS provider's account once it is known (S3 refuses another account's suffix)", () => {
        assert.throws(() => ns.checkAccountRegionalName("acme-oidc-210987654321-eu-west-1-an", ACCOUNT_ID, "eu-west-1", "bucketName"), {
            message:
                "`bucketName` \"acme-oidc-210987654321-eu-west-1-an\" names the account 210987654321, but the AWS provider creates the bucket in account 123456789012 (S3 refuses another account's suffix). Fix: use \"acme-oidc-123456789012-eu-west-1-an\", or give the AWS provider of account 210987654321",
        });
    });
    it("is refused at construction when its shape is wrong, registering nothing", () => {
        assert.throws(() => new SelfHostedIrsa("ar-bad", { region: "eu-west-1", bucketName: "acme-oidc", signingKey: { privateKeyPem: RSA } }), /^IrsaInputError: `bucketName` "acme-oidc" is not an account-regional bucket name/);
    });
    it("is checked against the provider's account once it is known (the bucket's name input; a failing apply registers no bucket)", () => {
        assert.throws(() => ns.accountRegionalBucketName("ar-account", STACK, "acme-oidc-210987654321-us-west-2-an", ACCOUNT_ID, REGION, "bucketName"), /^IrsaInputError: `bucketName` "acme-oidc-210987654321-us-west-2-an" names the account 210987654321/);
        assert.equal(ns.accountRegionalBucketName("ar-account", STACK, "acme-oidc-123456789012-us-west-2-an", ACCOUNT_ID, REGION, "bucketName"), "acme-oidc-123456789012-us-west-2-an");
        assert.equal(ns.accountRegionalBucketName("arn", STACK, undefined, ACCOUNT_ID, REGION, "bucketName"), "arn-04ee883c-123456789012-us-west-2-an");
    });
});

describe("regions and partitions without the account-regional namespace", () => {
    it("names \"global\" as the fix, before anything exists when the region is given", () => {
        assert.throws(() => new SelfHostedIrsa("ar-bahrain", { region: "me-south-1", signingKey: { privateKeyPem: RSA } }), {
            message:
                "`bucketNamespace` \"account-regional\" is not offered by S3 in me-south-1 (the S3 User Guide lists it as unavailable in Middle East (Bahrain) and Middle East (UAE)). Fix: set `bucketNamespace: \"global\"` (the shared namespace: keep the bucket protected, as `protectIdentity` does by default, since a deleted name could be re-created by anyone)",
        });
        assert.throws(() => ns.checkAccountRegionalOffered("me-central-1"), /not offered by S3 in me-central-1/);
        assert.throws(() => ns.checkAccountRegionalOffered("us-iso-east-1"), /is not known to be offered by S3 in partition aws-iso \(region us-iso-east-1\)/);
        assert.throws(() => ns.checkAccountRegionalOffered("eusc-de-east-1"), /partition aws-eusc/);
        for (const region of ["us-east-1", "eu-west-1", "ap-southeast-7", "cn-north-1", "us-gov-west-1"]) ns.checkAccountRegionalOffered(region);
        // "global" works there.
        new SelfHostedIrsa("ar-bahrain-global", { region: "me-south-1", bucketNamespace: "global", signingKey: { privateKeyPem: RSA }, webhook: { enabled: false } });
    });
    it("and when the region comes from the AWS provider, once it is known", () => {
        assert.throws(() => ns.accountRegionalBucketName("ar-uae", STACK, undefined, ACCOUNT_ID, "me-central-1", "bucketName"), /^IrsaInputError: `bucketNamespace` "account-regional" is not offered by S3 in me-central-1/);
    });
    it("refuses an unknown namespace", () => {
        assert.throws(() => new SelfHostedIrsa("ar-ns", { bucketNamespace: "regional" as never }), {
            message: "`bucketNamespace` \"regional\" is not a bucket namespace (it must be known before deployment: it decides the bucket's name). Fix: use \"account-regional\" (the default) or \"global\"",
        });
    });
});

describe("the default component: the issuer, the policies and the cluster configs follow the account-regional name", () => {
    const BUCKET = "arn-04ee883c-123456789012-us-west-2-an";
    const ISSUER = `https://${BUCKET}.s3.${REGION}.amazonaws.com`;
    let out: import("./helpers/irsa-program").ResolvedOutputs;
    let c: InstanceType<typeof SelfHostedIrsa>;
    before(async () => {
        c = new SelfHostedIrsa("arn", { signingKey: { privateKeyPem: RSA }, webhook: { enabled: false } });
        out = await outputsOf(c);
    });
    it("asks the provider for its account and region, and sends the namespace with the name", () => {
        assert.ok(calls.some((x) => x.token === "aws:index/getCallerIdentity:getCallerIdentity"));
        const bucket = only(T.bucket, "arn-bucket");
        assert.equal(bucket.inputs.bucket, BUCKET);
        assert.equal(bucket.inputs.bucketNamespace, "account-regional");
        assert.equal(out.bucketName, BUCKET);
    });
    it("publishes the issuer on the bucket's regional endpoint, and the provider registers it", () => {
        assert.equal(out.issuerUrl, ISSUER);
        assert.equal(JSON.parse(out.discoveryDocument).issuer, ISSUER);
        assert.equal(out.jwksUri, `${ISSUER}/openid/v1/jwks`);
        assert.equal(only(T.provider, "arn-oidc-provider").inputs.url, ISSUER);
        assert.deepEqual(out.apiServerArgs["service-account-issuer"], [ISSUER]);
    });
    it("grants public read on exactly the two documents of that bucket", () => {
        const policy = JSON.parse(only(T.policy, "arn-policy").inputs.policy);
        assert.deepEqual(policy.Statement[0].Resource, [`arn:aws:s3:::${BUCKET}/.well-known/openid-configuration`, `arn:aws:s3:::${BUCKET}/openid/v1/jwks`]);
    });
    it("writes the issuer into every distribution's cluster config", async () => {
        const configs = await promiseOf(c.clusterConfigs);
        for (const [distribution, yaml] of Object.entries(configs)) assert.ok(yaml.includes(ISSUER), distribution);
    });
    it("a user's full account-regional name and a pinned account-regional issuer name the bucket", async () => {
        const given = "acme-oidc-123456789012-eu-west-1-an";
        const a = await outputsOf(new SelfHostedIrsa("ar-given", { region: "eu-west-1", bucketName: given, signingKey: { privateKeyPem: RSA }, webhook: { enabled: false } }));
        assert.equal(a.issuerUrl, `https://${given}.s3.eu-west-1.amazonaws.com`);
        const pinned = await outputsOf(new SelfHostedIrsa("ar-pinned", { region: "eu-west-1", expectedIssuerUrl: a.issuerUrl, signingKey: { privateKeyPem: RSA }, webhook: { enabled: false } }));
        assert.equal(only(T.bucket, "ar-pinned-bucket").inputs.bucket, given, "the pinned issuer's bucket, not a derived one");
        assert.equal(pinned.issuerUrl, a.issuerUrl);
    });
    it("a pinned issuer of a global bucket says to keep the global namespace", () => {
        assert.throws(() => new SelfHostedIrsa("ar-pin-global", { region: "eu-west-1", expectedIssuerUrl: "https://old-oidc.s3.eu-west-1.amazonaws.com" }), {
            message:
                "`expectedIssuerUrl` \"https://old-oidc.s3.eu-west-1.amazonaws.com\" names the bucket \"old-oidc\", which is not in the account-regional namespace (`bucketNamespace` \"account-regional\", the default, names buckets <prefix>-<account id>-<region>-an). Fix: set `bucketNamespace: \"global\"` when that bucket was made in the global namespace, or pin the issuer of an account-regional bucket",
        });
    });
    it("\"global\" keeps today's requests: no namespace sent, Pulumi's auto-name, no account lookup needed", async () => {
        await outputsOf(new SelfHostedIrsa("ar-global", { bucketNamespace: "global", signingKey: { privateKeyPem: RSA }, webhook: { enabled: false } }));
        const bucket = only(T.bucket, "ar-global-bucket");
        assert.equal(bucket.inputs.bucket, undefined);
        assert.equal("bucketNamespace" in bucket.inputs, false);
    });
});
