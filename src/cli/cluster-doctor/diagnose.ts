// `doctor cluster`: reads a live cluster with kubectl and runs the six checks in order. Each check reports
// its own findings; a check that cannot read what it needs says so, and the others still run.
import type { FetchLike } from "../../oidc/fetch";
import type { Finding } from "../../oidc/findings";
import { DISCOVERY_PATH } from "../../oidc/discovery";
import { DEFAULT_AUDIENCE } from "../../oidc/trust-policy";
import { verifyIssuer } from "../../oidc/verify";
import type { KubectlTarget } from "../../kubernetes/kubectl";
import { DEFAULT_WEBHOOK_NAMESPACE, WEBHOOK_FULLNAME } from "../../webhook/webhook-values";
import { ClusterFinding, failed, fromIssuerFinding, fromKubectlFailure, passed } from "./findings";
import { checkMissedInjection } from "./injection-checks";
import { compareIssuers, compareKeys, discoveryIssuer, jwksKeys } from "./issuer-checks";
import { ClusterReader, KubectlRunner } from "./kubectl-runner";
import { checkServiceAccountAnnotations, KubeObject, providerAudiences, serviceAccountAudience } from "./service-account-checks";
import { checkEndpoints, checkFailurePolicy, checkServingCertificate, readWebhookConfiguration } from "./webhook-checks";

export interface DiagnoseOptions {
    target: KubectlTarget;
    /** The published issuer. @default the cluster's own issuer */
    issuer?: string;
    namespace?: string;
    serviceAccount?: string;
    /** The role's trust policy (JSON text). */
    trustPolicy?: string;
    /** Fetches the published documents (https, no redirects, bounded). */
    fetch: FetchLike;
    timeoutSeconds: number;
    /** The MutatingWebhookConfiguration's name. @default "amazon-eks-pod-identity-webhook" (the chart's fullname) */
    webhookConfiguration?: string;
    runner?: KubectlRunner;
    /** With --assume-role: asks STS with the minted token (the `sts.assume-role` finding). */
    assumeRole?: (token: string) => Promise<Finding>;
    /** @default () => new Date() */
    now?: () => Date;
}

type List = { items?: KubeObject[] };
/** Webhook names used by the chart and by upstream's deploy/ manifests, for finding a renamed configuration. */
const WEBHOOK_NAME = /pod-identity-webhook|iam-for-pods/;
/** The token the doctor asks for lives as briefly as the API server allows. */
const TOKEN_SECONDS = 600;

/** Check 1's reads: the cluster's own discovery document and JWKS. */
async function readClusterDocuments(reader: ClusterReader): Promise<{ findings: ClusterFinding[]; issuer?: string; jwks?: ReturnType<typeof jwksKeys> }> {
    const findings: ClusterFinding[] = [];
    const [discovery, jwksRead] = await Promise.all([reader.read(["get", "--raw", `/${DISCOVERY_PATH}`]), reader.read(["get", "--raw", "/openid/v1/jwks"])]);
    let issuer: string | undefined;
    if (!discovery.ok) {
        findings.push(fromKubectlFailure("cluster.discovery", `the API server's /${DISCOVERY_PATH}`, discovery.failure));
    } else {
        const parsed = discoveryIssuer(discovery.stdout);
        issuer = parsed.issuer;
        findings.push(issuer !== undefined ? passed("cluster.discovery", `the API server's issuer is ${JSON.stringify(issuer)}`) : failed("cluster.discovery", `the API server's discovery document is unusable: ${parsed.error}`, "enable ServiceAccountIssuerDiscovery (on by default since 1.21) and check --service-account-issuer"));
    }
    let jwks: ReturnType<typeof jwksKeys>;
    if (!jwksRead.ok) {
        findings.push(fromKubectlFailure("cluster.jwks", "the API server's /openid/v1/jwks", jwksRead.failure));
    } else {
        jwks = jwksKeys(jwksRead.stdout);
        findings.push(jwks ? passed("cluster.jwks", `the API server serves ${jwks.length} key(s)`) : failed("cluster.jwks", "the API server's /openid/v1/jwks holds no keys array", "check --service-account-key-file on the API server"));
    }
    return { findings, issuer, jwks };
}

/** Check 5: the webhook configuration, its certificate, its endpoints and its failure policy. */
async function checkWebhook(reader: ClusterReader, name: string, now: Date): Promise<ClusterFinding[]> {
    const base = "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations";
    let config = await reader.getJson<KubeObject>(`${base}/${name}`);
    if (!config.ok && config.failure.kind === "not-found") {
        const all = await reader.getJson<List>(base);
        if (!all.ok) {
            return [fromKubectlFailure("webhook.configuration", "the MutatingWebhookConfigurations", all.failure)];
        }
        const found = (all.value.items ?? []).find((c) => ((c.webhooks as Array<{ name?: string }> | undefined) ?? []).some((w) => WEBHOOK_NAME.test(w.name ?? "")));
        if (!found) {
            return [failed("webhook.configuration", `no MutatingWebhookConfiguration ${name} (nor one for the pod identity webhook under another name): nothing gives pods AWS credentials`, `install the webhook (SelfHostedIrsa's webhook, on by default), or pass --webhook NAME if it has another name`)];
        }
        config = { ok: true, value: found };
    }
    if (!config.ok) {
        return [fromKubectlFailure("webhook.configuration", `MutatingWebhookConfiguration ${name}`, config.failure)];
    }
    const { target, finding } = readWebhookConfiguration(config.value);
    if (!target) {
        return [finding];
    }
    const findings = [finding];
    const selector = encodeURIComponent(`kubernetes.io/service-name=${target.serviceName}`);
    const [secret, slices] = await Promise.all([
        reader.getJson<{ data?: Record<string, string> }>(`/api/v1/namespaces/${target.namespace}/secrets/${target.secretName}`),
        reader.getJson<List>(`/apis/discovery.k8s.io/v1/namespaces/${target.namespace}/endpointslices?labelSelector=${selector}`),
    ]);
    if (!secret.ok) {
        findings.push(fromKubectlFailure("webhook.certificate", `the serving certificate (Secret ${target.namespace}/${target.secretName})`, secret.failure));
    } else {
        // Only tls.crt is used; the Secret's private key is never printed or kept.
        findings.push(...checkServingCertificate(target, Buffer.from(secret.value.data?.["tls.crt"] ?? "", "base64").toString("utf8"), now));
    }
    findings.push(slices.ok ? checkEndpoints(target, (slices.value.items ?? []) as never[]) : fromKubectlFailure("webhook.endpoints", `the EndpointSlices of Service ${target.namespace}/${target.serviceName}`, slices.failure));
    findings.push(checkFailurePolicy(target));
    return findings;
}

/** Check 6: pods that should have been mutated but were not. */
async function checkInjection(reader: ClusterReader): Promise<ClusterFinding[]> {
    const [serviceAccounts, pods] = await Promise.all([reader.getJson<List>("/api/v1/serviceaccounts"), reader.getJson<List>("/api/v1/pods")]);
    if (!serviceAccounts.ok) {
        return [fromKubectlFailure("injection.pods", "the cluster's ServiceAccounts", serviceAccounts.failure)];
    }
    if (!pods.ok) {
        return [fromKubectlFailure("injection.pods", "the cluster's pods", pods.failure)];
    }
    return checkMissedInjection(pods.value.items ?? [], serviceAccounts.value.items ?? []);
}

/** Check 3 and 4's reads: the ServiceAccount, then a token for the audience its pods get. */
async function readServiceAccount(reader: ClusterReader, ns: string, name: string, trustPolicy: string | undefined): Promise<{ findings: ClusterFinding[]; token?: string; audience?: string }> {
    const findings: ClusterFinding[] = [];
    const sa = await reader.getJson<KubeObject>(`/api/v1/namespaces/${ns}/serviceaccounts/${name}`);
    let audience: string | undefined;
    if (sa.ok) {
        audience = serviceAccountAudience(sa.value);
        findings.push(...checkServiceAccountAnnotations(sa.value, providerAudiences(trustPolicy)));
    } else {
        findings.push(fromKubectlFailure("sa.role-arn", `ServiceAccount ${ns}/${name}`, sa.failure));
    }
    const minted = await reader.read(["create", "token", name, "-n", ns, "--audience", audience ?? DEFAULT_AUDIENCE, `--duration=${TOKEN_SECONDS}s`]);
    if (!minted.ok) {
        return { findings: [fromKubectlFailure("token.request", `a token for ${ns}/${name} (TokenRequest API)`, minted.failure), ...findings], audience };
    }
    return { findings, token: minted.stdout.trim(), audience };
}

/** With --assume-role: STS's own answer for the minted token (after the token and trust checks). */
async function askSts(options: DiagnoseOptions, token: string | undefined): Promise<ClusterFinding[]> {
    if (!options.assumeRole) {
        return [];
    }
    if (token === undefined) {
        return [failed("sts.assume-role", "STS was not asked: there is no token to present (see token.request)", "fix token.request first")];
    }
    return [fromIssuerFinding(await options.assumeRole(token))];
}

/** Runs every check and returns the findings in order: cluster.*, published.*, token.* and trust.*, sa.*, webhook.*, injection.*. */
export async function diagnoseCluster(options: DiagnoseOptions): Promise<ClusterFinding[]> {
    const reader = new ClusterReader(options.target, options.timeoutSeconds, options.runner);
    const now = (options.now ?? (() => new Date()))();
    // Independent reads run side by side: each kubectl run costs a process start (two with gcloud's dispatcher).
    const [cluster, account, webhook, injection] = await Promise.all([
        readClusterDocuments(reader),
        options.namespace && options.serviceAccount ? readServiceAccount(reader, options.namespace, options.serviceAccount, options.trustPolicy) : { findings: [] as ClusterFinding[], token: undefined, audience: undefined },
        checkWebhook(reader, options.webhookConfiguration ?? WEBHOOK_FULLNAME, now),
        checkInjection(reader),
    ]);
    const saFindings = account.findings;
    const { token, audience } = account;

    const findings = [...cluster.findings];
    const issuer = options.issuer ?? cluster.issuer;
    if (issuer === undefined) {
        findings.push(failed("published.issuer", "no --issuer was given and the cluster's own issuer could not be read", "pass --issuer URL (the IAM OIDC provider's URL)"));
        return [...findings, ...saFindings, ...(await askSts(options, token)), ...webhook, ...injection];
    }
    if (cluster.issuer !== undefined) {
        findings.push(options.issuer === undefined ? passed("cluster.issuer", `no --issuer given: checking the cluster's own issuer ${JSON.stringify(issuer)} as the published one`) : compareIssuers(cluster.issuer, issuer));
    }

    // Check 2 (and 3's verification): the issuer doctor, with a fetch that keeps what it read for check 1's key comparison.
    const bodies = new Map<string, Buffer>();
    const recording: FetchLike = async (url, init) => {
        const res = await options.fetch(url, init);
        bodies.set(url, res.body);
        return res;
    };
    const verified = await verifyIssuer({ issuer, token, audience, trustPolicy: options.trustPolicy, fetch: recording, timeoutMs: options.timeoutSeconds * 1000, now: () => now });
    const publishedJwks = [...bodies.entries()].find(([url]) => !url.endsWith(`/${DISCOVERY_PATH}`))?.[1];
    if (cluster.jwks) {
        findings.push(...compareKeys(cluster.jwks, publishedJwks ? jwksKeys(publishedJwks.toString("utf8")) : undefined));
    }
    findings.push(...verified.filter((f) => !/^(token|trust)\./.test(f.id)).map((f) => fromIssuerFinding(f, "published.")));
    findings.push(...saFindings.filter((f) => f.id.startsWith("token.")));
    findings.push(...verified.filter((f) => /^(token|trust)\./.test(f.id)).map((f) => fromIssuerFinding(f)));
    findings.push(...(await askSts(options, token)));
    findings.push(...saFindings.filter((f) => !f.id.startsWith("token.")));
    findings.push(...webhook, ...injection);
    return findings;
}
