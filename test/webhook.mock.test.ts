// Pulumi mock tests of the webhook release, its PKI and IRSA ServiceAccounts.
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { RecordedResource, isSecret, isSecretValue, promiseOf, resources, reveal, setupMocks, urnOf } from "./helpers/pulumi-mocks";
import { recordEngineRequests, requestOf } from "./helpers/engine-requests";

setupMocks();
recordEngineRequests();
// Required after setMocks: resource modules must load with the mocks in place.
const k8s = require("@pulumi/kubernetes") as typeof import("@pulumi/kubernetes");
const { createPodIdentityWebhook } = require("../src/components/kubernetes/webhook") as typeof import("../src/components/kubernetes/webhook");
const { createIrsaServiceAccount, serviceAccountAnnotations } = require("../src/components/kubernetes/service-account") as typeof import("../src/components/kubernetes/service-account");

const RELEASE = "kubernetes:helm.sh/v3:Release";
const TLS = "tls:index/";
const fakePem = (kind: string, name: string) => `-----BEGIN ${kind}-----\nMOCK-${name}\n-----END ${kind}-----\n`;


class Parent extends pulumi.ComponentResource {
    constructor(name: string) {
        super("test:index:Parent", name, {}, {});
    }
}

/** Recorded resources whose name starts with `${prefix}-`. */
const named = (prefix: string, type?: string): RecordedResource[] => resources.filter((r) => r.name.startsWith(`${prefix}-`) && (!type || r.type === type));
const one = (prefix: string, type: string): RecordedResource => {
    const found = named(prefix, type);
    assert.equal(found.length, 1, `one ${type} for ${prefix}`);
    return found[0];
};

describe("pod identity webhook without cert-manager (default)", () => {
    const parent = new Parent("p1");
    const made = createPodIdentityWebhook("irsa", { region: "eu-west-1" }, { parent })!;

    it("installs the pinned chart from the jkroepke repository into kube-system", async () => {
        await promiseOf(made.release.urn);
        const release = one("irsa", RELEASE);
        assert.equal(release.name, "irsa-webhook");
        assert.equal(release.inputs.chart, "amazon-eks-pod-identity-webhook");
        assert.equal(release.inputs.version, "2.6.5");
        assert.deepEqual(release.inputs.repositoryOpts, { repo: "https://jkroepke.github.io/helm-charts" });
        assert.equal(release.inputs.namespace, "kube-system");
        assert.equal(release.inputs.createNamespace, false);
    });

    it("hands the chart our region, defaults, Ignore, availability, and the PEMs of our own CA and certificate", async () => {
        await promiseOf(made.release.urn);
        const recorded = requestOf(RELEASE, "irsa-webhook").object.values;
        assert.deepEqual(reveal(recorded), {
            fullnameOverride: "amazon-eks-pod-identity-webhook",
            config: { defaultAwsRegion: "eu-west-1", tokenAudience: "sts.amazonaws.com", stsRegionalEndpoint: true, tokenExpiration: 86400 },
            mutatingWebhook: { failurePolicy: "Ignore" },
            replicaCount: 2,
            podDisruptionBudget: { enabled: true, minAvailable: 1 },
            priorityClassName: "system-cluster-critical",
            affinity: {
                podAntiAffinity: {
                    preferredDuringSchedulingIgnoredDuringExecution: [
                        { weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { "app.kubernetes.io/name": "amazon-eks-pod-identity-webhook" } } } },
                    ],
                },
            },
            pki: {
                certManager: { enabled: false },
                caBundle: fakePem("CERTIFICATE", "irsa-webhook-ca"),
                cert: fakePem("CERTIFICATE", "irsa-webhook-cert"),
                key: fakePem("PRIVATE KEY", "irsa-webhook-key"),
            },
        });
        assert.equal(await promiseOf(made.caCertPem!), fakePem("CERTIFICATE", "irsa-webhook-ca"));
    });

    it("makes an ECDSA P-256 CA (10 years) and a serving certificate (5 years) naming the chart's Service", async () => {
        await promiseOf(made.release.urn);
        const keys = named("irsa", `${TLS}privateKey:PrivateKey`);
        assert.deepEqual(keys.map((k) => k.name).sort(), ["irsa-webhook-ca-key", "irsa-webhook-key"]);
        for (const key of keys) {
            assert.equal(key.inputs.algorithm, "ECDSA");
            assert.equal(key.inputs.ecdsaCurve, "P256");
        }
        const ca = one("irsa", `${TLS}selfSignedCert:SelfSignedCert`);
        assert.equal(ca.inputs.isCaCertificate, true);
        assert.equal(ca.inputs.validityPeriodHours, 87600);
        assert.equal(ca.inputs.earlyRenewalHours, 17520);
        assert.equal(isSecretValue(ca.inputs.privateKeyPem), true);
        assert.equal(reveal(ca.inputs.privateKeyPem), fakePem("PRIVATE KEY", "irsa-webhook-ca-key"));
        assert.deepEqual(ca.inputs.allowedUses, ["cert_signing", "crl_signing", "digital_signature"]);

        const csr = one("irsa", `${TLS}certRequest:CertRequest`);
        assert.equal(isSecretValue(csr.inputs.privateKeyPem), true);
        assert.equal(reveal(csr.inputs.privateKeyPem), fakePem("PRIVATE KEY", "irsa-webhook-key"));
        assert.deepEqual(csr.inputs.dnsNames, [
            "amazon-eks-pod-identity-webhook",
            "amazon-eks-pod-identity-webhook.kube-system",
            "amazon-eks-pod-identity-webhook.kube-system.svc",
            "amazon-eks-pod-identity-webhook.kube-system.svc.cluster.local",
            "amazon-eks-pod-identity-webhook.kube-system.svc.local",
        ]);

        const cert = one("irsa", `${TLS}locallySignedCert:LocallySignedCert`);
        assert.equal(cert.inputs.certRequestPem, fakePem("CERTIFICATE REQUEST", "irsa-webhook-csr"));
        assert.equal(cert.inputs.caCertPem, fakePem("CERTIFICATE", "irsa-webhook-ca"));
        assert.equal(isSecretValue(cert.inputs.caPrivateKeyPem), true);
        assert.equal(reveal(cert.inputs.caPrivateKeyPem), fakePem("PRIVATE KEY", "irsa-webhook-ca-key"));
        assert.equal(cert.inputs.validityPeriodHours, 43800);
        assert.equal(cert.inputs.earlyRenewalHours, 8760);
        assert.deepEqual(cert.inputs.allowedUses, ["digital_signature", "key_encipherment", "server_auth"]);
    });

    it("keeps the serving key secret, and only it, in the request the engine receives: diffs stay readable", async () => {
        const release = { inputs: { values: requestOf(RELEASE, "irsa-webhook").object.values } };
        assert.equal(isSecretValue(release.inputs.values), false, "the values as a whole are not secret");
        assert.equal(isSecretValue(release.inputs.values.pki.key), true, "pki.key is");
        assert.equal(reveal(release.inputs.values.pki.key), fakePem("PRIVATE KEY", "irsa-webhook-key"));
        const secretLeaves: string[] = [];
        const walk = (v: any, at: string): void => {
            if (isSecretValue(v)) secretLeaves.push(at);
            else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, `${at}.${k}`);
        };
        walk(release.inputs.values, "values");
        assert.deepEqual(secretLeaves, ["values.pki.key"]);
        assert.equal(isSecretValue(release.inputs.values.pki.cert), false);
        assert.equal(isSecretValue(release.inputs.values.pki.caBundle), false);
        assert.equal(await isSecret(made.caCertPem!), false, "the CA certificate is public");
    });

    it("deletes the old release before a replacement (the chart's cluster-scoped objects have fixed names)", () => {
        const request = requestOf(RELEASE, "irsa-webhook");
        assert.equal(request.deleteBeforeReplace, true);
        assert.equal(request.protect, false);
        // A valid auto-name (`irsa-webhook-<8 hex>`) is left to Pulumi: no name given.
        assert.equal(request.object.name, undefined);
    });

    it("gives Helm a valid release name when the auto-name would not be one", async () => {
        const long = "Prod-Cluster-EU-West-1-Identity-Federation-Irsa";
        const w = createPodIdentityWebhook(long, { region: "eu-west-1" }, { parent: new Parent("p-long") })!;
        await promiseOf(w.release.urn);
        const name = requestOf(RELEASE, `${long}-webhook`).object.name as string;
        assert.match(name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
        assert.ok(name.length <= 53, name);
        assert.match(name, /^prod-cluster-eu-west-1-identity-federation-i-[0-9a-f]{8}$/);
    });

    it("parents every child on the given resource", async () => {
        assert.match(await urnOf(made.release), /::test:index:Parent\$kubernetes:helm\.sh\/v3:Release::irsa-webhook$/);
    });
});

describe("pod identity webhook with cert-manager and options", () => {
    it("creates no tls resources and lets the chart ask cert-manager", async () => {
        const made = createPodIdentityWebhook("cm", { region: "us-west-2", certManager: true, namespace: "irsa-system" }, { parent: new Parent("p2") })!;
        await promiseOf(made.release.urn);
        assert.deepEqual(named("cm").filter((r) => r.type.startsWith(TLS)), []);
        const release = one("cm", RELEASE);
        assert.equal(isSecretValue(release.inputs.values), false);
        assert.deepEqual(release.inputs.values.pki, { certManager: { enabled: true } });
        assert.equal(release.inputs.namespace, "irsa-system");
        assert.equal(release.inputs.createNamespace, true);
        assert.equal(made.caCertPem, undefined);
        assert.equal(JSON.stringify(release.inputs.values).includes("PRIVATE KEY"), false, "no key inside, nothing to hide");
    });

    it("passes every option, the stack region from the caller, and the given provider", async () => {
        const provider = new k8s.Provider("cluster", { kubeconfig: "apiVersion: v1" });
        const made = createPodIdentityWebhook(
            "opt",
            {
                chartVersion: "2.6.4",
                chartRepository: "https://charts.example.com",
                tokenAudience: pulumi.output("irsa.example.com"),
                stsRegionalEndpoint: false,
                tokenExpiration: 7200,
                image: { registry: "registry.example.com", tag: pulumi.output("v0.6.17") },
                nodeSelector: { "kubernetes.io/os": "linux" },
                tolerations: [{ operator: "Exists" }],
                failurePolicy: "Ignore",
                certificateValidityHours: 720,
                values: { replicaCount: 2, podLabels: { team: pulumi.output("platform") } },
            },
            { parent: new Parent("p3"), provider },
            pulumi.output("ap-northeast-1"),
        )!;
        await promiseOf(made.release.urn);
        const release = one("opt", RELEASE);
        assert.equal(release.inputs.version, "2.6.4");
        assert.deepEqual(release.inputs.repositoryOpts, { repo: "https://charts.example.com" });
        assert.match(release.provider ?? "", /::pulumi:providers:kubernetes::cluster::/);
        const { pki, affinity, podDisruptionBudget, priorityClassName, ...rest } = reveal(release.inputs.values);
        assert.ok(affinity.podAntiAffinity && podDisruptionBudget.enabled && priorityClassName);
        assert.deepEqual(rest, {
            fullnameOverride: "amazon-eks-pod-identity-webhook",
            config: { defaultAwsRegion: "ap-northeast-1", tokenAudience: "irsa.example.com", stsRegionalEndpoint: false, tokenExpiration: 7200 },
            mutatingWebhook: { failurePolicy: "Ignore" },
            image: { registry: "registry.example.com", tag: "v0.6.17" },
            nodeSelector: { "kubernetes.io/os": "linux" },
            tolerations: [{ operator: "Exists" }],
            replicaCount: 2,
            podLabels: { team: "platform" },
        });
        assert.equal(pki.certManager.enabled, false);
        const cert = one("opt", `${TLS}locallySignedCert:LocallySignedCert`);
        assert.equal(cert.inputs.validityPeriodHours, 720);
        assert.equal(cert.inputs.earlyRenewalHours, 144);
        assert.equal(named("opt", `${TLS}privateKey:PrivateKey`).length, 2);
        // tls resources do not get the Kubernetes provider.
        for (const r of named("opt").filter((x) => x.type.startsWith(TLS))) {
            assert.doesNotMatch(r.provider ?? "", /providers:kubernetes/);
        }
    });

    it("validates before creating anything, and creates nothing when disabled", () => {
        const before = resources.length;
        assert.throws(
            () => createPodIdentityWebhook("bad", { tokenExpiration: 60 }, { parent: new Parent("p4") }, "eu-west-1"),
            { message: "`webhook.tokenExpiration` \"60\" is not a whole number of seconds from 600 to 999999. Fix: use at least 600 (the webhook raises shorter lifetimes to 600 without telling); Helm would print larger numbers as 1e+06, which the webhook cannot parse; the default is 86400" },
        );
        assert.throws(() => createPodIdentityWebhook("bad", {}, { parent: new Parent("p5") }), { name: "IrsaInputError", message: /^`webhook\.region` \(not set\) is required/ });
        assert.equal(createPodIdentityWebhook("off", { enabled: false }, { parent: new Parent("p6") }), undefined);
        assert.deepEqual(named("bad"), []);
        assert.deepEqual(named("off"), []);
        assert.deepEqual(resources.slice(before).filter((r) => r.type !== "test:index:Parent"), []);
    });
});

describe("IRSA ServiceAccounts", () => {
    it("serviceAccountAnnotations writes exactly the webhook's annotations", () => {
        assert.deepEqual(serviceAccountAnnotations({ roleArn: "arn:aws:iam::123456789012:role/s3-reader" }), {
            "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/s3-reader",
        });
        assert.deepEqual(
            serviceAccountAnnotations({ roleArn: "arn:aws-us-gov:iam::123456789012:role/team/a", audience: "irsa.example.com", stsRegionalEndpoints: false, tokenExpiration: 3600 }),
            {
                "eks.amazonaws.com/role-arn": "arn:aws-us-gov:iam::123456789012:role/team/a",
                "eks.amazonaws.com/audience": "irsa.example.com",
                "eks.amazonaws.com/sts-regional-endpoints": "false",
                "eks.amazonaws.com/token-expiration": "3600",
            },
        );
    });

    it("refuses bad annotations with exact messages", () => {
        assert.throws(() => serviceAccountAnnotations({ roleArn: "s3-reader" }), {
            message: "`roleArn` \"s3-reader\" is not an IAM role ARN. Fix: use the role's ARN, e.g. \"arn:aws:iam::123456789012:role/s3-reader\" (not its name or an instance profile)",
        });
        assert.throws(() => serviceAccountAnnotations({ roleArn: "arn:aws:iam::123456789012:role/a", tokenExpiration: 300 }), {
            message: "`tokenExpiration` \"300\" is not a whole number of seconds from 600 to 2147483648. Fix: use at least 600 (the webhook raises shorter lifetimes to 600 without telling); the default is 86400",
        });
        assert.throws(() => serviceAccountAnnotations({ roleArn: "arn:aws:iam::123456789012:role/a", audience: "" }), {
            message: "`audience` \"\" is empty. Fix: leave it unset for \"sts.amazonaws.com\", or give an audience the IAM OIDC provider lists as a client ID",
        });
    });

    it("creates the ServiceAccount with its namespace, name and annotations under the parent", async () => {
        const sa = createIrsaServiceAccount(
            "app-sa",
            { namespace: "apps", name: "s3-reader", roleArn: pulumi.output("arn:aws:iam::123456789012:role/s3-reader"), tokenExpiration: 3600, stsRegionalEndpoints: true },
            { parent: new Parent("p7") },
        );
        assert.match(await urnOf(sa), /::test:index:Parent\$kubernetes:core\/v1:ServiceAccount::app-sa$/);
        const recorded = resources.find((r) => r.name === "app-sa")!;
        assert.equal(recorded.type, "kubernetes:core/v1:ServiceAccount");
        assert.deepEqual(recorded.inputs.metadata, {
            namespace: "apps",
            name: "s3-reader",
            annotations: {
                "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/s3-reader",
                "eks.amazonaws.com/sts-regional-endpoints": "true",
                "eks.amazonaws.com/token-expiration": "3600",
            },
        });
    });

    it("checks the Kubernetes names before creating anything", () => {
        assert.throws(() => createIrsaServiceAccount("x", { namespace: "apps", name: "S3_Reader", roleArn: "arn:aws:iam::123456789012:role/a" }, { parent: new Parent("p8") }), {
            message: "`serviceAccount` \"S3_Reader\" is not a DNS-1123 subdomain (at most 253 lowercase letters, digits, '-' or '.', each part starting and ending with a letter or digit). Fix: use the ServiceAccount name exactly as `kubectl get serviceaccounts` shows it, e.g. \"s3-reader\"",
        });
        assert.equal(resources.find((r) => r.name === "x"), undefined);
    });
});
