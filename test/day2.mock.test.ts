// Day 2: what the engine receives on every registration (protect, retainOnDelete, deleteBeforeReplace,
// ignoreChanges, dependencies), read from the RegisterResource requests, so that the next `pulumi up`, an
// edit, a rename or a destroy cannot break the issuer or the keys.
import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import { ACCOUNT_ID, promiseOf, registeredUrns, resources, setupMocks, tlsPrivateKeys } from "./helpers/pulumi-mocks";
import { engineRequests, recordEngineRequests, requestOf } from "./helpers/engine-requests";

setupMocks();
recordEngineRequests();
// Required after setMocks: resource modules must load with the mocks in place.
const { SelfHostedIrsa } = require("../src/components/selfhosted-irsa") as typeof import("../src/components/selfhosted-irsa");
const { IrsaRole } = require("../src/components/irsa-role") as typeof import("../src/components/irsa-role");
const { keyShapeChangeWarning } = require("../src/kubernetes/signing-key") as typeof import("../src/kubernetes/signing-key");
const { checkExpectedIssuer } = require("../src/plans/selfhosted-irsa-args") as typeof import("../src/plans/selfhosted-irsa-args");
const { T, key, settleAll } = require("./helpers/irsa-program") as typeof import("./helpers/irsa-program");

const RSA = key("rsa2048.pkcs8.pem");
const { readPrivateKey } = require("../src/oidc/keys") as typeof import("../src/oidc/keys");
// Real key material for the "generated" keys, so the documents can be built from them.
for (const name of ["prot-signing-key", "throwaway-signing-key"]) {
    tlsPrivateKeys[name] = { privateKeyPem: RSA, publicKeyPem: readPrivateKey(RSA).publicKey.spkiPem };
}
const KEY_TYPE = "tls:index/privateKey:PrivateKey";
const drained = async (): Promise<void> => {
    await settleAll();
};
const urnsOf = (name: string): string[] => registeredUrns().filter((u) => u.split("::").pop()!.startsWith(name));

describe("protected by default: the signing key, the bucket and the IAM OIDC provider", () => {
    before(async () => {
        new SelfHostedIrsa("prot", { region: "eu-west-1" });
        new SelfHostedIrsa("throwaway", { region: "eu-west-1", protectIdentity: false });
        await drained();
    });
    it("sends protect for exactly those three, nothing else", () => {
        const protectedNames = engineRequests.filter((r) => r.name.startsWith("prot-") && r.protect).map((r) => `${r.type}::${r.name}`);
        assert.deepEqual(protectedNames.sort(), [`${T.provider}::prot-oidc-provider`, `${T.bucket}::prot-bucket`, `${KEY_TYPE}::prot-signing-key`].sort());
    });
    it("protectIdentity: false protects nothing (throwaway stacks, tests)", () => {
        assert.deepEqual(engineRequests.filter((r) => r.name.startsWith("throwaway") && r.protect), []);
        assert.ok(engineRequests.filter((r) => r.name.startsWith("throwaway-")).length >= 10);
    });
    it("never replaces the generated key on an algorithm or size edit: those fields are ignored", () => {
        assert.deepEqual(requestOf(KEY_TYPE, "prot-signing-key").ignoreChanges, ["algorithm", "rsaBits", "ecdsaCurve"]);
        const secretOutputs = new Set(requestOf(KEY_TYPE, "prot-signing-key").additionalSecretOutputs);
        for (const field of ["privateKeyPem", "privateKeyPemPkcs8", "privateKeyOpenssh"]) assert.ok(secretOutputs.has(field), field);
    });
    it("says so when the asked-for key differs from the kept one", () => {
        assert.equal(keyShapeChangeWarning({ algorithm: "RSA", rsaBits: 2048 }, { algorithm: "RSA", rsaBits: 2048 }), undefined);
        assert.equal(keyShapeChangeWarning({ algorithm: "ECDSA", rsaBits: 2048 }, { algorithm: "ECDSA" }), undefined);
        assert.equal(
            keyShapeChangeWarning({ algorithm: "RSA", rsaBits: 2048 }, { algorithm: "RSA", rsaBits: 4096 }),
            "signingKey asks for a RSA 4096 key, but the generated signing key is RSA 2048 and was kept: replacing it would break every service-account token the API server signs. To change keys, rotate (planKeyRotation, README \"Rotating the signing key\"), or set signingKey back to { algorithm: \"RSA\", rsaBits: 2048 } to silence this warning.",
        );
        assert.match(keyShapeChangeWarning({ algorithm: "RSA", rsaBits: 2048 }, { algorithm: "ECDSA" })!, /asks for a ECDSA key, but the generated signing key is RSA 2048/);
    });
    it("writes the public access block only after the ownership controls (S3 answers 409 to concurrent writes)", async () => {
        const ownershipUrn = registeredUrns().find((u) => u.endsWith("::prot-ownership"))!;
        assert.ok(requestOf(T.accessBlock, "prot-public-access").dependencies.includes(ownershipUrn));
    });
    it("keeps the bucket on destroy only when the provider is not the component's", () => {
        assert.equal(requestOf(T.bucket, "prot-bucket").retainOnDelete, false, "the component's own provider goes with it");
    });
});

describe("an existing IAM OIDC provider: the bucket outlives a destroy", () => {
    it("retains the bucket, whose name the provider and its roles still trust", async () => {
        const bucket = "ext-oidc";
        const arn = `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/${bucket}.s3.eu-west-1.amazonaws.com`;
        new SelfHostedIrsa("ext", { region: "eu-west-1", bucketNamespace: "global", bucketName: bucket, existingOidcProviderArn: arn, signingKey: { privateKeyPem: RSA }, webhook: { enabled: false } });
        await drained();
        const request = requestOf(T.bucket, "ext-bucket");
        assert.equal(request.retainOnDelete, true);
        assert.equal(request.protect, true);
        assert.equal(engineRequests.filter((r) => r.type === T.provider && r.name.startsWith("ext")).length, 0);
    });
});

describe("expectedIssuerUrl pins the issuer", () => {
    const ISSUER = "https://pinned-oidc.s3.eu-west-1.amazonaws.com";
    it("refuses a program whose issuer moved, before anything is registered, naming both URLs", async () => {
        const before = engineRequests.length;
        assert.throws(() => new SelfHostedIrsa("moved", { region: "eu-west-1", bucketNamespace: "global", bucketName: "other-oidc", expectedIssuerUrl: ISSUER }), {
            name: "IrsaInputError",
            message:
                "`expectedIssuerUrl` \"https://pinned-oidc.s3.eu-west-1.amazonaws.com\" is not the issuer this program would publish, \"https://other-oidc.s3.eu-west-1.amazonaws.com\" (a changed bucketName, region, hosting or domain moves the issuer, and the cluster's tokens and every trust policy name the old one). Fix: undo the change that moved the issuer; to move it on purpose, migrate (README, \"Adding IRSA to a running cluster\": list the old issuer in previousIssuers) and then set expectedIssuerUrl to the new URL",
        });
        assert.throws(() => new SelfHostedIrsa("moved2", { region: "us-east-1", bucketNamespace: "global", expectedIssuerUrl: ISSUER }), /is not the issuer this program would publish, "https:\/\/pinned-oidc\.s3\.us-east-1\.amazonaws\.com"/);
        assert.throws(
            () => new SelfHostedIrsa("moved3", { hosting: { kind: "cloudfront", domainName: "oidc.example.com", hostedZoneId: "Z123" }, expectedIssuerUrl: ISSUER }),
            /is not the issuer this program would publish, "https:\/\/oidc\.example\.com"/,
        );
        await drained();
        assert.equal(engineRequests.length, before);
        assert.equal(urnsOf("moved").length, 0);
    });
    it("names the bucket from the pinned S3 issuer when bucketName is unset, so an auto-named bucket keeps its name", async () => {
        const c = new SelfHostedIrsa("pin", { region: "eu-west-1", bucketNamespace: "global", expectedIssuerUrl: ISSUER, signingKey: { privateKeyPem: RSA }, webhook: { enabled: false } });
        assert.equal(await promiseOf(c.issuerUrl), ISSUER);
        await drained();
        assert.equal(requestOf(T.bucket, "pin-bucket").object.bucket, "pinned-oidc");
    });
    it("checks once known when the issuer is not known before deployment", () => {
        assert.equal(checkExpectedIssuer("https://a.example.com", "https://a.example.com"), "https://a.example.com");
        assert.throws(() => checkExpectedIssuer("https://a.example.com", "https://a.example.com/"), /^IrsaInputError: `expectedIssuerUrl` "https:\/\/a\.example\.com" is not the issuer this program would publish, "https:\/\/a\.example\.com\/"/);
    });
});

describe("previousIssuers: adding IRSA to a running cluster without a 401", () => {
    const OLD = "https://kubernetes.default.svc.cluster.local";
    let c: InstanceType<typeof SelfHostedIrsa>;
    before(() => {
        c = new SelfHostedIrsa("mig", { region: "eu-west-1", bucketNamespace: "global", bucketName: "mig-oidc", previousIssuers: [OLD], signingKey: { privateKeyPem: RSA }, webhook: { enabled: false } });
    });
    it("lists the new issuer first and the old one after it, as a repeated flag", async () => {
        assert.deepEqual(await promiseOf(c.apiServerArgs), {
            "service-account-issuer": ["https://mig-oidc.s3.eu-west-1.amazonaws.com", OLD],
            "service-account-jwks-uri": ["https://mig-oidc.s3.eu-west-1.amazonaws.com/openid/v1/jwks"],
        });
    });
    it("writes both issuers into every distribution that can hold two, and leaves EKS Anywhere out", async () => {
        const configs = await promiseOf(c.clusterConfigs);
        assert.deepEqual(Object.keys(configs).sort(), ["k3s", "kubeadm", "rke2", "talos"]);
        for (const yaml of Object.values(configs)) {
            const first = yaml.indexOf("https://mig-oidc.s3.eu-west-1.amazonaws.com");
            assert.ok(first >= 0 && yaml.indexOf(OLD) > first, yaml);
        }
        const patch = await promiseOf(c.talosSecretPatch);
        assert.ok(patch!.indexOf(OLD) > patch!.indexOf("https://mig-oidc.s3.eu-west-1.amazonaws.com"));
    });
    it("refuses a previous issuer that is the new one, or not an issuer URL", () => {
        assert.throws(
            () => new SelfHostedIrsa("mig2", { region: "eu-west-1", bucketNamespace: "global", bucketName: "mig2-oidc", previousIssuers: ["https://mig2-oidc.s3.eu-west-1.amazonaws.com"] }),
            { message: "`previousIssuers[0]` \"https://mig2-oidc.s3.eu-west-1.amazonaws.com\" is listed twice (or repeats the new issuer). Fix: list each old issuer once, without the new one" },
        );
        assert.throws(() => new SelfHostedIrsa("mig3", { region: "eu-west-1", previousIssuers: ["http://old.example.com"] }), /^IrsaInputError: `previousIssuers\[0\]` "http:\/\/old\.example\.com"/);
    });
});

describe("derived names are valid for their service, for the longest legal inputs", () => {
    const PROVIDER = `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/c.s3.eu-west-1.amazonaws.com`;
    const cluster = { oidcProviderArn: PROVIDER, issuerUrl: "https://c.s3.eu-west-1.amazonaws.com" };
    const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
    it("keeps Pulumi's auto-name when it fits, and sends no name", async () => {
        new IrsaRole("short", { ...cluster, namespace: "team-a", serviceAccount: "reader" });
        await drained();
        const role = requestOf(T.role, "short-role");
        assert.equal(role.object.name, undefined);
        assert.equal(role.deleteBeforeReplace, false);
    });
    it("names the role itself when `<name>-role` plus the auto-name suffix passes 64, shortened with a hash past 64 (prod-cluster-irsa + monitoring + kube-prometheus-stack-operator)", async () => {
        const irsa = new SelfHostedIrsa("prod-cluster-irsa", { region: "eu-west-1", bucketNamespace: "global", bucketName: "prod-cluster-oidc", signingKey: { privateKeyPem: RSA }, webhook: { enabled: false } });
        irsa.roleFor("monitoring", "kube-prometheus-stack-operator", "arn:aws:iam::aws:policy/ReadOnlyAccess");
        const longNs = "n".repeat(63);
        const longSa = `${"s".repeat(63)}.${"t".repeat(63)}.${"u".repeat(63)}.${"v".repeat(61)}`;
        assert.equal(longSa.length, 253);
        new IrsaRole(`x-${longNs}-${longSa}`, { ...cluster, namespace: longNs, serviceAccount: longSa });
        await drained();
        const role = requestOf(T.role, "prod-cluster-irsa_monitoring_kube-prometheus-stack-operator-role");
        // 64 characters: valid as it is, but not with the 8 characters auto-naming appends.
        assert.equal(role.object.name, "prod-cluster-irsa_monitoring_kube-prometheus-stack-operator-role");
        assert.match(role.object.name, ROLE_NAME);
        assert.equal(role.deleteBeforeReplace, true, "a fixed name cannot exist twice during a replacement");
        const longest = requestOf(T.role, `x-${longNs}-${longSa}-role`).object.name as string;
        assert.match(longest, ROLE_NAME);
        assert.equal(longest.length, 64);
        assert.match(longest, new RegExp(`^x-${"n".repeat(53)}-[0-9a-f]{8}$`));
    });
    it("never puts a wildcard into an IAM name, and tells two patterns apart", async () => {
        const irsa = new SelfHostedIrsa("wc", { region: "eu-west-1", bucketNamespace: "global", bucketName: "wc-oidc", signingKey: { privateKeyPem: RSA }, webhook: { enabled: false } });
        irsa.roleFor("team-*", "*", "arn:aws:iam::aws:policy/ReadOnlyAccess", { subjectMatch: "wildcard" });
        irsa.roleFor("team-?", "*", "arn:aws:iam::aws:policy/ReadOnlyAccess", { subjectMatch: "wildcard" });
        await drained();
        const star = requestOf(T.role, "wc_team-*_*-role").object.name as string;
        const query = requestOf(T.role, "wc_team-?_*-role").object.name as string;
        for (const name of [star, query]) {
            assert.match(name, ROLE_NAME);
        }
        assert.match(star, /^wc_team-___-role-[0-9a-f]{8}$/);
        assert.notEqual(star, query);
    });
    it("names the CloudFront origin access control (64) and cache policy (128) validly for a long component name", async () => {
        const long = `edge.${"x".repeat(70)}`;
        new SelfHostedIrsa(long, { region: "eu-west-1", bucketNamespace: "global", bucketName: "edge-oidc", hosting: { kind: "cloudfront" }, signingKey: { privateKeyPem: RSA }, webhook: { enabled: false } });
        new SelfHostedIrsa("edge-short", { region: "eu-west-1", bucketNamespace: "global", bucketName: "edge-short-oidc", hosting: { kind: "cloudfront" }, signingKey: { privateKeyPem: RSA }, webhook: { enabled: false } });
        await drained();
        const oac = requestOf("aws:cloudfront/originAccessControl:OriginAccessControl", `${long}-oac`).object.name as string;
        const cache = requestOf("aws:cloudfront/cachePolicy:CachePolicy", `${long}-cache-policy`).object.name as string;
        assert.match(oac, /^[A-Za-z0-9_-]{1,64}$/);
        assert.match(oac, /^edge-x+-[0-9a-f]{8}$/);
        assert.match(cache, /^[A-Za-z0-9_-]{1,128}$/);
        // Short, plain names keep Pulumi's auto-name: nothing changes for existing stacks.
        assert.equal(requestOf("aws:cloudfront/originAccessControl:OriginAccessControl", "edge-short-oac").object.name, undefined);
        assert.equal(requestOf("aws:cloudfront/cachePolicy:CachePolicy", "edge-short-cache-policy").object.name, undefined);
    });
    it("is deterministic: the same inputs give the same names", async () => {
        const { derivedName, IAM_ROLE_NAME_RULE, HELM_RELEASE_NAME_RULE } = require("../src/common/derived-names") as typeof import("../src/common/derived-names");
        const input = "Prod-Cluster_Irsa-".repeat(5);
        assert.equal(derivedName(input, IAM_ROLE_NAME_RULE), derivedName(input, IAM_ROLE_NAME_RULE));
        assert.equal(derivedName(input, HELM_RELEASE_NAME_RULE), "prod-cluster-irsa-prod-cluster-irsa-prod-clu-" + derivedName(input, HELM_RELEASE_NAME_RULE).slice(-8));
        assert.equal(derivedName("ok-name", HELM_RELEASE_NAME_RULE), "ok-name");
    });
});

describe("roleFor refuses an audience the component's provider does not list", () => {
    it("fails before anything is registered, like the webhook's token audience", async () => {
        const irsa = new SelfHostedIrsa("aud", { region: "eu-west-1", bucketNamespace: "global", bucketName: "aud-oidc", audiences: ["sts.amazonaws.com", "irsa.example.com"], signingKey: { privateKeyPem: RSA }, webhook: { enabled: false } });
        assert.throws(() => irsa.roleFor("team-a", "reader", "arn:aws:iam::aws:policy/ReadOnlyAccess", { audience: "other" }), {
            name: "IrsaInputError",
            message:
                "`audience` \"other\" is not a client ID of the cluster's IAM OIDC provider (sts.amazonaws.com, irsa.example.com), so STS would refuse every token for this role. Fix: leave it unset (the component's first audience), or add it to the component's `audiences`",
        });
        const ok = irsa.roleFor("team-a", "reader2", "arn:aws:iam::aws:policy/ReadOnlyAccess", { audience: "irsa.example.com" });
        assert.match(await promiseOf(ok.trustPolicy), /"aud-oidc\.s3\.eu-west-1\.amazonaws\.com:aud":"irsa\.example\.com"/);
        await drained();
        assert.equal(resources.filter((r) => r.name.startsWith("aud-team-a-reader-")).length, 0);
    });
});

describe("annotateServiceAccount: a ServiceAccount an app's chart owns", () => {
    const cluster = { oidcProviderArn: `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/c.s3.eu-west-1.amazonaws.com`, issuerUrl: "https://c.s3.eu-west-1.amazonaws.com" };
    it("patches only the annotations (server-side apply) and creates no ServiceAccount", async () => {
        const role = new IrsaRole("ann", { ...cluster, namespace: "apps", serviceAccount: "web", annotateServiceAccount: true, tokenExpiration: 3600 });
        await drained();
        assert.equal(engineRequests.filter((r) => r.type === "kubernetes:core/v1:ServiceAccount" && r.name.startsWith("ann")).length, 0);
        const patch = requestOf("kubernetes:core/v1:ServiceAccountPatch", "ann-service-account-annotations");
        assert.deepEqual(patch.object.metadata, {
            namespace: "apps",
            name: "web",
            annotations: {
                "eks.amazonaws.com/role-arn": `arn:aws:iam::${ACCOUNT_ID}:role/ann-role-abc1234`,
                "eks.amazonaws.com/audience": "sts.amazonaws.com",
                "eks.amazonaws.com/token-expiration": "3600",
            },
        });
        assert.equal(patch.retainOnDelete, false, "destroy removes our annotations; the ServiceAccount stays with its chart");
        assert.equal(await promiseOf(role.serviceAccountName), "web");
    });
    it("cannot both create and annotate", () => {
        assert.throws(() => new IrsaRole("both", { ...cluster, namespace: "apps", serviceAccount: "web", annotateServiceAccount: true, createServiceAccount: true }), {
            message: "`annotateServiceAccount` \"true\" and `createServiceAccount` exclude each other. Fix: use createServiceAccount when this stack owns the ServiceAccount, annotateServiceAccount when an app's chart does",
        });
    });
});
