// The component's per-distribution wiring outputs equal what `selfhosted-irsa cluster-config` prints for the
// same issuer and keys; the private key appears only in the secret Talos patch.
import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import { parse } from "yaml";
import { REGION, isSecret, promiseOf, setupMocks } from "./helpers/pulumi-mocks";

setupMocks();
const { SelfHostedIrsa } = require("../src/components/selfhosted-irsa") as typeof import("../src/components/selfhosted-irsa");
const { buildClusterConfig, DISTRIBUTIONS } = require("../src/kubernetes/cluster-config") as typeof import("../src/kubernetes/cluster-config");
const { readPublicKey } = require("../src/oidc") as typeof import("../src/oidc");
const { key } = require("./helpers/irsa-program") as typeof import("./helpers/irsa-program");

describe("cluster wiring outputs", () => {
    const rsa = key("rsa2048.pkcs8.pem");
    const old = key("rsa3072.pkcs8.pem");
    const issuer = `https://wired.s3.${REGION}.amazonaws.com`;
    let irsa: InstanceType<typeof SelfHostedIrsa>;
    before(() => {
        irsa = new SelfHostedIrsa("wired", { bucketNamespace: "global", bucketName: "wired", signingKey: { privateKeyPem: rsa }, additionalPublicKeyPems: [readPublicKey(old).spkiPem], webhook: { enabled: false } });
    });
    it("gives every distribution's YAML, equal to the CLI's, with every published key as verification key", async () => {
        const configs = await promiseOf(irsa.clusterConfigs);
        assert.deepEqual(Object.keys(configs), [...DISTRIBUTIONS]);
        const publicKeyPems = [readPublicKey(rsa).spkiPem, readPublicKey(old).spkiPem];
        for (const distribution of DISTRIBUTIONS) {
            assert.equal(configs[distribution], buildClusterConfig({ distribution, issuer, jwksUri: `${issuer}/openid/v1/jwks`, publicKeyPems }).publicYaml);
            assert.ok(!configs[distribution].includes(rsa.split("\n")[1]));
        }
        assert.equal(parse(configs.talos).cluster.apiServer.extraArgs["service-account-issuer"], issuer);
        assert.equal(await isSecret(irsa.clusterConfigs), false);
    });
    it("puts the private key only in the secret Talos patch", async () => {
        assert.equal(await isSecret(irsa.talosSecretPatch), true);
        const patch = parse((await promiseOf(irsa.talosSecretPatch))!);
        // Talos before 1.11 reads only PKCS#1/SEC1, so the patch carries the key re-encoded, same key.
        const pem = Buffer.from(patch.cluster.serviceAccount.key, "base64").toString("utf8");
        assert.match(pem, /^-----BEGIN RSA PRIVATE KEY-----\n/);
        assert.equal(readPublicKey(pem).kid, readPublicKey(rsa).kid);
    });
});
