// Both components constructed the way `pulumi package add` consumers (Python, YAML, Go, ...) construct them:
// through the provider the package's plugin serves (src/provider.ts, the object behind the Construct RPC), with
// plain inputs as the engine sends them, and the state serialized for the wire as the
// provider server does (runtime/rpc serializeResourceProperties). Secrets must survive that trip.
import { strict as assert } from "node:assert";
import { createPublicKey } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { parse as parseYaml } from "yaml";
import { ACCOUNT_ID, REGION, isSecretValue, ofType, reveal, setupMocks, tlsPrivateKeys } from "./helpers/pulumi-mocks";
import { REPO_ROOT } from "./helpers/plugin-host";

setupMocks();
// Loaded after the mocks, so the provider's own require of the components gets the mocked runtime.
require("../src/index");
// Returns [serialized properties, dependencies], as the provider server uses it.
const rpc = require("@pulumi/pulumi/runtime/rpc") as { serializeResourceProperties(label: string, props: Record<string, unknown>): Promise<[Record<string, any>, unknown]> };

interface ConstructResult {
    urn: unknown;
    state: Record<string, unknown>;
}
interface ComponentProviderLike {
    version: string;
    construct(name: string, type: string, inputs: Record<string, unknown>, options: Record<string, unknown>): Promise<ConstructResult>;
}
const { irsaProvider } = require("../src/provider") as { irsaProvider(): ComponentProviderLike };

const PRIVATE_PEM = fs.readFileSync(path.join(REPO_ROOT, "test", "fixtures", "keys", "rsa2048.pkcs8.pem"), "utf8");
// The "generated" key of py-irsa: real key material, so its JWKS can be built under mocks.
tlsPrivateKeys["py-irsa-signing-key"] = { privateKeyPem: PRIVATE_PEM, publicKeyPem: createPublicKey(PRIVATE_PEM).export({ type: "spki", format: "pem" }).toString() };

/** Construct through the provider, then serialize the state exactly as the Construct RPC answer does. */
async function construct(provider: ComponentProviderLike, name: string, type: string, inputs: Record<string, unknown>): Promise<Record<string, any>> {
    const result = await provider.construct(name, type, inputs, {});
    const [state] = await rpc.serializeResourceProperties(`construct(${type}, ${name})`, result.state);
    return state;
}

describe("constructing through the component provider (what other languages get)", { timeout: 180_000 }, () => {
    let provider: ComponentProviderLike;
    let withKey: Record<string, any>;
    let generated: Record<string, any>;
    let role: Record<string, any>;

    before(async () => {
        provider = irsaProvider();
        // A YAML or Python program passes the key as a plain string unless its author wrapped it.
        withKey = await construct(provider, "yaml-irsa", "selfhosted-irsa:index:SelfHostedIrsa", {
            bucketName: "irsa-from-yaml-123456789012-us-west-2-an",
            signingKey: { privateKeyPem: PRIVATE_PEM },
            webhook: { enabled: false },
        });
        generated = await construct(provider, "py-irsa", "selfhosted-irsa:index:SelfHostedIrsa", { webhook: { enabled: false } });
        role = await construct(provider, "py-role", "selfhosted-irsa:index:IrsaRole", {
            oidcProviderArn: withKey.oidcProviderArn,
            issuerUrl: withKey.issuerUrl,
            namespace: "apps",
            serviceAccount: "reader",
            roleName: "apps-reader",
            managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"],
        });
    });

    it("the provider reports package.json's version", () => {
        assert.equal(provider.version, JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).version);
    });

    it("SelfHostedIrsa's outputs arrive with their values", () => {
        const issuer = `https://irsa-from-yaml-123456789012-us-west-2-an.s3.${REGION}.amazonaws.com`;
        assert.equal(withKey.issuerUrl, issuer);
        assert.equal(withKey.oidcProviderArn, `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/irsa-from-yaml-123456789012-us-west-2-an.s3.${REGION}.amazonaws.com`);
        assert.equal(JSON.parse(withKey.discoveryDocument).issuer, issuer);
        assert.equal(JSON.parse(withKey.jwks).keys.length, 1);
        assert.deepEqual(withKey.keyIds, [JSON.parse(withKey.jwks).keys[0].kid]);
        assert.deepEqual(withKey.apiServerArgs["service-account-issuer"], [issuer]);
    });

    it("privateKeyPem and talosSecretPatch stay secret through the provider (given key and generated key)", () => {
        for (const [label, state] of [["given", withKey], ["generated", generated]] as const) {
            assert.ok(isSecretValue(state.privateKeyPem), `${label}: privateKeyPem reached the wire in clear: ${JSON.stringify(state.privateKeyPem).slice(0, 60)}`);
            assert.ok(isSecretValue(state.talosSecretPatch), `${label}: talosSecretPatch reached the wire in clear`);
        }
        assert.equal(reveal(withKey.privateKeyPem), PRIVATE_PEM);
        const patch = parseYaml(reveal(withKey.talosSecretPatch));
        assert.match(Buffer.from(patch.cluster.serviceAccount.key, "base64").toString("utf8"), /^-----BEGIN (RSA )?PRIVATE KEY-----/);
    });

    it("public outputs are not marked secret (they are meant to be read)", () => {
        for (const key of ["issuerUrl", "oidcProviderArn", "jwks", "discoveryDocument", "publicKeyPems"]) {
            assert.ok(!isSecretValue(withKey[key]), key);
        }
    });

    it("an unknown type is refused, naming the package's components", async () => {
        await assert.rejects(provider.construct("x", "selfhosted-irsa:index:NoSuch", {}, {}), /no component "selfhosted-irsa:index:NoSuch".*SelfHostedIrsa/);
    });

    it("no private field of the class travels as an output; the audience roles must pin does (tokenAudience)", () => {
        assert.ok(!("componentName" in withKey), Object.keys(withKey).join(", "));
        assert.equal(withKey.tokenAudience, "sts.amazonaws.com");
    });

    it("IrsaRole: role ARN, trust policy for exactly apps/reader, the managed policy attached", () => {
        assert.equal(role.roleArn, `arn:aws:iam::${ACCOUNT_ID}:role/apps-reader`);
        assert.equal(role.namespace, "apps");
        assert.equal(role.serviceAccountName, "reader");
        const statement = JSON.parse(role.trustPolicy).Statement[0];
        assert.equal(statement.Principal.Federated, withKey.oidcProviderArn);
        assert.equal(statement.Condition.StringEquals[`irsa-from-yaml-123456789012-us-west-2-an.s3.${REGION}.amazonaws.com:sub`], "system:serviceaccount:apps:reader");
        const attachments = ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment", (n) => n.startsWith("py-role"));
        assert.deepEqual(attachments.map((a) => a.inputs.policyArn), ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]);
    });
});
