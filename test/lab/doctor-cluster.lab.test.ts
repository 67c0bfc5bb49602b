// `selfhosted-irsa doctor cluster` on the real thing: the CLI as users run it (node dist/cli/main.js, the lab's
// kubectl on PATH) against the real kube-apiserver, the real webhook (chart 2.6.5's objects from the
// component's values) and a loopback HTTPS issuer. Every finding it can report is produced by breaking one
// thing, run once as admin and once as a user bound to exactly rbac/doctor-cluster.yaml: nothing it needs is
// forbidden, and without any one of its rules a read is refused (so it is granted nothing more).
import { runComponent, ComponentRun } from "./component";
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import { startLoopbackIssuer, LoopbackIssuer } from "../../src/cli/loopback-issuer";
import { buildDiscoveryDocument, buildJwks, buildTrustPolicy, serializeDiscoveryDocument, serializeJwks } from "../../src/oidc";
import { issueServerCertificate } from "../../src/cli/pki";
import { settleAll } from "../helpers/irsa-program";
import { resources, reveal } from "../helpers/pulumi-mocks";
import { bin, labParts, REPO } from "./binaries";
import { doctorCluster, Report } from "./doctor";
import { renderChart } from "./chart";
import { createNamespace, freePort, LabCluster, signingKeyFlags, startCluster } from "./cluster";
import { key } from "./keys";
// The EndpointSlice the controller would write for the webhook's pod (nothing dials it: the Service is ExternalName).
import { endpointSlice } from "../helpers/irsa-cluster";
import { labCa } from "./pki";
import { labObjects, LabWebhook, startWebhook } from "./webhook";

const RSA = key("rsa2048.pkcs8.pem");
const OTHER = key("rsa3072.pkcs8.pem");
const NS = "kube-system";
const WEBHOOK = "amazon-eks-pod-identity-webhook";
const RBAC = path.join(REPO, "rbac", "doctor-cluster.yaml");

const notPassed = (r: Report) => r.findings.filter((f) => f.level !== "PASS").map((f) => `${f.level} ${f.id}`);
/** Findings without the parts that differ between two runs (each mints its own token, with its own times). */
const comparable = (r: Report) => r.findings.map((f) => (/^token\.(exp|nbf|iat)$/.test(f.id) ? `${f.level} ${f.id}` : `${f.level} ${f.id}: ${f.message}`));

/** The doctor's flags with some replaced (a flag given twice is an error). */
function withFlags(args: string[], overrides: Record<string, string>): string[] {
    const out = [...args];
    for (const [flag, value] of Object.entries(overrides)) {
        const at = out.indexOf(flag);
        if (at === -1) {
            out.push(flag, value);
        } else {
            out[at + 1] = value;
        }
    }
    return out;
}

describe("doctor cluster against the real API server and webhook", labParts("etcd", "kubernetes", "webhook"), () => {
    let cluster: LabCluster;
    let published: LoopbackIssuer;
    let other: LoopbackIssuer;
    let webhook: LabWebhook;
    let run: ComponentRun;
    let caFile: string;
    let policyFile: string;
    let otherPolicyFile: string;
    const kubeconfigs: Record<"admin" | "doctor", string> = { admin: "", doctor: "" };

    const publish = (server: LoopbackIssuer, keys: string[]) => {
        const jwks = buildJwks(keys);
        server.routes.set("/.well-known/openid-configuration", { body: serializeDiscoveryDocument(buildDiscoveryDocument({ issuer: server.url, jwks })) });
        server.routes.set("/openid/v1/jwks", { body: serializeJwks(jwks) });
    };
    const baseArgs = () => ["--issuer", published.url, "--ca-file", caFile, "--namespace", "apps", "--service-account", "s3-reader", "--trust-policy", policyFile];
    /** The doctor as admin and as the RBAC-bound user, side by side. */
    const both = async (overrides: Record<string, string> = {}) => {
        const args = withFlags(baseArgs(), overrides);
        const [admin, doctor] = await Promise.all((["admin", "doctor"] as const).map((who) => doctorCluster(["--kubeconfig", kubeconfigs[who], ...args], bin.kubectl(), cluster.dir)));
        return { admin, doctor };
    };
    /** Restores everything the chart made (configuration, Secret, Service...) as Helm would on the next up. */
    const restoreChart = () => cluster.apply(...labObjects(renderChart(run.releaseValues!, run.releaseNamespace!)));

    before(async () => {
        published = await startLoopbackIssuer();
        other = await startLoopbackIssuer();
        publish(published, [RSA]);
        publish(other, [RSA]);
        const ports = { webhook: await freePort(), metrics: await freePort() };
        run = await runComponent("doctor", { signingKey: { privateKeyPem: key("ec-p256.sec1.pem") }, region: "eu-west-1", webhook: { values: { config: { ports } } } });
        run.component.roleFor("apps", "s3-reader", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", { annotateServiceAccount: true });
        await settleAll();
        const patch = resources.filter((r) => r.type === "kubernetes:core/v1:ServiceAccountPatch").map((r) => reveal(r.inputs))[0];

        cluster = await startCluster({ flags: signingKeyFlags(published.url, RSA) });
        caFile = cluster.file("issuer-ca.pem", published.caPem);
        const providerArn = `arn:aws:iam::123456789012:oidc-provider/${published.url.slice("https://".length)}`;
        policyFile = cluster.file("trust.json", JSON.stringify(buildTrustPolicy({ oidcProviderArn: providerArn, issuerUrl: published.url, namespace: "apps", serviceAccount: "s3-reader" })));
        otherPolicyFile = cluster.file("trust-other.json", JSON.stringify(buildTrustPolicy({ oidcProviderArn: providerArn, issuerUrl: published.url, namespace: "apps", serviceAccount: "s3-writer" })));

        await createNamespace(cluster, "apps", [{ name: "s3-reader", annotations: patch.metadata.annotations }]);
        await cluster.apply(...parseAllDocuments(fs.readFileSync(RBAC, "utf8")).map((d) => d.toJSON()).filter(Boolean));
        await cluster.apply(
            { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name: "irsa-doctor" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "selfhosted-irsa-doctor" }, subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "doctor" }] },
            { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "irsa-doctor-token", namespace: "apps" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "selfhosted-irsa-doctor-token" }, subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "doctor" }] },
        );
        kubeconfigs.admin = cluster.kubeconfig;
        kubeconfigs.doctor = await cluster.userKubeconfig("doctor");

        webhook = await startWebhook({ cluster, values: run.releaseValues!, namespace: run.releaseNamespace! });
        await cluster.apply(endpointSlice(true));
        // A pod the webhook mutated, as a workload of the annotated ServiceAccount.
        await cluster.kubectl(["create", "-f", "-"], { input: JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "s3-reader-0", namespace: "apps" }, spec: { serviceAccountName: "s3-reader", containers: [{ name: "app", image: "registry.lab.invalid/app:1" }] } }) });
    });
    after(async () => {
        await webhook?.stop();
        await cluster?.stop();
        await published?.close();
        await other?.close();
    });

    it("passes the healthy cluster, as admin and as the user bound to rbac/doctor-cluster.yaml, with the same findings", async () => {
        const { admin, doctor } = await both();
        assert.deepEqual(notPassed(admin), []);
        assert.deepEqual(notPassed(doctor), []);
        assert.equal(admin.code, 0);
        assert.deepEqual(comparable(doctor), comparable(admin));
        const ids = admin.findings.map((f) => f.id);
        for (const id of ["cluster.issuer", "cluster.kids", "published.jwks.keys", "token.signature", "trust.sub", "sa.role-arn", "webhook.ca-bundle", "webhook.certificate-names", "webhook.certificate-expiry", "webhook.endpoints", "webhook.failure-policy", "injection.pods"]) {
            assert.ok(ids.includes(id), `${id} in ${ids.join(", ")}`);
        }
    });

    // Each: break one thing, expect the finding (both identities), put it back.
    const cases: Array<{ finding: string; level: "FAIL" | "WARN"; match?: RegExp; flags?: () => Record<string, string>; breakIt?: () => Promise<void>; restore?: () => Promise<void> }> = [
        { finding: "cluster.issuer", level: "FAIL", flags: () => ({ "--issuer": other.url }) },
        { finding: "cluster.kids", level: "FAIL", breakIt: async () => publish(published, [OTHER]), restore: async () => publish(published, [RSA]) },
        { finding: "cluster.stale-keys", level: "WARN", breakIt: async () => publish(published, [RSA, OTHER]), restore: async () => publish(published, [RSA]) },
        { finding: "published.discovery.status", level: "FAIL", match: /404/, breakIt: async () => void published.routes.delete("/.well-known/openid-configuration"), restore: async () => publish(published, [RSA]) },
        { finding: "sa.role-arn", level: "FAIL", breakIt: () => annotate({ "eks.amazonaws.com/role-arn": "s3-reader" }), restore: () => annotate(null) },
        { finding: "sa.audience", level: "FAIL", breakIt: () => annotate({ "eks.amazonaws.com/audience": "vault.lab.invalid" }), restore: () => annotate(null) },
        { finding: "sa.token-expiration", level: "FAIL", breakIt: () => annotate({ "eks.amazonaws.com/token-expiration": "59" }), restore: () => annotate(null) },
        { finding: "token.request", level: "FAIL", match: /not found/, flags: () => ({ "--service-account": "ghost" }) },
        { finding: "trust.sub", level: "FAIL", flags: () => ({ "--trust-policy": otherPolicyFile }) },
        { finding: "webhook.configuration", level: "FAIL", breakIt: async () => void (await cluster.kubectl(["delete", "mutatingwebhookconfiguration", WEBHOOK])), restore: restoreChart },
        { finding: "webhook.ca-bundle", level: "FAIL", match: /unknown authority/, breakIt: async () => cluster.apply(renderChart({ ...run.releaseValues!, pki: { ...(run.releaseValues!.pki as object), caBundle: (await labCa("another CA")).certPem } }, NS).mutatingWebhookConfiguration), restore: restoreChart },
        { finding: "webhook.certificate-names", level: "FAIL", breakIt: () => replaceCertificate({ dnsNames: ["webhook.example.com"] }), restore: restoreChart },
        { finding: "webhook.certificate-expiry", level: "FAIL", match: /expired/, breakIt: () => replaceCertificate({ notBefore: new Date(Date.now() - 2 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) }), restore: restoreChart },
        { finding: "webhook.endpoints", level: "FAIL", breakIt: () => cluster.apply(endpointSlice(false)), restore: () => cluster.apply(endpointSlice(true)) },
        { finding: "webhook.failure-policy", level: "WARN", breakIt: () => cluster.apply(renderChart({ ...run.releaseValues!, mutatingWebhook: { failurePolicy: "Fail" } }, NS).mutatingWebhookConfiguration), restore: restoreChart },
        {
            finding: "injection.pods",
            level: "FAIL",
            match: /late-0/,
            breakIt: async () => {
                // Created while the webhook is down (failurePolicy Ignore): admitted without credentials.
                await webhook.stop();
                await cluster.kubectl(["create", "-f", "-"], { input: JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "late-0", namespace: "apps" }, spec: { serviceAccountName: "s3-reader", containers: [{ name: "app", image: "registry.lab.invalid/app:1" }] } }) });
                await webhook.start();
            },
            restore: async () => void (await cluster.kubectl(["delete", "pod", "late-0", "-n", "apps", "--grace-period=0", "--force"])),
        },
    ];

    /** Sets (or, with null, restores) the annotations of apps/s3-reader. */
    async function annotate(annotations: Record<string, string> | null): Promise<void> {
        const patch = resources.filter((r) => r.type === "kubernetes:core/v1:ServiceAccountPatch").map((r) => reveal(r.inputs))[0];
        const ours = patch.metadata.annotations as Record<string, string>;
        const target: Record<string, string> = annotations ? { ...ours, ...annotations } : ours;
        const live = JSON.parse((await cluster.kubectl(["get", "serviceaccount", "s3-reader", "-n", "apps", "-o", "json"])).stdout).metadata.annotations ?? {};
        const removed = Object.keys(live).filter((k) => k.startsWith("eks.amazonaws.com/") && !(k in target)).map((k) => `${k}-`);
        await cluster.kubectl(["annotate", "serviceaccount", "s3-reader", "-n", "apps", "--overwrite", ...Object.entries(target).map(([k, v]) => `${k}=${v}`), ...removed]);
    }

    /** Puts another serving certificate (from a fresh CA, which the caBundle then holds) into the chart's Secret. */
    async function replaceCertificate(options: { dnsNames?: string[]; notBefore?: Date; notAfter?: Date }): Promise<void> {
        const ca = await labCa("replacement CA");
        const cert = await issueServerCertificate(ca, WEBHOOK, { dnsNames: options.dnsNames ?? [`${WEBHOOK}.${NS}.svc`], notBefore: options.notBefore, notAfter: options.notAfter });
        const chart = renderChart({ ...run.releaseValues!, pki: { ...(run.releaseValues!.pki as object), caBundle: ca.certPem, cert: cert.certPem, key: cert.keyPem } }, NS);
        await cluster.apply(chart.secret!, chart.mutatingWebhookConfiguration);
    }

    for (const c of cases) {
        it(`reports ${c.level} ${c.finding}`, async () => {
            await c.breakIt?.();
            try {
                const reports = await both(c.flags?.() ?? {});
                for (const [who, report] of Object.entries(reports)) {
                    const hit = report.findings.find((f) => f.id === c.finding);
                    assert.equal(hit?.level, c.level, `${who}: ${c.finding} in ${JSON.stringify(notPassed(report))}`);
                    if (c.match) {
                        assert.match(hit!.message, c.match, who);
                    }
                    assert.equal(report.findings.some((f) => /forbidden/i.test(f.message)), false, `${who}: nothing forbidden (${JSON.stringify(report.findings.filter((f) => /forbidden/i.test(f.message)))})`);
                    assert.equal(report.code, c.level === "FAIL" ? 1 : 0, who);
                }
                assert.deepEqual(comparable(reports.doctor), comparable(reports.admin), "the RBAC-bound user sees what the admin sees");
            } finally {
                await c.restore?.();
            }
        });
    }

    it("needs every rule of rbac/doctor-cluster.yaml: without any one, a read is refused and the doctor says so", async () => {
        const docs = parseAllDocuments(fs.readFileSync(RBAC, "utf8")).map((d) => d.toJSON()).filter(Boolean) as Array<{ metadata: { name: string }; rules: Array<Record<string, string[]>> }>;
        const readOnly = docs.find((d) => d.metadata.name === "selfhosted-irsa-doctor")!;
        // One variant per grant: a rule without one of its verbs, resources or URLs.
        const variants: Array<{ label: string; rules: Array<Record<string, string[]>>; token: boolean }> = [];
        readOnly.rules.forEach((rule, i) => {
            for (const field of ["verbs", "resources", "nonResourceURLs"] as const) {
                for (const item of rule[field] ?? []) {
                    const reduced = { ...rule, [field]: rule[field].filter((x) => x !== item) };
                    const rules = readOnly.rules.map((r, j) => (j === i ? reduced : r)).filter((r) => (r.verbs ?? []).length > 0 && ((r.resources ?? []).length > 0 || (r.nonResourceURLs ?? []).length > 0));
                    variants.push({ label: `rule ${i} without ${field} ${item}`, rules, token: true });
                }
            }
        });
        variants.push({ label: "without the token role", rules: readOnly.rules, token: false });
        // The configuration under another name: found only by listing (the `list` verb of its rule).
        await cluster.kubectl(["delete", "mutatingwebhookconfiguration", WEBHOOK]);
        const renamed = renderChart(run.releaseValues!, NS).mutatingWebhookConfiguration;
        await cluster.apply({ ...renamed, metadata: { ...renamed.metadata, name: "pod-identity" } });
        try {
            for (const [n, variant] of variants.entries()) {
                const user = `minus-${n}`;
                await cluster.apply(
                    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: user }, rules: variant.rules },
                    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name: user }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: user }, subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: user }] },
                    ...(variant.token ? [{ apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: user, namespace: "apps" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "selfhosted-irsa-doctor-token" }, subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: user }] }] : []),
                );
            }
            const reports = await Promise.all(variants.map(async (_v, n) => doctorCluster(["--kubeconfig", await cluster.userKubeconfig(`minus-${n}`), ...baseArgs()], bin.kubectl(), cluster.dir)));
            variants.forEach((variant, n) => {
                const refused = reports[n].findings.filter((f) => f.level !== "PASS" && /forbidden|not checked/i.test(`${f.message} ${f.fix ?? ""}`));
                assert.ok(refused.length > 0, `${variant.label}: ${JSON.stringify(notPassed(reports[n]))}`);
            });
            // And the role as shipped finds the renamed configuration.
            const full = await doctorCluster(["--kubeconfig", kubeconfigs.doctor, ...baseArgs()], bin.kubectl(), cluster.dir);
            assert.deepEqual(notPassed(full), []);
        } finally {
            await cluster.kubectl(["delete", "mutatingwebhookconfiguration", "pod-identity"]);
            await restoreChart();
        }
        // Nothing beyond reading: the bound user can neither write nor read other Secrets.
        for (const [verb, resource, ns] of [["create", "pods", "apps"], ["get", "secrets", "apps"], ["list", "secrets", NS], ["patch", "serviceaccounts", "apps"], ["create", "serviceaccounts/token", "default"]]) {
            const res = await cluster.kubectl(["auth", "can-i", verb, resource, "-n", ns], { kubeconfig: kubeconfigs.doctor, allowFail: true });
            assert.equal(res.stdout.trim(), "no", `${verb} ${resource} in ${ns}`);
        }
    });
});
