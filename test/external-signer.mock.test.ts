// A cluster with an external JWT signer (`--service-account-signing-endpoint`, KEP-740): no key file exists, the
// signer keeps the private key (KMS, HSM) and chooses the kids the API server serves at /openid/v1/jwks. Published
// with signingKey.fromCluster, the documents carry the cluster's keys under the signer's kids, byte for byte; a
// rotation by the signer reaches the published JWKS on the next `pulumi up`. (The signer is modelled by its
// JWKS: no real signer runs here; README "Clusters with an external signer".)
import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import { REGION, callResults, setupMocks } from "./helpers/pulumi-mocks";

setupMocks();
const { SelfHostedIrsa } = require("../src/components/selfhosted-irsa") as typeof import("../src/components/selfhosted-irsa");
const oidc = require("../src/oidc") as typeof import("../src/oidc");
const { key, outputsOf } = require("./helpers/irsa-program") as typeof import("./helpers/irsa-program");

const BUCKET = "signer-oidc-123456789012-us-west-2-an";
const ISSUER = `https://${BUCKET}.s3.${REGION}.amazonaws.com`;
const RSA = key("rsa2048.pkcs8.pem");
const NEXT = key("rsa3072.pkcs8.pem");
// Kids a KMS-backed signer might choose: the key version's ARN (at most 1024 characters, KEP-740).
const KID = "arn:aws:kms:us-west-2:123456789012:key/1111aaaa-2222-bbbb-3333-cccc4444dddd";
const NEXT_KID = "arn:aws:kms:us-west-2:123456789012:key/5555eeee-6666-ffff-7777-000088889999";

/** The JWKS an API server with this signer serves: the signer's keys (FetchKeys) under its kids, in its order. */
function signerJwks(keys: [string, string][]): string {
    return oidc.serializeJwks(oidc.buildJwks(keys.map(([pem]) => pem), { keyIds: keys.map(([, kid]) => kid) }));
}

/** Answers the component's kubectl invoke as such a cluster would. */
function serveCluster(keys: [string, string][]): void {
    callResults["command:local:run"] = (inputs) => {
        const jwks = signerJwks(keys);
        return String(inputs.command).includes("/openid/v1/jwks")
            ? { stdout: jwks, stderr: "" }
            : { stdout: oidc.serializeDiscoveryDocument(oidc.buildDiscoveryDocument({ issuer: ISSUER, jwks: JSON.parse(jwks) })), stderr: "" };
    };
}

describe("a cluster with an external signer, published with signingKey.fromCluster", () => {
    let out: import("./helpers/irsa-program").ResolvedOutputs;
    before(async () => {
        serveCluster([[RSA, KID]]);
        out = await outputsOf(new SelfHostedIrsa("signer", { bucketName: BUCKET, signingKey: { fromCluster: {} }, webhook: { enabled: false } }));
    });
    it("publishes the cluster's JWKS byte for byte, under the signer's kid", () => {
        assert.equal(out.jwks, signerJwks([[RSA, KID]]));
        assert.deepEqual(out.keyIds, [KID]);
        assert.notEqual(KID, oidc.readPublicKey(RSA).kid, "not the kid kube-apiserver derives for a key file");
    });
    it("verifies a token the signer signed (header kid = the signer's) against the published JWKS, by kid as STS looks it up", async () => {
        const jose = require("jose") as typeof import("jose");
        const now = Math.floor(Date.now() / 1000);
        const token = await new jose.SignJWT({ "kubernetes.io": { namespace: "apps", serviceaccount: { name: "reader" } } })
            .setProtectedHeader({ alg: "RS256", kid: KID, typ: "JWT" })
            .setIssuer(ISSUER)
            .setSubject("system:serviceaccount:apps:reader")
            .setAudience(["sts.amazonaws.com"])
            .setIssuedAt(now)
            .setExpirationTime(now + 600)
            .sign(oidc.readPrivateKey(RSA).privateKey);
        const verified = await jose.jwtVerify(token, jose.createLocalJWKSet(JSON.parse(out.jwks)), { issuer: ISSUER, audience: "sts.amazonaws.com" });
        assert.equal(verified.payload.sub, "system:serviceaccount:apps:reader");
        assert.equal(verified.protectedHeader.kid, KID);
    });
    it("holds no private key", () => {
        assert.equal(out.privateKeyPem, undefined);
    });
    it("after the signer adds its next key, the next `pulumi up` publishes both, each under its kid", async () => {
        serveCluster([[NEXT, NEXT_KID], [RSA, KID]]);
        const next = await outputsOf(new SelfHostedIrsa("signer-next", { bucketName: BUCKET.replace("signer", "signer-next"), signingKey: { fromCluster: { allowIssuerMismatch: true } }, webhook: { enabled: false } }));
        assert.deepEqual(next.keyIds, [NEXT_KID, KID]);
    });
});
