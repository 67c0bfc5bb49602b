// Pure: validation and the Helm values of the pod identity webhook chart. Only a type import from
// @pulumi/pulumi (erased at compile time), so this file loads and tests without the Pulumi runtime.
import { validateLiteralAudience } from "../oidc/audience";
import type { Input } from "@pulumi/pulumi";
import { AWS_REGION_CODE } from "../aws/names";
import { isKnown, isPending } from "../common/known";
import { IrsaInputError } from "../oidc/errors";
import { validateDns1123Label } from "../kubernetes/names";

// The arguments and the chart's pinned facts live in webhook-args.ts; importers of this module keep them.
export * from "./webhook-args";
import {
    CA_VALIDITY_HOURS,
    CHART_TOP_LEVEL_KEYS,
    DEFAULT_CERTIFICATE_VALIDITY_HOURS,
    DEFAULT_FAILURE_POLICY,
    DEFAULT_TOKEN_AUDIENCE,
    DEFAULT_TOKEN_EXPIRATION,
    DEFAULT_WEBHOOK_NAMESPACE,
    FailurePolicy,
    MAX_CHART_TOKEN_EXPIRATION,
    MIN_CERTIFICATE_VALIDITY_HOURS,
    MIN_TOKEN_EXPIRATION,
    WEBHOOK_CHART,
    WEBHOOK_CHART_REPOSITORY,
    WEBHOOK_CHART_VERSION,
    WEBHOOK_FULLNAME,
    WebhookArgs,
    WebhookToleration,
} from "./webhook-args";

const ARG = "webhook";
/** The chart's pod label (`amazon-eks-pod-identity-webhook.selectorLabels`, chart 2.6.5 _helpers.tpl). */
const POD_NAME_LABEL = { "app.kubernetes.io/name": WEBHOOK_CHART };

/**
 * Availability defaults (the chart's are 1 replica, no PodDisruptionBudget, no priority class): the webhook
 * sits in the path of every pod creation, so it survives a node drain and is scheduled before workloads.
 */
export const AVAILABILITY_DEFAULTS = {
    replicaCount: 2,
    podDisruptionBudget: { enabled: true, minAvailable: 1 },
    priorityClassName: "system-cluster-critical",
    affinity: {
        podAntiAffinity: {
            // Preferred, not required: a one-node cluster still runs both replicas.
            preferredDuringSchedulingIgnoredDuringExecution: [
                { weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: POD_NAME_LABEL } } },
            ],
        },
    },
} as const;

/**
 * With failurePolicy Fail, namespaces the webhook never intercepts: kube-system (control plane, CNI, DNS) and
 * its own, so a cold start or an outage of the webhook cannot block the pods that bring it back.
 * `kubernetes.io/metadata.name` is set on every namespace by the API server (Kubernetes 1.21+).
 */
export function failClosedNamespaceSelector(webhookNamespace: string): Record<string, unknown> {
    return { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: exemptNamespaces(FailurePolicy.Fail, webhookNamespace) }] };
}

/** The namespaces the webhook never intercepts: with failurePolicy "Fail", kube-system and its own; else none. */
export function exemptNamespaces(failurePolicy: FailurePolicy | undefined, webhookNamespace: string = DEFAULT_WEBHOOK_NAMESPACE): string[] {
    return failurePolicy === FailurePolicy.Fail ? [...new Set([DEFAULT_WEBHOOK_NAMESPACE, webhookNamespace])] : [];
}

/** WebhookArgs with every Input resolved, as `buildWebhookValues` takes them. */
export interface ResolvedWebhookArgs {
    /** The release namespace (the webhook's own, excluded with failurePolicy Fail). */
    namespace?: string;
    region?: string;
    tokenAudience?: string;
    stsRegionalEndpoint?: boolean;
    tokenExpiration?: number;
    image?: { registry?: string; repository?: string; tag?: string };
    nodeSelector?: Record<string, string>;
    tolerations?: WebhookToleration[];
    failurePolicy?: string;
    certManager?: boolean;
    values?: Record<string, unknown>;
}

/** PEM material for `pki.*` when cert-manager is not used. */
export interface WebhookPki {
    caBundle: string;
    cert: string;
    key: string;
}


export function validateRegion(region: unknown, argument = `${ARG}.region`): string {
    if (region === undefined || region === null || region === "") {
        throw new IrsaInputError(
            argument,
            region === "" ? "" : undefined,
            "is required (the webhook sets AWS_REGION and AWS_DEFAULT_REGION in every mutated pod; the chart would silently use us-east-1)",
            "set it to the stack's AWS region, e.g. \"eu-west-1\"",
        );
    }
    if (typeof region !== "string" || !AWS_REGION_CODE.test(region)) {
        throw new IrsaInputError(argument, region, "is not an AWS region code", "use a region code such as \"eu-west-1\" or \"us-gov-west-1\", not an availability zone or a display name");
    }
    return region;
}

export function validateTokenExpiration(seconds: unknown, argument: string, max: number): number {
    if (typeof seconds !== "number" || !Number.isInteger(seconds) || seconds < MIN_TOKEN_EXPIRATION || seconds > max) {
        const why = max === MAX_CHART_TOKEN_EXPIRATION ? "; Helm would print larger numbers as 1e+06, which the webhook cannot parse" : "";
        throw new IrsaInputError(
            argument,
            seconds,
            `is not a whole number of seconds from ${MIN_TOKEN_EXPIRATION} to ${max}`,
            `use at least ${MIN_TOKEN_EXPIRATION} (the webhook raises shorter lifetimes to ${MIN_TOKEN_EXPIRATION} without telling)${why}; the default is ${DEFAULT_TOKEN_EXPIRATION}`,
        );
    }
    return seconds;
}

/**
 * The chart's source: an `https://` Helm repository or an `oci://` registry, nothing else. The chart installs a
 * cluster-wide mutating webhook; over plain HTTP anyone on the path could swap it for their own. No user info
 * in the URL either (it would be kept in clear in the state).
 */
export function validateChartRepository(repository: unknown, argument = `${ARG}.chartRepository`): string {
    let url: URL | undefined;
    try {
        url = typeof repository === "string" && !/\s/.test(repository) ? new URL(repository) : undefined;
    } catch {
        url = undefined;
    }
    if (!url || (url.protocol !== "https:" && url.protocol !== "oci:") || url.hostname === "") {
        throw new IrsaInputError(argument, repository, "is not an https:// Helm repository or an oci:// registry (the chart installs a cluster-wide mutating webhook: over plain http anyone on the path could replace it)", `leave it unset for ${WEBHOOK_CHART_REPOSITORY}, or give the https:// or oci:// address of a repository that serves ${WEBHOOK_CHART}`);
    }
    if (url.username !== "" || url.password !== "") {
        throw new IrsaInputError(argument, `${url.protocol}//(credentials)@${url.host}`, "holds credentials, which would be kept in clear in the stack's state", "remove them from the URL and log in to the registry where Helm runs (helm registry login)");
    }
    return repository as string;
}

/** The webhook's token audience (and a ServiceAccount's audience annotation): a literal audience. */
export function validateAudience(audience: unknown, argument: string): string {
    return validateLiteralAudience(audience, argument);
}

function validateFailurePolicy(policy: unknown): void {
    if (policy !== FailurePolicy.Fail && policy !== FailurePolicy.Ignore) {
        throw new IrsaInputError(`${ARG}.failurePolicy`, policy, "is neither \"Ignore\" nor \"Fail\"", "use \"Ignore\" (the default: a webhook outage never blocks pod creation) or \"Fail\" (no pod starts without its credentials; kube-system and the webhook's namespace are then exempt)");
    }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
    // The object itself is there (its leaves may be Inputs, resolved when the values are built).
    return typeof value === "object" && value !== null && !Array.isArray(value) && !isPending(value);
}

/** Checks the `values` escape hatch: only chart keys, and none this component must own. */
function validateEscapeHatch(values: unknown, certManager: boolean): void {
    const argument = `${ARG}.values`;
    if (values === undefined) {
        return;
    }
    if (!isPlainObject(values)) {
        throw new IrsaInputError(argument, typeof values, "is not a plain object", "give chart values as an object literal, e.g. { replicaCount: 2 }");
    }
    for (const key of Object.keys(values)) {
        if (!CHART_TOP_LEVEL_KEYS.includes(key)) {
            throw new IrsaInputError(
                argument,
                key,
                `is not a top-level value of chart ${WEBHOOK_CHART} ${WEBHOOK_CHART_VERSION} (its values.schema.json rejects unknown keys)`,
                `use one of ${CHART_TOP_LEVEL_KEYS.join(", ")}`,
            );
        }
        if (key === "fullnameOverride" || key === "namespaceOverride") {
            throw new IrsaInputError(argument, key, "is set by this component (the webhook's serving certificate names the Service it gives)", `remove it; choose the namespace with \`${ARG}.namespace\``);
        }
    }
    const pki = values.pki;
    if (pki === undefined) {
        return;
    }
    const allowed = certManager ? ["certManager.certificate", "certManager.existingIssuer"] : [];
    const paths: string[] = [];
    const walk = (node: unknown, prefix: string): void => {
        if (isPlainObject(node) && prefix !== "certManager.certificate" && prefix !== "certManager.existingIssuer") {
            for (const [k, v] of Object.entries(node)) {
                walk(v, prefix ? `${prefix}.${k}` : k);
            }
        } else {
            paths.push(prefix);
        }
    };
    walk(pki, "");
    for (const path of paths) {
        if (!allowed.includes(path)) {
            throw new IrsaInputError(
                argument,
                `pki${path ? `.${path}` : ""}`,
                certManager ? "is set by this component (with `certManager: true` only pki.certManager.certificate and pki.certManager.existingIssuer may be given)" : "is set by this component (it makes the CA and the serving certificate)",
                certManager ? "remove it" : `remove it, or set \`${ARG}.certManager: true\` to let cert-manager issue the certificate`,
            );
        }
    }
}

/**
 * Validates webhook args before any resource exists. Inputs not yet known (Outputs, Promises) are skipped
 * here and checked again by `buildWebhookValues` once resolved. `defaultRegion` is the stack's region.
 */
export function validateWebhookArgs(args: WebhookArgs, defaultRegion?: Input<string>): void {
    if (args.enabled === false) {
        return;
    }
    validateDns1123Label(args.namespace ?? DEFAULT_WEBHOOK_NAMESPACE, `${ARG}.namespace`);
    if (args.chartVersion !== undefined && (typeof args.chartVersion !== "string" || args.chartVersion.trim() === "")) {
        throw new IrsaInputError(`${ARG}.chartVersion`, args.chartVersion, "is empty", `leave it unset for the tested version ${WEBHOOK_CHART_VERSION}, or give an exact chart version`);
    }
    if (args.chartRepository !== undefined) {
        validateChartRepository(args.chartRepository);
    }
    const region = args.region ?? defaultRegion;
    if (isKnown(region)) {
        validateRegion(region);
    }
    if (args.tokenAudience !== undefined && isKnown(args.tokenAudience)) {
        validateAudience(args.tokenAudience, `${ARG}.tokenAudience`);
    }
    if (args.tokenExpiration !== undefined && isKnown(args.tokenExpiration)) {
        validateTokenExpiration(args.tokenExpiration, `${ARG}.tokenExpiration`, MAX_CHART_TOKEN_EXPIRATION);
    }
    if (args.failurePolicy !== undefined && isKnown(args.failurePolicy)) {
        validateFailurePolicy(args.failurePolicy);
    }
    const hours = args.certificateValidityHours;
    if (hours !== undefined) {
        if (args.certManager) {
            throw new IrsaInputError(`${ARG}.certificateValidityHours`, hours, "applies only to the certificate made with @pulumi/tls", "leave it unset with `certManager: true` (cert-manager renews its own certificate; tune it with values.pki.certManager.certificate)");
        }
        if (typeof hours !== "number" || !Number.isInteger(hours) || hours < MIN_CERTIFICATE_VALIDITY_HOURS || hours > CA_VALIDITY_HOURS) {
            throw new IrsaInputError(`${ARG}.certificateValidityHours`, hours, `is not a whole number of hours from ${MIN_CERTIFICATE_VALIDITY_HOURS} to ${CA_VALIDITY_HOURS} (the CA's lifetime)`, `leave it unset for ${DEFAULT_CERTIFICATE_VALIDITY_HOURS} (5 years)`);
        }
    }
    const generation = args.caGeneration;
    if (generation !== undefined) {
        if (args.certManager) {
            throw new IrsaInputError(`${ARG}.caGeneration`, generation, "applies only to the CA made with @pulumi/tls", "leave it unset with `certManager: true` (cert-manager owns the CA)");
        }
        if (typeof generation !== "number" || !Number.isInteger(generation) || generation < 0 || generation > MAX_CA_GENERATION) {
            throw new IrsaInputError(`${ARG}.caGeneration`, generation, `is not a whole number from 0 to ${MAX_CA_GENERATION}`, "raise the current generation by one to replace the CA (0 is the CA made at install)");
        }
    }
    validateEscapeHatch(args.values, args.certManager === true);
}

/** Upper bound of `caGeneration` (keeps child names short; a CA replaced that often is a mistake). */
export const MAX_CA_GENERATION = 9999;

/**
 * The caBundle: each CA certificate once, in order (current first), each PEM ending in a newline. The API
 * server trusts every certificate in it.
 */
export function caBundlePem(pems: readonly string[]): string {
    const seen = new Set<string>();
    return pems
        .map((p) => (p.endsWith("\n") ? p : `${p}\n`))
        .filter((p) => !seen.has(p) && (seen.add(p), true))
        .join("");
}

/** The serving certificate's DNS names: every name the chart's Service answers to (cert-manager's list plus .svc.cluster.local). */
export function webhookServiceDnsNames(namespace: string, fullname = WEBHOOK_FULLNAME): string[] {
    return [fullname, `${fullname}.${namespace}`, `${fullname}.${namespace}.svc`, `${fullname}.${namespace}.svc.cluster.local`, `${fullname}.${namespace}.svc.local`];
}

/** `pulumi up` replaces a certificate once 80% of its lifetime has passed. */
export function earlyRenewalHours(validityHours: number): number {
    return Math.floor(validityHours / 5);
}

/** Deep merge without mutating either side: plain objects merge, anything else from `override` replaces. */
export function deepMerge(base: Record<string, unknown>, override: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(override)) {
        const current = out[key];
        out[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
    }
    return out;
}

/**
 * The chart's values. Without cert-manager `pki` (CA bundle, serving certificate and key, all PEM) is
 * required. Validates the resolved args again (they may have been Outputs before).
 */
export function buildWebhookValues(args: ResolvedWebhookArgs, pki?: WebhookPki): Record<string, unknown> {
    const certManager = args.certManager === true;
    const region = validateRegion(args.region);
    const tokenAudience = validateAudience(args.tokenAudience ?? DEFAULT_TOKEN_AUDIENCE, `${ARG}.tokenAudience`);
    const tokenExpiration = validateTokenExpiration(args.tokenExpiration ?? DEFAULT_TOKEN_EXPIRATION, `${ARG}.tokenExpiration`, MAX_CHART_TOKEN_EXPIRATION);
    const failurePolicy = args.failurePolicy ?? DEFAULT_FAILURE_POLICY;
    validateFailurePolicy(failurePolicy);
    validateEscapeHatch(args.values, certManager);
    if (!certManager && !pki) {
        throw new IrsaInputError(`${ARG}.certManager`, false, "needs the CA bundle, certificate and key for pki.*", "pass them (createPodIdentityWebhook makes them with @pulumi/tls)");
    }
    const image: Record<string, string> = {};
    for (const field of ["registry", "repository", "tag"] as const) {
        const value = args.image?.[field];
        if (value !== undefined) {
            image[field] = value;
        }
    }
    const values: Record<string, unknown> = {
        fullnameOverride: WEBHOOK_FULLNAME,
        config: {
            defaultAwsRegion: region,
            tokenAudience,
            stsRegionalEndpoint: args.stsRegionalEndpoint ?? true,
            tokenExpiration,
        },
        mutatingWebhook: { failurePolicy, ...(failurePolicy === FailurePolicy.Fail ? { namespaceSelector: failClosedNamespaceSelector(args.namespace ?? DEFAULT_WEBHOOK_NAMESPACE) } : {}) },
        ...(JSON.parse(JSON.stringify(AVAILABILITY_DEFAULTS)) as Record<string, unknown>),
        pki: certManager
            ? { certManager: { enabled: true } }
            : { certManager: { enabled: false }, caBundle: pki!.caBundle, cert: pki!.cert, key: pki!.key },
        ...(Object.keys(image).length > 0 ? { image } : {}),
        ...(args.nodeSelector !== undefined ? { nodeSelector: { ...args.nodeSelector } } : {}),
        ...(args.tolerations !== undefined ? { tolerations: args.tolerations.map((t) => ({ ...t })) } : {}),
    };
    return args.values ? deepMerge(values, args.values) : values;
}
