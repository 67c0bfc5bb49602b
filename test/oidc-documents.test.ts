import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { compactVerify, createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import {
    buildDiscoveryDocument,
    buildJwks,
    buildTrustPolicy,
    defaultJwksUri,
    issuerHost,
    mintServiceAccountToken,
    serializeDiscoveryDocument,
    validateIssuerUrl,
} from "../src/oidc";

const KEYS = path.join(__dirname, "..", "..", "test", "fixtures", "keys");
const key = (file: string) => fs.readFileSync(path.join(KEYS, file), "utf8");
const ISSUER = "https://irsa-demo.s3.us-west-2.amazonaws.com";

describe("issuer URL rules", () => {
    const bad: Array<[string, string]> = [
        ["https://a.example.com/", '`issuer` "https://a.example.com/" must not end with a slash (the token\'s iss, the discovery document and the IAM provider URL must match exactly). Fix: use "https://a.example.com"'],
        ["http://a.example.com", '`issuer` "http://a.example.com" must use https:// (STS fetches the discovery document over HTTPS only). Fix: use "https://a.example.com"'],
        ["https://a.example.com?x=1", '`issuer` "https://a.example.com?x=1" must not include a query. Fix: drop everything from "?": "https://a.example.com"'],
        ["https://a.example.com#f", '`issuer` "https://a.example.com#f" must not include a fragment. Fix: drop everything from "#": "https://a.example.com"'],
        ["https://A.example.com", '`issuer` "https://A.example.com" is not in canonical form (lowercase host, no default port, no escaped characters), so it would not match the URL STS computes. Fix: use "https://a.example.com"'],
        ["https://a.example.com:443/x", '`issuer` "https://a.example.com:443/x" is not in canonical form (lowercase host, no default port, no escaped characters), so it would not match the URL STS computes. Fix: use "https://a.example.com/x"'],
        ["not a url", '`issuer` "not a url" is not a URL. Fix: pass an absolute URL such as "https://oidc.example.com"'],
    ];
    for (const [issuer, message] of bad) {
        it(`refuses ${issuer}`, () => assert.throws(() => validateIssuerUrl(issuer), { message }));
    }
    it("accepts hosts with a path and a port", () => {
        assert.equal(validateIssuerUrl("https://oidc.example.com/clusters/prod"), "https://oidc.example.com/clusters/prod");
        assert.equal(validateIssuerUrl("https://127.0.0.1:8443"), "https://127.0.0.1:8443");
        assert.equal(issuerHost("https://oidc.example.com/clusters/prod"), "oidc.example.com/clusters/prod");
    });
});

describe("discovery document", () => {
    it("is byte-identical to the API server's, with algs sorted and deduplicated", () => {
        const jwks = buildJwks([key("rsa2048.pkcs8.pem"), key("ec-p256.spki.pem"), key("rsa3072.pkcs8.pem")]);
        const doc = buildDiscoveryDocument({ issuer: ISSUER, jwks });
        assert.equal(
            serializeDiscoveryDocument(doc),
            `{"issuer":"${ISSUER}","jwks_uri":"${ISSUER}/openid/v1/jwks","response_types_supported":["id_token"],"subject_types_supported":["public"],"id_token_signing_alg_values_supported":["ES256","RS256"]}`,
        );
    });
    it("takes a jwks_uri and refuses one that is not https", () => {
        const jwks = buildJwks([key("rsa2048.pkcs8.pem")]);
        assert.equal(buildDiscoveryDocument({ issuer: ISSUER, jwksUri: `${ISSUER}/keys.json`, jwks }).jwks_uri, `${ISSUER}/keys.json`);
        assert.throws(() => buildDiscoveryDocument({ issuer: ISSUER, jwksUri: "http://x/keys.json", jwks }), /`jwksUri` "http:\/\/x\/keys.json" must be an https:\/\/ URL\. Fix: /);
        assert.equal(defaultJwksUri(ISSUER), `${ISSUER}/openid/v1/jwks`);
    });
    it("escapes HTML characters the way Go does", () => {
        const jwks = buildJwks([key("rsa2048.pkcs8.pem")]);
        const doc = buildDiscoveryDocument({ issuer: "https://a.example.com/x&y", jwks });
        assert.match(serializeDiscoveryDocument(doc), /"issuer":"https:\/\/a\.example\.com\/x\\u0026y"/);
    });
});

describe("minted tokens", () => {
    it("carry the projected service-account token's header and claims and verify against the JWKS", async () => {
        const pem = key("rsa2048.pkcs1.pem");
        const now = new Date("2026-01-01T00:00:00Z");
        const token = await mintServiceAccountToken({ privateKeyPem: pem, issuer: ISSUER, namespace: "team-a", serviceAccount: "s3-reader", now, ttlSeconds: 600 });
        const jwks = buildJwks([pem]);
        const header = decodeProtectedHeader(token);
        assert.deepEqual(Object.keys(header), ["alg", "kid"]);
        assert.equal(header.kid, jwks.keys[0].kid);
        const { payload } = await jwtVerify(token, createLocalJWKSet(jwks as never), { issuer: ISSUER, audience: "sts.amazonaws.com", currentDate: now });
        assert.equal(payload.sub, "system:serviceaccount:team-a:s3-reader");
        assert.deepEqual(payload.aud, ["sts.amazonaws.com"]);
        assert.equal(payload.iat, now.getTime() / 1000);
        assert.equal(payload.nbf, payload.iat);
        assert.equal(payload.exp, payload.iat! + 600);
        assert.match(String(payload.jti), /^[0-9a-f-]{36}$/);
        const k8s = payload["kubernetes.io"] as Record<string, any>;
        assert.equal(k8s.namespace, "team-a");
        assert.equal(k8s.serviceaccount.name, "s3-reader");
        assert.equal(k8s.pod.name, "demo-pod");
        assert.match(k8s.serviceaccount.uid, /^[0-9a-f]{8}-/);
    });
    it("signs ES256 with a P-256 key", async () => {
        const pem = key("ec-p256.sec1.pem");
        const token = await mintServiceAccountToken({ privateKeyPem: pem, issuer: ISSUER, namespace: "a", serviceAccount: "b" });
        assert.equal(decodeProtectedHeader(token).alg, "ES256");
        await compactVerify(token, createLocalJWKSet(buildJwks([pem]) as never));
    });
});

describe("trust policy", () => {
    const arn = "arn:aws:iam::123456789012:oidc-provider/irsa-demo.s3.us-west-2.amazonaws.com";
    it("pins sub and aud with StringEquals", () => {
        assert.deepEqual(buildTrustPolicy({ oidcProviderArn: arn, issuerUrl: ISSUER, namespace: "team-a", serviceAccount: "s3-reader" }), {
            Version: "2012-10-17",
            Statement: [
                {
                    Effect: "Allow",
                    Principal: { Federated: arn },
                    Action: "sts:AssumeRoleWithWebIdentity",
                    Condition: {
                        StringEquals: {
                            "irsa-demo.s3.us-west-2.amazonaws.com:sub": "system:serviceaccount:team-a:s3-reader",
                            "irsa-demo.s3.us-west-2.amazonaws.com:aud": "sts.amazonaws.com",
                        },
                    },
                },
            ],
        });
    });
    it("uses StringLike for sub only when the wildcard is asked for by name", () => {
        const policy = buildTrustPolicy({ oidcProviderArn: arn, issuerUrl: ISSUER, namespace: "team-a", serviceAccount: "*", subjectMatch: "wildcard" });
        assert.deepEqual(policy.Statement[0].Condition, {
            StringEquals: { "irsa-demo.s3.us-west-2.amazonaws.com:aud": "sts.amazonaws.com" },
            StringLike: { "irsa-demo.s3.us-west-2.amazonaws.com:sub": "system:serviceaccount:team-a:*" },
        });
    });
    it("refuses a provider ARN for another issuer", () => {
        assert.throws(
            () => buildTrustPolicy({ oidcProviderArn: arn, issuerUrl: "https://other.example.com", namespace: "a", serviceAccount: "b" }),
            { message: '`oidcProviderArn` "arn:aws:iam::123456789012:oidc-provider/irsa-demo.s3.us-west-2.amazonaws.com" names the provider for "irsa-demo.s3.us-west-2.amazonaws.com", not for the issuer "other.example.com". Fix: pass the provider ARN and issuer URL of the same cluster (SelfHostedIrsa outputs `oidcProviderArn` and `issuerUrl`)' },
        );
        assert.throws(() => buildTrustPolicy({ oidcProviderArn: "arn:aws:iam::1:role/x", issuerUrl: ISSUER, namespace: "a", serviceAccount: "b" }), /`oidcProviderArn` "arn:aws:iam::1:role\/x" is not an IAM OIDC provider ARN/);
    });
});
