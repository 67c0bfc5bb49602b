import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import {
    CA_VALIDITY_HOURS,
    DEFAULT_CERTIFICATE_VALIDITY_HOURS,
    DEFAULT_WEBHOOK_NAMESPACE,
    WEBHOOK_CHART,
    WEBHOOK_CHART_REPOSITORY,
    WEBHOOK_CHART_VERSION,
    WEBHOOK_FULLNAME,
    CHART_TOP_LEVEL_KEYS,
    WebhookArgs,
    buildWebhookValues,
    caBundlePem,
    earlyRenewalHours,
    validateWebhookArgs,
    webhookServiceDnsNames,
} from "../../webhook/webhook-values";
import { HELM_AUTONAME_SUFFIX, HELM_RELEASE_NAME_RULE, explicitNameIfNeeded } from "../../common/derived-names";
import { X509_COMMON_NAME, fitText } from "../../common/derived-text";

/** Replaced by the real PEM Outputs before the values reach the release. */
const PEM_STAND_IN = "(set below)";

export type { WebhookArgs } from "../../webhook/webhook-values";

/** Where the webhook's children hang: the caller's component, and optionally its Kubernetes provider. */
export interface WebhookResourceOptions {
    parent: pulumi.Resource;
    /** Kubernetes provider for the release; else the parent's `providers` (inherited). */
    provider?: pulumi.ProviderResource;
}

export interface PodIdentityWebhook {
    release: k8s.helm.v3.Release;
    /**
     * PEM the API server trusts for the webhook (the caBundle): the current CA, then the previous generation's
     * during a rollover; absent with cert-manager (it owns the CA).
     */
    caCertPem?: pulumi.Output<string>;
    /** The chart values handed to the release: readable in diffs, only `pki.key` is secret. */
    values: Record<string, pulumi.Input<unknown>>;
}

// ECDSA P-256: small and fast, and Go's crypto/tls (webhook and API server) handles it.
const KEY = { algorithm: "ECDSA", ecdsaCurve: "P256" };

/**
 * One generation of the webhook's CA (10 years). Generation 0 keeps the names the CA always had, so an upgrade
 * replaces nothing; generation N adds `-N`. The certificate's early renewal (the last fifth of its lifetime)
 * keeps the key, so a serving certificate signed before the renewal still verifies against the renewed CA.
 */
function createWebhookCa(name: string, generation: number, parent: pulumi.Resource): { keyPem: pulumi.Output<string>; certPem: pulumi.Output<string> } {
    const suffix = generation === 0 ? "" : `-${generation}`;
    const opts = { parent };
    const caKey = new tls.PrivateKey(`${name}-webhook-ca-key${suffix}`, KEY, opts);
    const ca = new tls.SelfSignedCert(
        `${name}-webhook-ca${suffix}`,
        {
            privateKeyPem: caKey.privateKeyPem,
            subject: { commonName: fitText((n) => `${WEBHOOK_FULLNAME} CA (${n}${generation === 0 ? "" : `, generation ${generation}`})`, name, X509_COMMON_NAME), organization: "selfhosted-irsa" },
            isCaCertificate: true,
            validityPeriodHours: CA_VALIDITY_HOURS,
            earlyRenewalHours: earlyRenewalHours(CA_VALIDITY_HOURS),
            allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
        },
        opts,
    );
    return { keyPem: caKey.privateKeyPem, certPem: ca.certPem };
}

/**
 * Self-made PKI for the webhook: the CA of generation `caGeneration` and a serving certificate it signs for the
 * chart's Service names (default 5 years, `earlyRenewalHours` a fifth of it, so a `pulumi up` in the last fifth
 * replaces it; nothing renews it between ups). From generation 1 on, the previous generation's CA stays and the
 * caBundle trusts both: the API server gets the new bundle in the same up as the Secret gets the new certificate,
 * but the webhook's pods serve the old one until the kubelet syncs the Secret, so the old CA must stay trusted.
 */
function createWebhookPki(name: string, namespace: string, validityHours: number, caGeneration: number, parent: pulumi.Resource): { caBundle: pulumi.Output<string>; certPem: pulumi.Output<string>; keyPem: pulumi.Output<string> } {
    const opts = { parent };
    const ca = createWebhookCa(name, caGeneration, parent);
    const previous = caGeneration > 0 ? createWebhookCa(name, caGeneration - 1, parent) : undefined;
    const key = new tls.PrivateKey(`${name}-webhook-key`, KEY, opts);
    const dnsNames = webhookServiceDnsNames(namespace);
    const csr = new tls.CertRequest(
        `${name}-webhook-csr`,
        {
            privateKeyPem: key.privateKeyPem,
            // The Service's name is in dnsNames, which is what the API server checks; the subject is for people.
            subject: { commonName: fitText((ns) => `${WEBHOOK_FULLNAME}.${ns}.svc`, namespace, X509_COMMON_NAME) },
            dnsNames,
        },
        opts,
    );
    const cert = new tls.LocallySignedCert(
        `${name}-webhook-cert`,
        {
            certRequestPem: csr.certRequestPem,
            caPrivateKeyPem: ca.keyPem,
            caCertPem: ca.certPem,
            validityPeriodHours: validityHours,
            earlyRenewalHours: earlyRenewalHours(validityHours),
            allowedUses: ["digital_signature", "key_encipherment", "server_auth"],
        },
        opts,
    );
    const caBundle = previous ? pulumi.all([ca.certPem, previous.certPem]).apply(([current, old]) => caBundlePem([current, old])) : ca.certPem;
    return { caBundle, certPem: cert.certPem, keyPem: pulumi.secret(key.privateKeyPem) };
}

/**
 * Installs amazon-eks-pod-identity-webhook with the jkroepke chart (version pinned, `fullnameOverride`
 * pinned so the certificate names its Service). Validates `args` first; returns undefined when
 * `args.enabled === false`. `defaultRegion` (the stack's region) is used when `args.region` is unset.
 */
export function createPodIdentityWebhook(name: string, args: WebhookArgs, opts: WebhookResourceOptions, defaultRegion?: pulumi.Input<string>): PodIdentityWebhook | undefined {
    validateWebhookArgs(args, defaultRegion);
    if (args.enabled === false) {
        return undefined;
    }
    const namespace = args.namespace ?? DEFAULT_WEBHOOK_NAMESPACE;
    const certManager = args.certManager === true;
    const made = certManager ? undefined : createWebhookPki(name, namespace, args.certificateValidityHours ?? DEFAULT_CERTIFICATE_VALIDITY_HOURS, args.caGeneration ?? 0, opts.parent);

    // pulumi.output unwraps nested Inputs (image fields, tolerations, escape-hatch leaves).
    const resolved = pulumi.output({
        region: args.region ?? defaultRegion,
        tokenAudience: args.tokenAudience,
        stsRegionalEndpoint: args.stsRegionalEndpoint,
        tokenExpiration: args.tokenExpiration,
        image: args.image,
        nodeSelector: args.nodeSelector,
        tolerations: args.tolerations,
        failurePolicy: args.failurePolicy,
        values: args.values,
    });
    // Built and checked with stand-ins for the PEM texts, which are put in below, each as its own Output: only
    // the serving key is secret, so `pulumi preview` shows every other value change of the release.
    const stand = made ? { caBundle: PEM_STAND_IN, cert: PEM_STAND_IN, key: PEM_STAND_IN } : undefined;
    const built = resolved.apply((r) => buildWebhookValues({ ...(r as Parameters<typeof buildWebhookValues>[0]), namespace, certManager }, stand));
    const values: Record<string, pulumi.Input<unknown>> = {};
    for (const key of CHART_TOP_LEVEL_KEYS) {
        values[key] = built.apply((v) => v[key]);
    }
    if (made) {
        values.pki = { certManager: { enabled: false }, caBundle: made.caBundle, cert: made.certPem, key: made.keyPem };
    }

    const chartSource = (repository: string) =>
        repository.startsWith("oci://") ? { chart: `${repository.replace(/\/+$/, "")}/${WEBHOOK_CHART}` } : { chart: WEBHOOK_CHART, repositoryOpts: { repo: repository } };
    const release = new k8s.helm.v3.Release(
        `${name}-webhook`,
        {
            // Helm wants a lowercase DNS label of at most 53 characters; Pulumi's auto-name is kept when it is one.
            name: explicitNameIfNeeded(`${name}-webhook`, HELM_RELEASE_NAME_RULE, HELM_AUTONAME_SUFFIX),
            // An oci:// registry names the chart in `chart` (Helm pulls it from the registry); a repository in repositoryOpts.
            ...chartSource(args.chartRepository ?? WEBHOOK_CHART_REPOSITORY),
            version: args.chartVersion ?? WEBHOOK_CHART_VERSION,
            namespace,
            // kube-system always exists; another namespace may not.
            createNamespace: namespace !== DEFAULT_WEBHOOK_NAMESPACE,
            values,
        },
        {
            parent: opts.parent,
            ...(opts.provider ? { provider: opts.provider } : {}),
            // The chart renders cluster-scoped objects with fixed names (the MutatingWebhookConfiguration,
            // ClusterRole...): a new release made before the old one is deleted collides with them in Helm.
            deleteBeforeReplace: true,
        },
    );
    return { release, caCertPem: made?.caBundle, values };
}
