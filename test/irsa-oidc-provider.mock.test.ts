// IrsaOidcProvider: the cluster's issuer registered in another AWS account, through that account's AWS provider,
// protected like SelfHostedIrsa's own provider and built by the same builder; its outputs feed IrsaRole there.
import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { promiseOf, resources, setupMocks } from "./helpers/pulumi-mocks";
import { engineRequests, recordEngineRequests, requestOf } from "./helpers/engine-requests";

setupMocks();
recordEngineRequests();
const aws = require("@pulumi/aws") as typeof import("@pulumi/aws");
const { IrsaOidcProvider } = require("../src/components/irsa-oidc-provider") as typeof import("../src/components/irsa-oidc-provider");
const { IrsaRole } = require("../src/components/irsa-role") as typeof import("../src/components/irsa-role");
const { SelfHostedIrsa } = require("../src/components/selfhosted-irsa") as typeof import("../src/components/selfhosted-irsa");
const { key, settleAll } = require("./helpers/irsa-program") as typeof import("./helpers/irsa-program");

const PROVIDER = "aws:iam/openIdConnectProvider:OpenIdConnectProvider";
const ISSUER = "https://cluster-irsa-2bbdc4c4-123456789012-eu-west-1-an.s3.eu-west-1.amazonaws.com";
const HOST = ISSUER.slice("https://".length);
const BILLING = "222233334444";

describe("IrsaOidcProvider in another account", () => {
    let billing: import("@pulumi/aws").Provider;
    let registered: InstanceType<typeof IrsaOidcProvider>;
    let role: InstanceType<typeof IrsaRole>;
    before(async () => {
        billing = new aws.Provider("billing", { region: "eu-west-1", assumeRoles: [{ roleArn: `arn:aws:iam::${BILLING}:role/irsa-deployer` }] });
        registered = new IrsaOidcProvider("cluster-in-billing", { issuerUrl: ISSUER, tags: { cluster: "prod" } }, { provider: billing });
        role = new IrsaRole("billing-reader", { oidcProviderArn: registered.arn, issuerUrl: registered.issuerUrl, namespace: "billing", serviceAccount: "reader", managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"] }, { provider: billing });
        await settleAll();
    });

    it("registers the issuer with the default audience, through the other account's AWS provider", async () => {
        const provider = resources.find((r) => r.type === PROVIDER && r.name === "cluster-in-billing-oidc-provider")!;
        assert.deepEqual(provider.inputs, { url: ISSUER, clientIdLists: ["sts.amazonaws.com"], tags: { cluster: "prod" } });
        assert.match(provider.provider ?? "", /pulumi:providers:aws::billing::billing_id$/);
        assert.equal(await promiseOf(registered.arn), `arn:aws:iam::${BILLING}:oidc-provider/${HOST}`);
        assert.equal(await promiseOf(registered.issuerUrl), ISSUER);
    });

    it("is protected by default, and its component is typed selfhosted-irsa:index:IrsaOidcProvider", () => {
        assert.equal(requestOf(PROVIDER, "cluster-in-billing-oidc-provider").protect, true);
        assert.equal(requestOf("selfhosted-irsa:index:IrsaOidcProvider", "cluster-in-billing").protect, false, "the component itself holds nothing to protect");
        assert.match(requestOf(PROVIDER, "cluster-in-billing-oidc-provider").parent, /selfhosted-irsa:index:IrsaOidcProvider::cluster-in-billing$/);
    });

    it("feeds IrsaRole in that account: its trust names this provider and issuer, and the role is that account's", async () => {
        const trust = JSON.parse(await promiseOf(role.trustPolicy));
        assert.equal(trust.Statement[0].Principal.Federated, `arn:aws:iam::${BILLING}:oidc-provider/${HOST}`);
        assert.deepEqual(trust.Statement[0].Condition.StringEquals, { [`${HOST}:sub`]: "system:serviceaccount:billing:reader", [`${HOST}:aud`]: "sts.amazonaws.com" });
        assert.match(await promiseOf(role.roleArn), new RegExp(`^arn:aws:iam::${BILLING}:role/billing-reader-role-`));
    });

    it("is the same resource SelfHostedIrsa registers for its own account (one builder)", async () => {
        const own = new SelfHostedIrsa("same-builder", { region: "eu-west-1", bucketNamespace: "global", bucketName: "same-builder-oidc", signingKey: { privateKeyPem: key("rsa2048.pkcs8.pem") }, webhook: { enabled: false }, tags: { cluster: "prod" } });
        new IrsaOidcProvider("same-builder-elsewhere", { issuerUrl: "https://same-builder-oidc.s3.eu-west-1.amazonaws.com", tags: { cluster: "prod" } }, { provider: billing });
        await promiseOf(own.oidcProviderArn);
        await settleAll();
        const a = requestOf(PROVIDER, "same-builder-oidc-provider");
        const b = requestOf(PROVIDER, "same-builder-elsewhere-oidc-provider");
        assert.deepEqual(b.object, a.object);
        assert.equal(b.protect, a.protect);
        assert.equal(b.type, a.type);
    });
});

describe("IrsaOidcProvider arguments", () => {
    it("takes audiences, thumbprints and protectIdentity: false", async () => {
        const p = new IrsaOidcProvider("aud-thumb", { issuerUrl: "https://oidc.example.com/cluster-a", audiences: ["sts.amazonaws.com", "vault"], thumbprints: ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"], protectIdentity: false });
        await promiseOf(p.arn);
        await settleAll();
        const request = requestOf(PROVIDER, "aud-thumb-oidc-provider");
        assert.deepEqual(request.object, { url: "https://oidc.example.com/cluster-a", clientIdLists: ["sts.amazonaws.com", "vault"], thumbprintLists: ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"] });
        assert.equal(request.protect, false);
    });

    it("checks plain values like SelfHostedIrsa does, before anything is registered", () => {
        const before = engineRequests.length;
        const rejects = (args: object, message: string) => assert.throws(() => new IrsaOidcProvider("bad", args as never), { name: "IrsaInputError", message });
        rejects({}, "`issuerUrl` (not set) is required: the provider registers one issuer. Fix: pass the cluster's issuer, e.g. the `issuerUrl` output of its SelfHostedIrsa");
        rejects({ issuerUrl: "https://oidc.example.com/" }, "`issuerUrl` \"https://oidc.example.com/\" must not end with a slash (the token's iss, the discovery document and the IAM provider URL must match exactly). Fix: use \"https://oidc.example.com\"");
        rejects({ issuerUrl: "http://oidc.example.com" }, "`issuerUrl` \"http://oidc.example.com\" must use https:// (STS fetches the discovery document over HTTPS only). Fix: use \"https://oidc.example.com\"");
        rejects({ issuerUrl: "https://oidc.example.com", audiences: [] }, "`audiences` \"[]\" must hold at least one audience. Fix: leave it unset for [\"sts.amazonaws.com\"]");
        rejects({ issuerUrl: "https://oidc.example.com", audiences: ["a", "a"] }, "`audiences[1]` \"a\" is listed twice. Fix: list each audience once");
        rejects({ issuerUrl: "https://oidc.example.com", thumbprints: ["xyz"] }, "`thumbprints[0]` \"xyz\" is not a SHA-1 thumbprint (40 hex digits). Fix: give the certificate's SHA-1 fingerprint without colons");
        rejects({ issuerUrl: "https://oidc.example.com", protectIdentity: "yes" }, "`protectIdentity` \"yes\" is not a boolean (it must be known before deployment: it decides the resource options). Fix: pass true (the default) or false");
        assert.equal(engineRequests.length, before);
    });

    it("checks an issuer that arrives as an Output once it is known", async () => {
        const p = new IrsaOidcProvider("from-stack", { issuerUrl: pulumi.output("https://oidc.example.com/cluster-b") });
        assert.equal(await promiseOf(p.issuerUrl), "https://oidc.example.com/cluster-b");
    });
});

describe("IrsaOidcProvider from other languages (the component provider that `pulumi package add` hosts)", () => {
    it("constructs from plain inputs, with the other account's provider in the options, and serializes its outputs", async () => {
        const { ComponentProvider } = require("@pulumi/pulumi/provider/experimental/provider") as {
            ComponentProvider: new (options: { name: string; dirname: string; components: unknown[] }) => { construct(name: string, type: string, inputs: Record<string, unknown>, options: Record<string, unknown>): Promise<{ state: Record<string, unknown> }> };
        };
        const { REPO_ROOT } = require("./helpers/plugin-host") as typeof import("./helpers/plugin-host");
        const rpc = require("@pulumi/pulumi/runtime/rpc") as { serializeResourceProperties(label: string, props: Record<string, unknown>): Promise<[Record<string, any>, unknown]> };
        const provider = new ComponentProvider({ name: "selfhosted-irsa", dirname: REPO_ROOT, components: [IrsaOidcProvider] });
        const billing = new aws.Provider("billing-py", { region: "eu-west-1", assumeRoles: [{ roleArn: `arn:aws:iam::${BILLING}:role/irsa-deployer` }] });
        const result = await provider.construct("py-in-billing", "selfhosted-irsa:index:IrsaOidcProvider", { issuerUrl: ISSUER, audiences: ["sts.amazonaws.com"] }, { providers: [billing] });
        const [state] = await rpc.serializeResourceProperties("construct", result.state);
        assert.deepEqual(state, { arn: `arn:aws:iam::${BILLING}:oidc-provider/${HOST}`, issuerUrl: ISSUER });
    });
});
