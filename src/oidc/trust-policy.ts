import { validateLiteralAudience } from "./audience";
import { IrsaInputError } from "./errors";
import { issuerHost, validateIssuerUrl } from "./discovery";

/** The audience STS expects in projected tokens unless the user chooses another. */
export const DEFAULT_AUDIENCE = "sts.amazonaws.com";

/** An IAM policy document (the subset this package writes). */
export interface PolicyStatement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Principal?: { Federated?: string; Service?: string; AWS?: string | string[] } | "*";
    Action: string | string[];
    Resource?: string | string[];
    Condition?: Record<string, Record<string, string | string[]>>;
}
export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: PolicyStatement[];
}

export interface TrustPolicyArgs {
    /** ARN of the IAM OIDC identity provider registered for `issuerUrl`. */
    oidcProviderArn: string;
    /** The issuer URL (https, no trailing slash). */
    issuerUrl: string;
    /** Namespace of the service account; with subjectMatch "wildcard" it may hold `*` or `?`. */
    namespace: string;
    /** Name of the service account; with subjectMatch "wildcard" it may hold `*` or `?`. */
    serviceAccount: string;
    /** The token audience pinned with StringEquals. @default "sts.amazonaws.com" */
    audience?: string;
    /**
     * "exact" pins `sub` with StringEquals; "wildcard" uses StringLike so `*`/`?` in the namespace or name
     * match several service accounts. Only by explicit choice (least privilege).
     * @default "exact"
     */
    subjectMatch?: "exact" | "wildcard";
}

/** An IAM OIDC provider ARN; group 2 is the issuer host (and path) it was registered for. */
export const OIDC_PROVIDER_ARN = /^arn:aws(-cn|-us-gov|-iso|-iso-b)?:iam::\d{12}:oidc-provider\/(.+)$/;

/** The `sub` claim kube-apiserver writes for a service account token. */
export function serviceAccountSubject(namespace: string, serviceAccount: string): string {
    return `system:serviceaccount:${namespace}:${serviceAccount}`;
}

/** Checks an IAM OIDC provider ARN and returns the issuer host it names. */
export function validateOidcProviderArn(arn: string, argument = "oidcProviderArn"): string {
    const match = typeof arn === "string" ? OIDC_PROVIDER_ARN.exec(arn) : null;
    if (!match) {
        throw new IrsaInputError(argument, arn, "is not an IAM OIDC provider ARN (arn:aws:iam::<12-digit account>:oidc-provider/<issuer host>)", "pass the `oidcProviderArn` output of SelfHostedIrsa, or the ARN shown by `aws iam list-open-id-connect-providers`");
    }
    return match[2];
}

/**
 * The trust policy that lets exactly one service account assume a role through the cluster's OIDC
 * provider: `sts:AssumeRoleWithWebIdentity`, with `<issuer host>:sub` and `<issuer host>:aud` pinned
 * (condition keys are the provider URL without https://, the form STS evaluates; seeds 000-004).
 */
export function buildTrustPolicy(args: TrustPolicyArgs): PolicyDocument {
    const issuer = validateIssuerUrl(args.issuerUrl, "issuerUrl");
    const host = issuerHost(issuer);
    checkProviderNamesIssuer(args.oidcProviderArn, validateOidcProviderArn(args.oidcProviderArn), host);
    const audience = trustPolicyAudience(args.audience);
    return {
        Version: "2012-10-17",
        Statement: [clusterStatement(args.oidcProviderArn, host, serviceAccountSubject(args.namespace, args.serviceAccount), audience, args.subjectMatch)],
    };
}

/** Throws unless a (checked) provider ARN names the issuer host: STS looks the provider up by the token's issuer. */
export function checkProviderNamesIssuer(oidcProviderArn: string, providerHost: string, host: string): void {
    if (providerHost !== host) {
        throw new IrsaInputError("oidcProviderArn", oidcProviderArn, `names the provider for "${providerHost}", not for the issuer "${host}"`, "pass the provider ARN and issuer URL of the same cluster (SelfHostedIrsa outputs `oidcProviderArn` and `issuerUrl`)");
    }
}

/** The audience a trust policy pins: the given one or the default, never empty. */
export function trustPolicyAudience(given: string | undefined): string {
    return validateLiteralAudience(given ?? DEFAULT_AUDIENCE, "audience");
}

/**
 * One cluster's statement: web identity from its provider, `<host>:aud` pinned with StringEquals, `<host>:sub`
 * with StringEquals ("exact") or StringLike ("wildcard"). Shared by the one- and many-cluster policies so both
 * write the same JSON for one cluster.
 */
export function clusterStatement(oidcProviderArn: string, host: string, subject: string, audience: string, subjectMatch: "exact" | "wildcard" | undefined): PolicyStatement {
    const condition: Record<string, Record<string, string>> =
        (subjectMatch ?? "exact") === "wildcard"
            ? { StringEquals: { [`${host}:aud`]: audience }, StringLike: { [`${host}:sub`]: subject } }
            : { StringEquals: { [`${host}:sub`]: subject, [`${host}:aud`]: audience } };
    return { Effect: "Allow", Principal: { Federated: oidcProviderArn }, Action: "sts:AssumeRoleWithWebIdentity", Condition: condition };
}
