import { strict as assert } from "node:assert";
import { after, describe, it } from "node:test";
import { registeredUrns, resources, setupMocks } from "./helpers/pulumi-mocks";

setupMocks();
// Required after setMocks, as the mocks must be in place before resource modules load.
const { SelfHostedIrsa } = require("../src/components/selfhosted-irsa") as typeof import("../src/components/selfhosted-irsa");
const { validateBucketName, validateAutoBucketPrefix, s3IssuerUrl } = require("../src/aws/names") as typeof import("../src/aws/names");
const { key, settleAll } = require("./helpers/irsa-program") as typeof import("./helpers/irsa-program");

type Args = import("../src/components/selfhosted-irsa").SelfHostedIrsaArgs;

/** Constructing with these args throws exactly `message`. */
function rejects(name: string, args: Args, message: string): void {
    assert.throws(() => new SelfHostedIrsa(name, args), (err: Error) => {
        assert.equal(err.name, "IrsaInputError");
        assert.equal(err.message, message);
        return true;
    });
}

describe("bucket names (pure)", () => {
    const cases: [string, string][] = [
        ["my.bucket", "`bucketName` \"my.bucket\" contains a dot: the issuer is https://<bucket>.s3.<region>.amazonaws.com and S3's wildcard TLS certificate covers one DNS label, so STS could not fetch the documents. Fix: use hyphens instead: \"my-bucket\""],
        ["My-Bucket", "`bucketName` \"My-Bucket\" contains uppercase letters, which S3 bucket names do not allow. Fix: use \"my-bucket\""],
        ["ab", "`bucketName` \"ab\" is 2 characters long; it must have 3 to 63. Fix: use a longer name"],
        ["a".repeat(64), `\`bucketName\` "${"a".repeat(64)}" is 64 characters long; it must have 3 to 63. Fix: use a shorter name`],
        ["-abc", "`bucketName` \"-abc\" may hold only lowercase letters, digits and hyphens, and must start and end with a letter or digit. Fix: use a name such as \"my-cluster-oidc\""],
        ["a_b_c", "`bucketName` \"a_b_c\" may hold only lowercase letters, digits and hyphens, and must start and end with a letter or digit. Fix: use a name such as \"my-cluster-oidc\""],
        ["xn--oidc", "`bucketName` \"xn--oidc\" starts with \"xn--\", a prefix S3 reserves. Fix: choose a name that does not start with it"],
        ["sthree-oidc", "`bucketName` \"sthree-oidc\" starts with \"sthree-\", a prefix S3 reserves. Fix: choose a name that does not start with it"],
        ["oidc-s3alias", "`bucketName` \"oidc-s3alias\" ends with \"-s3alias\", a suffix S3 reserves. Fix: choose a name that does not end with it"],
        ["oidc--ol-s3", "`bucketName` \"oidc--ol-s3\" ends with \"--ol-s3\", a suffix S3 reserves. Fix: choose a name that does not end with it"],
    ];
    for (const [name, message] of cases) {
        it(`rejects ${JSON.stringify(name.length > 20 ? `${name.slice(0, 10)}...` : name)}`, () => {
            assert.throws(() => validateBucketName(name), { message });
        });
    }
    it("accepts a valid name, and an uppercase component name for auto-naming (the provider lowercases it)", () => {
        assert.equal(validateBucketName("my-cluster-oidc"), "my-cluster-oidc");
        assert.equal(validateAutoBucketPrefix("ProdCluster"), "prodcluster-bucket");
    });
    it("builds regional issuers, China included", () => {
        assert.equal(s3IssuerUrl("b-1", "us-west-2"), "https://b-1.s3.us-west-2.amazonaws.com");
        assert.equal(s3IssuerUrl("b-1", "cn-north-1"), "https://b-1.s3.cn-north-1.amazonaws.com.cn");
    });
});

describe("SelfHostedIrsa validation: exact messages, nothing registered", () => {
    const rsa = key("rsa2048.pkcs8.pem");
    const pub = key("rsa4096.spki.pem");
    const names: string[] = [];
    const bad = (suffix: string) => {
        names.push(`bad-${suffix}`);
        return `bad-${suffix}`;
    };

    it("bucket names, and a component name that cannot be auto-named", () => {
        rejects(bad("dot"), { bucketName: "oidc.example.com" }, "`bucketName` \"oidc.example.com\" contains a dot: the issuer is https://<bucket>.s3.<region>.amazonaws.com and S3's wildcard TLS certificate covers one DNS label, so STS could not fetch the documents. Fix: use hyphens instead: \"oidc-example-com\"");
        rejects("my.cluster", { bucketNamespace: "global" }, "`name` \"my.cluster\" cannot name the S3 bucket: the auto-name prefix \"my.cluster-bucket\" contains a dot: the issuer is https://<bucket>.s3.<region>.amazonaws.com and S3's wildcard TLS certificate covers one DNS label, so STS could not fetch the documents. Fix: pass `bucketName` explicitly, or rename the component (use hyphens instead: \"my-cluster-bucket\")");
        names.push("my.cluster");
    });
    it("signing key combinations and sizes", () => {
        rejects(bad("both"), { signingKey: { privateKeyPem: rsa, publicKeyPems: [pub] } }, "`signingKey` \"privateKeyPem and publicKeyPems\" sets more than one key source; they are mutually exclusive. Fix: give `privateKeyPem` when you hold the signing key, `publicKeyPems` when the cluster keeps it, or `fromCluster` to read them from the running cluster");
        rejects(bad("both-cluster"), { signingKey: { publicKeyPems: [pub], fromCluster: {} } }, "`signingKey` \"publicKeyPems and fromCluster\" sets more than one key source; they are mutually exclusive. Fix: give `privateKeyPem` when you hold the signing key, `publicKeyPems` when the cluster keeps it, or `fromCluster` to read them from the running cluster");
        rejects(bad("bits"), { signingKey: { rsaBits: 1024 } }, "`signingKey.rsaBits` \"1024\" is not a whole number of at least 2048. Fix: use 2048 (the default), 3072 or 4096");
        rejects(bad("ecbits"), { signingKey: { algorithm: "ECDSA", rsaBits: 2048 } }, "`signingKey.rsaBits` \"2048\" applies only to RSA keys. Fix: remove it, or use algorithm \"RSA\"");
        rejects(bad("alg-own"), { signingKey: { algorithm: "RSA", privateKeyPem: rsa } }, "`signingKey.algorithm` \"RSA\" applies only to a generated key. Fix: remove it: the algorithm and size are those of the key in `signingKey.privateKeyPem`");
        rejects(bad("nopub"), { signingKey: { publicKeyPems: [] } }, "`signingKey.publicKeyPems` \"[]\" holds no key. Fix: pass the API server's public key(s): the contents of its --service-account-key-file");
    });
    it("never puts a private key in a message", () => {
        const small = key("rsa1024.pkcs8.pem");
        assert.throws(() => new SelfHostedIrsa(bad("small"), { signingKey: { privateKeyPem: small } }), (err: Error) => {
            assert.match(err.message, /^`signingKey\.privateKeyPem` \(an RSA 1024-bit key\) is too small: RSA keys must have at least 2048 bits\. Fix: /);
            return true;
        });
        const garbage = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LXRleHQ=\n-----END PRIVATE KEY-----\n";
        assert.throws(() => new SelfHostedIrsa(bad("garbage"), { signingKey: { privateKeyPem: garbage } }), (err: Error) => {
            assert.match(err.message, /^`signingKey\.privateKeyPem` \(a PEM PRIVATE KEY block\) could not be read as a private key/);
            assert.ok(!err.message.includes("c2VjcmV0"));
            return true;
        });
    });
    it("audiences, thumbprints, region, jwksPath, hosting", () => {
        rejects(bad("aud0"), { audiences: [] }, "`audiences` \"[]\" must hold at least one audience. Fix: leave it unset for [\"sts.amazonaws.com\"]");
        rejects(bad("aud2"), { audiences: ["sts.amazonaws.com", "sts.amazonaws.com"] }, "`audiences[1]` \"sts.amazonaws.com\" is listed twice. Fix: list each audience once");
        rejects(bad("thumb"), { thumbprints: ["abc"] }, "`thumbprints[0]` \"abc\" is not a SHA-1 thumbprint (40 hex digits). Fix: give the certificate's SHA-1 fingerprint without colons");
        rejects(bad("region"), { region: "us-east-1a" }, "`region` \"us-east-1a\" is not an AWS region code. Fix: use a region code such as \"eu-west-1\", not an availability zone or a display name");
        rejects(bad("path"), { jwksPath: "/openid/v1/jwks" }, "`jwksPath` \"/openid/v1/jwks\" is not a relative object path (letters, digits, '.', '_', '~', '-' in segments joined by '/', no leading or trailing '/', no '.' or '..'). Fix: leave it unset for \"openid/v1/jwks\" (the path kube-apiserver serves)");
        rejects(bad("kind"), { hosting: { kind: "gcs" as "s3" } }, "`hosting.kind` \"gcs\" is not a hosting kind. Fix: use \"s3\" (the default) or \"cloudfront\"");
        rejects(bad("cf"), { hosting: { kind: "cloudfront", domainName: "oidc.example.com" } }, "`hosting.domainName` \"oidc.example.com\" needs `hosting.hostedZoneId` (the component makes the us-east-1 certificate, its DNS validation and the alias records) or `hosting.certificateArn` (your us-east-1 certificate; you point DNS at the distribution). Fix: pass one of them (both: your certificate, and the component writes the alias records)");
        rejects(bad("s3cf"), { hosting: { domainName: "oidc.example.com" } }, "`hosting.domainName` \"oidc.example.com\" is used only with `hosting.kind` \"cloudfront\", not \"s3\". Fix: set `hosting.kind: \"cloudfront\"`, or remove the field");
        rejects(
            bad("cfarn"),
            { hosting: { kind: "cloudfront", domainName: "oidc.example.com", hostedZoneId: "Z123" }, existingOidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/other.example.com" },
            "`existingOidcProviderArn` \"arn:aws:iam::123456789012:oidc-provider/other.example.com\" names the provider for \"other.example.com\", not for the issuer \"oidc.example.com\". Fix: pass the ARN of the provider registered for this issuer, or leave it unset to create one",
        );
    });
    it("existing provider ARNs", () => {
        rejects(bad("arn"), { existingOidcProviderArn: "arn:aws:iam::123:oidc-provider/x" }, "`existingOidcProviderArn` \"arn:aws:iam::123:oidc-provider/x\" is not an IAM OIDC provider ARN (arn:aws:iam::<12-digit account>:oidc-provider/<issuer host>). Fix: pass the `oidcProviderArn` output of SelfHostedIrsa, or the ARN shown by `aws iam list-open-id-connect-providers`");
        rejects(
            bad("arn-host"),
            { bucketName: "b-oidc", bucketNamespace: "global", region: "us-west-2", existingOidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/other.example.com" },
            "`existingOidcProviderArn` \"arn:aws:iam::123456789012:oidc-provider/other.example.com\" names the provider for \"other.example.com\", not for the issuer \"b-oidc.s3.us-west-2.amazonaws.com\". Fix: pass the ARN of the provider registered for this issuer, or leave it unset to create one",
        );
    });
    it("a webhook audience the provider would not accept", () => {
        rejects(bad("wh-aud"), { webhook: { tokenAudience: "vault" } }, "`webhook.tokenAudience` \"vault\" is not one of `audiences` (sts.amazonaws.com), so STS would refuse the tokens. Fix: leave it unset (the first audience), or add it to `audiences`");
    });
    it("roleFor names, before the role exists", async () => {
        const c = new SelfHostedIrsa("ok", { signingKey: { privateKeyPem: rsa }, webhook: { enabled: false } });
        assert.throws(() => c.roleFor("Team_A", "s3-reader", "arn:aws:iam::aws:policy/ReadOnlyAccess"), { message: "`namespace` \"Team_A\" is not a DNS-1123 label (at most 63 lowercase letters, digits or '-', starting and ending with a letter or digit). Fix: use the Kubernetes name exactly as `kubectl get` shows it, e.g. \"kube-system\"" });
        assert.throws(() => c.roleFor("team-a", "S3Reader", "arn:aws:iam::aws:policy/ReadOnlyAccess"), /^IrsaInputError: `serviceAccount` "S3Reader" is not a DNS-1123 subdomain/);
        await settleAll();
        assert.equal(resources.filter((r) => r.name.startsWith("ok-team") || r.name.startsWith("ok-Team")).length, 0);
    });
    it("roleFor leaves the name rules to IrsaRole, so a wildcard asked for by name is accepted", async () => {
        const c = new SelfHostedIrsa("wild", { signingKey: { privateKeyPem: rsa }, webhook: { enabled: false } });
        const role = c.roleFor("team-*", "*", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", { subjectMatch: "wildcard" });
        const trust = JSON.parse(await new Promise<string>((resolve) => role.trustPolicy.apply(resolve)));
        assert.deepEqual(Object.values(trust.Statement[0].Condition.StringLike), ["system:serviceaccount:team-*:*"]);
        assert.throws(() => c.roleFor("team-*", "x", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"), /^IrsaInputError: `namespace` "team-\*" is not a DNS-1123 label/);
    });
    after(async () => {
        await settleAll();
        const registered = registeredUrns().map((u) => u.split("::")[3]);
        for (const name of names) {
            assert.ok(!registered.some((n) => n === name || n.startsWith(`${name}-`)), `${name} registered something`);
        }
        assert.ok(names.length >= 15);
    });
});
