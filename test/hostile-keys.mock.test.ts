// Issue 14 items 1 and 2 on the component: a private key where a public key belongs is refused, given plainly or
// as an Output, before the engine records it; no error message holds any part of a key in any form (PEM, base64
// DER, the Talos base64-of-PEM form, a JWK's d). Mocks record every registration: none may hold the key.
import { strict as assert } from "node:assert";
import * as crypto from "node:crypto";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { resources, setupMocks } from "./helpers/pulumi-mocks";

setupMocks();
// Required after setMocks, as the mocks must be in place before resource modules load.
const { SelfHostedIrsa } = require("../src/components/selfhosted-irsa") as typeof import("../src/components/selfhosted-irsa");
const { buildClusterConfig } = require("../src/kubernetes/cluster-config") as typeof import("../src/kubernetes/cluster-config");
const { publicKeyPemsFromJwks, readPrivateKey, readPublicKey, buildJwks, IrsaInputError } = require("../src/oidc") as typeof import("../src/oidc");
const { privateKeyForms, assertNoKeyMaterial } = require("./helpers/key-material") as typeof import("./helpers/key-material");

const KEYS = path.join(__dirname, "..", "..", "test", "fixtures", "keys");
const key = (file: string) => fs.readFileSync(path.join(KEYS, file), "utf8");
const RSA = key("rsa2048.pkcs8.pem");
const EC = key("ec-p256.sec1.pem");
const PUB = key("rsa4096.spki.pem");
const forms = [...privateKeyForms(RSA), ...privateKeyForms(EC)];

describe("a private key where a public key belongs (component)", () => {
    for (const form of forms) {
        it(`signingKey.publicKeyPems: ${form.name}, refused before anything is registered`, () => {
            const before = resources.length;
            assert.throws(
                () => new SelfHostedIrsa(`pub-${form.id}`, { signingKey: { publicKeyPems: [form.text] }, webhook: { enabled: false } }),
                (err: Error) => {
                    assert.ok(err instanceof IrsaInputError);
                    assert.match(err.message, /^`signingKey\.publicKeyPems\[0\]` \(.+\) is a private key where only a public key belongs/);
                    assert.match(err.message, /Fix: pass its public half \(`openssl pkey -in KEY -pubout`\)/);
                    assertNoKeyMaterial(err.message, forms);
                    return true;
                },
            );
            assert.equal(resources.length, before, "nothing was registered");
        });
    }

    it("additionalPublicKeyPems: every form refused, the message says what was found and nothing else", () => {
        for (const form of forms) {
            assert.throws(
                () => new SelfHostedIrsa(`extra-${form.id}`, { additionalPublicKeyPems: [PUB, form.text], webhook: { enabled: false } }),
                (err: Error) => {
                    assert.match(err.message, new RegExp(`^\`additionalPublicKeyPems\\[1\\]\` \\(${form.found}\\) is a private key`));
                    assertNoKeyMaterial(err.message, forms);
                    return true;
                },
            );
        }
    });

    for (const form of ["pem", "jwk"]) {
        it(`also when the value arrives later as an Output (${form}): the registration fails and no record holds the key`, () => {
            const program = path.join(__dirname, "helpers", "hostile-keys-program.js");
            const result = JSON.parse(execFileSync(process.execPath, [program, form, path.join(KEYS, "ec-p256.sec1.pem"), path.join(KEYS, "rsa4096.spki.pem")], { encoding: "utf8", timeout: 60_000 }));
            const argument = form === "pem" ? "additionalPublicKeyPems\\[0\\]` \\(a PEM EC PRIVATE KEY block\\)" : 'signingKey\\.publicKeyPems\\[0\\]` \\(a JWK with private members \\("d"\\): a private key\\)';
            assert.match(result.jwksError, new RegExp(`^\`${argument} is a private key where only a public key belongs`));
            assert.ok(result.errors.some((e: string) => e.includes(result.jwksError)), "the registration failed with the same message");
            assert.deepEqual(result.recorded.filter((r: { type: string }) => r.type.endsWith("SelfHostedIrsa")), [], "the component was never recorded with its inputs");
            assertNoKeyMaterial(JSON.stringify(result), forms);
        });
    }

    it("a private signing key reaches no resource but the component (where it is a secret: plugin-construct.test)", async () => {
        const irsa = new SelfHostedIrsa("own-key", { signingKey: { privateKeyPem: RSA }, additionalPublicKeyPems: [PUB], webhook: { enabled: false } });
        await (irsa.jwks as unknown as { promise(): Promise<unknown> }).promise();
        await new Promise((r) => setTimeout(r, 50));
        const others = resources.filter((r) => !r.type.endsWith("SelfHostedIrsa"));
        assert.ok(others.some((r) => r.name === "own-key-jwks"), "the documents were registered");
        assertNoKeyMaterial(JSON.stringify(others.map((r) => r.inputs)), forms);
    });
});

describe("no part of a key in any error message (core)", () => {
    it("not-PEM, Talos, DER and JWK texts are described, never quoted", () => {
        for (const form of forms) {
            for (const attempt of [() => readPublicKey(form.text, "k"), () => readPrivateKey(form.text, "k"), () => buildJwks([form.text], { argument: "k" })]) {
                try {
                    attempt();
                } catch (err) {
                    assert.ok(err instanceof IrsaInputError, String(err));
                    assertNoKeyMaterial(err.message, forms);
                    continue;
                }
                assert.ok(form.pem, `${form.name} was accepted although it is not PEM`);
            }
        }
    });

    it("buildClusterConfig refuses a private key among publicKeyPems", () => {
        assert.throws(
            () => buildClusterConfig({ distribution: "kubeadm", issuer: "https://oidc.example.com", publicKeyPems: [RSA] }),
            /^IrsaInputError: `publicKeyPems\[0\]` \(a PEM PRIVATE KEY block\) is a private key where only a public key belongs/,
        );
    });

    it("a cluster JWKS that serves private members is refused without echoing them", () => {
        const jwk = { ...crypto.createPrivateKey(RSA).export({ format: "jwk" }), use: "sig", kid: "x" };
        assert.throws(
            () => publicKeyPemsFromJwks(JSON.stringify({ keys: [jwk] }), "signingKey.fromCluster"),
            (err: Error) => {
                assert.match(err.message, /^`signingKey\.fromCluster\.keys\[0\]` \(a JWK with private members \("d"\): a private key\) holds private key material/);
                assertNoKeyMaterial(err.message, forms);
                return true;
            },
        );
        assert.throws(() => publicKeyPemsFromJwks(`{"keys": "${"A".repeat(300)}`, "jwks"), /^IrsaInputError: `jwks` \(310 bytes of text\) is not JSON/);
    });
});
