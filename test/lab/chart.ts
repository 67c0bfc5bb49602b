// What chart 2.6.5 renders for given values: the objects the lab registers and the webhook's command line.
// Written from reading the chart (jkroepke/helm-charts, tag amazon-eks-pod-identity-webhook-2.6.5, commit
// 855206b089c4377d6954e3bfb543593502aff589): charts/amazon-eks-pod-identity-webhook/values.yaml (defaults),
// templates/mutatingwebhook.yaml, deployment.yaml (container command), secret.yaml, service.yaml,
// serviceaccount.yaml, clusterrole.yaml, clusterrolebinding.yaml and _helpers.tpl (names, labels). Helm itself
// does not run here (no chart repository): this is the stand-in, and test/lab/chart.lab.test.ts pins it.
import { deepMerge } from "../../src/webhook/webhook-values";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Values = Record<string, any>;

/** The chart name (Chart.yaml `name`), and its appVersion. */
export const CHART_NAME = "amazon-eks-pod-identity-webhook";
export const CHART_VERSION = "2.6.5";
export const APP_VERSION = "v0.6.17";

/** values.yaml defaults that the rendered objects below read. */
export const CHART_DEFAULTS: Values = {
    nameOverride: "",
    namespaceOverride: "",
    fullnameOverride: "",
    replicaCount: 1,
    podDisruptionBudget: { enabled: false, minAvailable: null, maxUnavailable: null },
    config: {
        annotationPrefix: "eks.amazonaws.com",
        defaultAwsRegion: "us-east-1",
        extraArgs: [],
        ports: { metrics: 9999, webhook: 8443 },
        stsRegionalEndpoint: true,
        tokenAudience: "sts.amazonaws.com",
        tokenExpiration: 86400,
        tokenMountPath: "/var/run/secrets/eks.amazonaws.com/serviceaccount",
        podIdentityWebhookMap: { enabled: false, name: "pod-identity-webhook", data: {} },
    },
    mutatingWebhook: { annotations: {}, failurePolicy: "Ignore", namespaceSelector: {}, objectSelector: { matchExpressions: [], matchLabels: {} } },
    pki: { certManager: { enabled: true }, caBundle: "", cert: "", key: "", existingSecret: "" },
    service: { type: "ClusterIP", annotations: {}, labels: {} },
    serviceAccount: { create: true, name: "", annotations: {} },
};

/** Helm's coalescing: the chart's defaults, the given values over them, `null` removing a key. */
export function coalesce(values: Values): Values {
    const drop = (v: Values): Values =>
        Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, typeof x === "object" && !Array.isArray(x) ? drop(x) : x]));
    return drop(deepMerge(CHART_DEFAULTS, values) as Values);
}

const empty = (v: unknown) => v === undefined || v === null || v === "" || v === false || (typeof v === "object" && Object.keys(v as object).length === 0);

/** `amazon-eks-pod-identity-webhook.name` and `.fullname` (_helpers.tpl). */
function names(v: Values, release: string): { name: string; fullname: string } {
    const name = (v.nameOverride || CHART_NAME).slice(0, 63).replace(/-$/, "");
    const fullname = v.fullnameOverride ? v.fullnameOverride.slice(0, 63).replace(/-$/, "") : release.includes(name) ? release.slice(0, 63).replace(/-$/, "") : `${release}-${name}`.slice(0, 63).replace(/-$/, "");
    return { name, fullname };
}

/** Go's %v of a Helm number (float64): integers from 1e21 down to 1e6 print in e-notation ("1e+06"). */
export function goNumber(n: number): string {
    if (Number.isInteger(n) && Math.abs(n) < 1e6) {
        return String(n);
    }
    return Math.abs(n) >= 1e6 && Number.isInteger(n) ? n.toExponential().replace(/e\+(\d)$/, "e+0$1") : String(n);
}

export interface RenderedChart {
    /** The container command (deployment.yaml), `/webhook` first. */
    command: string[];
    mutatingWebhookConfiguration: Values;
    /** Secret `<fullname>-cert` (secret.yaml), or undefined with cert-manager or an existing Secret. */
    secret?: Values;
    service: Values;
    serviceAccount?: Values;
    clusterRole: Values;
    clusterRoleBinding: Values;
    /** The PodDisruptionBudget (pdb.yaml), rendered only with `enabled` and more than one replica. */
    podDisruptionBudget?: Values;
    /** Selector labels of the Deployment's pods. */
    podLabels: Record<string, string>;
    namespace: string;
    fullname: string;
}

const b64 = (text: string) => Buffer.from(text).toString("base64");

/** Renders the chart's objects for `values` (as the component hands them to the release) in `namespace`. */
export function renderChart(values: Values, namespace: string, release = "irsa-webhook"): RenderedChart {
    const v = coalesce(values);
    const { name, fullname } = names(v, release);
    const ns = v.namespaceOverride || namespace;
    const selectorLabels = { "app.kubernetes.io/name": name, "app.kubernetes.io/instance": release };
    const labels = { "helm.sh/chart": `${CHART_NAME}-${CHART_VERSION}`, ...selectorLabels, "app.kubernetes.io/version": APP_VERSION };
    const c = v.config;
    const command = [
        "/webhook",
        `--annotation-prefix=${c.annotationPrefix}`,
        `--aws-default-region=${c.defaultAwsRegion}`,
        "--in-cluster=false",
        "--logtostderr",
        "--namespace=$(POD_NAMESPACE)",
        `--metrics-port=${goNumber(c.ports.metrics)}`,
        `--port=${goNumber(c.ports.webhook)}`,
        `--service-name=${fullname}`,
        `--sts-regional-endpoint=${String(c.stsRegionalEndpoint)}`,
        `--token-audience=${c.tokenAudience}`,
        `--token-expiration=${goNumber(c.tokenExpiration)}`,
        `--token-mount-path=${c.tokenMountPath}`,
        "--tls-cert=/etc/webhook/certs/tls.crt",
        "--tls-key=/etc/webhook/certs/tls.key",
        ...(c.podIdentityWebhookMap?.enabled ? ["--watch-config-map"] : []),
        ...(c.extraArgs ?? []),
    ];
    const mw = v.mutatingWebhook;
    const webhook: Values = {
        name: "pod-identity-webhook.amazonaws.com",
        admissionReviewVersions: ["v1beta1"],
        failurePolicy: mw.failurePolicy,
        clientConfig: {
            ...(v.pki.caBundle ? { caBundle: b64(v.pki.caBundle) } : {}),
            service: { name: fullname, namespace: ns, port: c.ports.webhook, path: "/mutate" },
        },
        rules: [{ operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"] }],
        ...(empty(mw.namespaceSelector) ? {} : { namespaceSelector: mw.namespaceSelector }),
        objectSelector: {
            matchExpressions: [
                { key: "eks.amazonaws.com/skip-pod-identity-webhook", operator: "DoesNotExist", values: [] },
                { key: "app.kubernetes.io/name", operator: "NotIn", values: [name] },
                ...(mw.objectSelector?.matchExpressions ?? []),
            ],
            ...(empty(mw.objectSelector?.matchLabels) ? {} : { matchLabels: mw.objectSelector.matchLabels }),
        },
        sideEffects: "None",
    };
    const annotations = { ...(v.pki.certManager?.enabled ? { "cert-manager.io/inject-ca-from": `${ns}/${fullname}` } : {}), ...(mw.annotations ?? {}) };
    const serviceAccountName = v.serviceAccount.create ? v.serviceAccount.name || fullname : v.serviceAccount.name || "default";
    const replicas = Number(v.replicaCount);
    return {
        command,
        mutatingWebhookConfiguration: {
            apiVersion: "admissionregistration.k8s.io/v1",
            kind: "MutatingWebhookConfiguration",
            metadata: { ...(empty(annotations) ? {} : { annotations }), name: fullname },
            webhooks: [webhook],
        },
        secret:
            !v.pki.certManager?.enabled && !v.pki.existingSecret
                ? { apiVersion: "v1", kind: "Secret", metadata: { name: `${fullname}-cert`, namespace: ns, labels }, type: "kubernetes.io/tls", data: { "tls.crt": b64(v.pki.cert ?? ""), "tls.key": b64(v.pki.key ?? "") } }
                : undefined,
        service: {
            apiVersion: "v1",
            kind: "Service",
            metadata: { name: fullname, namespace: ns, labels: { ...labels, ...(v.service.labels ?? {}) }, ...(empty(v.service.annotations) ? {} : { annotations: v.service.annotations }) },
            spec: {
                type: v.service.type,
                ports: [
                    { port: c.ports.webhook, targetPort: "https", protocol: "TCP", appProtocol: "https", name: "https" },
                    { port: c.ports.metrics, targetPort: "metrics", appProtocol: "http", protocol: "TCP", name: "metrics" },
                ],
                selector: selectorLabels,
            },
        },
        serviceAccount: v.serviceAccount.create ? { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: serviceAccountName, namespace: ns, labels } } : undefined,
        clusterRole: {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRole",
            metadata: { name: fullname, labels },
            rules: [
                { apiGroups: [""], resources: ["serviceaccounts"], verbs: ["get", "watch", "list"] },
                { apiGroups: ["certificates.k8s.io"], resources: ["certificatesigningrequests"], verbs: ["create", "get", "list", "watch"] },
            ],
        },
        clusterRoleBinding: {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRoleBinding",
            metadata: { name: fullname, labels },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: fullname },
            subjects: [{ kind: "ServiceAccount", name: fullname, namespace: ns }],
        },
        podDisruptionBudget:
            v.podDisruptionBudget?.enabled && replicas > 1
                ? {
                      apiVersion: "policy/v1",
                      kind: "PodDisruptionBudget",
                      metadata: { name: fullname, labels },
                      spec: {
                          ...(v.podDisruptionBudget.minAvailable ? { minAvailable: v.podDisruptionBudget.minAvailable } : {}),
                          ...(v.podDisruptionBudget.maxUnavailable ? { maxUnavailable: v.podDisruptionBudget.maxUnavailable } : {}),
                          selector: { matchLabels: selectorLabels },
                      },
                  }
                : undefined,
        podLabels: selectorLabels,
        namespace: ns,
        fullname,
    };
}
