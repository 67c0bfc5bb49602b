import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { buildJwks, keyIdFromSpkiDer, readPrivateKey, readPublicKey, serializeJwks } from "../src/oidc";

// Vectors computed by OpenSSL alone (test/fixtures/keys/make-vectors.sh), not by the code under test.
const KEYS = path.join(__dirname, "..", "..", "test", "fixtures", "keys");
const key = (file: string) => fs.readFileSync(path.join(KEYS, file), "utf8");
interface Vector { file: string; kty: "RSA" | "EC"; alg: string; kid: string; n?: string; e?: string; crv?: string; x?: string; y?: string }
const vectors: Vector[] = JSON.parse(key("vectors.json"));

describe("kid and JWK fields match OpenSSL-computed vectors", () => {
    for (const v of vectors) {
        it(`${v.file}`, () => {
            const info = readPublicKey(key(v.file), "key");
            assert.equal(info.kid, v.kid);
            assert.equal(info.alg, v.alg);
            if (v.kty === "RSA") {
                assert.deepEqual(info.jwk, { use: "sig", kty: "RSA", kid: v.kid, alg: "RS256", n: v.n, e: v.e });
            } else {
                assert.deepEqual(info.jwk, { use: "sig", kty: "EC", kid: v.kid, crv: "P-256", alg: "ES256", x: v.x, y: v.y });
            }
        });
    }

    it("the same key in SPKI, PKCS#1 public, PKCS#8 private and PKCS#1 private forms has one kid", () => {
        const rsa4096 = vectors.find((v) => v.file === "rsa4096.spki.pem")!;
        assert.equal(readPublicKey(key("rsa4096.pkcs1-public.pem")).kid, rsa4096.kid);
        assert.equal(readPublicKey(key("rsa4096.pkcs8.pem")).kid, rsa4096.kid);
        assert.equal(readPrivateKey(key("rsa4096.pkcs8.pem")).publicKey.kid, rsa4096.kid);
        const rsa2048 = vectors.find((v) => v.file === "rsa2048.pkcs8.pem")!;
        assert.equal(readPrivateKey(key("rsa2048.pkcs1.pem")).publicKey.kid, rsa2048.kid);
        const ec = vectors.find((v) => v.kty === "EC")!;
        assert.equal(readPublicKey(key("ec-p256.spki.pem")).kid, ec.kid);
        assert.equal(readPrivateKey(key("ec-p256.sec1.pem")).publicKey.kid, ec.kid);
    });

    it("keyIdFromSpkiDer is base64url SHA-256 without padding", () => {
        // SHA-256 of the empty string, a published constant.
        assert.equal(keyIdFromSpkiDer(Buffer.alloc(0)), "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
    });
});

describe("unsupported keys are clear errors", () => {
    const cases: Array<[string, RegExp]> = [
        ["rsa1024.pkcs8.pem", /`key` \(an RSA 1024-bit key\) is too small: RSA keys must have at least 2048 bits\. Fix: generate a new key/],
        ["ed25519.pkcs8.pem", /`key` \(an Ed25519 key\) is not a supported key type: service-account keys must be RSA \(2048 bits or more\) or ECDSA P-256\. Fix: /],
        ["dsa2048.pkcs8.pem", /`key` \(a DSA key\) is not a supported key type/],
        ["ec-p384.sec1.pem", /`key` \(an EC key on secp384r1\) uses an unsupported curve: only P-256 \(ES256\) is supported\. Fix: /],
    ];
    for (const [file, message] of cases) {
        it(file, () => assert.throws(() => readPublicKey(key(file), "key"), message));
    }
    it("garbage", () => {
        assert.throws(() => readPublicKey("hello", "key"), /`key` \(not PEM: 5 bytes of text\) is not a PEM key \(no -----BEGIN \.\.\.----- block found\)\. Fix: /);
    });
    it("a public key where a private key is needed", () => {
        assert.throws(() => readPrivateKey(key("rsa4096.spki.pem"), "privateKeyPem"), /`privateKeyPem` \(a PEM PUBLIC KEY block\) is a public key where the private signing key is needed \(a public key only verifies tokens\)\. Fix: /);
    });
    it("a corrupted PEM body", () => {
        const broken = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
        assert.throws(() => readPublicKey(broken, "key"), /`key` \(a PEM PUBLIC KEY block\) could not be read as a key/);
    });
    it("never prints a private key in an error", () => {
        const small = key("rsa1024.pkcs8.pem");
        try {
            readPrivateKey(small, "k");
            assert.fail("expected an error");
        } catch (err) {
            assert.ok(!(err as Error).message.includes(small.split("\n")[1]));
        }
    });
});

describe("JWKS", () => {
    const rsa = vectors.find((v) => v.file === "rsa2048.pkcs8.pem")!;
    const ec = vectors.find((v) => v.kty === "EC")!;
    // The expected bytes are written out by hand in go-jose's field order (use, kty, kid, crv, alg, x, y, n, e).
    const rsaJson = `{"use":"sig","kty":"RSA","kid":"${rsa.kid}","alg":"RS256","n":"${rsa.n}","e":"AQAB"}`;
    const ecJson = `{"use":"sig","kty":"EC","kid":"${ec.kid}","crv":"P-256","alg":"ES256","x":"${ec.x}","y":"${ec.y}"}`;

    it("is byte-identical to the API server's document", () => {
        assert.equal(serializeJwks(buildJwks([key("rsa2048.pkcs8.pem"), key("ec-p256.spki.pem")])), `{"keys":[${rsaJson},${ecJson}]}`);
    });
    it("keeps the order given and removes duplicates", () => {
        const jwks = buildJwks([key("ec-p256.sec1.pem"), key("rsa2048.pkcs1.pem"), key("ec-p256.spki.pem"), key("rsa2048.pkcs8.pem")]);
        assert.equal(serializeJwks(jwks), `{"keys":[${ecJson},${rsaJson}]}`);
    });
    it("reads every key of a bundle, like --service-account-key-file", () => {
        const bundle = key("rsa2048.pkcs8.pem") + key("ec-p256.spki.pem");
        assert.deepEqual(buildJwks([bundle]).keys.map((k) => k.kid), [rsa.kid, ec.kid]);
    });
    it("adds the legacy empty-kid copy of the first key only when asked", () => {
        const legacy = buildJwks([key("rsa2048.pkcs8.pem"), key("ec-p256.spki.pem")], { legacyEmptyKid: true });
        const emptyKid = rsaJson.replace(`"kid":"${rsa.kid}"`, `"kid":""`);
        assert.equal(serializeJwks(legacy), `{"keys":[${rsaJson},${ecJson},${emptyKid}]}`);
    });
    it("is deterministic", () => {
        const a = serializeJwks(buildJwks([key("rsa3072.pkcs8.pem")]));
        const b = serializeJwks(buildJwks([key("rsa3072.pkcs8.pem")]));
        assert.equal(a, b);
    });
    it("refuses an empty key list", () => {
        assert.throws(() => buildJwks([]), /`publicKeyPems` "\[\]" holds no key: a JWKS needs at least one public key\. Fix: /);
    });
    it("names the failing entry", () => {
        assert.throws(() => buildJwks([key("rsa2048.pkcs8.pem"), key("rsa1024.pkcs8.pem")]), /`publicKeyPems\[1\]` /);
    });
});
