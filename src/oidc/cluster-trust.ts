import { issuerHost, validateIssuerUrl } from "./discovery";
import { IrsaInputError } from "./errors";
import { clusterStatement, PolicyDocument, serviceAccountSubject, trustPolicyAudience, validateOidcProviderArn } from "./trust-policy";

// One role trusted by several clusters (blue/green upgrades, a second region): one statement per cluster's
// IAM OIDC provider, each pinning the same namespace:serviceAccount and audience. Pure: no Pulumi.

/** One cluster a role trusts: its IAM OIDC provider and the issuer URL that provider was registered for. */
export interface ClusterTrust {
    /** ARN of the cluster's IAM OIDC provider (SelfHostedIrsa output `oidcProviderArn`). */
    oidcProviderArn: string;
    /** The cluster's issuer URL (SelfHostedIrsa output `issuerUrl`): https, no trailing slash. */
    issuerUrl: string;
}

/**
 * IAM quota "Role trust policy length": 2,048 characters by default, raisable through Service Quotas
 * (docs/facts.md, "One role, several clusters").
 */
export const DEFAULT_MAX_TRUST_POLICY_SIZE = 2048;
/** The highest "Role trust policy length" any IAM quota page names (auto-approved increases). */
export const HIGHEST_TRUST_POLICY_QUOTA = 8192;

export interface ClustersTrustPolicyArgs {
    /** The clusters, at least one; each provider and each issuer once. */
    clusters: ClusterTrust[];
    namespace: string;
    serviceAccount: string;
    /** @default "sts.amazonaws.com" */
    audience?: string;
    /** @default "exact" */
    subjectMatch?: "exact" | "wildcard";
    /** The account's "Role trust policy length" quota. @default 2048 */
    maxTrustPolicySize?: number;
    /** Argument path of the cluster list in messages. @default "clusters" */
    argument?: string;
}

/**
 * The size IAM counts for a policy: its characters without white space (IAM and STS quotas page). The JSON
 * this package registers has no white space outside strings, and names and ARNs hold none, so for our
 * documents this is also the length of the text sent.
 */
export function policySize(document: object | string): number {
    const text = typeof document === "string" ? document : JSON.stringify(document);
    return text.replace(/\s/g, "").length;
}

/** Checks the quota value given by the user. */
export function validateMaxTrustPolicySize(size: number, argument = "maxTrustPolicySize"): number {
    if (typeof size !== "number" || !Number.isInteger(size) || size < DEFAULT_MAX_TRUST_POLICY_SIZE || size > HIGHEST_TRUST_POLICY_QUOTA) {
        throw new IrsaInputError(argument, size, `must be the account's "Role trust policy length" quota, a whole number from ${DEFAULT_MAX_TRUST_POLICY_SIZE} to ${HIGHEST_TRUST_POLICY_QUOTA}`, `leave it unset for IAM's default ${DEFAULT_MAX_TRUST_POLICY_SIZE}, or give the value Service Quotas shows (quota L-C07B4B0D)`);
    }
    return size;
}

/**
 * Checks a cluster list: not empty, each entry a provider ARN and the issuer it names, no provider or issuer
 * twice, all providers in one account and partition (a role's trust policy can only name identity
 * providers of its own account). Returns each cluster's issuer host.
 */
export function validateClusters(clusters: readonly ClusterTrust[], argument = "clusters"): string[] {
    if (!Array.isArray(clusters) || clusters.length === 0) {
        throw new IrsaInputError(argument, clusters, "must list at least one cluster", "pass [{ oidcProviderArn, issuerUrl }] with each cluster stack's SelfHostedIrsa outputs");
    }
    const hosts: string[] = [];
    const accounts: string[] = [];
    clusters.forEach((cluster, i) => {
        const at = `${argument}[${i}]`;
        if (typeof cluster !== "object" || cluster === null) {
            throw new IrsaInputError(at, cluster, "is not a cluster", "pass { oidcProviderArn, issuerUrl }");
        }
        const providerHost = validateOidcProviderArn(cluster.oidcProviderArn, `${at}.oidcProviderArn`);
        const host = issuerHost(validateIssuerUrl(cluster.issuerUrl, `${at}.issuerUrl`));
        if (providerHost !== host) {
            throw new IrsaInputError(`${at}.issuerUrl`, cluster.issuerUrl, `is not the issuer of ${at}.oidcProviderArn, which names "${providerHost}"`, "pass the provider ARN and issuer URL of the same cluster (SelfHostedIrsa outputs `oidcProviderArn` and `issuerUrl`)");
        }
        const earlierArn = clusters.findIndex((c) => c.oidcProviderArn === cluster.oidcProviderArn);
        if (earlierArn < i) {
            throw new IrsaInputError(`${at}.oidcProviderArn`, cluster.oidcProviderArn, `is already listed as ${argument}[${earlierArn}]`, "list each cluster once");
        }
        const earlierHost = hosts.findIndex((h) => h.toLowerCase() === host.toLowerCase());
        if (earlierHost >= 0) {
            throw new IrsaInputError(`${at}.issuerUrl`, cluster.issuerUrl, `is already listed as ${argument}[${earlierHost}]`, "list each cluster once");
        }
        const account = cluster.oidcProviderArn.slice(0, cluster.oidcProviderArn.indexOf(":oidc-provider/"));
        if (accounts.length > 0 && account !== accounts[0]) {
            throw new IrsaInputError(`${at}.oidcProviderArn`, cluster.oidcProviderArn, `is not in the account and partition of ${argument}[0] (${accounts[0]}); a role can only trust identity providers of its own account`, "register the cluster's issuer as an IAM OIDC provider in that account (SelfHostedIrsa there), or make one role per account");
        }
        accounts.push(account);
        hosts.push(host);
    });
    return hosts;
}

/**
 * The trust policy for one service account in several clusters: one statement per cluster, each allowing
 * `sts:AssumeRoleWithWebIdentity` from that cluster's provider with `<host>:sub` and `<host>:aud` pinned.
 * Its size is checked against the trust policy quota here, before anything is registered.
 */
export function buildClustersTrustPolicy(args: ClustersTrustPolicyArgs): PolicyDocument {
    const argument = args.argument ?? "clusters";
    const hosts = validateClusters(args.clusters, argument);
    const max = validateMaxTrustPolicySize(args.maxTrustPolicySize ?? DEFAULT_MAX_TRUST_POLICY_SIZE);
    const audience = trustPolicyAudience(args.audience);
    return clustersTrustPolicy(args.clusters, hosts, serviceAccountSubject(args.namespace, args.serviceAccount), audience, args.subjectMatch, max, argument);
}

/**
 * The trust policy from clusters already checked (`hosts`: what `validateClusters` returned), one statement each,
 * checked against the trust policy quota `max`.
 */
export function clustersTrustPolicy(clusters: readonly ClusterTrust[], hosts: readonly string[], subject: string, audience: string, subjectMatch: "exact" | "wildcard" | undefined, max: number, argument = "clusters"): PolicyDocument {
    const statements = clusters.map((c, i) => clusterStatement(c.oidcProviderArn, hosts[i], subject, audience, subjectMatch));
    const document: PolicyDocument = { Version: "2012-10-17", Statement: statements };
    const size = policySize(document);
    if (size > max) {
        let fit = 0;
        while (fit < statements.length && policySize({ Version: "2012-10-17", Statement: statements.slice(0, fit + 1) }) <= max) {
            fit++;
        }
        throw new IrsaInputError(
            argument,
            `${statements.length} clusters`,
            `make a trust policy of ${size} characters, more than the ${max} IAM allows (quota "Role trust policy length"); ${fit} of these clusters fit`,
            `request a higher "Role trust policy length" in Service Quotas (IAM, up to ${HIGHEST_TRUST_POLICY_QUOTA}) and set \`maxTrustPolicySize\` to it, or split the clusters over several roles`,
        );
    }
    return document;
}
