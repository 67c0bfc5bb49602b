// End to end: a real HTTPS server on 127.0.0.1 with its own CA, real keys, real signatures; one test per fault.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { SignJWT } from "jose";
import { startLoopbackIssuer, LoopbackIssuer } from "../src/cli/loopback-issuer";
import {
    buildDiscoveryDocument,
    buildJwks,
    buildTrustPolicy,
    DISCOVERY_PATH,
    issuerHost,
    mintServiceAccountToken,
    readPrivateKey,
    serializeDiscoveryDocument,
    serializeJwks,
} from "../src/oidc";
import { httpsFetcher } from "../src/oidc/https-fetch";
import { Finding, verifyIssuer, VerifyIssuerOptions } from "../src/oidc/verify";

const KEYS = path.join(__dirname, "..", "..", "test", "fixtures", "keys");
const RSA = fs.readFileSync(path.join(KEYS, "rsa2048.pkcs8.pem"), "utf8");
const OTHER = fs.readFileSync(path.join(KEYS, "rsa3072.pkcs8.pem"), "utf8");
const RSA_KID = "RPTwuSSaBIxZ_xHGxWTviC4uVbAg8jGYcU9K-Vknk_E"; // vectors.json
const OTHER_KID = "jXEyK6mLCXY1ondBspx1IrTa7iGjGPwaM3ag_72sJtY"; // vectors.json
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const NOW_S = NOW.getTime() / 1000;

let server: LoopbackIssuer;
let issuer: string;

/** Serves the documents kube-apiserver would serve for `issuer` and the fixture key. */
function serveGoodDocuments(): void {
    server.routes.clear();
    const jwks = buildJwks([RSA]);
    server.routes.set(`/${DISCOVERY_PATH}`, { body: serializeDiscoveryDocument(buildDiscoveryDocument({ issuer, jwks })) });
    server.routes.set("/openid/v1/jwks", { body: serializeJwks(jwks) });
}

function token(overrides: { key?: string; issuer?: string; audiences?: string[]; now?: Date; ttlSeconds?: number; serviceAccount?: string } = {}): Promise<string> {
    return mintServiceAccountToken({
        privateKeyPem: overrides.key ?? RSA,
        issuer: overrides.issuer ?? issuer,
        namespace: "apps",
        serviceAccount: overrides.serviceAccount ?? "s3-reader",
        audiences: overrides.audiences,
        now: overrides.now ?? NOW,
        ttlSeconds: overrides.ttlSeconds,
    });
}

function verify(options: Partial<VerifyIssuerOptions> = {}): Promise<Finding[]> {
    return verifyIssuer({ issuer, fetch: httpsFetcher({ ca: server.caPem }), now: () => NOW, ...options });
}

/** The one finding with this id; fails the test if it is missing or repeated. */
function finding(findings: Finding[], id: string): Finding {
    const hits = findings.filter((f) => f.id === id);
    assert.equal(hits.length, 1, `expected one finding ${id}, got ${JSON.stringify(findings.map((f) => f.id))}`);
    return hits[0];
}

function failedIds(findings: Finding[]): string[] {
    return findings.filter((f) => !f.ok).map((f) => f.id);
}

describe("verifyIssuer against a loopback HTTPS issuer", () => {
    before(async () => {
        server = await startLoopbackIssuer();
        issuer = server.url;
    });
    after(() => server.close());
    beforeEach(serveGoodDocuments);

    it("passes every check for a good issuer, token and trust policy", async () => {
        const trustPolicy = buildTrustPolicy({ oidcProviderArn: `arn:aws:iam::111122223333:oidc-provider/${issuerHost(issuer)}`, issuerUrl: issuer, namespace: "apps", serviceAccount: "s3-reader" });
        const findings = await verify({ token: await token(), trustPolicy });
        assert.deepEqual(failedIds(findings), []);
        assert.deepEqual(
            findings.map((f) => f.id),
            ["issuer.url", "discovery.fetch", "discovery.status", "discovery.json", "discovery.issuer", "discovery.jwks_uri", "jwks.fetch", "jwks.status", "jwks.json", "jwks.keys", "token.size", "token.format", "token.alg", "token.kid", "token.signature", "token.iss", "token.aud", "token.exp", "token.nbf", "token.iat", "token.sub", "trust.json", "trust.principal", "trust.action", "trust.condition-keys", "trust.sub", "trust.aud"],
        );
        assert.equal(finding(findings, "token.signature").message, `the RS256 signature verifies with key "${RSA_KID}"`);
        assert.equal(finding(findings, "token.exp").message, `the token is valid until ${new Date((NOW_S + 3600) * 1000).toISOString().replace(".000Z", "Z")}`);
    });

    it("finds an issuer with a trailing slash in the discovery document and the token", async () => {
        const jwks = buildJwks([RSA]);
        const doc = { ...buildDiscoveryDocument({ issuer, jwks }), issuer: `${issuer}/` };
        server.routes.set(`/${DISCOVERY_PATH}`, { body: JSON.stringify(doc) });
        const slashed = await new SignJWT({ sub: "system:serviceaccount:apps:s3-reader", aud: ["sts.amazonaws.com"] })
            .setProtectedHeader({ alg: "RS256", kid: RSA_KID })
            .setIssuer(`${issuer}/`)
            .setIssuedAt(NOW_S)
            .setExpirationTime(NOW_S + 600)
            .sign(readPrivateKey(RSA).privateKey);
        const findings = await verify({ token: slashed });
        assert.deepEqual(failedIds(findings), ["discovery.issuer", "token.iss"]);
        assert.equal(finding(findings, "discovery.issuer").message, `the discovery document names the issuer "${issuer}/", which differs from "${issuer}" by a trailing slash; STS compares them exactly`);
        assert.equal(finding(findings, "token.iss").message, `the token's iss "${issuer}/" differs from "${issuer}" by a trailing slash; STS compares them exactly`);
        assert.equal(finding(findings, "token.iss").fix, `set --service-account-issuer=${issuer} on the API server`);
    });

    it("finds a discovery document that answers 404", async () => {
        server.routes.delete(`/${DISCOVERY_PATH}`);
        const findings = await verify({ token: await token() });
        const f = finding(findings, "discovery.status");
        assert.equal(f.ok, false);
        assert.equal(f.message, `GET ${issuer}/${DISCOVERY_PATH} answered 404; STS needs 200`);
        // Nothing after it can be checked against the published keys.
        assert.equal(findings.some((x) => x.id.startsWith("jwks.") || x.id === "token.signature"), false);
    });

    it("finds a 3xx redirect and does not follow it", async () => {
        server.routes.set(`/${DISCOVERY_PATH}`, { status: 307, body: "", headers: { location: `${issuer}/elsewhere` } });
        server.routes.set("/elsewhere", { body: "{}" });
        const f = finding(await verify(), "discovery.status");
        assert.equal(f.ok, false);
        assert.equal(f.message, `GET ${issuer}/${DISCOVERY_PATH} answered 307, a redirect to ${issuer}/elsewhere; STS does not follow redirects`);
    });

    it("finds a discovery document that is not JSON", async () => {
        server.routes.set(`/${DISCOVERY_PATH}`, { body: "<html><body>Access Denied</body></html>", headers: { "content-type": "text/html" } });
        const f = finding(await verify(), "discovery.json");
        assert.equal(f.ok, false);
        assert.equal(f.message, 'the discovery document is not JSON (it starts with "<html><body>Access Denied</body></html>")');
    });

    it("finds a jwks_uri on http://", async () => {
        const jwks = buildJwks([RSA]);
        const doc = { ...buildDiscoveryDocument({ issuer, jwks }), jwks_uri: `${issuer.replace("https:", "http:")}/openid/v1/jwks` };
        server.routes.set(`/${DISCOVERY_PATH}`, { body: JSON.stringify(doc) });
        const findings = await verify({ token: await token() });
        const f = finding(findings, "discovery.jwks_uri");
        assert.equal(f.ok, false);
        assert.equal(f.message, `the discovery document's jwks_uri "${doc.jwks_uri}" is not https://; STS fetches keys over HTTPS only`);
        assert.equal(findings.some((x) => x.id === "jwks.fetch" || x.id === "token.kid"), false);
    });

    it("finds a token whose kid is not in the JWKS", async () => {
        const findings = await verify({ token: await token({ key: OTHER }) });
        assert.deepEqual(failedIds(findings), ["token.kid"]);
        assert.equal(finding(findings, "token.kid").message, `the token's kid "${OTHER_KID}" is not in the JWKS (it holds "${RSA_KID}")`);
    });

    it("finds a bad signature (published kid, other key)", async () => {
        const forged = await new SignJWT({ sub: "system:serviceaccount:apps:s3-reader", aud: ["sts.amazonaws.com"] })
            .setProtectedHeader({ alg: "RS256", kid: RSA_KID })
            .setIssuer(issuer)
            .setIssuedAt(NOW_S)
            .setExpirationTime(NOW_S + 600)
            .sign(readPrivateKey(OTHER).privateKey);
        const findings = await verify({ token: forged });
        assert.deepEqual(failedIds(findings), ["token.signature"]);
        assert.equal(finding(findings, "token.signature").message, `the RS256 signature does not verify with the published key "${RSA_KID}"`);
    });

    it("finds an expired token", async () => {
        const findings = await verify({ token: await token({ now: new Date((NOW_S - 7200) * 1000), ttlSeconds: 3600 }) });
        assert.deepEqual(failedIds(findings), ["token.exp"]);
        const expired = new Date((NOW_S - 3600) * 1000).toISOString().replace(".000Z", "Z");
        assert.equal(finding(findings, "token.exp").message, `the token expired at ${expired}, 3600 s ago (beyond the 60 s skew)`);
    });

    it("finds a token that is not yet valid", async () => {
        const findings = await verify({ token: await token({ now: new Date((NOW_S + 600) * 1000) }) });
        assert.deepEqual(failedIds(findings), ["token.nbf", "token.iat"]);
        const start = new Date((NOW_S + 600) * 1000).toISOString().replace(".000Z", "Z");
        assert.equal(finding(findings, "token.nbf").message, `the token is not valid before ${start}, 600 s from now (beyond the 60 s skew)`);
    });

    it("finds a wrong audience", async () => {
        const findings = await verify({ token: await token({ audiences: ["https://kubernetes.default.svc"] }) });
        assert.deepEqual(failedIds(findings), ["token.aud"]);
        assert.equal(finding(findings, "token.aud").message, 'the token\'s aud ["https://kubernetes.default.svc"] does not include "sts.amazonaws.com"');
    });

    it("finds a token from another issuer", async () => {
        const findings = await verify({ token: await token({ issuer: "https://kubernetes.default.svc.cluster.local" }) });
        assert.deepEqual(failedIds(findings), ["token.iss"]);
        assert.equal(finding(findings, "token.iss").message, `the token's iss "https://kubernetes.default.svc.cluster.local" is not the issuer "${issuer}"`);
    });

    it("finds a JWKS over the size limit and stops reading", async () => {
        const jwk = buildJwks([RSA]).keys[0];
        const big = JSON.stringify({ keys: Array.from({ length: 400 }, (_, i) => ({ ...jwk, kid: `k${i}` })) });
        assert.ok(big.length > 131072);
        server.routes.set("/openid/v1/jwks", { body: big });
        const findings = await verify({ token: await token() });
        const f = finding(findings, "jwks.fetch");
        assert.equal(f.ok, false);
        assert.equal(f.message, `GET ${issuer}/openid/v1/jwks returned more than 131072 bytes, over the size limit`);
        assert.equal(findings.some((x) => x.id === "token.signature"), false);
        // Claims that need no key are still reported.
        assert.equal(finding(findings, "token.exp").ok, true);
    });

    it("stops reading a chunked JWKS past the size limit", async () => {
        const jwk = buildJwks([RSA]).keys[0];
        const big = JSON.stringify({ keys: Array.from({ length: 400 }, (_, i) => ({ ...jwk, kid: `k${i}` })) });
        server.routes.set("/openid/v1/jwks", { body: big, chunked: true });
        const f = finding(await verify({ maxDocumentBytes: 50_000 }), "jwks.fetch");
        assert.equal(f.ok, false);
        assert.equal(f.message, `GET ${issuer}/openid/v1/jwks returned more than 50000 bytes, over the size limit`);
    });

    it("finds a server slower than the timeout", async () => {
        server.routes.set(`/${DISCOVERY_PATH}`, { ...server.routes.get(`/${DISCOVERY_PATH}`)!, delayMs: 2000 });
        const started = Date.now();
        const findings = await verify({ timeoutMs: 300 });
        const f = finding(findings, "discovery.fetch");
        assert.equal(f.ok, false);
        assert.equal(f.message, `GET ${issuer}/${DISCOVERY_PATH} gave no complete response within 0.3 s; STS gives up after 5 s`);
        assert.ok(Date.now() - started < 1500, "the timeout bounds the request");
    });

    it("finds a trust policy for another service account", async () => {
        const trustPolicy = buildTrustPolicy({ oidcProviderArn: `arn:aws:iam::111122223333:oidc-provider/${issuerHost(issuer)}`, issuerUrl: issuer, namespace: "apps", serviceAccount: "dynamo-writer" });
        const findings = await verify({ token: await token(), trustPolicy: JSON.stringify(trustPolicy) });
        assert.deepEqual(failedIds(findings), ["trust.sub"]);
        assert.equal(
            finding(findings, "trust.sub").message,
            `the token's sub "system:serviceaccount:apps:s3-reader" does not satisfy StringEquals ${issuerHost(issuer)}:sub "system:serviceaccount:apps:dynamo-writer"`,
        );
    });

    it("fails the TLS check without the loopback CA", async () => {
        const f = finding(await verifyIssuer({ issuer, fetch: httpsFetcher() }), "discovery.fetch");
        assert.equal(f.ok, false);
        assert.match(f.message, /failed the TLS check \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|DEPTH_ZERO_SELF_SIGNED_CERT)/);
    });
});
