// SelfHostedIrsa's `roles` input (issue 19 item 7: roleFor for every language) under the real engine, from YAML:
// each entry is the Role plus one policy resource under the component (no component per role), named as roleFor
// names it (`<component>_<namespace>_<serviceAccount>`, so ("team-a", "writer") and ("team", "a-writer") do not
// collide), trusting the component's provider with `sub` and `aud` pinned (aud = the component's tokenAudience);
// roleArns keys them; a second preview changes nothing; a bad entry fails the preview naming roles[i] before
// anything is created.
import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { changes, createWorkspace, engineParts, Stack, StateResource, Workspace, YamlProgram } from "./helpers/engine";
import { loadAccount } from "./standins/aws/store";
import { buildTrustPolicy } from "../../src/oidc/trust-policy";

const COMPONENT = "selfhosted-irsa:index:SelfHostedIrsa";
const READ_ONLY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";
const ENTRIES = [
    { namespace: "apps", serviceAccount: "reader", managedPolicyArns: [READ_ONLY] },
    // The 0.2 names of these two were the same (irsa-team-a-writer): the engine refused the second URN.
    { namespace: "team-a", serviceAccount: "writer", inlinePolicies: { write: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:PutObject", Resource: "arn:aws:s3:::team-a-data/*" }] }) } },
    { namespace: "team", serviceAccount: "a-writer", managedPolicyArns: [READ_ONLY] },
];

const program = (roles: unknown[]): YamlProgram => ({
    resources: { irsa: { type: COMPONENT, properties: { webhook: { enabled: false }, protectIdentity: false, forceDestroy: true, roles } } },
    outputs: { roleArns: "${irsa.roleArns}", providerArn: "${irsa.oidcProviderArn}", issuerUrl: "${irsa.issuerUrl}", tokenAudience: "${irsa.tokenAudience}" },
});

/** The URN's last type (the resource's own) and name. */
const typeAndName = (r: StateResource) => {
    const parts = r.urn.split("::");
    return { type: r.type, name: parts[parts.length - 1] };
};

describe("SelfHostedIrsa `roles` from YAML under the real engine", { ...engineParts("pulumi", "pulumi-yaml"), timeout: 1_200_000 }, () => {
    let ws: Workspace;
    let stack: Stack;
    let out: Record<string, any>;
    let resources: StateResource[];

    before(async () => {
        ws = await createWorkspace("roles");
        stack = await ws.stack("irsa-roles", program(ENTRIES));
        await stack.up();
        out = await stack.outputs();
        resources = (await stack.exportState()).deployment.resources;
    });
    after(() => ws?.close());

    it("each entry is one aws:iam:Role and one policy resource, children of the component, named <component>_<namespace>_<serviceAccount>", () => {
        const component = resources.find((r) => r.type === COMPONENT)!;
        const children = resources.filter((r) => r.parent === component.urn && r.type.startsWith("aws:iam/") && !r.type.includes("OpenIdConnect"));
        assert.ok(!resources.some((r) => r.type === "selfhosted-irsa:index:IrsaRole"), "a component per role");
        const roles = children.filter((r) => r.type === "aws:iam/role:Role").map((r) => typeAndName(r).name).sort();
        assert.deepEqual(roles, ["irsa_apps_reader-role", "irsa_team-a_writer-role", "irsa_team_a-writer-role"]);
        const policies = children.filter((r) => r.type !== "aws:iam/role:Role").map((r) => typeAndName(r));
        assert.equal(policies.length, ENTRIES.length, JSON.stringify(policies));
        for (const role of roles) {
            assert.equal(policies.filter((p) => p.name.startsWith(`${role.replace(/-role$/, "")}-`)).length, 1, `${role}: ${JSON.stringify(policies)}`);
        }
        assert.equal(policies.filter((p) => p.type === "aws:iam/rolePolicy:RolePolicy").length, 1);
    });

    it("IAM holds each role with the trust roleFor builds: this provider, sub and aud (the component's tokenAudience) pinned; roleArns keys them", () => {
        assert.equal(out.tokenAudience, "sts.amazonaws.com");
        const iam = Object.values(loadAccount(ws.awsDir).roles);
        assert.deepEqual(Object.keys(out.roleArns).sort(), ENTRIES.map((e) => `${e.namespace}/${e.serviceAccount}`).sort());
        for (const entry of ENTRIES) {
            const arn = out.roleArns[`${entry.namespace}/${entry.serviceAccount}`];
            const role = iam.find((r) => r.arn === arn);
            assert.ok(role, `${arn} is not in IAM`);
            const expected = buildTrustPolicy({ oidcProviderArn: out.providerArn, issuerUrl: out.issuerUrl, namespace: entry.namespace, serviceAccount: entry.serviceAccount, audience: out.tokenAudience });
            assert.deepEqual(JSON.parse(role.assumeRolePolicy), expected);
        }
    });

    it("a second preview changes nothing", async () => {
        assert.deepEqual(changes(await stack.preview(["--expect-no-changes"])), []);
    });

    it("a bad entry fails the preview, naming roles[i] and the rule, and nothing is created", async () => {
        const bad = await ws.stack("irsa-roles-bad", program([ENTRIES[0], { namespace: "Team_A", serviceAccount: "writer", managedPolicyArns: [READ_ONLY] }]));
        const before = JSON.stringify(loadAccount(ws.awsDir));
        const preview = await bad.preview([], { allowFail: true });
        const messages = preview.diagnostics.map((d) => d.message).join("\n");
        assert.match(messages, /roles\[1\]\.namespace/);
        assert.match(messages, /Team_A/);
        const up = await bad.up([], { allowFail: true });
        assert.notEqual(up.code, 0);
        assert.equal(JSON.stringify(loadAccount(ws.awsDir)), before, "the failed up created something in the account");
    });
});
