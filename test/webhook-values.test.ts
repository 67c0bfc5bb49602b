// Pure tests of the webhook chart values: no Pulumi runtime involved.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import {
    CHART_TOP_LEVEL_KEYS,
    WEBHOOK_CHART_VERSION,
    WebhookArgs,
    buildWebhookValues,
    deepMerge,
    earlyRenewalHours,
    validateWebhookArgs,
    webhookServiceDnsNames,
} from "../src/webhook/webhook-values";

const ROOT = path.join(__dirname, "..", "..");
const FIXTURE = JSON.parse(fs.readFileSync(path.join(ROOT, "test", "fixtures", "webhook-chart-2.6.5-schema.json"), "utf8"));
const PKI = { caBundle: "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n", cert: "-----BEGIN CERTIFICATE-----\nLEAF\n-----END CERTIFICATE-----\n", key: "-----BEGIN EC PRIVATE KEY-----\nK\n-----END EC PRIVATE KEY-----\n" };

interface SchemaNode { type?: string | string[]; properties?: Record<string, SchemaNode>; additionalProperties?: boolean }

/** Every emitted key must be a property the chart's schema names, with a matching JSON type. */
function schemaViolations(value: unknown, node: SchemaNode, at: string): string[] {
    const types = node.type === undefined ? [] : Array.isArray(node.type) ? node.type : [node.type];
    const actual = value === null ? "null" : Array.isArray(value) ? "array" : Number.isInteger(value) ? "integer" : typeof value;
    if (types.length > 0 && !types.includes(actual) && !(actual === "integer" && types.includes("number"))) {
        return [`${at}: ${actual} is not ${types.join("|")}`];
    }
    if (actual !== "object" || !node.properties) {
        return [];
    }
    const problems: string[] = [];
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
        const sub = node.properties[key];
        problems.push(...(sub ? schemaViolations(child, sub, `${at}.${key}`) : [`${at}.${key}: not in the chart's schema`]));
    }
    return problems;
}

function expectInputError(fn: () => unknown, message: string): void {
    assert.throws(fn, (e: Error) => {
        assert.equal(e.name, "IrsaInputError");
        assert.equal(e.message, message);
        return true;
    });
}

describe("webhook chart values", () => {
    const SPREAD = {
        podAntiAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
                { weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { "app.kubernetes.io/name": "amazon-eks-pod-identity-webhook" } } } },
            ],
        },
    };
    it("defaults: region injected, audience, regional STS, 86400 s, Ignore, 2 spread replicas with a PDB and a priority, pinned fullname, our PKI", () => {
        assert.deepEqual(buildWebhookValues({ region: "eu-west-1" }, PKI), {
            fullnameOverride: "amazon-eks-pod-identity-webhook",
            config: { defaultAwsRegion: "eu-west-1", tokenAudience: "sts.amazonaws.com", stsRegionalEndpoint: true, tokenExpiration: 86400 },
            mutatingWebhook: { failurePolicy: "Ignore" },
            replicaCount: 2,
            podDisruptionBudget: { enabled: true, minAvailable: 1 },
            priorityClassName: "system-cluster-critical",
            affinity: SPREAD,
            pki: { certManager: { enabled: false }, caBundle: PKI.caBundle, cert: PKI.cert, key: PKI.key },
        });
    });

    it("with Fail, never intercepts kube-system or the webhook's own namespace", () => {
        const selector = (namespace?: string) => buildWebhookValues({ region: "eu-west-1", failurePolicy: "Fail", namespace }, PKI).mutatingWebhook;
        assert.deepEqual(selector(), {
            failurePolicy: "Fail",
            namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: ["kube-system"] }] },
        });
        assert.deepEqual(selector("irsa-system"), {
            failurePolicy: "Fail",
            namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: ["kube-system", "irsa-system"] }] },
        });
        // Ignore intercepts every namespace (the chart's empty selector): nothing is blocked by an outage.
        assert.equal("namespaceSelector" in (buildWebhookValues({ region: "eu-west-1" }, PKI).mutatingWebhook as object), false);
    });

    it("the availability defaults yield to the values passthrough (null removes one)", () => {
        const values = buildWebhookValues(
            { region: "eu-west-1", values: { replicaCount: 3, podDisruptionBudget: { minAvailable: 2 }, priorityClassName: "", affinity: { podAntiAffinity: null } } },
            PKI,
        );
        assert.equal(values.replicaCount, 3);
        assert.deepEqual(values.podDisruptionBudget, { enabled: true, minAvailable: 2 });
        assert.equal(values.priorityClassName, "");
        assert.deepEqual(values.affinity, { podAntiAffinity: null });
        // The shared defaults were not mutated by the merge.
        assert.deepEqual(buildWebhookValues({ region: "eu-west-1" }, PKI).affinity, SPREAD);
    });

    it("every option lands on its chart key", () => {
        const values = buildWebhookValues(
            {
                region: "us-gov-west-1",
                tokenAudience: "irsa.example.com",
                stsRegionalEndpoint: false,
                tokenExpiration: 3600,
                image: { registry: "registry.example.com", repository: "mirror/pod-identity-webhook", tag: "v0.6.17" },
                nodeSelector: { "kubernetes.io/os": "linux" },
                tolerations: [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" }],
                failurePolicy: "Ignore",
            },
            PKI,
        );
        assert.deepEqual(values.config, { defaultAwsRegion: "us-gov-west-1", tokenAudience: "irsa.example.com", stsRegionalEndpoint: false, tokenExpiration: 3600 });
        assert.deepEqual(values.image, { registry: "registry.example.com", repository: "mirror/pod-identity-webhook", tag: "v0.6.17" });
        assert.deepEqual(values.nodeSelector, { "kubernetes.io/os": "linux" });
        assert.deepEqual(values.tolerations, [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" }]);
        assert.deepEqual(values.mutatingWebhook, { failurePolicy: "Ignore" });
    });

    it("a partial image override leaves the chart's other image fields alone", () => {
        assert.deepEqual(buildWebhookValues({ region: "eu-west-1", image: { tag: "v0.6.18" } }, PKI).image, { tag: "v0.6.18" });
    });

    it("cert-manager: only pki.certManager.enabled, no PEM", () => {
        const values = buildWebhookValues({ region: "eu-west-1", certManager: true });
        assert.deepEqual(values.pki, { certManager: { enabled: true } });
    });

    it("the escape hatch is deep-merged last without touching the inputs", () => {
        const extra = { replicaCount: 2, config: { extraArgs: ["--v=4"] }, mutatingWebhook: { failurePolicy: "Ignore" }, tolerations: [{ operator: "Exists" }] };
        const before = JSON.stringify(extra);
        const values = buildWebhookValues({ region: "eu-west-1", tolerations: [{ key: "a", operator: "Exists" }], values: extra }, PKI);
        assert.equal(values.replicaCount, 2);
        assert.deepEqual(values.config, { defaultAwsRegion: "eu-west-1", tokenAudience: "sts.amazonaws.com", stsRegionalEndpoint: true, tokenExpiration: 86400, extraArgs: ["--v=4"] });
        assert.deepEqual(values.mutatingWebhook, { failurePolicy: "Ignore" });
        assert.deepEqual(values.tolerations, [{ operator: "Exists" }], "arrays replace, they do not merge");
        assert.equal(JSON.stringify(extra), before);
        const base = { a: { b: 1 } };
        deepMerge(base, { a: { c: 2 } });
        assert.deepEqual(base, { a: { b: 1 } });
    });

    it("cert-manager may tune its certificate through the escape hatch", () => {
        const values = buildWebhookValues({ region: "eu-west-1", certManager: true, values: { pki: { certManager: { existingIssuer: { enabled: true, kind: "ClusterIssuer", name: "ca" } } } } });
        assert.deepEqual(values.pki, { certManager: { enabled: true, existingIssuer: { enabled: true, kind: "ClusterIssuer", name: "ca" } } });
    });
});

describe("chart schema compatibility (chart 2.6.5 values.schema.json, trimmed fixture)", () => {
    it("the fixture is the tested chart version", () => {
        assert.equal(FIXTURE.version, WEBHOOK_CHART_VERSION);
        assert.equal(FIXTURE.schema.additionalProperties, false);
    });

    it("our list of top-level keys is the schema's", () => {
        assert.deepEqual([...CHART_TOP_LEVEL_KEYS].sort(), Object.keys(FIXTURE.schema.properties).sort());
    });

    it("every key emitted, for every option, exists in the schema with the right type", () => {
        const cases = [
            buildWebhookValues({ region: "eu-west-1" }, PKI),
            buildWebhookValues({ region: "eu-west-1", certManager: true, values: { pki: { certManager: { certificate: { duration: "2160h", renewBefore: "360h" } } } } }),
            buildWebhookValues(
                {
                    region: "ap-southeast-2",
                    tokenAudience: "a",
                    stsRegionalEndpoint: false,
                    tokenExpiration: 999999,
                    image: { registry: "r", repository: "p", tag: "t" },
                    nodeSelector: { a: "b" },
                    tolerations: [{ operator: "Exists" }],
                    failurePolicy: "Ignore",
                    values: { replicaCount: 2, podDisruptionBudget: { enabled: true, minAvailable: 1 }, resources: { requests: { cpu: "10m", memory: "32Mi" } } },
                },
                PKI,
            ),
        ];
        for (const values of cases) {
            assert.deepEqual(schemaViolations(values, FIXTURE.schema, "values"), []);
        }
    });

    it("the checker itself catches a key the chart would reject", () => {
        assert.deepEqual(schemaViolations({ pki: { caCert: "x" }, config: { tokenExpiration: "1" } }, FIXTURE.schema, "values"), [
            "values.pki.caCert: not in the chart's schema",
            "values.config.tokenExpiration: string is not integer",
        ]);
    });
});

describe("webhook args validation (exact messages)", () => {
    const ok: WebhookArgs = { region: "eu-west-1" };
    const cases: [string, WebhookArgs, string][] = [
        [
            "region missing",
            {},
            "`webhook.region` (not set) is required (the webhook sets AWS_REGION and AWS_DEFAULT_REGION in every mutated pod; the chart would silently use us-east-1). Fix: set it to the stack's AWS region, e.g. \"eu-west-1\"",
        ],
        [
            "region an availability zone",
            { region: "us-east-1a" },
            "`webhook.region` \"us-east-1a\" is not an AWS region code. Fix: use a region code such as \"eu-west-1\" or \"us-gov-west-1\", not an availability zone or a display name",
        ],
        [
            "token expiration under the webhook minimum",
            { ...ok, tokenExpiration: 599 },
            "`webhook.tokenExpiration` \"599\" is not a whole number of seconds from 600 to 999999. Fix: use at least 600 (the webhook raises shorter lifetimes to 600 without telling); Helm would print larger numbers as 1e+06, which the webhook cannot parse; the default is 86400",
        ],
        [
            "token expiration Helm would print as 1e+06",
            { ...ok, tokenExpiration: 1000000 },
            "`webhook.tokenExpiration` \"1000000\" is not a whole number of seconds from 600 to 999999. Fix: use at least 600 (the webhook raises shorter lifetimes to 600 without telling); Helm would print larger numbers as 1e+06, which the webhook cannot parse; the default is 86400",
        ],
        [
            "token expiration not whole",
            { ...ok, tokenExpiration: 3600.5 },
            "`webhook.tokenExpiration` \"3600.5\" is not a whole number of seconds from 600 to 999999. Fix: use at least 600 (the webhook raises shorter lifetimes to 600 without telling); Helm would print larger numbers as 1e+06, which the webhook cannot parse; the default is 86400",
        ],
        [
            "empty audience",
            { ...ok, tokenAudience: " " },
            "`webhook.tokenAudience` \" \" contains \" \": an audience is 1 to 255 literal characters: no `$`, `{`, `}`, `*`, `?`, white space or control characters (in a trust policy IAM reads `${...}` as a policy variable and `*`, `?` as wildcards). Fix: use the audience exactly as pods request it (the IAM OIDC provider's client ID), e.g. \"sts.amazonaws.com\"",
        ],
        [
            "empty chart version",
            { ...ok, chartVersion: "" },
            "`webhook.chartVersion` \"\" is empty. Fix: leave it unset for the tested version 2.6.5, or give an exact chart version",
        ],
        [
            "chart repository not a URL",
            { ...ok, chartRepository: "jkroepke" },
            "`webhook.chartRepository` \"jkroepke\" is not an https:// Helm repository or an oci:// registry (the chart installs a cluster-wide mutating webhook: over plain http anyone on the path could replace it). Fix: leave it unset for https://jkroepke.github.io/helm-charts, or give the https:// or oci:// address of a repository that serves amazon-eks-pod-identity-webhook",
        ],
        [
            "namespace not a DNS label",
            { ...ok, namespace: "Kube_System" },
            "`webhook.namespace` \"Kube_System\" is not a DNS-1123 label (at most 63 lowercase letters, digits or '-', starting and ending with a letter or digit). Fix: use the Kubernetes name exactly as `kubectl get` shows it, e.g. \"kube-system\"",
        ],
        [
            "failure policy",
            { ...ok, failurePolicy: "fail" as "Fail" },
            "`webhook.failurePolicy` \"fail\" is neither \"Ignore\" nor \"Fail\". Fix: use \"Ignore\" (the default: a webhook outage never blocks pod creation) or \"Fail\" (no pod starts without its credentials; kube-system and the webhook's namespace are then exempt)",
        ],
        [
            "certificate validity beyond the CA",
            { ...ok, certificateValidityHours: 87601 },
            "`webhook.certificateValidityHours` \"87601\" is not a whole number of hours from 24 to 87600 (the CA's lifetime). Fix: leave it unset for 43800 (5 years)",
        ],
        [
            "certificate validity with cert-manager",
            { ...ok, certManager: true, certificateValidityHours: 720 },
            "`webhook.certificateValidityHours` \"720\" applies only to the certificate made with @pulumi/tls. Fix: leave it unset with `certManager: true` (cert-manager renews its own certificate; tune it with values.pki.certManager.certificate)",
        ],
        [
            "unknown top-level value",
            { ...ok, values: { replicas: 2 } },
            "`webhook.values` \"replicas\" is not a top-level value of chart amazon-eks-pod-identity-webhook 2.6.5 (its values.schema.json rejects unknown keys). Fix: use one of " +
                "affinity, annotations, config, fullnameOverride, global, hostNetwork, image, imagePullSecrets, livenessProbe, metrics, mutatingWebhook, nameOverride, namespaceOverride, nodeSelector, pki, podAnnotations, podDisruptionBudget, podLabels, podSecurityContext, priorityClassName, readinessProbe, replicaCount, resources, securityContext, service, serviceAccount, strategy, tolerations",
        ],
        [
            "fullnameOverride in the escape hatch",
            { ...ok, values: { fullnameOverride: "piw" } },
            "`webhook.values` \"fullnameOverride\" is set by this component (the webhook's serving certificate names the Service it gives). Fix: remove it; choose the namespace with `webhook.namespace`",
        ],
        [
            "pki in the escape hatch without cert-manager",
            { ...ok, values: { pki: { existingSecret: "mine" } } },
            "`webhook.values` \"pki.existingSecret\" is set by this component (it makes the CA and the serving certificate). Fix: remove it, or set `webhook.certManager: true` to let cert-manager issue the certificate",
        ],
        [
            "turning cert-manager off through the escape hatch",
            { ...ok, certManager: true, values: { pki: { certManager: { enabled: false } } } },
            "`webhook.values` \"pki.certManager.enabled\" is set by this component (with `certManager: true` only pki.certManager.certificate and pki.certManager.existingIssuer may be given). Fix: remove it",
        ],
    ];
    for (const [title, args, message] of cases) {
        it(title, () => expectInputError(() => validateWebhookArgs(args), message));
    }

    it("accepts good args, a stack region passed separately, and skips everything when disabled", () => {
        validateWebhookArgs({ ...ok, tokenExpiration: 600, certificateValidityHours: 24, namespace: "irsa", chartVersion: "2.6.4", values: { replicaCount: 2 } });
        validateWebhookArgs({}, "eu-central-1");
        validateWebhookArgs({ region: "eusc-de-east-1" });
        validateWebhookArgs({ region: "cn-northwest-1" });
        validateWebhookArgs({ enabled: false });
    });

    it("skips Inputs not known yet; buildWebhookValues checks them once resolved", () => {
        validateWebhookArgs({ region: Promise.resolve("nowhere") });
        expectInputError(
            () => buildWebhookValues({ region: "nowhere" }, PKI),
            "`webhook.region` \"nowhere\" is not an AWS region code. Fix: use a region code such as \"eu-west-1\" or \"us-gov-west-1\", not an availability zone or a display name",
        );
    });
});

describe("serving certificate names and renewal", () => {
    it("covers every name of the chart's Service, .svc.cluster.local and .svc.local", () => {
        assert.deepEqual(webhookServiceDnsNames("kube-system"), [
            "amazon-eks-pod-identity-webhook",
            "amazon-eks-pod-identity-webhook.kube-system",
            "amazon-eks-pod-identity-webhook.kube-system.svc",
            "amazon-eks-pod-identity-webhook.kube-system.svc.cluster.local",
            "amazon-eks-pod-identity-webhook.kube-system.svc.local",
        ]);
    });

    it("renews in the last fifth of the lifetime", () => {
        assert.equal(earlyRenewalHours(43800), 8760);
        assert.equal(earlyRenewalHours(87600), 17520);
    });
});

describe("purity", () => {
    it("the compiled args and values modules load no Pulumi package", () => {
        for (const file of ["webhook-args.js", "webhook-values.js"]) {
            const js = fs.readFileSync(path.join(__dirname, "..", "src", "webhook", file), "utf8");
            assert.doesNotMatch(js, /require\("@pulumi\//, file);
        }
    });
});
