import * as pulumi from "@pulumi/pulumi";
import { AWS_AUTONAME_SUFFIX, IAM_ROLE_NAME_RULE, explicitNameIfNeeded } from "../common/derived-names";
import { validateIssuerUrl } from "../oidc/discovery";
import { IrsaInputError } from "../oidc/errors";
import { buildTrustPolicy, DEFAULT_AUDIENCE, validateOidcProviderArn } from "../oidc/trust-policy";
import { validateDns1123Label, validateDns1123Subdomain } from "../kubernetes/names";
import { ANNOTATION_PREFIX } from "../webhook/annotation-rules";
import { MAX_TOKEN_EXPIRATION, validateTokenExpiration } from "../webhook/webhook-values";
import { validatePolicyArn } from "../aws/names";
import { attachmentKey, combineRolePolicies, normalizeRolePolicySet, NormalizedRolePolicy } from "./role-policy";
import { AddonPresets } from "../aws/addons";
import { expandRoleArgs, IrsaRoleCluster, isDeepPlain } from "./irsa-role-extensions";
import { buildClustersTrustPolicy, ClusterTrust } from "../oidc/cluster-trust";

/**
 * How the trust policy matches the service account: "exact" pins `<issuer host>:sub` with StringEquals;
 * "wildcard" uses StringLike so `*`/`?` in the namespace or name match several service accounts.
 */
export const SubjectMatch = { Exact: "exact", Wildcard: "wildcard" } as const;
export type SubjectMatch = (typeof SubjectMatch)[keyof typeof SubjectMatch];

export interface IrsaRoleArgs {
    /** ARN of the cluster's IAM OIDC provider (SelfHostedIrsa output `oidcProviderArn`, or a StackReference output). Give it with `issuerUrl`, or give `clusters`. Default: none */
    oidcProviderArn?: pulumi.Input<string>;
    /** The cluster's issuer URL (SelfHostedIrsa output `issuerUrl`): https, no trailing slash. Must be the URL the provider ARN names. Default: none */
    issuerUrl?: pulumi.Input<string>;
    /**
     * Several clusters trusting one role (blue/green, regions): one trust statement per cluster. Instead of
     * `oidcProviderArn` + `issuerUrl`. Each provider and issuer once, all in the role's account.
     * Default: none (the one cluster of oidcProviderArn + issuerUrl)
     */
    clusters?: pulumi.Input<IrsaRoleCluster[]>;
    /** The account's IAM quota "Role trust policy length", when raised (2048 to 8192). Default: 2048 */
    maxTrustPolicySize?: pulumi.Input<number>;
    /** Namespace of the service account: a DNS-1123 label (with subjectMatch "wildcard", a pattern with `*`/`?`). Default: the chart's, when exactly one preset in `addons` has one; else required */
    namespace?: pulumi.Input<string>;
    /** Name of the service account: a DNS-1123 subdomain (with subjectMatch "wildcard", a pattern with `*`/`?`). Default: the chart's, when exactly one preset in `addons` has one; else required */
    serviceAccount?: pulumi.Input<string>;
    /**
     * Least-privilege policies of common add-ons, scoped to the resources named, e.g.
     * `{ externalDns: { hostedZoneArns: [zoneArn] } }`: one inline policy per preset, named after it.
     * Default: none
     */
    addons?: AddonPresets;
    /**
     * Managed policy ARNs to attach (AWS managed or your own; 20 at most), one RolePolicyAttachment each, keyed
     * by ARN so adding or removing one never replaces another. Default: [] (with no inline policy either: a
     * role without permissions)
     */
    managedPolicyArns?: pulumi.Input<string>[];
    /**
     * Inline policy documents (JSON text) keyed by policy name (1-128 of `A-Za-z0-9+=,.@_-`), one RolePolicy
     * each. From TypeScript, `rolePolicyArgs(policy)` turns an ARN, a list of ARNs or a document object into
     * this field and `managedPolicyArns`. Default: {}
     */
    inlinePolicies?: Record<string, pulumi.Input<string>>;
    /**
     * The `aud` the trust policy pins with StringEquals: one of the IAM OIDC provider's client IDs.
     * Default: "sts.amazonaws.com" (roleFor: the component's first audience)
     */
    audience?: pulumi.Input<string>;
    /**
     * "exact" pins the subject; "wildcard" lets `*`/`?` in `namespace` or `serviceAccount` match several
     * service accounts: only by this explicit choice (least privilege). Plain, because it decides how the
     * names are checked. Default: "exact"
     */
    subjectMatch?: SubjectMatch;
    /**
     * IAM role name (1-64 of `A-Za-z0-9+=,.@_-`). A fixed name cannot exist twice, so the role is deleted
     * before it is replaced. Default: Pulumi's auto-name `<name>-role-<7 random>` when that fits IAM's 64
     * characters; otherwise `<name>-role` shortened with a hash (deterministic, replaced delete-first)
     */
    roleName?: pulumi.Input<string>;
    /** IAM role path, "/" or "/a/b/". Default: "/" */
    rolePath?: pulumi.Input<string>;
    /** Longest session in seconds, 3600 to 43200. Default: 3600 (IAM's default) */
    maxSessionDuration?: pulumi.Input<number>;
    /** ARN of a managed policy that bounds the role's permissions. Default: none */
    permissionsBoundary?: pulumi.Input<string>;
    /** Role description. Default: "IRSA role for system:serviceaccount:<namespace>:<serviceAccount>" */
    description?: pulumi.Input<string>;
    /** Tags for the role. Default: none */
    tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /**
     * Create the Kubernetes ServiceAccount, annotated for the pod identity webhook (`eks.amazonaws.com/role-arn`,
     * `audience`, and when set `sts-regional-endpoints`, `token-expiration`). The stack then owns it: destroy
     * deletes it. For a ServiceAccount an app's chart creates, use `annotateServiceAccount`. Uses the kubernetes
     * provider of `opts.providers`; the namespace must exist. Plain: it adds a resource. Default: false
     */
    createServiceAccount?: boolean;
    /**
     * Only annotate an existing ServiceAccount (one an app's Helm chart owns) with a server-side apply patch
     * (ServiceAccountPatch): the same annotations as `createServiceAccount`, owned by this stack's field
     * manager; destroy removes the annotations and leaves the ServiceAccount. The ServiceAccount must exist
     * first (order it with `dependsOn`). Not with `createServiceAccount`. Plain. Default: false
     */
    annotateServiceAccount?: boolean;
    /** Extra annotations for the created or annotated ServiceAccount (not the `eks.amazonaws.com/*` ones this sets). Default: none */
    serviceAccountAnnotations?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** `eks.amazonaws.com/sts-regional-endpoints` on the created or annotated ServiceAccount. Default: not set (the webhook's setting) */
    stsRegionalEndpoints?: pulumi.Input<boolean>;
    /** `eks.amazonaws.com/token-expiration` in seconds (600 to 2^31) on the created or annotated ServiceAccount. Default: not set (the webhook's, 86400) */
    tokenExpiration?: pulumi.Input<number>;
}

/** What `SelfHostedIrsa.roleFor` takes besides the names and the policy: IrsaRole's args without what the component supplies. */
export type RoleForOptions = Omit<IrsaRoleArgs, "oidcProviderArn" | "issuerUrl" | "clusters" | "namespace" | "serviceAccount"> & {
    /** More clusters to trust besides the component's own (blue/green): `[{ oidcProviderArn, issuerUrl }]`. Default: none */
    additionalClusters?: pulumi.Input<IrsaRoleCluster[]>;
};

/** IrsaRole's args after `expandRoleArgs`: trust source decided, presets as inline policies, names filled. */
export type ExpandedIrsaRoleArgs = ReturnType<typeof expandRoleArgs<IrsaRoleArgs>>;

const WILDCARD_NAME = /^[a-z0-9*?]([-a-z0-9.*?]*[a-z0-9*?])?$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const ROLE_PATH = /^(\/|\/[\u0021-\u007e]+\/)$/;
const SA_ANNOTATIONS = ["role-arn", "audience", "sts-regional-endpoints", "token-expiration"].map((a) => `${ANNOTATION_PREFIX}/${a}`);
const SA_FIELDS = ["serviceAccountAnnotations", "stsRegionalEndpoints", "tokenExpiration"] as const;

/** Known now: not undefined, not an Output, not a Promise. */
export const isPlain = (value: unknown): boolean => value !== undefined && !pulumi.Output.isInstance(value) && typeof (value as PromiseLike<unknown>)?.then !== "function";

/** Checks one name of the subject (exact: Kubernetes rules; wildcard: a pattern). */
export function validateSubjectName(value: string, argument: "namespace" | "serviceAccount", subjectMatch: SubjectMatch | undefined): string {
    if (subjectMatch === SubjectMatch.Wildcard) {
        if (typeof value !== "string" || value.length > 253 || !WILDCARD_NAME.test(value)) {
            throw new IrsaInputError(argument, value, "is not a Kubernetes name pattern (lowercase letters, digits, '-', '.', and the wildcards * and ?)", "write e.g. \"team-*\"");
        }
        return value;
    }
    return argument === "namespace" ? validateDns1123Label(value, argument) : validateDns1123Subdomain(value, argument);
}

/** Checks the trust policy's audience: an IAM OIDC provider client ID. */
export function validateRoleAudience(audience: string): string {
    if (typeof audience !== "string" || audience.length === 0 || audience.length > 255 || /\s/.test(audience)) {
        throw new IrsaInputError("audience", audience, "is not a client ID (1 to 255 characters, no whitespace)", `leave it unset for "${DEFAULT_AUDIENCE}", or give an audience the IAM OIDC provider lists`);
    }
    return audience;
}

/** Checks a role's audience against the provider's client IDs, when both are known: STS refuses any other `aud`. */
export function checkAudienceListed(audience: string, providerAudiences: readonly string[]): string {
    if (!providerAudiences.includes(audience)) {
        throw new IrsaInputError(
            "audience",
            audience,
            `is not a client ID of the cluster's IAM OIDC provider (${providerAudiences.join(", ")}), so STS would refuse every token for this role`,
            "leave it unset (the component's first audience), or add it to the component's `audiences`",
        );
    }
    return audience;
}

export function validateMaxSessionDuration(seconds: number): number {
    if (typeof seconds !== "number" || !Number.isInteger(seconds) || seconds < 3600 || seconds > 43200) {
        throw new IrsaInputError("maxSessionDuration", seconds, "must be a whole number of seconds from 3600 to 43200 (IAM's limits)", "use e.g. 3600");
    }
    return seconds;
}

export function validateRoleName(name: string): string {
    if (typeof name !== "string" || !ROLE_NAME.test(name)) {
        throw new IrsaInputError("roleName", name, "is not an IAM role name (1 to 64 letters, digits or + = , . @ _ -)", "shorten or rename it, or leave it unset for an auto-name");
    }
    return name;
}

export function validateRolePath(path: string): string {
    if (typeof path !== "string" || path.length > 512 || !ROLE_PATH.test(path)) {
        throw new IrsaInputError("rolePath", path, "is not an IAM path (\"/\", or starting and ending with \"/\", at most 512 characters)", "use e.g. \"/irsa/\"");
    }
    return path;
}

/** The subject and audience both trust policies pin, checked once known. */
function validateTrustSubject(args: { namespace: string; serviceAccount: string; audience?: string; subjectMatch?: SubjectMatch }): void {
    validateSubjectName(args.namespace, "namespace", args.subjectMatch);
    validateSubjectName(args.serviceAccount, "serviceAccount", args.subjectMatch);
    validateRoleAudience(args.audience ?? DEFAULT_AUDIENCE);
}

/** The trust policy as JSON text; the single place it is computed, plain or inside an apply. */
export function trustPolicyJson(args: { oidcProviderArn: string; issuerUrl: string; namespace: string; serviceAccount: string; audience?: string; subjectMatch?: SubjectMatch }): string {
    validateOidcProviderArn(args.oidcProviderArn, "oidcProviderArn");
    validateIssuerUrl(args.issuerUrl, "issuerUrl");
    validateTrustSubject(args);
    return JSON.stringify(buildTrustPolicy(args));
}

/** The trust policy for `clusters` as JSON text; names and audience checked as for one cluster. */
export function clustersTrustPolicyJson(args: { clusters: ClusterTrust[]; namespace: string; serviceAccount: string; audience?: string; subjectMatch?: SubjectMatch; maxTrustPolicySize?: number }): string {
    validateTrustSubject(args);
    return JSON.stringify(buildClustersTrustPolicy(args));
}

/** What IrsaRole will create, decided from its args alone (pure; throws IrsaInputError on bad input). */
export interface IrsaRolePlan {
    /** Managed ARNs and named inline documents, in resource order. */
    policies: NormalizedRolePolicy;
    /** Resource-name suffix of each managed ARN's attachment (same order). */
    attachmentKeys: string[];
    /** The trust policy JSON when every input it needs is plain; otherwise computed once known. */
    trustPolicy: string | undefined;
    /**
     * The IAM name given explicitly when Pulumi's auto-name would not be valid (too long, or `*`/`?` from a
     * wildcard subject in the resource name); undefined keeps the auto-name.
     */
    derivedRoleName: string | undefined;
    /** Whether the role has a fixed name (given or derived), so a replacement must delete it first. */
    fixedName: boolean;
    /** How the ServiceAccount is handled. */
    serviceAccount: "none" | "create" | "annotate";
}

/**
 * Checks every plain argument before anything is created and plans the children. Values that are Outputs
 * (e.g. from a StackReference) are checked by the same functions once known, inside applies: a bad one then
 * fails the deployment at that resource.
 */
export function planIrsaRole(name: string, args: ExpandedIrsaRoleArgs): IrsaRolePlan {
    const match = args.subjectMatch;
    if (match !== undefined && match !== SubjectMatch.Exact && match !== SubjectMatch.Wildcard) {
        throw new IrsaInputError("subjectMatch", match, "is not a subject match", "use \"exact\" (the default) or \"wildcard\"");
    }
    if ("policy" in args && (args as { policy?: unknown }).policy !== undefined) {
        // Removed from IrsaRoleArgs in 0.2.0 (a union no other Pulumi language can express); JavaScript callers still reach here.
        throw new IrsaInputError("policy", "(set)", "is not an IrsaRole argument since 0.2.0", "spread `rolePolicyArgs(policy)` into the args, or use `managedPolicyArns` / `inlinePolicies`");
    }
    if (isPlain(args.namespace)) validateSubjectName(args.namespace as string, "namespace", match);
    if (isPlain(args.serviceAccount)) validateSubjectName(args.serviceAccount as string, "serviceAccount", match);
    if (isPlain(args.oidcProviderArn)) validateOidcProviderArn(args.oidcProviderArn as string, "oidcProviderArn");
    if (isPlain(args.issuerUrl)) validateIssuerUrl(args.issuerUrl as string, "issuerUrl");
    if (isPlain(args.audience)) validateRoleAudience(args.audience as string);
    // Everything known: the provider/issuer match is checked now too, and the JSON computed once.
    const audienceKnown = args.audience === undefined || isPlain(args.audience);
    const known = [args.oidcProviderArn, args.issuerUrl, args.namespace, args.serviceAccount].every(isPlain) && audienceKnown;
    const clustersKnown = isDeepPlain(args.clusters) && [args.namespace, args.serviceAccount].every(isPlain) && audienceKnown && (args.maxTrustPolicySize === undefined || isPlain(args.maxTrustPolicySize));
    const trustPolicy =
        args.clusters !== undefined
            ? clustersKnown
                ? clustersTrustPolicyJson(args as Parameters<typeof clustersTrustPolicyJson>[0])
                : undefined
            : known
              ? trustPolicyJson(args as Parameters<typeof trustPolicyJson>[0])
              : undefined;
    if (isPlain(args.roleName)) validateRoleName(args.roleName as string);
    if (isPlain(args.rolePath)) validateRolePath(args.rolePath as string);
    if (isPlain(args.maxSessionDuration)) validateMaxSessionDuration(args.maxSessionDuration as number);
    if (isPlain(args.permissionsBoundary)) validatePolicyArn(args.permissionsBoundary as string, "permissionsBoundary");
    const serviceAccount = planServiceAccount(args);
    const policies = combineRolePolicies({ managedPolicyArns: [], inlinePolicies: [] }, normalizeRolePolicySet({ managedPolicyArns: args.managedPolicyArns, inlinePolicies: args.inlinePolicies }, ""));
    const attachmentKeys = policies.managedPolicyArns.map(attachmentKey);
    const duplicate = attachmentKeys.find((k, i) => attachmentKeys.indexOf(k) !== i);
    if (duplicate !== undefined) {
        throw new IrsaInputError("managedPolicyArns", duplicate, "keys two attachments alike (two policy ARNs that differ only in '/' and '-')", "attach one of them through a customer managed policy of another name");
    }
    const derivedRoleName = args.roleName === undefined ? explicitNameIfNeeded(`${name}-role`, IAM_ROLE_NAME_RULE, AWS_AUTONAME_SUFFIX) : undefined;
    return { policies, attachmentKeys, trustPolicy, derivedRoleName, fixedName: args.roleName !== undefined || derivedRoleName !== undefined, serviceAccount };
}

function planServiceAccount(args: IrsaRoleArgs): IrsaRolePlan["serviceAccount"] {
    if (args.createServiceAccount && args.annotateServiceAccount) {
        throw new IrsaInputError("annotateServiceAccount", true, "and `createServiceAccount` exclude each other", "use createServiceAccount when this stack owns the ServiceAccount, annotateServiceAccount when an app's chart does");
    }
    const mode = args.createServiceAccount ? "create" : args.annotateServiceAccount ? "annotate" : "none";
    if (mode === "none") {
        for (const field of SA_FIELDS) {
            if (args[field] !== undefined) {
                throw new IrsaInputError(field, args[field], "only applies to a ServiceAccount IrsaRole creates or annotates, and neither createServiceAccount nor annotateServiceAccount is set", `set createServiceAccount (or annotateServiceAccount): true, or annotate your own ServiceAccount and drop \`${field}\``);
            }
        }
        return mode;
    }
    if (args.subjectMatch === SubjectMatch.Wildcard) {
        const field = mode === "create" ? "createServiceAccount" : "annotateServiceAccount";
        throw new IrsaInputError(field, true, `cannot ${mode} a ServiceAccount for a wildcard subject`, "annotate the ServiceAccounts yourself, or use subjectMatch \"exact\"");
    }
    if (isPlain(args.tokenExpiration)) validateTokenExpiration(args.tokenExpiration, "tokenExpiration", MAX_TOKEN_EXPIRATION);
    if (isPlain(args.serviceAccountAnnotations)) validateExtraAnnotations(args.serviceAccountAnnotations as Record<string, unknown>);
    return mode;
}

export function validateExtraAnnotations(extra: Record<string, unknown>): Record<string, unknown> {
    for (const key of Object.keys(extra ?? {})) {
        if (SA_ANNOTATIONS.includes(key)) {
            throw new IrsaInputError("serviceAccountAnnotations", key, "is an annotation IrsaRole sets itself", "use the matching IrsaRole argument (the role ARN is this role's; audience, stsRegionalEndpoints, tokenExpiration)");
        }
    }
    return extra;
}
