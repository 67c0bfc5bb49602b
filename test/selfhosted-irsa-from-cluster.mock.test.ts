// signingKey.fromCluster through the whole component: the cluster's keys (read by a kubectl invoke on every
// `pulumi up`) are republished byte-for-byte, nothing private is stored, and the issuer is checked.
import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import { REGION, callResults, calls, setupMocks } from "./helpers/pulumi-mocks";

setupMocks();
const { SelfHostedIrsa } = require("../src/components/selfhosted-irsa") as typeof import("../src/components/selfhosted-irsa");
const { buildJwks, serializeJwks, buildDiscoveryDocument, serializeDiscoveryDocument } = require("../src/oidc") as typeof import("../src/oidc");
const { T, key, only, outputsOf } = require("./helpers/irsa-program") as typeof import("./helpers/irsa-program");

describe("signingKey.fromCluster", () => {
    const rsa = key("rsa2048.pkcs8.pem");
    const ec = key("ec-p256.spki.pem");
    const issuer = `https://live-cluster.s3.${REGION}.amazonaws.com`;
    let out: import("./helpers/irsa-program").ResolvedOutputs;
    before(async () => {
        callResults["command:local:run"] = (inputs) => {
            const cmd = String(inputs.command);
            if (cmd.includes("/openid/v1/jwks")) {
                return { stdout: serializeJwks(buildJwks([rsa, ec])) };
            }
            return { stdout: serializeDiscoveryDocument(buildDiscoveryDocument({ issuer, jwks: buildJwks([rsa, ec]) })) };
        };
        const irsa = new SelfHostedIrsa("live", { bucketNamespace: "global", bucketName: "live-cluster", signingKey: { fromCluster: { kubeconfig: "/etc/kube/admin.conf" } }, webhook: { enabled: false } });
        out = await outputsOf(irsa);
    });
    it("publishes the cluster's JWKS byte-for-byte and its discovery document", () => {
        assert.equal(only(T.object, "live-jwks").inputs.content, serializeJwks(buildJwks([rsa, ec])));
        assert.equal(out.discoveryDocument, serializeDiscoveryDocument(buildDiscoveryDocument({ issuer, jwks: buildJwks([rsa, ec]) })));
    });
    it("runs kubectl with the kubeconfig, for the keys and for the issuer check", () => {
        const commands = calls.filter((c) => c.token === "command:local:run").map((c) => String(c.inputs.command));
        assert.ok(commands.some((c) => c.includes("'kubectl' '--kubeconfig=/etc/kube/admin.conf' 'get' '--raw' '/openid/v1/jwks'")));
        assert.ok(commands.some((c) => c.includes("'/.well-known/openid-configuration'")));
    });
    it("stores no private key and creates no tls key", () => {
        assert.equal(out.privateKeyPem, undefined);
        assert.throws(() => only(T.privateKey, "live-signing-key"));
    });
});
