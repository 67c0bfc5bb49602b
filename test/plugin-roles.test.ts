// SelfHostedIrsa's `roles` constructed the way other languages construct it (issue 19 item 7): through the
// provider the package's plugin serves (src/provider.ts), with the plain inputs a YAML program sends. The engine
// suite (test/engine) runs YAML programs under the real engine.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { ACCOUNT_ID, ofType, registeredUrns, setupMocks } from "./helpers/pulumi-mocks";
import { REPO_ROOT } from "./helpers/plugin-host";

setupMocks();
const rpc = require("@pulumi/pulumi/runtime/rpc") as { serializeResourceProperties(label: string, props: Record<string, unknown>): Promise<[Record<string, any>, unknown]> };
// Loaded after the mocks, so the provider's own require of the components gets the mocked runtime.
const { irsaProvider } = require("../src/provider") as {
    irsaProvider(): { construct(name: string, type: string, inputs: Record<string, unknown>, options: Record<string, unknown>): Promise<{ state: Record<string, unknown> }> };
};

const PEM = fs.readFileSync(path.join(REPO_ROOT, "test", "fixtures", "keys", "ec-p256.spki.pem"), "utf8");

describe("roles through the component provider", { timeout: 180_000 }, () => {
    let state: Record<string, any>;
    before(async () => {
        const provider = irsaProvider();
        const result = await provider.construct(
            "yaml-roles",
            "selfhosted-irsa:index:SelfHostedIrsa",
            {
                bucketNamespace: "global",
                bucketName: "irsa-roles-yaml",
                signingKey: { publicKeyPems: [PEM] },
                webhook: { enabled: false },
                roles: [
                    { namespace: "apps", serviceAccount: "web", managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"] },
                    { namespace: "apps", serviceAccount: "worker", inlinePolicies: { queue: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sqs:ReceiveMessage", Resource: "*" }] }) } },
                ],
            },
            {},
        );
        [state] = await rpc.serializeResourceProperties("construct(SelfHostedIrsa, yaml-roles)", result.state);
    });
    it("outputs the roles' ARNs by namespace/serviceAccount, and the audience they pin", () => {
        assert.deepEqual(state.roleArns, {
            "apps/web": `arn:aws:iam::${ACCOUNT_ID}:role/yaml-roles_apps_web-role-abc1234`,
            "apps/worker": `arn:aws:iam::${ACCOUNT_ID}:role/yaml-roles_apps_worker-role-abc1234`,
        });
        assert.equal(state.tokenAudience, "sts.amazonaws.com");
        assert.deepEqual(state.webhookExemptNamespaces, []);
    });
    it("registers each role as roleFor names it: the Role and one policy resource, children of the component", () => {
        const roles = ofType("aws:iam/role:Role", (n) => n.startsWith("yaml-roles_"));
        assert.deepEqual(roles.map((r) => r.name).sort(), ["yaml-roles_apps_web-role", "yaml-roles_apps_worker-role"]);
        assert.equal(JSON.parse(roles.find((r) => r.name === "yaml-roles_apps_web-role")!.inputs.assumeRolePolicy).Statement[0].Principal.Federated, state.oidcProviderArn);
        assert.deepEqual(ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment", (n) => n.startsWith("yaml-roles_")).map((r) => r.name), ["yaml-roles_apps_web-attach-aws-AmazonS3ReadOnlyAccess"]);
        assert.deepEqual(ofType("aws:iam/rolePolicy:RolePolicy", (n) => n.startsWith("yaml-roles_")).map((r) => r.name), ["yaml-roles_apps_worker-policy-queue"]);
        assert.ok(!registeredUrns().some((u) => u.includes("IrsaRole::yaml-roles")), "no IrsaRole component per role");
    });
});
