import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { callResults, calls, promiseOf, setupMocks } from "./helpers/pulumi-mocks";

setupMocks();
// Required after setMocks, as the mocks must be in place before resource modules load.
const { buildJwks, serializeJwks, buildDiscoveryDocument, serializeDiscoveryDocument, readPublicKey } = require("../src/oidc") as typeof import("../src/oidc");
const { publicKeyPemsFromJwks, servedKeysFromJwks, checkClusterIssuer } = require("../src/oidc/jwks-import") as typeof import("../src/oidc/jwks-import");
const { kubectlCommand, kubectlResult } = require("../src/kubernetes/cluster-keys") as typeof import("../src/kubernetes/cluster-keys");
const { readClusterPublicKeys } = require("../src/components/kubernetes/cluster-keys") as typeof import("../src/components/kubernetes/cluster-keys");

const KEYS = path.join(__dirname, "..", "..", "test", "fixtures", "keys");
const key = (file: string) => fs.readFileSync(path.join(KEYS, file), "utf8");
const ISSUER = "https://irsa.example.com";
const rsa = key("rsa2048.pkcs8.pem");
const ec = key("ec-p256.spki.pem");
const clusterJwks = serializeJwks(buildJwks([rsa, ec], { legacyEmptyKid: true }));
const clusterDiscovery = (issuer: string) => serializeDiscoveryDocument(buildDiscoveryDocument({ issuer, jwks: buildJwks([rsa, ec]) }));

describe("importing a cluster's JWKS", () => {
    it("gives back the same keys, in order, so republishing is byte-identical", () => {
        const pems = publicKeyPemsFromJwks(clusterJwks);
        assert.deepEqual(pems.map((p) => readPublicKey(p).kid), buildJwks([rsa, ec]).keys.map((k) => k.kid));
        assert.equal(serializeJwks(buildJwks(pems)), serializeJwks(buildJwks([rsa, ec])));
    });
    it("keeps the kid an external signer chose (KEP-740), and refuses one no API server serves", () => {
        const signerKid = "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b";
        const signed = clusterJwks.replace(/"kid":"[^"]+"/, `"kid":"${signerKid}"`);
        const served = servedKeysFromJwks(signed);
        assert.deepEqual(served.map((k) => [k.kid, k.derivedKid]), [[signerKid, false], [buildJwks([ec]).keys[0].kid, true]]);
        // Republished with the served kids, the JWKS is the cluster's, byte for byte (the legacy empty-kid copy aside).
        const unsignedLegacy = serializeJwks(buildJwks([rsa, ec])).replace(/"kid":"[^"]+"/, `"kid":"${signerKid}"`);
        assert.equal(serializeJwks(buildJwks(served.map((k) => k.pem), { keyIds: served.map((k) => k.kid) })), unsignedLegacy);
        for (const bad of ["with space", "x".repeat(1025), "tab\t"]) {
            assert.throws(() => servedKeysFromJwks(clusterJwks.replace(/"kid":"[^"]+"/, `"kid":${JSON.stringify(bad)}`)), /`jwks\.keys\[0\]\.kid` ".*" is not a key ID an API server serves \(1 to 1024 printable characters without spaces; KEP-740\)/);
        }
    });
    it("refuses non-JSON and an empty set", () => {
        assert.throws(() => publicKeyPemsFromJwks("<html>"), /`jwks` \(6 bytes of text\) is not JSON\. Fix: /);
        assert.throws(() => publicKeyPemsFromJwks('{"keys":[]}'), /`jwks` \(a JWKS with 0 key\(s\)\) holds no `keys` array/);
    });
    it("checks the cluster's issuer", () => {
        checkClusterIssuer(clusterDiscovery(ISSUER), ISSUER);
        assert.throws(
            () => checkClusterIssuer(clusterDiscovery("https://kubernetes.default.svc"), ISSUER),
            /`signingKey\.fromCluster` "https:\/\/kubernetes\.default\.svc" is the cluster's --service-account-issuer, but the documents are published for "https:\/\/irsa\.example\.com"\. Fix: set --service-account-issuer=https:\/\/irsa\.example\.com/,
        );
    });
});

describe("kubectl plumbing", () => {
    it("quotes every word for the shell, joins each value to its flag, bounds each request and the whole run", () => {
        const watchdog = path.join(__dirname, "..", "src", "kubernetes", "kubectl-watchdog.js");
        assert.equal(
            kubectlCommand(["get", "--raw", "/openid/v1/jwks"], "/home/me/kube config", "it's"),
            `'${process.execPath}' '${watchdog}' '60000' '4194304' 'kubectl' '--kubeconfig=/home/me/kube config' '--context=it'\\''s' 'get' '--raw' '/openid/v1/jwks' '--request-timeout=30s'`,
        );
        assert.ok(kubectlCommand(["version"], undefined, undefined, 5).includes(`'${watchdog}' '5000' '4194304' 'kubectl' 'version' '--request-timeout=5s'`));
    });
    it("expands a leading ~/ of the kubeconfig before quoting (a quoted ~ reaches kubectl literally)", () => {
        assert.ok(kubectlCommand(["version"], "~/.kube/k3s.yaml").includes(`'kubectl' '--kubeconfig=${path.join(os.homedir(), ".kube", "k3s.yaml")}' 'version'`));
        assert.ok(kubectlCommand(["version"], "/srv/~/config").includes("'--kubeconfig=/srv/~/config'"), "only a leading ~/ is the home directory");
    });
    it("parses stdout and ignores warnings on stderr when kubectl succeeded", () => {
        assert.equal(kubectlResult('{"keys":[]}', "Warning: v1 Endpoints is deprecated in v1.33+", "/openid/v1/jwks"), '{"keys":[]}');
    });
    it("fails with kubectl's stderr, its exit status and the fix", () => {
        assert.throws(
            () => kubectlResult("", "The connection to the server 10.0.0.1:6443 was refused - did you specify the right host or port?\n__SELFHOSTED_IRSA_KUBECTL_EXIT__ 1", "/openid/v1/jwks", { kubeconfig: "/k/config", context: "prod" }),
            /^IrsaInputError: `signingKey\.fromCluster` "\/openid\/v1\/jwks" could not be read from the cluster \(kubectl exited with status 1: The connection to the server 10\.0\.0\.1:6443 was refused - did you specify the right host or port\?\)\. Fix: check that the cluster is reachable with --kubeconfig \/k\/config and --context prod \(`kubectl --kubeconfig \/k\/config --context prod get --raw \/readyz`\)$/,
        );
    });
});

describe("reading keys from a running cluster (command:local:run mocked)", () => {
    function answer(routes: Record<string, string>) {
        callResults["command:local:run"] = (inputs) => {
            const route = Object.keys(routes).find((r) => String(inputs.command).includes(r));
            return route ? { stdout: routes[route], stderr: "" } : { stdout: "", stderr: "error: not routed\n__SELFHOSTED_IRSA_KUBECTL_EXIT__ 1" };
        };
    }

    it("reads /openid/v1/jwks and checks the discovery document", async () => {
        answer({ "/openid/v1/jwks": clusterJwks, "openid-configuration": clusterDiscovery(ISSUER) });
        const keys = await promiseOf(readClusterPublicKeys({ kubeconfig: "/k/config", context: "prod" }, ISSUER, {}));
        assert.equal(serializeJwks(buildJwks(keys.map((k) => k.pem), { keyIds: keys.map((k) => k.kid) })), serializeJwks(buildJwks([rsa, ec])));
        const commands = calls.filter((c) => c.token === "command:local:run").map((c) => String(c.inputs.command));
        assert.ok(commands.some((c) => c.includes("'--kubeconfig=/k/config' '--context=prod' 'get' '--raw' '/openid/v1/jwks'")));
        assert.ok(commands.some((c) => c.includes("'/.well-known/openid-configuration'")));
    });

    it("reads the EKS Anywhere <cluster>-sa secret", async () => {
        answer({ "mgmt-sa": Buffer.from(key("rsa3072.pkcs8.pem").replace(/[\s\S]*/, readPublicKey(key("rsa3072.pkcs8.pem")).spkiPem)).toString("base64"), "openid-configuration": clusterDiscovery(ISSUER) });
        const keys = await promiseOf(readClusterPublicKeys({ eksAnywhereClusterName: "mgmt" }, ISSUER, {}));
        assert.deepEqual(keys.map((k) => readPublicKey(k.pem).kid), [readPublicKey(key("rsa3072.pkcs8.pem")).kid]);
        assert.equal(keys[0].kid, undefined, "a key file's kid is derived");
        assert.ok(calls.some((c) => String(c.inputs.command).includes("'secret' 'mgmt-sa' '-n' 'eksa-system'")));
    });

    it("publishes during an issuer migration only when the mismatch is allowed by name", async () => {
        // The failing path's message is asserted on checkClusterIssuer/kubectlResult above: a failing apply
        // rejects every derived Output, which the test runner would report as stray rejections.
        answer({ "/openid/v1/jwks": clusterJwks, "openid-configuration": clusterDiscovery("https://old.example.com") });
        const pems = await promiseOf(readClusterPublicKeys({ allowIssuerMismatch: true }, ISSUER, {}));
        assert.equal(pems.length, 2);
    });
});

