// Pure: the pod identity webhook's arguments (WebhookArgs and its enums) and the chart's pinned facts. No runtime
// import at all (a type import from @pulumi/pulumi is erased), so the CLI and the plans may load it.
import type { Input } from "@pulumi/pulumi";

/** The chart: jkroepke/helm-charts, charts/amazon-eks-pod-identity-webhook. */
export const WEBHOOK_CHART = "amazon-eks-pod-identity-webhook";
/** The tested chart version (tag amazon-eks-pod-identity-webhook-2.6.5, appVersion v0.6.17). */
export const WEBHOOK_CHART_VERSION = "2.6.5";
/** The chart repository (its index.yaml lists 2.6.5). */
export const WEBHOOK_CHART_REPOSITORY = "https://jkroepke.github.io/helm-charts";
/** Pinned `fullnameOverride`: the Service, Deployment and webhook configuration name the certificate covers. */
export const WEBHOOK_FULLNAME = "amazon-eks-pod-identity-webhook";
export const DEFAULT_WEBHOOK_NAMESPACE = "kube-system";
export const DEFAULT_TOKEN_AUDIENCE = "sts.amazonaws.com";
export const DEFAULT_TOKEN_EXPIRATION = 86400;
/** The webhook raises anything shorter to 600 s without a word (pkg/validation.go ValidateMinTokenExpiration). */
export const MIN_TOKEN_EXPIRATION = 600;
/** Upper bound for ServiceAccount annotations (a string the webhook parses as int64). */
export const MAX_TOKEN_EXPIRATION = 2 ** 31;
/**
 * Upper bound for the chart value: Helm holds numbers as float64 and prints 1000000 and above as "1e+06",
 * which the chart puts unquoted into `--token-expiration=` and the webhook's int64 flag parser rejects.
 */
export const MAX_CHART_TOKEN_EXPIRATION = 999999;
/** Serving certificate lifetime: 5 years. */
export const DEFAULT_CERTIFICATE_VALIDITY_HOURS = 43800;
/** CA lifetime: 10 years; the serving certificate may not outlive it. */
export const CA_VALIDITY_HOURS = 87600;
export const MIN_CERTIFICATE_VALIDITY_HOURS = 24;

/** Top-level keys of the chart's values.schema.json (2.6.5; `additionalProperties: false` rejects others). */
export const CHART_TOP_LEVEL_KEYS: readonly string[] = [
    "affinity", "annotations", "config", "fullnameOverride", "global", "hostNetwork", "image", "imagePullSecrets",
    "livenessProbe", "metrics", "mutatingWebhook", "nameOverride", "namespaceOverride", "nodeSelector", "pki",
    "podAnnotations", "podDisruptionBudget", "podLabels", "podSecurityContext", "priorityClassName",
    "readinessProbe", "replicaCount", "resources", "securityContext", "service", "serviceAccount", "strategy",
    "tolerations",
];


/** core/v1 Toleration `operator`. */
export const TolerationOperator = { Exists: "Exists", Equal: "Equal" } as const;
export type TolerationOperator = (typeof TolerationOperator)[keyof typeof TolerationOperator];
/** core/v1 Toleration `effect`. */
export const TolerationEffect = { NoSchedule: "NoSchedule", PreferNoSchedule: "PreferNoSchedule", NoExecute: "NoExecute" } as const;
export type TolerationEffect = (typeof TolerationEffect)[keyof typeof TolerationEffect];
/** What the API server does with a pod when the webhook cannot answer (admissionregistration/v1 `failurePolicy`). */
export const FailurePolicy = { Ignore: "Ignore", Fail: "Fail" } as const;
export type FailurePolicy = (typeof FailurePolicy)[keyof typeof FailurePolicy];

/** A toleration of the webhook's pod (core/v1 Toleration). */
export interface WebhookToleration {
    /** Taint key to tolerate; empty with operator Exists tolerates every taint. Default: none */
    key?: string;
    /** How `key` and `value` match the taint: "Equal" compares the value, "Exists" only the key. Default: "Equal" (Kubernetes' default) */
    operator?: TolerationOperator;
    /** Taint value, with operator Equal. Default: none */
    value?: string;
    /** Taint effect to tolerate. Default: none (every effect) */
    effect?: TolerationEffect;
    /** With effect NoExecute: seconds the pod stays bound after the taint appears. Default: none (forever) */
    tolerationSeconds?: number;
}

/** Image of the webhook; unset fields keep the chart's (public.ecr.aws/eks/amazon-eks-pod-identity-webhook:v0.6.17). */
export interface WebhookImage {
    /** Registry of the webhook image (e.g. a mirror). Default: "public.ecr.aws" (chart default) */
    registry?: Input<string>;
    /** Repository of the webhook image in the registry. Default: "eks/amazon-eks-pod-identity-webhook" (chart default) */
    repository?: Input<string>;
    /** Tag of the webhook image. Default: the chart's appVersion, "v0.6.17" for chart 2.6.5 */
    tag?: Input<string>;
}

/** The amazon-eks-pod-identity-webhook, installed with the jkroepke Helm chart. */
export interface WebhookArgs {
    /** Install the webhook. Plain: it decides which resources exist. Default: true */
    enabled?: boolean;
    /** Namespace of the release (plain: the serving certificate names the Service in it). Default: "kube-system" */
    namespace?: string;
    /** Exact chart version. Plain. Default: "2.6.5" (the version these values were checked against) */
    chartVersion?: string;
    /** Helm repository serving the chart. Plain. Default: "https://jkroepke.github.io/helm-charts" */
    chartRepository?: string;
    /**
     * AWS region the webhook writes into mutated pods (AWS_REGION, AWS_DEFAULT_REGION). Required: the chart
     * would silently use us-east-1. Default: the stack's region when the caller passes one, else required
     */
    region?: Input<string>;
    /** Default token audience (a ServiceAccount annotation can override it). Default: "sts.amazonaws.com" */
    tokenAudience?: Input<string>;
    /** Inject AWS_STS_REGIONAL_ENDPOINTS=regional. Default: true */
    stsRegionalEndpoint?: Input<boolean>;
    /**
     * Lifetime of projected tokens, seconds, 600 to 999999 (Helm prints larger numbers as 1e+06). The
     * webhook jitters exactly 86400 to 79200..86400. Default: 86400
     */
    tokenExpiration?: Input<number>;
    /** Image override. Default: the chart's image */
    image?: WebhookImage;
    /** Node selector of the webhook pod. Default: {} */
    nodeSelector?: Input<Record<string, Input<string>>>;
    /** Tolerations of the webhook pod. Default: [] */
    tolerations?: Input<Input<WebhookToleration>[]>;
    /**
     * What the API server does with a pod when the webhook cannot answer. "Ignore" (the chart's and upstream's
     * default): the pod starts without AWS credentials and keeps lacking them until it is restarted
     * (`selfhosted-irsa doctor cluster` lists such pods). "Fail": no pod starts unmutated, but while the webhook
     * has no ready endpoint every pod creation it intercepts is refused; so with "Fail" the webhook never
     * intercepts pods in kube-system or its own namespace (pods there get no injection), which keeps the
     * control plane, CNI and the webhook itself able to start. Both run 2 replicas with a PodDisruptionBudget.
     * Default: "Ignore"
     */
    failurePolicy?: Input<FailurePolicy>;
    /**
     * Let cert-manager (already installed) issue the serving certificate instead of the Pulumi TLS provider. Plain.
     * Default: false
     */
    certManager?: boolean;
    /**
     * Lifetime of the serving certificate made with the Pulumi TLS provider, hours (24 to 87600, the CA's lifetime);
     * `pulumi up` replaces it once 80% of it has passed. Not with `certManager`. Default: 43800 (5 years)
     */
    certificateValidityHours?: number;
    /**
     * Generation of the webhook's CA made with the Pulumi TLS provider. Raise it by one to replace the CA's key
     * (after a compromise, or to start a fresh CA): the new CA signs a new serving certificate, and the webhook
     * configuration's caBundle trusts the new and the previous generation's CA, so the webhook's pods keep
     * admitting pods while they still serve the old certificate (until the kubelet syncs the Secret, about a
     * minute). The generation before the previous one is deleted: raise it once more, a few minutes later, to
     * stop trusting the old CA. The CA's own renewal before it expires keeps its key and needs no new
     * generation. Plain, whole number from 0. Not with `certManager`. Default: 0
     */
    caGeneration?: number;
    /**
     * Extra chart values, deep-merged last (objects merge, arrays and scalars replace, `null` removes a
     * default). Plain object (leaves may be Inputs). Only keys of the chart's schema; `fullnameOverride`,
     * `namespaceOverride` and `pki` (except `pki.certManager.certificate`/`existingIssuer` with `certManager`)
     * are this component's. The component's availability defaults live here and can be overridden:
     * `replicaCount: 2`, `podDisruptionBudget: { enabled: true, minAvailable: 1 }`,
     * `priorityClassName: "system-cluster-critical"`, and a preferred pod anti-affinity across nodes (`affinity`).
     * Default: {}
     */
    // `any`, not `unknown`: the multi-language schema has no `unknown` (it becomes pulumi.json#/Any).
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    values?: Record<string, any>;
}

/** The chart's default, and upstream's: a webhook outage never blocks pod creation. */
export const DEFAULT_FAILURE_POLICY: FailurePolicy = FailurePolicy.Ignore;
