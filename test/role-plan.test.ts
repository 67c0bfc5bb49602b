// The role plan as plain unit tests: no mocks, no Pulumi runtime. A value not known yet is a pending promise (what
// the plan sees of a StackReference output); a Later is evaluated here the way the component's resolve does it.
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { buildClustersTrustPolicy } from "../src/oidc/cluster-trust";
import { buildTrustPolicy } from "../src/oidc/trust-policy";
import { isLater, Later, Planned } from "../src/common/known";
import { planRole, RolePlan, RoleRequest } from "../src/plans/role-plan";

const ISSUER = "https://oidc.example.com/cluster-a";
const PROVIDER = "arn:aws:iam::123456789012:oidc-provider/oidc.example.com/cluster-a";
const GREEN = { oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.example.com/green", issuerUrl: "https://oidc.example.com/green" };
const S3_READ = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";
const DOC = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::data/*" }] };
const ZONE = "arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ";
const cluster = { oidcProviderArn: PROVIDER, issuerUrl: ISSUER };

/** A value the plan cannot know yet, with the value it will have. */
function pending<T>(value: T): Promise<T> {
    return Promise.resolve(value);
}

/** A value with every promise in it resolved, at any depth (as the engine resolves nested Inputs). */
async function deep(value: unknown): Promise<unknown> {
    const v = await value;
    if (Array.isArray(v)) return Promise.all(v.map(deep));
    if (typeof v === "object" && v !== null) return Object.fromEntries(await Promise.all(Object.entries(v).map(async ([k, x]) => [k, await deep(x)])));
    return v;
}

/** A planned value as the component gets it: the value, or the Later evaluated once its leaves have resolved. */
async function valueOf<T>(planned: Planned<T>): Promise<T> {
    if (!isLater(planned)) {
        return planned;
    }
    const leaves = planned.leaves();
    const values = await Promise.all(leaves.map(deep));
    return (planned as Later<T>).evaluate(new Map(leaves.map((leaf, i) => [leaf, values[i]])));
}

const plan = (name: string, args: RoleRequest["args"], extra: Omit<RoleRequest, "name" | "args"> = {}): RolePlan => planRole({ name, args, ...extra });

describe("role plan: one cluster, everything known now", () => {
    const p = plan("basic", { ...cluster, namespace: "team-a", serviceAccount: "s3-reader", managedPolicyArns: [S3_READ] });
    it("has the trust policy as JSON, byte-identical to buildTrustPolicy's", () => {
        assert.equal(p.role.trustPolicy, JSON.stringify(buildTrustPolicy({ ...cluster, namespace: "team-a", serviceAccount: "s3-reader" })));
    });
    it("names every child after the role, keys the attachment by ARN, and keeps Pulumi's auto-name", () => {
        assert.equal(p.role.resourceName, "basic-role");
        assert.deepEqual(p.attachments, [{ resourceName: "basic-attach-aws-AmazonS3ReadOnlyAccess", policyArn: S3_READ }]);
        assert.deepEqual(p.inlinePolicies, []);
        assert.equal(p.role.name, undefined);
        assert.equal(p.role.deleteBeforeReplace, false);
        assert.equal(p.serviceAccountResource, undefined);
    });
    it("describes the role by its subject", () => {
        assert.equal(p.role.description, "IRSA role for system:serviceaccount:team-a:s3-reader");
        assert.equal(p.namespace, "team-a");
        assert.equal(p.serviceAccount, "s3-reader");
    });
    it("is the same for the same request (deterministic)", () => {
        assert.deepEqual(plan("basic", { ...cluster, namespace: "team-a", serviceAccount: "s3-reader", managedPolicyArns: [S3_READ] }), p);
    });
});

describe("role plan: values not known yet are checked once known, each once", () => {
    it("computes the trust policy later from a provider ARN that is pending, the same JSON", async () => {
        const p = plan("late", { oidcProviderArn: pending(PROVIDER), issuerUrl: ISSUER, namespace: "team-a", serviceAccount: "s3-reader" });
        assert.ok(isLater(p.role.trustPolicy));
        assert.equal(await valueOf(p.role.trustPolicy), JSON.stringify(buildTrustPolicy({ ...cluster, namespace: "team-a", serviceAccount: "s3-reader" })));
    });
    it("fails the trust policy (the Role) with the exact message when the pending ARN names another issuer", async () => {
        const p = plan("late-bad", { oidcProviderArn: pending("arn:aws:iam::123456789012:oidc-provider/oidc.example.com/cluster-b"), issuerUrl: ISSUER, namespace: "team-a", serviceAccount: "reader" });
        await assert.rejects(valueOf(p.role.trustPolicy), {
            name: "IrsaInputError",
            message: "`oidcProviderArn` \"arn:aws:iam::123456789012:oidc-provider/oidc.example.com/cluster-b\" names the provider for \"oidc.example.com/cluster-b\", not for the issuer \"oidc.example.com/cluster-a\". Fix: pass the provider ARN and issuer URL of the same cluster (SelfHostedIrsa outputs `oidcProviderArn` and `issuerUrl`)",
        });
    });
    it("a pending namespace is one checked value, shared by the trust policy, the description and the ServiceAccount", async () => {
        const namespace = pending("team-a");
        const p = plan("shared", { ...cluster, namespace, serviceAccount: "reader", createServiceAccount: true });
        assert.ok(isLater(p.namespace));
        for (const consumer of [p.role.trustPolicy, p.role.description]) {
            assert.ok(isLater(consumer) && consumer.inputs.includes(p.namespace), "takes the one checked namespace");
            assert.deepEqual(consumer.leaves(), [namespace]);
        }
        assert.equal(await valueOf(p.role.description as Planned<string>), "IRSA role for system:serviceaccount:team-a:reader");
        assert.equal(await valueOf(p.namespace), "team-a");
    });
    it("a pending namespace that is not a DNS-1123 label fails every resource that takes it, with one message", async () => {
        const p = plan("shared-bad", { ...cluster, namespace: pending("Team_A"), serviceAccount: "reader" });
        const message = "`namespace` \"Team_A\" is not a DNS-1123 label (at most 63 lowercase letters, digits or '-', starting and ending with a letter or digit). Fix: use the Kubernetes name exactly as `kubectl get` shows it, e.g. \"kube-system\"";
        await assert.rejects(valueOf(p.role.trustPolicy), { message });
        await assert.rejects(valueOf(p.role.description as Planned<string>), { message });
    });
    it("keys an attachment of a pending ARN by its position and checks it once known", async () => {
        const p = plan("arns", { ...cluster, namespace: "a", serviceAccount: "b", managedPolicyArns: [pending("arn:aws:iam::123456789012:role/not-a-policy"), S3_READ] });
        assert.deepEqual(p.attachments.map((a) => a.resourceName), ["arns-attach-0", "arns-attach-aws-AmazonS3ReadOnlyAccess"]);
        await assert.rejects(valueOf(p.attachments[0].policyArn), { message: /^`managedPolicyArns\[0\]` "arn:aws:iam::123456789012:role\/not-a-policy" is not an IAM managed policy ARN/ });
    });
});

describe("role plan: several clusters, presets, roleFor's shorthand", () => {
    it("one statement per cluster, byte-identical to buildClustersTrustPolicy's", () => {
        const p = plan("two", { clusters: [cluster, GREEN], namespace: "payments", serviceAccount: "ledger" });
        assert.equal(p.role.trustPolicy, JSON.stringify(buildClustersTrustPolicy({ clusters: [cluster, GREEN], namespace: "payments", serviceAccount: "ledger" })));
    });
    it("roleFor's additionalClusters join its own pending cluster: computed once the cluster is known", async () => {
        const own = { oidcProviderArn: pending(PROVIDER), issuerUrl: pending(ISSUER) };
        const p = plan("rf", { ...own, namespace: "payments", serviceAccount: "ledger", additionalClusters: [GREEN] }, { roleFor: true });
        assert.equal(await valueOf(p.role.trustPolicy), JSON.stringify(buildClustersTrustPolicy({ clusters: [cluster, GREEN], namespace: "payments", serviceAccount: "ledger" })));
    });
    it("a preset becomes an inline policy named after it, in name order with the given ones; the chart's ServiceAccount by default", () => {
        const p = plan("dns", { ...cluster, addons: { externalDns: { hostedZoneArns: [ZONE] } }, inlinePolicies: { zeta: JSON.stringify(DOC), alpha: JSON.stringify(DOC) } });
        assert.deepEqual(p.inlinePolicies.map((i) => [i.resourceName, i.name]), [["dns-policy-alpha", "alpha"], ["dns-policy-externalDns", "externalDns"], ["dns-policy-zeta", "zeta"]]);
        assert.equal(p.namespace, "external-dns");
        assert.equal(p.serviceAccount, "external-dns");
    });
    it("roleFor's policy shorthand joins the options' policies; an inline name given twice is refused", () => {
        const p = plan("sh", { ...cluster, namespace: "a", serviceAccount: "b", managedPolicyArns: [S3_READ] }, { roleFor: true, policy: DOC });
        assert.deepEqual(p.inlinePolicies, [{ resourceName: "sh-policy", name: "irsa", document: JSON.stringify(DOC) }]);
        assert.deepEqual(p.attachments.map((a) => a.policyArn), [S3_READ]);
        assert.throws(() => plan("sh2", { ...cluster, namespace: "a", serviceAccount: "b", inlinePolicies: { irsa: JSON.stringify(DOC) } }, { roleFor: true, policy: DOC }), {
            message: "`inlinePolicies` \"irsa\" names an inline policy twice (in `policy` and in `inlinePolicies`). Fix: give each inline policy its own name",
        });
    });
    it("roleFor's shorthand may not name its inline policy like a preset", () => {
        assert.throws(() => plan("shp", { ...cluster, addons: { externalDns: { hostedZoneArns: [ZONE] } } }, { roleFor: true, policy: { inlinePolicies: { externalDns: DOC } } }), {
            message: /^`inlinePolicies.externalDns` "externalDns" is also the name of the inline policy of the add-on preset `addons.externalDns`/,
        });
    });
    it("roleFor refuses an audience its cluster's provider does not list, before anything else", () => {
        assert.throws(() => plan("aud", { ...cluster, namespace: "Bad_Name", serviceAccount: "b", audience: "other" }, { roleFor: true, providerAudiences: ["sts.amazonaws.com"] }), {
            message: /^`audience` "other" is not a client ID of the cluster's IAM OIDC provider \(sts.amazonaws.com\)/,
        });
    });
});

describe("role plan: the ServiceAccount", () => {
    it("annotates with the role ARN and the pinned audience once the Role exists; extra annotations first", async () => {
        const p = plan("sa", { ...cluster, namespace: "a", serviceAccount: "b", createServiceAccount: true, tokenExpiration: 3600, serviceAccountAnnotations: { "team.example.com/owner": "a" } });
        const sa = p.serviceAccountResource!;
        assert.equal(sa.mode, "create");
        assert.equal(sa.resourceName, "sa-service-account");
        assert.deepEqual(sa.annotations("arn:aws:iam::123456789012:role/sa-role-abc1234", await valueOf(sa.settings)), {
            "team.example.com/owner": "a",
            "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/sa-role-abc1234",
            "eks.amazonaws.com/audience": "sts.amazonaws.com",
            "eks.amazonaws.com/token-expiration": "3600",
        });
    });
    it("checks the keys of extra annotations now even when their values are pending", () => {
        assert.throws(() => plan("sa-bad", { ...cluster, namespace: "a", serviceAccount: "b", annotateServiceAccount: true, serviceAccountAnnotations: { "eks.amazonaws.com/audience": pending("x") as unknown as string } }), {
            message: /^`serviceAccountAnnotations` "eks.amazonaws.com\/audience" is an annotation IrsaRole sets itself/,
        });
    });
});

describe("role plan: names", () => {
    it("derives the IAM name when the auto-name would pass 64 characters; a fixed name replaces delete-first", () => {
        const p = plan("prod-cluster-irsa-monitoring-kube-prometheus-stack-operator", { ...cluster, namespace: "monitoring", serviceAccount: "kube-prometheus-stack-operator" });
        assert.equal(p.role.name, "prod-cluster-irsa-monitoring-kube-prometheus-stack-operator-role");
        assert.equal(p.role.deleteBeforeReplace, true);
    });
    it("a given name is checked and kept", () => {
        const p = plan("given", { ...cluster, namespace: "a", serviceAccount: "b", roleName: "team-a-reader" });
        assert.equal(p.role.name, "team-a-reader");
        assert.equal(p.role.deleteBeforeReplace, true);
    });
});
