// Zero-downtime key rotation walked end to end: real keys, real signatures, documents served over loopback
// HTTPS with their own CA, every token checked by the doctor (verifyIssuer) at every phase.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { startLoopbackIssuer, LoopbackIssuer } from "../src/cli/loopback-issuer";
import { buildDiscoveryDocument, buildJwks, DISCOVERY_PATH, mintServiceAccountToken, readPublicKey, serializeDiscoveryDocument, serializeJwks } from "../src/oidc";
import { httpsFetcher } from "../src/oidc/https-fetch";
import { Finding, verifyIssuer } from "../src/oidc/verify";
import { planKeyRotation, RotationPhase } from "../src/kubernetes/key-rotation";

const KEYS = path.join(__dirname, "..", "..", "test", "fixtures", "keys");
const OLD = fs.readFileSync(path.join(KEYS, "rsa2048.pkcs8.pem"), "utf8");
const NEW = fs.readFileSync(path.join(KEYS, "ec-p256.sec1.pem"), "utf8");
const T0 = new Date("2026-03-01T00:00:00Z");
const HOUR = 3600 * 1000;

let server: LoopbackIssuer;
let issuer: string;

/** Publishes what the plan says, exactly as SelfHostedIrsa would (signing key first, then the others). */
function publish(phase: RotationPhase, now: Date): string[] {
    const plan = planKeyRotation({ phase, currentPublicKeyPem: OLD, nextPublicKeyPem: NEW, switchedAt: new Date(T0.getTime() + HOUR), maxTokenLifetimeSeconds: 3600, now });
    const jwks = buildJwks(plan.publishedPublicKeyPems);
    server.routes.set(`/${DISCOVERY_PATH}`, { body: serializeDiscoveryDocument(buildDiscoveryDocument({ issuer, jwks })) });
    server.routes.set("/openid/v1/jwks", { body: serializeJwks(jwks) });
    return plan.publishedKeyIds;
}

function tokenBy(key: string, issuedAt: Date): Promise<string> {
    return mintServiceAccountToken({ privateKeyPem: key, issuer, namespace: "apps", serviceAccount: "s3-reader", now: issuedAt, ttlSeconds: 3600 });
}

async function doctor(token: string, now: Date): Promise<Finding[]> {
    return verifyIssuer({ issuer, token, audience: "sts.amazonaws.com", fetch: httpsFetcher({ ca: server.caPem }), now: () => now });
}

const failures = (findings: Finding[]) => findings.filter((f) => !f.ok).map((f) => f.id);

describe("key rotation without downtime", () => {
    before(async () => {
        server = await startLoopbackIssuer();
        issuer = server.url;
    });
    after(() => server.close());

    it("walks publish → switch → retire with every pod token verifying until its key is retired", async () => {
        const oldKid = readPublicKey(OLD).kid;
        const newKid = readPublicKey(NEW).kid;

        // Before the rotation: only the old key, which signs.
        const before = new Date(T0.getTime());
        server.routes.set("/openid/v1/jwks", { body: serializeJwks(buildJwks([OLD])) });
        server.routes.set(`/${DISCOVERY_PATH}`, { body: serializeDiscoveryDocument(buildDiscoveryDocument({ issuer, jwks: buildJwks([OLD]) })) });
        const oldToken = await tokenBy(OLD, before);
        assert.deepEqual(failures(await doctor(oldToken, before)), []);

        // Phase 1, publish: the new key is published beside the old; old tokens still verify, and a token
        // the new key signs verifies from this moment on (before the API server even uses it).
        const t1 = new Date(T0.getTime() + 30 * 60 * 1000);
        assert.deepEqual(publish("publish", t1), [oldKid, newKid]);
        assert.deepEqual(failures(await doctor(oldToken, t1)), []);
        assert.deepEqual(failures(await doctor(await tokenBy(NEW, t1), t1)), []);

        // Phase 2, switch (at T0 + 1 h): the API server signs with the new key; tokens issued just before the
        // switch by the old key are still valid and still verify.
        const t2 = new Date(T0.getTime() + HOUR);
        const lastOldToken = await tokenBy(OLD, new Date(t2.getTime() - 1000));
        assert.deepEqual(publish("switch", t2), [newKid, oldKid]);
        const newToken = await tokenBy(NEW, t2);
        assert.deepEqual(failures(await doctor(lastOldToken, t2)), []);
        assert.deepEqual(failures(await doctor(newToken, t2)), []);

        // Retiring before the longest token lifetime has passed is refused.
        assert.throws(() => publish("retire", new Date(t2.getTime() + HOUR - 1000)), /is too early/);

        // Phase 3, retire (switch + 1 h): only the new key is published; new tokens verify, and a token
        // signed by the old key is now refused because its kid is gone (it had expired anyway).
        const t3 = new Date(t2.getTime() + HOUR);
        assert.deepEqual(publish("retire", t3), [newKid]);
        assert.deepEqual(failures(await doctor(await tokenBy(NEW, t3), t3)), []);
        const stale = await doctor(lastOldToken, t3);
        const kid = stale.find((f) => f.id === "token.kid");
        assert.equal(kid?.ok, false);
        assert.match(kid!.message, new RegExp(oldKid));
    });
});
