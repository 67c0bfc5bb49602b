// Check 5: the pod identity webhook's configuration, serving certificate, endpoints and failure policy (pure).
import * as crypto from "node:crypto";
import { isDns1123Label } from "../../kubernetes/names";
import { shown } from "../../oidc/display";
import { matchesHost, tryCertFacts, verifyLikeGo } from "./x509-chain";
import { ClusterFinding, failed, passed, warned } from "./findings";
import type { KubeObject } from "./service-account-checks";

/** What the configuration says about the webhook the doctor checks. */
export interface WebhookTarget {
    configName: string;
    webhookName: string;
    serviceName: string;
    namespace: string;
    /** The chart keeps the serving certificate in `<fullname>-cert`; the Service is named `<fullname>`. */
    secretName: string;
    /** PEM, decoded from clientConfig.caBundle; empty when unset. */
    caBundlePem: string;
    /** The API server's default is Fail when the field is unset. */
    failurePolicy: string;
    namespaceSelector?: { matchExpressions?: Array<{ key?: string; operator?: string; values?: string[] }> };
}

/** Days before expiry from which the certificate is a warning. */
export const CERTIFICATE_WARN_DAYS = 30;
const DAY_MS = 86_400_000;

interface WebhookEntry {
    name?: string;
    clientConfig?: { service?: { name?: string; namespace?: string }; url?: string; caBundle?: string };
    failurePolicy?: string;
    namespaceSelector?: WebhookTarget["namespaceSelector"];
}

/** Reads the MutatingWebhookConfiguration's first service-backed webhook. */
export function readWebhookConfiguration(config: KubeObject): { target?: WebhookTarget; finding: ClusterFinding } {
    const name = config.metadata?.name ?? "";
    const webhooks = (config.webhooks as WebhookEntry[] | undefined) ?? [];
    const entry = webhooks.find((w) => w.clientConfig?.service?.name);
    if (!entry) {
        const how = webhooks.some((w) => w.clientConfig?.url) ? "calls a URL, not a Service" : "has no webhooks";
        return { finding: failed("webhook.configuration", `MutatingWebhookConfiguration ${shown(name)} ${how}; the doctor checks the in-cluster webhook Service the chart creates`, "reinstall the pod identity webhook (SelfHostedIrsa webhook, or the amazon-eks-pod-identity-webhook chart)") };
    }
    const service = entry.clientConfig!.service!;
    // These names become API paths (`get --raw /api/v1/namespaces/NS/secrets/NAME-cert`): a name that is not a
    // Kubernetes name (`../secrets/x`, a newline, a flag) is reported, never requested.
    const namespace = service.namespace ?? "default";
    if (!isDns1123Label(namespace) || !isDns1123Label(service.name!)) {
        return { finding: failed("webhook.configuration", `MutatingWebhookConfiguration ${shown(name)} sends pods to Service ${shown(service.name)} in namespace ${shown(namespace)}, which are not Kubernetes names: the doctor does not read them`, "check who wrote this configuration: a Service and namespace name are DNS-1123 labels (lowercase letters, digits, '-')") };
    }
    const target: WebhookTarget = {
        configName: name,
        webhookName: entry.name ?? "",
        serviceName: service.name!,
        namespace: service.namespace ?? "default",
        secretName: `${service.name}-cert`,
        caBundlePem: entry.clientConfig?.caBundle ? Buffer.from(entry.clientConfig.caBundle, "base64").toString("utf8") : "",
        failurePolicy: entry.failurePolicy ?? "Fail",
        namespaceSelector: entry.namespaceSelector,
    };
    return { target, finding: passed("webhook.configuration", `MutatingWebhookConfiguration ${shown(name)} sends pods to Service ${target.namespace}/${target.serviceName}`) };
}

/** Every certificate in a PEM bundle; unparsable blocks are skipped. */
export function pemCertificates(pem: string): crypto.X509Certificate[] {
    const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    return blocks.flatMap((block) => {
        try {
            return [new crypto.X509Certificate(block)];
        } catch {
            return [];
        }
    });
}

/**
 * The caBundle verifies the serving certificate as the API server (Go's crypto/x509) does, the certificate
 * names `<service>.<namespace>.svc` in its DNS SANs (the name the API server dials; no Common Name fallback),
 * and no certificate of the chain is expired or near expiry.
 */
export function checkServingCertificate(target: WebhookTarget, tlsCrtPem: string, now: Date): ClusterFinding[] {
    const where = `Secret ${target.namespace}/${target.secretName}`;
    const chain = pemCertificates(tlsCrtPem);
    if (chain.length === 0) {
        return [failed("webhook.certificate", `${where} holds no PEM certificate in tls.crt`, "recreate the webhook's serving certificate (SelfHostedIrsa makes one; with cert-manager check its Certificate)")];
    }
    const leaf = chain[0];
    const findings: ClusterFinding[] = [];
    const bundle = pemCertificates(target.caBundlePem);
    const renew = "issue the serving certificate and the caBundle from a valid CA (`pulumi up` renews SelfHostedIrsa's; with cert-manager, check its CA injector) and restart the webhook";
    const verified = bundle.length === 0 ? undefined : verifyLikeGo(chain, bundle, undefined, now);
    if (verified === undefined) {
        findings.push(failed("webhook.ca-bundle", `MutatingWebhookConfiguration ${shown(target.configName)} has no caBundle: the API server cannot trust the webhook (${target.failurePolicy === "Ignore" ? "pods start without credentials" : "pod creation fails"})`, renew));
    } else if (verified.ok) {
        const path = verified.chain.map((f) => shown(f.cert.subject.replace(/\n/g, ", "))).join(" <- ");
        findings.push(passed("webhook.ca-bundle", `the caBundle verifies the serving certificate in ${where} as Go's crypto/x509 does (chain ${path})`));
        for (const note of verified.notes) {
            findings.push(warned("webhook.ca-bundle-constraints", `${note}: the API server may still refuse the serving certificate`, "check the chain with the API server itself (create a pod in a namespace the webhook intercepts)"));
        }
    } else {
        findings.push(failed("webhook.ca-bundle", `the API server (Go's crypto/x509) refuses the serving certificate in ${where} with the caBundle of ${shown(target.configName)}: ${verified.reason}`, renew));
    }
    const host = `${target.serviceName}.${target.namespace}.svc`;
    const facts = tryCertFacts(leaf);
    const names = facts?.dnsNames ?? [];
    findings.push(
        matchesHost(names, host)
            ? passed("webhook.certificate-names", `the serving certificate names ${host}`)
            : failed("webhook.certificate-names", `the serving certificate's DNS names (${names.length > 0 ? names.map((n) => shown(n)).join(", ") : "none"}) do not include ${host}, the name the API server dials; a Common Name (${shown(leaf.subject.replace(/\n/g, ", "))}) does not count`, `reissue it with DNS names ${target.serviceName}, ${target.serviceName}.${target.namespace}, ${host} and ${host}.cluster.local`),
    );
    // The CAs' expiry counts once they are known to sign this certificate.
    findings.push(expiry(leaf, verified?.ok ? verified.chain.slice(1).map((f) => f.cert) : [], now));
    return findings;
}

/** The leaf's validity, and the nearest expiry of the CAs it chains to. */
function expiry(leaf: crypto.X509Certificate, cas: crypto.X509Certificate[], now: Date): ClusterFinding {
    const notAfter = new Date(leaf.validTo);
    const notBefore = new Date(leaf.validFrom);
    const daysLeft = Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
    const renewNow = "renew the serving certificate now (`pulumi up` replaces SelfHostedIrsa's before 80% of its lifetime) and restart the webhook";
    if (now < notBefore) {
        return failed("webhook.certificate-expiry", `the serving certificate is not valid before ${notBefore.toISOString()}`, "check the clocks of the machine that issued it and of the API server");
    }
    if (now >= notAfter) {
        return failed("webhook.certificate-expiry", `the serving certificate expired on ${notAfter.toISOString()}: the API server refuses the webhook's TLS`, renewNow);
    }
    if (daysLeft < CERTIFICATE_WARN_DAYS) {
        return warned("webhook.certificate-expiry", `the serving certificate expires on ${notAfter.toISOString()}, in ${daysLeft} day(s)`, renewNow);
    }
    const soonest = cas.map((ca) => ({ ca, end: new Date(ca.validTo) })).filter((x) => x.end > now).sort((a, b) => a.end.getTime() - b.end.getTime())[0];
    if (soonest && (soonest.end.getTime() - now.getTime()) / DAY_MS < CERTIFICATE_WARN_DAYS) {
        return warned("webhook.certificate-expiry", `the CA ${shown(soonest.ca.subject.replace(/\n/g, ", "))} that signs the serving certificate expires on ${soonest.end.toISOString()}`, "renew the CA and the caBundle before then (`pulumi up` for SelfHostedIrsa's), then the serving certificate");
    }
    return passed("webhook.certificate-expiry", `the serving certificate is valid until ${notAfter.toISOString()} (${daysLeft} days)`);
}

interface EndpointSlice {
    endpoints?: Array<{ addresses?: string[]; conditions?: { ready?: boolean | null }; targetRef?: { name?: string } }>;
}

/** The webhook Service has at least one ready endpoint (EndpointSlices; `ready` unset means ready). */
export function checkEndpoints(target: WebhookTarget, slices: EndpointSlice[]): ClusterFinding {
    const endpoints = slices.flatMap((s) => s.endpoints ?? []);
    const ready = endpoints.filter((e) => e.conditions?.ready !== false);
    const svc = `Service ${target.namespace}/${target.serviceName}`;
    if (ready.length > 0) {
        return passed("webhook.endpoints", `${svc} has ${ready.length} ready endpoint(s)`);
    }
    const consequence = target.failurePolicy === "Ignore" ? "pods created now start without AWS credentials" : "pod creation is refused in every namespace the webhook intercepts";
    const notReady = endpoints.map((e) => e.targetRef?.name ?? e.addresses?.[0]).filter(Boolean);
    return failed(
        "webhook.endpoints",
        `${svc} has no ready endpoint${notReady.length > 0 ? ` (not ready: ${notReady.map((n) => shown(n)).join(", ")})` : ""}: ${consequence}`,
        `check the webhook's pods: kubectl get pods -n ${target.namespace} -l app.kubernetes.io/name=amazon-eks-pod-identity-webhook, then kubectl describe and kubectl logs them`,
    );
}

/** The failure policy and what it means when the webhook is down. */
export function checkFailurePolicy(target: WebhookTarget): ClusterFinding {
    if (target.failurePolicy === "Ignore") {
        return passed("webhook.failure-policy", "failurePolicy Ignore: while the webhook is down, pods still start, but without AWS credentials until they are restarted (see injection.*)");
    }
    // The webhook's own replacement pods and kube-system's must start while it is down (issue 8: Fail is opt-in).
    const needed = [...new Set(["kube-system", target.namespace])];
    const excluded = (target.namespaceSelector?.matchExpressions ?? []).filter((e) => e.key === "kubernetes.io/metadata.name" && e.operator === "NotIn").flatMap((e) => e.values ?? []);
    const missing = needed.filter((ns) => !excluded.includes(ns));
    return missing.length === 0
        ? passed("webhook.failure-policy", `failurePolicy ${target.failurePolicy}: while the webhook is down, pod creation is refused outside ${needed.join(" and ")} (excluded)`)
        : warned(
              "webhook.failure-policy",
              `failurePolicy ${target.failurePolicy} without excluding ${missing.join(" and ")}: while the webhook is down, every pod creation it intercepts is refused, including ${missing.join(" and ")}${missing.includes(target.namespace) ? " (the webhook's own replacement pods)" : ""}`,
              `exclude ${needed.join(" and ")} with a namespaceSelector (kubernetes.io/metadata.name NotIn), or use failurePolicy Ignore`,
          );
}
