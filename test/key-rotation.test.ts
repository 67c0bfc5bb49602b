import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { readPublicKey } from "../src/oidc";
import { planKeyRotation } from "../src/kubernetes/key-rotation";

const KEYS = path.join(__dirname, "..", "..", "test", "fixtures", "keys");
const key = (file: string) => fs.readFileSync(path.join(KEYS, file), "utf8");
const current = key("rsa2048.pkcs8.pem");
const next = key("ec-p256.sec1.pem");
const kid = (pem: string) => readPublicKey(pem).kid;

describe("rotation plan", () => {
    const switchedAt = new Date("2026-03-01T00:00:00Z");
    it("publish: the current key signs, both are published and verified", () => {
        const plan = planKeyRotation({ phase: "publish", currentPublicKeyPem: current, nextPublicKeyPem: next });
        assert.equal(plan.signingKey, "current");
        assert.deepEqual(plan.publishedKeyIds, [kid(current), kid(next)]);
        assert.deepEqual(plan.apiServerVerificationKeys.map(kid), [kid(current), kid(next)]);
    });
    it("switch: the next key signs first, the old one stays, retirement waits one token lifetime", () => {
        const plan = planKeyRotation({ phase: "switch", currentPublicKeyPem: current, nextPublicKeyPem: next, switchedAt, maxTokenLifetimeSeconds: 3600 });
        assert.equal(plan.signingKey, "next");
        assert.deepEqual(plan.publishedKeyIds, [kid(next), kid(current)]);
        assert.equal(plan.nextPhaseNotBefore?.toISOString(), "2026-03-01T01:00:00.000Z");
    });
    it("retire: refused before the longest token lifetime has passed, then only the next key remains", () => {
        assert.throws(
            () => planKeyRotation({ phase: "retire", currentPublicKeyPem: current, nextPublicKeyPem: next, switchedAt, now: new Date("2026-03-01T23:59:59Z") }),
            { message: '`phase` "retire" is too early: tokens signed by the old key stay valid until 2026-03-02T00:00:00.000Z (switch + 86400 s). Fix: keep the old key published until then' },
        );
        const plan = planKeyRotation({ phase: "retire", currentPublicKeyPem: current, nextPublicKeyPem: next, switchedAt, now: new Date("2026-03-02T00:00:00Z") });
        assert.deepEqual(plan.publishedKeyIds, [kid(next)]);
        assert.deepEqual(plan.apiServerVerificationKeys.map(kid), [kid(next)]);
    });
    it("refuses rotating to the same key and a retire without the switch time", () => {
        assert.throws(() => planKeyRotation({ phase: "publish", currentPublicKeyPem: current, nextPublicKeyPem: key("rsa2048.pkcs1.pem") }), /`nextPublicKeyPem` ".*" is the same key as the current one/);
        assert.throws(() => planKeyRotation({ phase: "retire", currentPublicKeyPem: current, nextPublicKeyPem: next }), /`switchedAt` \(not set\) is required to retire the old key/);
    });
});
