// The component's own roles: roleFor's names and aliases (issue 15 item 5), its resource options (item 6), namespaces
// the webhook never intercepts (item 7), the audience roles pin (item 11), and `roles` for every language (issue
// 19 item 7), read from what the engine receives.
import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { ACCOUNT_ID, promiseOf, registeredUrns, resources, setupMocks } from "./helpers/pulumi-mocks";
import { engineRequests, recordEngineRequests, requestOf } from "./helpers/engine-requests";
import { assertInputError } from "./helpers/input-error";

setupMocks();
recordEngineRequests();
const k8s = require("@pulumi/kubernetes") as typeof import("@pulumi/kubernetes");
const { SelfHostedIrsa } = require("../src/components/selfhosted-irsa") as typeof import("../src/components/selfhosted-irsa");
const { IrsaRole } = require("../src/components/irsa-role") as typeof import("../src/components/irsa-role");
const { buildTrustPolicy } = require("../src/oidc/trust-policy") as typeof import("../src/oidc/trust-policy");
const { key, settleAll } = require("./helpers/irsa-program") as typeof import("./helpers/irsa-program");

const T = {
    irsaRole: "selfhosted-irsa:index:IrsaRole",
    role: "aws:iam/role:Role",
    attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    inline: "aws:iam/rolePolicy:RolePolicy",
    patch: "kubernetes:core/v1:ServiceAccountPatch",
    serviceAccount: "kubernetes:core/v1:ServiceAccount",
};
const READ = "arn:aws:iam::aws:policy/ReadOnlyAccess";
const S3_READ = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";
const DOC = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::data/*" }] });
const pem = () => key("ec-p256.spki.pem");
const component = (name: string, args: ConstructorParameters<typeof SelfHostedIrsa>[1] = {}) =>
    new SelfHostedIrsa(name, { region: "eu-west-1", bucketNamespace: "global", bucketName: `${name}-oidc`, signingKey: { publicKeyPems: [pem()] }, webhook: { enabled: false }, protectIdentity: false, ...args });
const urnOf = (type: string, name: string) => registeredUrns().find((u) => u.endsWith(`${type}::${name}`));

describe("roleFor names: unambiguous, and the 0.2 name as an alias", () => {
    before(async () => {
        const irsa = component("names");
        irsa.roleFor("team-a", "reader", READ);
        irsa.roleFor("team", "a-reader", READ);
        await settleAll();
    });
    it("registers two roles where 0.2 registered one URN twice (the real engine refuses the second)", () => {
        assert.ok(urnOf(T.irsaRole, "names_team-a_reader"));
        assert.ok(urnOf(T.irsaRole, "names_team_a-reader"));
        assert.notEqual(requestOf(T.role, "names_team-a_reader-role").name, requestOf(T.role, "names_team_a-reader-role").name);
    });
    it("aliases the first role of a 0.2 name to it (a deployed role keeps its URN); the second could never have been deployed", () => {
        assert.deepEqual(requestOf(T.irsaRole, "names_team-a_reader").aliasNames, ["names-team-a-reader"]);
        assert.deepEqual(requestOf(T.irsaRole, "names_team_a-reader").aliasNames, []);
        // The Role keeps Pulumi's auto-name, as in 0.2: an aliased role's IAM name stays what the provider made.
        assert.equal(requestOf(T.role, "names_team-a_reader-role").object.name, undefined);
    });
    it("refuses a second role for one ServiceAccount, naming both", () => {
        const irsa = component("twice");
        irsa.roleFor("team-a", "reader", READ);
        assertInputError(() => irsa.roleFor("team-a", "reader", DOC), '`serviceAccount` "team-a/reader" already has a role from this component (roleFor("team-a", "reader")); roleFor("team-a", "reader") would make a second of the same name. Fix: give that one role all its policies, or make an IrsaRole of another name');
    });
    it("keeps a derived IAM name once the role exists (ignoreChanges), so 0.2's long names are not replaced", async () => {
        const irsa = component("prod-cluster-irsa-eu-central-1");
        irsa.roleFor("monitoring", "kube-prometheus-stack-operator", READ);
        await settleAll();
        const role = requestOf(T.role, "prod-cluster-irsa-eu-central-1_monitoring_kube-prometheus-stack-operator-role");
        assert.match(role.object.name, /^prod-cluster-irsa-eu-central-1_monitoring_kube-promethe-[0-9a-f]{8}$/);
        assert.deepEqual(role.ignoreChanges, ["name"]);
        assert.equal(role.deleteBeforeReplace, true);
        // A name the user gives is theirs: a change replaces the role.
        assert.deepEqual(requestOf(T.role, "names_team-a_reader-role").ignoreChanges, []);
    });
});

describe("roleFor's resource options", () => {
    let chart: pulumi.CustomResource;
    before(async () => {
        const irsa = component("opts");
        chart = new k8s.core.v1.ConfigMap("app-chart", { metadata: { name: "stand-in-for-the-chart" } });
        irsa.roleFor("apps", "web", READ, { annotateServiceAccount: true }, { dependsOn: [chart], protect: true, aliases: [{ name: "web-role-before" }] });
        await settleAll();
    });
    it("merges them: dependsOn, protect, the caller's aliases beside roleFor's own, the component still the parent", async () => {
        const request = requestOf(T.irsaRole, "opts_apps_web");
        const chartUrn = await promiseOf(chart.urn);
        assert.ok(request.dependencies.includes(chartUrn), request.dependencies.join(", "));
        assert.equal(request.protect, true);
        assert.deepEqual(request.aliasNames.sort(), ["opts-apps-web", "web-role-before"]);
        assert.match(request.parent, /SelfHostedIrsa::opts$/);
    });
    it("orders the ServiceAccount patch after the app's chart (a server-side apply would otherwise create it first)", async () => {
        assert.ok(requestOf(T.patch, "opts_apps_web-service-account-annotations").dependencies.includes(await promiseOf(chart.urn)));
    });
    it("refuses another parent", () => {
        const irsa = component("opts-parent");
        assertInputError(() => irsa.roleFor("apps", "web", READ, {}, { parent: chart }), "`opts.parent` \"(another resource)\" is not this component");
    });
});

describe("namespaces the webhook never intercepts", () => {
    const failClosed = { enabled: true, region: "eu-west-1", failurePolicy: "Fail" as const, namespace: "irsa-system" };
    it("roleFor refuses a ServiceAccount in kube-system or the webhook's namespace, naming the role and the fix", () => {
        const irsa = component("fail", { webhook: failClosed });
        for (const ns of ["kube-system", "irsa-system"]) {
            assertInputError(
                () => irsa.roleFor(ns, "ebs-csi-controller-sa", READ),
                `\`namespace\` "${ns}" is a namespace the cluster's pod identity webhook never intercepts (with failurePolicy "Fail" it leaves out kube-system and irsa-system, so that it can never block the pods that bring it back): the pods of role fail_${ns}_ebs-csi-controller-sa would start without AWS credentials. Fix: run the workload and its ServiceAccount in another namespace (give \`namespace\`), or set the webhook's failurePolicy to "Ignore" (README, "The webhook's failure policy")`,
            );
        }
        irsa.roleFor("storage", "ebs-csi-controller-sa", READ);
    });
    it("an IrsaRole whose preset defaults to kube-system is refused with the component's webhookExemptNamespaces; none with Ignore", async () => {
        const irsa = component("exempt", { webhook: failClosed });
        const open = component("exempt-open", { webhook: { ...failClosed, failurePolicy: "Ignore" } });
        assert.deepEqual(await promiseOf(irsa.webhookExemptNamespaces), ["kube-system", "irsa-system"]);
        assert.deepEqual(await promiseOf(open.webhookExemptNamespaces), []);
        assert.deepEqual(await promiseOf(component("exempt-none").webhookExemptNamespaces), []);
        const args = { oidcProviderArn: `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/oidc.example.com/a`, issuerUrl: "https://oidc.example.com/a", addons: { ebsCsiDriver: {} } };
        assertInputError(() => new IrsaRole("ebs", { ...args, webhookExemptNamespaces: ["kube-system", "irsa-system"] }), '`namespace` "kube-system" is a namespace the cluster\'s pod identity webhook never intercepts');
        new IrsaRole("ebs-ignore", { ...args, webhookExemptNamespaces: [] });
        await settleAll();
        assert.ok(urnOf(T.role, "ebs-ignore-role"));
    });
    it("warns for a wildcard namespace that also matches one of them", async () => {
        const warnings: string[] = [];
        const warn = pulumi.log.warn;
        (pulumi.log as { warn: typeof warn }).warn = async (message: string) => void warnings.push(message);
        try {
            const irsa = component("wild", { webhook: failClosed });
            irsa.roleFor("kube-*", "*", READ, { subjectMatch: "wildcard" });
            await settleAll();
        } finally {
            (pulumi.log as { warn: typeof warn }).warn = warn;
        }
        assert.deepEqual(warnings, [
            'Role wild_kube-*_*: its namespace pattern "kube-*" also matches kube-system, where the cluster\'s pod identity webhook injects nothing (with failurePolicy "Fail" it leaves out kube-system and irsa-system, so that it can never block the pods that bring it back): pods there get no AWS credentials from it.',
        ]);
    });
});

describe("tokenAudience: the audience roles pin", () => {
    it("is the webhook's token audience, and roleFor pins it; without a webhook the first audience", async () => {
        const audiences = ["sts.amazonaws.com", "irsa.example.com"];
        const hooked = component("aud", { audiences, webhook: { enabled: true, region: "eu-west-1", tokenAudience: "irsa.example.com" } });
        hooked.roleFor("apps", "web", READ);
        const plain = component("aud-plain", { audiences });
        await settleAll();
        assert.equal(await promiseOf(hooked.tokenAudience), "irsa.example.com");
        assert.equal(await promiseOf(plain.tokenAudience), "sts.amazonaws.com");
        const condition = JSON.parse(requestOf(T.role, "aud_apps_web-role").object.assumeRolePolicy).Statement[0].Condition.StringEquals;
        assert.equal(condition[Object.keys(condition).find((k) => k.endsWith(":aud"))!], "irsa.example.com");
    });
});

describe("roles: roleFor for every language", () => {
    let irsa: InstanceType<typeof SelfHostedIrsa>;
    let viaRoleFor: InstanceType<typeof SelfHostedIrsa>;
    before(async () => {
        const roles = [
            { namespace: "team-a", serviceAccount: "reader", managedPolicyArns: [S3_READ] },
            { namespace: "team", serviceAccount: "a-reader", inlinePolicies: { irsa: DOC }, createServiceAccount: true },
        ];
        irsa = component("list", { roles });
        // The same roles through roleFor, in a component of the same name (another stack would do the same).
        viaRoleFor = component("list-rf");
        viaRoleFor.roleFor("team-a", "reader", S3_READ);
        await settleAll();
    });
    it("makes each the Role plus one policy resource under the component: no component per role", () => {
        const children = resources.filter((r) => r.name.startsWith("list_"));
        assert.deepEqual(children.map((r) => `${r.type}::${r.name}`).sort(), [
            `${T.serviceAccount}::list_team_a-reader-service-account`,
            `${T.role}::list_team-a_reader-role`,
            `${T.role}::list_team_a-reader-role`,
            `${T.inline}::list_team_a-reader-policy`,
            `${T.attachment}::list_team-a_reader-attach-aws-AmazonS3ReadOnlyAccess`,
        ].sort());
        assert.match(urnOf(T.role, "list_team-a_reader-role")!, /SelfHostedIrsa\$aws:iam\/role:Role::/);
        assert.ok(!registeredUrns().some((u) => u.includes("IrsaRole::list_")));
    });
    it("with roleFor's names, trust and audience", async () => {
        const out = { arn: await promiseOf(irsa.oidcProviderArn), issuer: await promiseOf(irsa.issuerUrl) };
        const trust = JSON.parse(requestOf(T.role, "list_team-a_reader-role").object.assumeRolePolicy);
        assert.deepEqual(trust, buildTrustPolicy({ oidcProviderArn: out.arn, issuerUrl: out.issuer, namespace: "team-a", serviceAccount: "reader" }));
        const mirror = requestOf(T.role, "list-rf_team-a_reader-role").object;
        assert.deepEqual({ ...requestOf(T.role, "list_team-a_reader-role").object, assumeRolePolicy: undefined }, { ...mirror, assumeRolePolicy: undefined });
    });
    it("outputs their ARNs by namespace/serviceAccount", async () => {
        assert.deepEqual(await promiseOf(irsa.roleArns), {
            "team-a/reader": `arn:aws:iam::${ACCOUNT_ID}:role/list_team-a_reader-role-abc1234`,
            "team/a-reader": `arn:aws:iam::${ACCOUNT_ID}:role/list_team_a-reader-role-abc1234`,
        });
    });
    it("checks every entry before anything is registered, naming it", () => {
        const before = engineRequests.length;
        assertInputError(() => component("bad-list", { roles: [{ namespace: "apps", serviceAccount: "ok" }, { namespace: "Apps", serviceAccount: "web" }] }), '`roles[1].namespace` "Apps" is not a DNS-1123 label');
        assertInputError(() => component("bad-list2", { roles: [{ namespace: "apps", serviceAccount: "web" }, { namespace: "apps", serviceAccount: "web" }] }), '`roles[1].serviceAccount` "apps/web" already has a role from this component (roles[0])');
        assertInputError(() => component("bad-list3", { roles: [{ namespace: "apps", serviceAccount: "web", tokenExpiration: 3600 }] }), "`roles[0].tokenExpiration` \"3600\" only applies to a ServiceAccount");
        assert.equal(engineRequests.length, before, "nothing registered");
    });
    it("shares roleFor's one-role-per-ServiceAccount rule", () => {
        assertInputError(() => irsa.roleFor("team-a", "reader", READ), '`serviceAccount` "team-a/reader" already has a role from this component (roles[0])');
    });
});
