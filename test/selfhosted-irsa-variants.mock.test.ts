import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import { ACCOUNT_ID, REGION, isSecret, registeredUrns, resources, setupMocks, tlsPrivateKeys } from "./helpers/pulumi-mocks";

setupMocks();
// Required after setMocks, as the mocks must be in place before resource modules load.
const { SelfHostedIrsa } = require("../src/components/selfhosted-irsa") as typeof import("../src/components/selfhosted-irsa");
const { buildJwks, serializeJwks, buildDiscoveryDocument, serializeDiscoveryDocument, readPrivateKey, readPublicKey, buildTrustPolicy } = require("../src/oidc") as typeof import("../src/oidc");
const { T, childrenOf, key, only, outputsOf, settleAll } = require("./helpers/irsa-program") as typeof import("./helpers/irsa-program");

type Outputs = import("./helpers/irsa-program").ResolvedOutputs;

/** Makes the mocked tls.PrivateKey of this name return a real key (the mocks' default PEM is not a key). */
function realGeneratedKey(resourceName: string, privateKeyFile: string): string {
    const privateKeyPem = key(privateKeyFile);
    tlsPrivateKeys[resourceName] = { privateKeyPem, publicKeyPem: readPrivateKey(privateKeyPem).publicKey.spkiPem };
    return privateKeyPem;
}

describe("generated signing key (default)", () => {
    let out: Outputs;
    let component: InstanceType<typeof SelfHostedIrsa>;
    let pem: string;
    before(async () => {
        pem = realGeneratedKey("gen-signing-key", "rsa3072.pkcs8.pem");
        component = new SelfHostedIrsa("gen", {});
        out = await outputsOf(component);
    });
    it("asks @pulumi/tls for RSA 2048", () => {
        assert.deepEqual({ ...only(T.privateKey, "gen-signing-key").inputs }, { algorithm: "RSA", rsaBits: 2048 });
        assert.match(registeredUrns().find((u) => u.endsWith("::gen-signing-key")) ?? "", /SelfHostedIrsa\$tls:index\/privateKey:PrivateKey::/);
    });
    it("outputs the generated private key (PKCS#8) as a secret", async () => {
        assert.equal(await isSecret(component.privateKeyPem), true);
        assert.equal(out.privateKeyPem, pem);
    });
    it("publishes the generated key's public half, as the core would", () => {
        const issuer = `https://gen-2aab6ff1-123456789012-${REGION}-an.s3.${REGION}.amazonaws.com`;
        const jwks = buildJwks([pem]);
        assert.equal(only(T.object, "gen-jwks").inputs.content, serializeJwks(jwks));
        assert.equal(only(T.object, "gen-discovery").inputs.content, serializeDiscoveryDocument(buildDiscoveryDocument({ issuer, jwks })));
        assert.deepEqual(out.keyIds, ["jXEyK6mLCXY1ondBspx1IrTa7iGjGPwaM3ag_72sJtY"], "the OpenSSL vector for rsa3072");
    });
});

describe("generated ECDSA key and rsaBits", () => {
    before(async () => {
        realGeneratedKey("gen-ec-signing-key", "ec-p256.sec1.pem");
        realGeneratedKey("gen-4k-signing-key", "rsa4096.pkcs8.pem");
        await outputsOf(new SelfHostedIrsa("gen-ec", { signingKey: { algorithm: "ECDSA" }, webhook: { enabled: false } }));
        await outputsOf(new SelfHostedIrsa("gen-4k", { signingKey: { rsaBits: 4096 }, webhook: { enabled: false } }));
    });
    it("passes the algorithm and size to @pulumi/tls", () => {
        assert.deepEqual({ ...only(T.privateKey, "gen-ec-signing-key").inputs }, { algorithm: "ECDSA", ecdsaCurve: "P256" });
        assert.deepEqual({ ...only(T.privateKey, "gen-4k-signing-key").inputs }, { algorithm: "RSA", rsaBits: 4096 });
    });
    it("lists ES256 in the discovery document for a P-256 key", () => {
        const doc = JSON.parse(only(T.object, "gen-ec-discovery").inputs.content);
        assert.deepEqual(doc.id_token_signing_alg_values_supported, ["ES256"]);
    });
});

describe("public keys only, extra keys, every S3 option, webhook off", () => {
    const rsa = key("rsa4096.spki.pem");
    const ec = key("ec-p256.spki.pem");
    const ISSUER = "https://my-cluster-oidc-123456789012-eu-west-1-an.s3.eu-west-1.amazonaws.com";
    const THUMB = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280";
    let out: Outputs;
    let component: InstanceType<typeof SelfHostedIrsa>;
    before(async () => {
        component = new SelfHostedIrsa("pub", {
            signingKey: { publicKeyPems: [rsa] },
            additionalPublicKeyPems: [ec],
            legacyEmptyKid: true,
            bucketName: "my-cluster-oidc-123456789012-eu-west-1-an",
            region: "eu-west-1",
            jwksPath: "keys/jwks.json",
            forceDestroy: true,
            audiences: ["sts.amazonaws.com", "vault"],
            thumbprints: [THUMB],
            webhook: false as never,
        });
        out = await outputsOf(component);
    });
    it("creates no private key and outputs none (still marked secret)", async () => {
        assert.equal(childrenOf("pub", T.privateKey).length, 0);
        assert.equal(out.privateKeyPem, undefined);
        assert.equal(await isSecret(component.privateKeyPem), true);
    });
    it("names the bucket and puts every S3 resource in the given region", () => {
        const bucket = only(T.bucket, "pub-bucket");
        assert.equal(bucket.inputs.bucket, "my-cluster-oidc-123456789012-eu-west-1-an");
        assert.equal(bucket.inputs.forceDestroy, true);
        for (const type of [T.bucket, T.ownership, T.accessBlock, T.policy, T.object]) {
            for (const r of childrenOf("pub", type)) {
                assert.equal(r.inputs.region, "eu-west-1", `${r.type} ${r.name}`);
            }
        }
        assert.equal(out.issuerUrl, ISSUER);
    });
    it("publishes signing and extra keys in order, with the legacy empty kid, at the configured path", () => {
        const jwks = buildJwks([rsa, ec], { legacyEmptyKid: true });
        assert.equal(jwks.keys.length, 3);
        const object = only(T.object, "pub-jwks");
        assert.equal(object.inputs.key, "keys/jwks.json");
        assert.equal(object.inputs.content, serializeJwks(jwks));
        assert.equal(
            only(T.object, "pub-discovery").inputs.content,
            serializeDiscoveryDocument(buildDiscoveryDocument({ issuer: ISSUER, jwksUri: `${ISSUER}/keys/jwks.json`, jwks })),
        );
        assert.deepEqual(out.keyIds, [readPublicKey(rsa).kid, readPublicKey(ec).kid]);
        assert.deepEqual(out.publicKeyPems, [readPublicKey(rsa).spkiPem, readPublicKey(ec).spkiPem]);
        assert.equal(out.jwksUri, `${ISSUER}/keys/jwks.json`);
        assert.deepEqual(out.apiServerArgs["service-account-jwks-uri"], [`${ISSUER}/keys/jwks.json`]);
    });
    it("grants public read on exactly the two configured keys", () => {
        const policy = JSON.parse(only(T.policy, "pub-policy").inputs.policy);
        assert.deepEqual(policy.Statement[0].Resource, [
            "arn:aws:s3:::my-cluster-oidc-123456789012-eu-west-1-an/.well-known/openid-configuration",
            "arn:aws:s3:::my-cluster-oidc-123456789012-eu-west-1-an/keys/jwks.json",
        ]);
    });
    it("gives the provider every audience and the thumbprints", () => {
        assert.deepEqual({ ...only(T.provider, "pub-oidc-provider").inputs }, { url: ISSUER, clientIdLists: ["sts.amazonaws.com", "vault"], thumbprintLists: [THUMB] });
    });
    it("installs no webhook", () => {
        assert.equal(childrenOf("pub", T.release).length, 0);
        assert.equal(resources.filter((r) => r.name.startsWith("pub-webhook")).length, 0, "nor its certificates");
    });
});

describe("an existing IAM OIDC provider", () => {
    const ARN = `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/shared-oidc.s3.${REGION}.amazonaws.com`;
    let out: Outputs;
    before(async () => {
        out = await outputsOf(
            new SelfHostedIrsa("reuse", {
                signingKey: { privateKeyPem: key("rsa2048.pkcs1.pem") },
                // A bucket made before 0.2.0, in the global namespace, whose provider is already registered.
                bucketName: "shared-oidc",
                bucketNamespace: "global",
                region: REGION,
                existingOidcProviderArn: ARN,
                webhook: { enabled: false },
            }),
        );
    });
    it("creates no provider and outputs the given ARN", () => {
        assert.equal(childrenOf("reuse", T.provider).length, 0);
        assert.equal(out.oidcProviderArn, ARN);
        assert.equal(childrenOf("reuse", T.release).length, 0);
    });
    it("still publishes the documents", () => {
        assert.equal(only(T.object, "reuse-jwks").inputs.content, serializeJwks(buildJwks([key("rsa2048.pkcs1.pem")])));
    });
});

describe("webhook settings and roleFor", () => {
    let component: InstanceType<typeof SelfHostedIrsa>;
    let out: Outputs;
    before(async () => {
        component = new SelfHostedIrsa("apps", {
            signingKey: { privateKeyPem: key("rsa2048.pkcs8.pem") },
            audiences: ["irsa.example.com", "sts.amazonaws.com"],
            region: "eu-central-1",
            webhook: { namespace: "irsa-system" },
        });
        component.roleFor("team-a", "s3-reader", JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] }));
        out = await outputsOf(component);
        await settleAll();
    });
    it("passes the component's region and first audience to the webhook, keeping its own settings", () => {
        const release = only(T.release, "apps-webhook");
        assert.equal(release.inputs.namespace, "irsa-system");
        const { reveal } = require("./helpers/irsa-program") as typeof import("./helpers/irsa-program");
        const values = reveal(release.inputs.values);
        assert.equal(values.config.defaultAwsRegion, "eu-central-1");
        assert.equal(values.config.tokenAudience, "irsa.example.com");
    });
    it("makes an IrsaRole named after the service account, parented on the component, trusting this provider", () => {
        const urn = registeredUrns().find((u) => u.endsWith("::apps_team-a_s3-reader"));
        assert.ok(urn, "IrsaRole apps_team-a_s3-reader registered");
        assert.match(urn, /::selfhosted-irsa:index:SelfHostedIrsa\$selfhosted-irsa:index:IrsaRole::/);
        const roles = resources.filter((r) => r.type === T.role && r.name.startsWith("apps_team-a_s3-reader"));
        assert.equal(roles.length, 1);
        const expected = buildTrustPolicy({
            oidcProviderArn: out.oidcProviderArn,
            issuerUrl: out.issuerUrl,
            namespace: "team-a",
            serviceAccount: "s3-reader",
            audience: "irsa.example.com",
        });
        assert.deepEqual(JSON.parse(roles[0].inputs.assumeRolePolicy), expected);
    });
});
