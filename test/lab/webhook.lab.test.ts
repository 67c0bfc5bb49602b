// The real pod identity webhook (v0.6.17) behind the real kube-apiserver (1.33.13), served with the PKI the
// component makes (its @pulumi/tls inputs made real, tls-standin.ts), the flags and the
// MutatingWebhookConfiguration chart 2.6.5 renders from the component's values (chart.ts), and a ServiceAccount
// carrying the annotations roleFor's annotateServiceAccount writes. Then: mutated and untouched pods, the
// webhook down under Ignore and Fail, and the CA rollover of issue 15 item 8 while the webhook still serves the
// old certificate.
import { runComponent, ComponentRun, Recorded } from "./component";
import { strict as assert } from "node:assert";
import { X509Certificate } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { labParts } from "./binaries";
import { renderChart } from "./chart";
import { createNamespace, freePort, LabCluster, signingKeyFlags, startCluster } from "./cluster";
import { key } from "./keys";
import { renew } from "./tls-standin";
import { LabWebhook, startWebhook } from "./webhook";
import { settleAll } from "../helpers/irsa-program";
import { resources, reveal } from "../helpers/pulumi-mocks";

const ISSUER = "https://irsa.lab.invalid";
const REGION = "eu-west-1";
const POLICY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";
const TOKEN_PATH = "/var/run/secrets/eks.amazonaws.com/serviceaccount";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Pod = Record<string, any>;

const podOf = (namespace: string, serviceAccount: string, name = `p-${Math.random().toString(36).slice(2, 8)}`): Pod => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace },
    spec: { serviceAccountName: serviceAccount, containers: [{ name: "app", image: "registry.lab.invalid/app:1" }] },
});

const envOf = (pod: Pod): Record<string, string> => Object.fromEntries(((pod.spec.containers[0].env ?? []) as Array<{ name: string; value: string }>).map((e) => [e.name, e.value]));
const mutated = (pod: Pod): boolean => (pod.spec.volumes ?? []).some((v: { name: string }) => v.name === "aws-iam-token");

describe("the real pod identity webhook behind the real API server", labParts("etcd", "kubernetes", "webhook"), () => {
    let cluster: LabCluster;
    let webhook: LabWebhook | undefined;
    let run: ComponentRun;
    let annotations: Record<string, string>;
    let ports: { webhook: number; metrics: number };

    /** `kubectl create --dry-run=server`: the pod as admission leaves it (mutating webhooks included). */
    const admit = async (pod: Pod): Promise<{ pod?: Pod; error?: string }> => {
        const res = await cluster.kubectl(["create", "--dry-run=server", "-o", "json", "-f", "-"], { input: JSON.stringify(pod), allowFail: true });
        return res.code === 0 ? { pod: JSON.parse(res.stdout) } : { error: res.stderr.trim() };
    };
    const component = (name: string, webhookArgs: Record<string, unknown> = {}) =>
        runComponent(name, { signingKey: { privateKeyPem: key("ec-p256.sec1.pem") }, region: REGION, webhook: { values: { config: { ports } }, ...webhookArgs } });

    before(async () => {
        ports = { webhook: await freePort(), metrics: await freePort() };
        cluster = await startCluster({ flags: signingKeyFlags(ISSUER, key("ec-p256.sec1.pem")) });
        run = await component("lab");
        run.component.roleFor("apps", "s3-reader", POLICY, { annotateServiceAccount: true, tokenExpiration: 3600 });
        run.component.roleFor("apps", "defaults", POLICY, { annotateServiceAccount: true });
        await settleAll();
        const patches = resources.filter((r) => r.type === "kubernetes:core/v1:ServiceAccountPatch").map((r) => reveal(r.inputs) as Recorded["inputs"]);
        const byName = (n: string) => patches.find((p) => p.metadata.name === n)!.metadata;
        annotations = byName("s3-reader").annotations;
        // The ServiceAccounts an app's chart would create, then annotated as the patch does (server-side apply).
        await createNamespace(cluster, "apps", [{ name: "s3-reader" }, { name: "defaults" }, { name: "other" }, { name: "misannotated", annotations: { "eks.amazonaws.io/role-arn": annotations["eks.amazonaws.com/role-arn"] } }]);
        for (const name of ["s3-reader", "defaults"]) {
            const patch = byName(name);
            await cluster.kubectl(["apply", "--server-side", "--field-manager=pulumi-kubernetes", "-f", "-"], { input: JSON.stringify({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace: patch.namespace, annotations: patch.annotations } }) });
        }
        webhook = await startWebhook({ cluster, values: run.releaseValues!, namespace: run.releaseNamespace! });
    });
    after(async () => {
        await webhook?.stop();
        await cluster?.stop();
    });

    it("runs with the flags chart 2.6.5 renders from the component's values", () => {
        assert.deepEqual(webhook!.argv.slice(0, 14), [
            "--annotation-prefix=eks.amazonaws.com",
            `--aws-default-region=${REGION}`,
            "--in-cluster=false",
            "--logtostderr",
            "--namespace=kube-system",
            `--metrics-port=${ports.metrics}`,
            `--port=${ports.webhook}`,
            "--service-name=amazon-eks-pod-identity-webhook",
            "--sts-regional-endpoint=true",
            "--token-audience=sts.amazonaws.com",
            "--token-expiration=86400",
            `--token-mount-path=${TOKEN_PATH}`,
            `--tls-cert=${webhook!.argv[12].slice("--tls-cert=".length)}`,
            `--tls-key=${webhook!.argv[13].slice("--tls-key=".length)}`,
        ]);
        assert.match(webhook!.argv[12], /\/certs\/tls\.crt$/);
    });

    it("is registered with the MutatingWebhookConfiguration chart 2.6.5 renders (v1beta1 reviews, our CA bundle)", async () => {
        const live = JSON.parse((await cluster.kubectl(["get", "mutatingwebhookconfiguration", "amazon-eks-pod-identity-webhook", "-o", "json"])).stdout);
        const [w] = live.webhooks;
        assert.deepEqual(w.admissionReviewVersions, ["v1beta1"]);
        assert.equal(Buffer.from(w.clientConfig.caBundle, "base64").toString(), run.releaseValues!.pki && (run.releaseValues!.pki as { caBundle: string }).caBundle);
        assert.deepEqual(w.clientConfig.service, { name: "amazon-eks-pod-identity-webhook", namespace: "kube-system", port: ports.webhook, path: "/mutate" });
        assert.equal(w.failurePolicy, "Ignore");
        assert.deepEqual(w.rules, [{ operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"], scope: "*" }]);
        assert.equal(w.sideEffects, "None");
        // The chart's own selectors: the webhook's pods and pods labelled to skip are never sent.
        assert.deepEqual(w.objectSelector.matchExpressions.map((e: { key: string }) => e.key), ["eks.amazonaws.com/skip-pod-identity-webhook", "app.kubernetes.io/name"]);
        // Without the component's port override the chart renders 8443, the port its Deployment listens on.
        const { ports: _ports, ...config } = run.releaseValues!.config as Record<string, unknown>;
        assert.equal(renderChart({ ...run.releaseValues!, config }, "kube-system").mutatingWebhookConfiguration.webhooks[0].clientConfig.service.port, 8443);
    });

    it("injects the role, the token file, the region and the regional STS endpoint into a pod of the annotated ServiceAccount", async () => {
        // The webhook's verdict first: annotations it does not read (another prefix) leave the pod untouched.
        const { pod } = await admit(podOf("apps", "s3-reader"));
        assert.ok(pod && mutated(pod), `not mutated with the annotations ${JSON.stringify(annotations)}`);
        assert.deepEqual(Object.keys(annotations).sort(), ["eks.amazonaws.com/audience", "eks.amazonaws.com/role-arn", "eks.amazonaws.com/token-expiration"]);
        assert.deepEqual(envOf(pod), {
            AWS_STS_REGIONAL_ENDPOINTS: "regional",
            AWS_DEFAULT_REGION: REGION,
            AWS_REGION: REGION,
            AWS_ROLE_ARN: annotations["eks.amazonaws.com/role-arn"],
            AWS_WEB_IDENTITY_TOKEN_FILE: `${TOKEN_PATH}/token`,
        });
        const volume = pod.spec.volumes.find((v: { name: string }) => v.name === "aws-iam-token");
        assert.deepEqual(volume.projected.sources, [{ serviceAccountToken: { audience: "sts.amazonaws.com", expirationSeconds: 3600, path: "token" } }]);
        assert.deepEqual(pod.spec.containers[0].volumeMounts.find((m: { name: string }) => m.name === "aws-iam-token"), { name: "aws-iam-token", readOnly: true, mountPath: TOKEN_PATH });
    });

    it("uses the chart's token lifetime (jittered from 86400 by the webhook) when the ServiceAccount sets none", async () => {
        const { pod } = await admit(podOf("apps", "defaults"));
        const volume = pod!.spec.volumes.find((v: { name: string }) => v.name === "aws-iam-token");
        const { audience, expirationSeconds } = volume.projected.sources[0].serviceAccountToken;
        assert.equal(audience, "sts.amazonaws.com");
        assert.ok(expirationSeconds >= 79200 && expirationSeconds <= 86400, String(expirationSeconds));
    });

    it("leaves a pod of another ServiceAccount untouched, and one annotated under a prefix the webhook does not read", async () => {
        for (const sa of ["other", "misannotated"]) {
            const { pod } = await admit(podOf("apps", sa));
            assert.ok(pod, sa);
            assert.equal(mutated(pod), false, sa);
            assert.deepEqual(envOf(pod), {}, sa);
        }
    });

    it("with the webhook down: Ignore admits pods unmutated; Fail refuses them outside kube-system and admits them inside", async () => {
        await webhook!.stop();
        try {
            const ignored = await admit(podOf("apps", "s3-reader"));
            assert.ok(ignored.pod, ignored.error);
            assert.equal(mutated(ignored.pod), false);

            const fail = await component("fail", { failurePolicy: "Fail" });
            const failConfig = renderChart(fail.releaseValues!, fail.releaseNamespace!).mutatingWebhookConfiguration;
            // The same webhook configuration with the component's Fail values (its CA does not matter: nothing answers).
            await cluster.apply(failConfig);
            const refused = await admit(podOf("apps", "s3-reader"));
            assert.equal(refused.pod, undefined);
            assert.match(refused.error!, /failed calling webhook "pod-identity-webhook\.amazonaws\.com"/);
            const system = await admit(podOf("kube-system", "default"));
            assert.ok(system.pod, system.error);
            assert.equal(mutated(system.pod), false);
        } finally {
            await cluster.apply(renderChart(run.releaseValues!, run.releaseNamespace!).mutatingWebhookConfiguration);
            await webhook!.start();
        }
        const { pod } = await admit(podOf("apps", "s3-reader"));
        assert.ok(pod && mutated(pod), "mutating again once the webhook is back");
    });

    describe("the webhook CA rollover (issue 15 item 8)", () => {
        // One stack "roll", several ups: the tls stand-in keeps what did not change, as the engine does.
        type Pki = { caBundle: string; cert: string; key: string };
        const pkiOf = (r: ComponentRun) => r.releaseValues!.pki as Pki;
        const certsIn = (bundle: string): string[] => bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g) ?? [];
        /** What Helm applies on `up`: the Secret and the webhook configuration change together. */
        const helmUpgrade = (r: ComponentRun) => {
            const chart = renderChart(r.releaseValues!, r.releaseNamespace!);
            return cluster.apply(chart.secret!, chart.mutatingWebhookConfiguration);
        };
        const assertAdmits = async (why: string) => {
            const { pod, error } = await admit(podOf("apps", "s3-reader"));
            assert.ok(pod && mutated(pod), `${why}: ${error ?? "admitted unmutated"}`);
        };
        let g0: ComponentRun;
        let g1: ComponentRun;
        let g2: ComponentRun;

        before(async () => {
            await webhook?.stop();
            g0 = await component("roll");
            webhook = await startWebhook({ cluster, values: g0.releaseValues!, namespace: g0.releaseNamespace! });
        });

        it("generation 0 → 1: the caBundle trusts the new and the old CA, so pods are mutated while the webhook still serves the old certificate", async () => {
            await assertAdmits("generation 0");
            g1 = await component("roll", { caGeneration: 1 });
            const [newCa, oldCa, ...rest] = certsIn(pkiOf(g1).caBundle);
            assert.deepEqual(rest, []);
            assert.equal(oldCa, pkiOf(g0).caBundle, "the previous generation's CA, unchanged");
            assert.notEqual(newCa, oldCa);
            assert.equal(new X509Certificate(pkiOf(g1).cert).checkIssued(new X509Certificate(newCa)), true, "the new CA signs the new serving certificate");

            await helmUpgrade(g1);
            // The kubelet has not synced the Secret yet: the webhook serves generation 0's certificate.
            assert.equal(await webhook!.servedCertificate(), new X509Certificate(pkiOf(g0).cert).toString());
            await assertAdmits("new bundle, old serving certificate");

            // The drift this guards against: the bundle with only the new CA (what the component did before)
            // makes the API server refuse the webhook's old certificate in exactly this window.
            const onlyNew = renderChart({ ...g1.releaseValues!, pki: { ...pkiOf(g1), caBundle: newCa }, mutatingWebhook: { failurePolicy: "Fail" } }, "kube-system").mutatingWebhookConfiguration;
            await cluster.apply(onlyNew);
            const refused = await admit(podOf("apps", "s3-reader"));
            assert.match(refused.error ?? "", /x509: certificate signed by unknown authority/);
            await helmUpgrade(g1);

            await webhook!.renewServingCertificate(pkiOf(g1).cert, pkiOf(g1).key);
            await assertAdmits("new bundle, new serving certificate");
        });

        it("generation 1 → 2: the CA before the previous one leaves the bundle", async () => {
            g2 = await component("roll", { caGeneration: 2 });
            const certs = certsIn(pkiOf(g2).caBundle);
            assert.equal(certs.length, 2);
            assert.equal(certs[1], certsIn(pkiOf(g1).caBundle)[0]);
            assert.equal(certs.includes(pkiOf(g0).caBundle), false, "generation 0 is no longer trusted");
            await helmUpgrade(g2);
            await assertAdmits("generation 2 bundle, generation 1 certificate");
            await webhook!.renewServingCertificate(pkiOf(g2).cert, pkiOf(g2).key);
            await assertAdmits("generation 2 bundle and certificate");
        });

        it("the CA's own renewal (early renewal, same key) keeps the old serving certificate valid against the renewed CA", async () => {
            renew("roll-webhook-ca-2");
            const renewed = await component("roll", { caGeneration: 2 });
            const [before, after] = [new X509Certificate(certsIn(pkiOf(g2).caBundle)[0]), new X509Certificate(certsIn(pkiOf(renewed).caBundle)[0])];
            assert.notEqual(after.serialNumber, before.serialNumber, "a new CA certificate");
            assert.equal(after.publicKey.export({ type: "spki", format: "pem" }), before.publicKey.export({ type: "spki", format: "pem" }), "with the same key");
            assert.notEqual(pkiOf(renewed).cert, pkiOf(g2).cert, "and a new serving certificate");
            await helmUpgrade(renewed);
            await assertAdmits("renewed CA, serving certificate from before the renewal");
            await webhook!.renewServingCertificate(pkiOf(renewed).cert, pkiOf(renewed).key);
            await assertAdmits("renewed CA and its serving certificate");
        });
    });
});
