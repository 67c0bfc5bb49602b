import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { assertInputError } from "./helpers/input-error";
import { ACCOUNT_ID, promiseOf, resources, setupMocks } from "./helpers/pulumi-mocks";
import { addonPolicy } from "../src/aws/addons";
import { buildClustersTrustPolicy } from "../src/oidc/cluster-trust";
import { evaluateWebIdentityTrust } from "../src/oidc/trust-evaluation";

setupMocks();
// Required after setMocks, as the mocks must be in place before resource modules load.
const { IrsaRole } = require("../src/components/irsa-role") as typeof import("../src/components/irsa-role");
type IrsaRoleArgs = import("../src/components/irsa-role").IrsaRoleArgs;
type RoleForOptions = import("../src/components/irsa-role").RoleForOptions;

const { T, childrenOf, drained, make, one } = require("./helpers/irsa-role-test") as typeof import("./helpers/irsa-role-test");
const cluster = (n: string) => ({ oidcProviderArn: `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/oidc.example.com/${n}`, issuerUrl: `https://oidc.example.com/${n}` });
const BLUE = cluster("blue");
const GREEN = cluster("green");
const ZONE = "arn:aws:route53:::hostedzone/Z0AAAAAAAAAAAAAAAAAAA";
const KEY = `arn:aws:kms:eu-west-1:${ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;


describe("IrsaRole clusters: one role trusted by two clusters (blue/green)", () => {
    const expected = JSON.stringify(buildClustersTrustPolicy({ clusters: [BLUE, GREEN], namespace: "payments", serviceAccount: "ledger" }));
    before(async () => {
        await make("bg", { clusters: [BLUE, GREEN], namespace: "payments", serviceAccount: "ledger", managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"] });
        // From StackReferences: every value an Output.
        const out = (c: typeof BLUE) => ({ oidcProviderArn: pulumi.output(c.oidcProviderArn), issuerUrl: pulumi.output(c.issuerUrl) });
        await make("refs", { clusters: [out(BLUE), out(GREEN)], namespace: pulumi.output("payments"), serviceAccount: "ledger" });
        await make("listout", { clusters: pulumi.output([BLUE, GREEN]), namespace: "payments", serviceAccount: "ledger" });
    });
    it("gives the engine a trust policy with one statement per cluster", () => {
        const policy = one(T.role, "bg-role").inputs.assumeRolePolicy;
        assert.equal(policy, expected);
        assert.equal(JSON.parse(policy).Statement.length, 2);
        for (const c of [BLUE, GREEN]) {
            const host = c.issuerUrl.slice(8);
            const context = { [`${host}:sub`]: "system:serviceaccount:payments:ledger", [`${host}:aud`]: "sts.amazonaws.com" };
            assert.equal(evaluateWebIdentityTrust(policy, { providerArn: c.oidcProviderArn, context }).decision, "Allow");
        }
    });
    it("computes the same policy when the clusters come from StackReference outputs", () => {
        assert.equal(one(T.role, "refs-role").inputs.assumeRolePolicy, expected);
        assert.equal(one(T.role, "listout-role").inputs.assumeRolePolicy, expected);
    });
    it("stays the Role plus one resource per policy", () => {
        assert.deepEqual(childrenOf("bg"), [`${T.attachment}::bg-attach-aws-AmazonS3ReadOnlyAccess`, `${T.role}::bg-role`].sort());
    });
});

describe("IrsaRole addons: one inline policy per preset, the chart's ServiceAccount by default", () => {
    let role: InstanceType<typeof IrsaRole>;
    before(async () => {
        role = await make("dns", { clusters: [BLUE, GREEN], addons: { externalDns: { hostedZoneArns: [ZONE] } } });
        await make("sops", { ...BLUE, namespace: "flux-system", serviceAccount: "kustomize-controller", addons: { kmsDecrypt: { keyArns: [pulumi.output(KEY)] }, objectStorage: { bucketArn: "arn:aws:s3:::metrics" } } });
    });
    it("names the RolePolicy after the preset and gives the engine the preset's document", () => {
        assert.deepEqual(childrenOf("dns"), [`${T.role}::dns-role`, `${T.inline}::dns-policy-externalDns`]);
        assert.deepEqual(one(T.inline, "dns-policy-externalDns").inputs, { role: "dns-role-abc1234", name: "externalDns", policy: JSON.stringify(addonPolicy("externalDns", { hostedZoneArns: [ZONE] })) });
    });
    it("trusts external-dns/external-dns in both clusters", async () => {
        assert.equal(await promiseOf(role.namespace), "external-dns");
        assert.equal(await promiseOf(role.serviceAccountName), "external-dns");
        assert.equal(one(T.role, "dns-role").inputs.assumeRolePolicy, JSON.stringify(buildClustersTrustPolicy({ clusters: [BLUE, GREEN], namespace: "external-dns", serviceAccount: "external-dns" })));
    });
    it("computes a preset whose settings hold Outputs once known; two presets, two RolePolicies", () => {
        assert.deepEqual(childrenOf("sops"), [`${T.role}::sops-role`, `${T.inline}::sops-policy-kmsDecrypt`, `${T.inline}::sops-policy-objectStorage`]);
        assert.equal(one(T.inline, "sops-policy-kmsDecrypt").inputs.policy, JSON.stringify(addonPolicy("kmsDecrypt", { keyArns: [KEY] })));
        assert.equal(one(T.inline, "sops-policy-objectStorage").inputs.policy, JSON.stringify(addonPolicy("objectStorage", { bucketArn: "arn:aws:s3:::metrics" })));
    });
});

describe("roleFor's additionalClusters (the options roleFor spreads into IrsaRole)", () => {
    before(async () => {
        // roleFor passes the component's provider and issuer (Outputs) and spreads its options.
        const options: RoleForOptions = { additionalClusters: [GREEN] };
        await make("rf", { oidcProviderArn: pulumi.output(BLUE.oidcProviderArn), issuerUrl: pulumi.output(BLUE.issuerUrl), namespace: "payments", serviceAccount: "ledger", ...options } as IrsaRoleArgs);
    });
    it("trusts the component's cluster first, then the additional ones", () => {
        assert.equal(one(T.role, "rf-role").inputs.assumeRolePolicy, JSON.stringify(buildClustersTrustPolicy({ clusters: [BLUE, GREEN], namespace: "payments", serviceAccount: "ledger" })));
    });
});

describe("IrsaRole clusters/addons: bad input fails before anything is registered", () => {
    const many = Array.from({ length: 7 }, (_, i) => cluster(`cluster-${String(i).padStart(2, "0")}`));
    const cases: Array<[string, IrsaRoleArgs, string]> = [
        ["both forms", { ...BLUE, clusters: [GREEN], namespace: "a", serviceAccount: "b" }, "`clusters` \"(set)\" is given together with `oidcProviderArn`/`issuerUrl`"],
        ["neither form", { namespace: "a", serviceAccount: "b" }, "`clusters` (not set) is not set and neither are `oidcProviderArn` and `issuerUrl`: the role would trust no cluster"],
        ["a cluster listed twice", { clusters: [BLUE, GREEN, BLUE], namespace: "a", serviceAccount: "b" }, `\`clusters[2].oidcProviderArn\` "${BLUE.oidcProviderArn}" is already listed as clusters[0]`],
        ["too many clusters for the default quota", { clusters: many, namespace: "payments", serviceAccount: "ledger" }, '`clusters` "7 clusters" make a trust policy of'],
        ["a preset name that does not exist", { ...BLUE, addons: { externalDNS: {} } as never }, '`addons.externalDNS` "externalDNS" is not an add-on preset'],
        ["two presets with defaults and no ServiceAccount", { ...BLUE, addons: { externalDns: { hostedZoneArns: [ZONE] }, certManager: { hostedZoneArns: [ZONE] } } }, "`namespace` (not set) is needed: the presets externalDns, certManager each have a default ServiceAccount, so none is chosen. Fix: give namespace and serviceAccount, or make one role per add-on"],
        ["a preset without defaults and no ServiceAccount", { ...BLUE, addons: { objectStorage: { bucketArn: "arn:aws:s3:::metrics" } } }, "`namespace` (not set) is needed: the preset(s) objectStorage have no conventional ServiceAccount"],
        ["an inline policy named like a preset", { ...BLUE, addons: { externalDns: { hostedZoneArns: [ZONE] } }, inlinePolicies: { externalDns: "{}" } }, '`inlinePolicies.externalDns` "externalDns" is also the name of the inline policy of the add-on preset `addons.externalDns`'],
        ["an ARN of another partition than the role's", { clusters: [BLUE], namespace: "a", serviceAccount: "b", addons: { externalDns: { hostedZoneArns: ["arn:aws-cn:route53:::hostedzone/Z0CN"] } } }, '`addons.externalDns.hostedZoneArns[0]` "arn:aws-cn:route53:::hostedzone/Z0CN" is in partition "aws-cn", not "aws"'],
    ];
    for (const [name, args, message] of cases) {
        it(`rejects ${name}`, () => {
            const before = resources.length;
            assertInputError(() => new IrsaRole(`bad-${name.replace(/\W+/g, "-")}`, args), message);
            assert.equal(resources.length, before, "nothing registered");
        });
    }
    it("accepts the seven clusters once the raised quota is given", async () => {
        await make("raised", { clusters: many, namespace: "payments", serviceAccount: "ledger", maxTrustPolicySize: 4096 });
        assert.equal(JSON.parse(one(T.role, "raised-role").inputs.assumeRolePolicy).Statement.length, 7);
    });
});
