import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { validateIssuerUrl } from "../oidc/discovery";
import { IrsaInputError } from "../oidc/errors";
import { buildTrustPolicy, DEFAULT_AUDIENCE, serviceAccountSubject, validateOidcProviderArn } from "../oidc/trust-policy";
import { validateDns1123Label, validateDns1123Subdomain } from "../kubernetes/names";
import { ANNOTATION_PREFIX, serviceAccountAnnotations } from "../kubernetes/service-account";
import { MAX_TOKEN_EXPIRATION, validateTokenExpiration } from "../kubernetes/webhook-values";
import { validatePolicyArn } from "./names";
import { AddonPresets } from "./addons";
import { expandRoleArgs, IrsaRoleCluster, isDeepPlain } from "./irsa-role-extensions";
import { buildClustersTrustPolicy, ClusterTrust } from "../oidc/cluster-trust";
import { attachmentKey, combineRolePolicies, inlinePolicySuffix, normalizeRolePolicy, normalizeRolePolicySet, NormalizedRolePolicy, RolePolicy } from "./role-policy";

export type { PolicyDocumentObject, RolePolicy, RolePolicySet } from "./role-policy";
export type { IrsaRoleCluster } from "./irsa-role-extensions";

export interface IrsaRoleArgs {
    /** ARN of the cluster's IAM OIDC provider (SelfHostedIrsa output `oidcProviderArn`, or a StackReference output). Give it with `issuerUrl`, or give `clusters`. @default none */
    oidcProviderArn?: pulumi.Input<string>;
    /** The cluster's issuer URL (SelfHostedIrsa output `issuerUrl`): https, no trailing slash. Must be the URL the provider ARN names. @default none */
    issuerUrl?: pulumi.Input<string>;
    /**
     * Several clusters trusting one role (blue/green, regions): one trust statement per cluster. Instead of
     * `oidcProviderArn` + `issuerUrl`. Each provider and issuer once, all in the role's account.
     * @default none (the one cluster of oidcProviderArn + issuerUrl)
     */
    clusters?: pulumi.Input<IrsaRoleCluster[]>;
    /** The account's IAM quota "Role trust policy length", when raised (2048 to 8192). @default 2048 */
    maxTrustPolicySize?: pulumi.Input<number>;
    /** Namespace of the service account: a DNS-1123 label (with subjectMatch "wildcard", a pattern with `*`/`?`). @default the chart's, when exactly one preset in `addons` has one; else required */
    namespace?: pulumi.Input<string>;
    /** Name of the service account: a DNS-1123 subdomain (with subjectMatch "wildcard", a pattern with `*`/`?`). @default the chart's, when exactly one preset in `addons` has one; else required */
    serviceAccount?: pulumi.Input<string>;
    /**
     * Least-privilege policies of common add-ons, scoped to the resources named, e.g.
     * `{ externalDns: { hostedZoneArns: [zoneArn] } }`: one inline policy per preset, named after it.
     * @default none
     */
    addons?: AddonPresets;
    /**
     * TypeScript shorthand for the permissions: a managed policy ARN, a list of ARNs, a policy document (object
     * or JSON text; becomes the inline policy "irsa"), or `{ managedPolicyArns, inlinePolicies }`. It is a
     * union type, which other languages cannot express: they use the `managedPolicyArns` and `inlinePolicies`
     * fields, which add to it. @default none (with no field either: a role without permissions)
     */
    policy?: RolePolicy;
    /** Managed policy ARNs to attach (20 at most, with `policy`), one RolePolicyAttachment each. @default [] */
    managedPolicyArns?: pulumi.Input<string>[];
    /** Inline policy documents (JSON text) keyed by policy name, one RolePolicy each. @default {} */
    inlinePolicies?: Record<string, pulumi.Input<string>>;
    /** The `aud` the trust policy pins with StringEquals (an IAM OIDC provider client ID). @default "sts.amazonaws.com" (roleFor: the component's first audience) */
    audience?: pulumi.Input<string>;
    /**
     * "exact" pins `<issuer host>:sub` with StringEquals. "wildcard" uses StringLike so `*`/`?` in `namespace`
     * or `serviceAccount` match several service accounts: only by this explicit choice (least privilege).
     * Plain, because it decides how the names are checked. @default "exact"
     */
    subjectMatch?: "exact" | "wildcard";
    /** IAM role name (1-64 of `A-Za-z0-9+=,.@_-`). @default auto-named by Pulumi from `<name>-role` */
    roleName?: pulumi.Input<string>;
    /** IAM role path, "/" or "/a/b/". @default "/" */
    rolePath?: pulumi.Input<string>;
    /** Longest session in seconds, 3600 to 43200. @default 3600 (IAM's default) */
    maxSessionDuration?: pulumi.Input<number>;
    /** ARN of a managed policy that bounds the role's permissions. @default none */
    permissionsBoundary?: pulumi.Input<string>;
    /** Role description. @default "IRSA role for system:serviceaccount:<namespace>:<serviceAccount>" */
    description?: pulumi.Input<string>;
    /** Tags for the role. @default none */
    tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /**
     * Also create the Kubernetes ServiceAccount annotated for the pod identity webhook
     * (`eks.amazonaws.com/role-arn`, `audience`, and when set `sts-regional-endpoints`, `token-expiration`).
     * Uses the kubernetes provider of `opts.providers`; the namespace must exist. Plain: it adds a resource.
     * @default false
     */
    createServiceAccount?: boolean;
    /** Extra annotations for the created ServiceAccount (not the `eks.amazonaws.com/*` ones this sets). Needs createServiceAccount. @default none */
    serviceAccountAnnotations?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** `eks.amazonaws.com/sts-regional-endpoints` on the created ServiceAccount. Needs createServiceAccount. @default not set (the webhook's setting) */
    stsRegionalEndpoints?: pulumi.Input<boolean>;
    /** `eks.amazonaws.com/token-expiration` in seconds (600 to 2^31) on the created ServiceAccount. Needs createServiceAccount. @default not set (the webhook's, 86400) */
    tokenExpiration?: pulumi.Input<number>;
}

/** Options of `SelfHostedIrsa.roleFor`: IrsaRole's args without what the component and the call supply. */
export type RoleForOptions = Omit<IrsaRoleArgs, "oidcProviderArn" | "issuerUrl" | "clusters" | "namespace" | "serviceAccount" | "policy"> & {
    /** More clusters to trust besides the component's own (blue/green): `[{ oidcProviderArn, issuerUrl }]`. @default none */
    additionalClusters?: pulumi.Input<IrsaRoleCluster[]>;
};

const WILDCARD_NAME = /^[a-z0-9*?]([-a-z0-9.*?]*[a-z0-9*?])?$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const ROLE_PATH = /^(\/|\/[\u0021-\u007e]+\/)$/;
const SA_ANNOTATIONS = ["role-arn", "audience", "sts-regional-endpoints", "token-expiration"].map((a) => `${ANNOTATION_PREFIX}/${a}`);

const isPlain = (value: unknown): boolean => value !== undefined && !pulumi.Output.isInstance(value) && typeof (value as PromiseLike<unknown>)?.then !== "function";

/** A plain value was checked by planIrsaRole; an Output is checked once known. */
function checkedWhenKnown<T>(value: pulumi.Input<T> | undefined, check: (v: T) => T): pulumi.Input<T> | undefined {
    return value === undefined || isPlain(value) ? value : pulumi.output(value).apply((v) => check(v as T));
}

/** Applies `fn` once the Output-valued entries are known; plain entries are not wrapped (cheaper for many roles). */
function whenKnown<R>(values: unknown[], fn: (known: unknown[]) => R): pulumi.Output<R> {
    const late = values.map((v, i) => (v === undefined || isPlain(v) ? -1 : i)).filter((i) => i >= 0);
    return pulumi.all(late.map((i) => values[i] as pulumi.Input<unknown>)).apply((resolved) => {
        const known = [...values];
        late.forEach((index, j) => (known[index] = resolved[j]));
        return fn(known);
    });
}

function roleDescription(namespace: pulumi.Input<string>, serviceAccount: pulumi.Input<string>): pulumi.Input<string> {
    const text = (ns: string, sa: string): string => `IRSA role for ${serviceAccountSubject(ns, sa)}`;
    return isPlain(namespace) && isPlain(serviceAccount) ? text(namespace as string, serviceAccount as string) : pulumi.all([namespace, serviceAccount]).apply(([ns, sa]) => text(ns, sa));
}

/** Checks one name of the subject (exact: Kubernetes rules; wildcard: a pattern). */
export function validateSubjectName(value: string, argument: "namespace" | "serviceAccount", subjectMatch: "exact" | "wildcard" | undefined): string {
    if (subjectMatch === "wildcard") {
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

/** The trust policy as JSON text; the single place it is computed, plain or inside an apply. */
export function trustPolicyJson(args: { oidcProviderArn: string; issuerUrl: string; namespace: string; serviceAccount: string; audience?: string; subjectMatch?: "exact" | "wildcard" }): string {
    validateOidcProviderArn(args.oidcProviderArn, "oidcProviderArn");
    validateIssuerUrl(args.issuerUrl, "issuerUrl");
    validateSubjectName(args.namespace, "namespace", args.subjectMatch);
    validateSubjectName(args.serviceAccount, "serviceAccount", args.subjectMatch);
    validateRoleAudience(args.audience ?? DEFAULT_AUDIENCE);
    return JSON.stringify(buildTrustPolicy(args));
}

/** The trust policy for `clusters` as JSON text; names and audience checked as for one cluster. */
export function clustersTrustPolicyJson(args: { clusters: ClusterTrust[]; namespace: string; serviceAccount: string; audience?: string; subjectMatch?: "exact" | "wildcard"; maxTrustPolicySize?: number }): string {
    validateSubjectName(args.namespace, "namespace", args.subjectMatch);
    validateSubjectName(args.serviceAccount, "serviceAccount", args.subjectMatch);
    validateRoleAudience(args.audience ?? DEFAULT_AUDIENCE);
    return JSON.stringify(buildClustersTrustPolicy(args));
}

/** The trust policy JSON from (expanded) args, once every input is known. */
function trustPolicyWhenKnown(args: ExpandedArgs): pulumi.Output<string> {
    if (args.clusters !== undefined) {
        return pulumi
            .all([pulumi.output(args.clusters), args.namespace, args.serviceAccount, args.audience, args.maxTrustPolicySize])
            .apply(([clusters, namespace, serviceAccount, audience, maxTrustPolicySize]) => clustersTrustPolicyJson({ clusters: clusters as ClusterTrust[], namespace, serviceAccount, audience, subjectMatch: args.subjectMatch, maxTrustPolicySize }));
    }
    return whenKnown([args.oidcProviderArn, args.issuerUrl, args.namespace, args.serviceAccount, args.audience], ([oidcProviderArn, issuerUrl, namespace, serviceAccount, audience]) =>
        trustPolicyJson({ oidcProviderArn, issuerUrl, namespace, serviceAccount, audience, subjectMatch: args.subjectMatch } as Parameters<typeof trustPolicyJson>[0]),
    );
}

type ExpandedArgs = ReturnType<typeof expandRoleArgs<IrsaRoleArgs>>;

/** What IrsaRole will create, decided from its args alone (pure; throws IrsaInputError on bad input). */
export interface IrsaRolePlan {
    /** Managed ARNs and named inline documents, in resource order. */
    policies: NormalizedRolePolicy;
    /** Resource-name suffix of each managed ARN's attachment (same order). */
    attachmentKeys: string[];
    /** The trust policy JSON when every input it needs is plain; otherwise computed once known. */
    trustPolicy: string | undefined;
}

/**
 * Checks every plain argument before anything is created and plans the children. Values that are Outputs
 * (e.g. from a StackReference) are checked by the same functions once known, inside applies: a bad one then
 * fails the deployment at that resource.
 */
export function planIrsaRole(args: ExpandedArgs): IrsaRolePlan {
    const match = args.subjectMatch;
    if (match !== undefined && match !== "exact" && match !== "wildcard") {
        throw new IrsaInputError("subjectMatch", match, "is not a subject match", "use \"exact\" (the default) or \"wildcard\"");
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
    if (args.createServiceAccount) {
        if (match === "wildcard") {
            throw new IrsaInputError("createServiceAccount", true, "cannot create a ServiceAccount for a wildcard subject", "create the ServiceAccounts yourself, or use subjectMatch \"exact\"");
        }
        if (isPlain(args.tokenExpiration)) validateTokenExpiration(args.tokenExpiration, "tokenExpiration", MAX_TOKEN_EXPIRATION);
        if (isPlain(args.serviceAccountAnnotations)) validateExtraAnnotations(args.serviceAccountAnnotations as Record<string, unknown>);
    } else {
        for (const field of ["serviceAccountAnnotations", "stsRegionalEndpoints", "tokenExpiration"] as const) {
            if (args[field] !== undefined) {
                throw new IrsaInputError(field, args[field], "only applies to the ServiceAccount IrsaRole creates, and createServiceAccount is not set", `set createServiceAccount: true, or annotate your own ServiceAccount and drop \`${field}\``);
            }
        }
    }
    const policies = combineRolePolicies(normalizeRolePolicy(args.policy, "policy"), normalizeRolePolicySet({ managedPolicyArns: args.managedPolicyArns, inlinePolicies: args.inlinePolicies }, ""));
    const attachmentKeys = policies.managedPolicyArns.map(attachmentKey);
    const duplicate = attachmentKeys.find((k, i) => attachmentKeys.indexOf(k) !== i);
    if (duplicate !== undefined) {
        throw new IrsaInputError("managedPolicyArns", duplicate, "keys two attachments alike (two policy ARNs that differ only in '/' and '-')", "attach one of them through a customer managed policy of another name");
    }
    return { policies, attachmentKeys, trustPolicy };
}

function validateExtraAnnotations(extra: Record<string, unknown>): Record<string, unknown> {
    for (const key of Object.keys(extra ?? {})) {
        if (SA_ANNOTATIONS.includes(key)) {
            throw new IrsaInputError("serviceAccountAnnotations", key, "is an annotation IrsaRole sets itself", "use the matching IrsaRole argument (the role ARN is this role's; audience, stsRegionalEndpoints, tokenExpiration)");
        }
    }
    return extra;
}

/**
 * An IAM role that one Kubernetes service account (or, by explicit choice, a name pattern) can assume through
 * the cluster's IAM OIDC provider. Made by `SelfHostedIrsa.roleFor`, or on its own in another stack from the
 * cluster stack's outputs. Children: `<name>-role`; `<name>-policy` for a single document (`<name>-policy-<policy
 * name>` for named ones), one aws.iam.RolePolicy each; `<name>-attach-<account>-<policy name>` (or
 * `-attach-<index>` for ARNs that are Outputs), one aws.iam.RolePolicyAttachment per managed ARN; and
 * `<name>-service-account` when asked. The Role's own inlinePolicies/managedPolicyArns arguments are deprecated
 * in @pulumi/aws v7 and are never used.
 */
export class IrsaRole extends pulumi.ComponentResource {
    /**
     * ARN of the role. It depends on the Role only; to wait for the policies too, depend on the IrsaRole itself
     * (`dependsOn: [irsaRole]` waits for all its children).
     */
    public readonly roleArn: pulumi.Output<string>;
    /** Name of the role. */
    public readonly roleName: pulumi.Output<string>;
    /** The trust policy (JSON text). */
    public readonly trustPolicy: pulumi.Output<string>;
    /** The service account's namespace (from the created ServiceAccount when createServiceAccount). */
    public readonly namespace: pulumi.Output<string>;
    /** The service account's name (from the created ServiceAccount when createServiceAccount). */
    public readonly serviceAccountName: pulumi.Output<string>;

    constructor(name: string, givenArgs: IrsaRoleArgs, opts?: pulumi.ComponentResourceOptions) {
        // Trust source, add-on policies and ServiceAccount defaults resolved first (irsa-role-extensions.ts).
        const args = expandRoleArgs(givenArgs);
        const plan = planIrsaRole(args);
        super("selfhosted-irsa:index:IrsaRole", name, {}, opts);

        this.trustPolicy = plan.trustPolicy !== undefined ? pulumi.output(plan.trustPolicy) : trustPolicyWhenKnown(args);
        const role = new aws.iam.Role(
            `${name}-role`,
            {
                assumeRolePolicy: this.trustPolicy,
                description: args.description ?? roleDescription(args.namespace, args.serviceAccount),
                name: checkedWhenKnown(args.roleName, validateRoleName),
                path: checkedWhenKnown(args.rolePath, validateRolePath),
                maxSessionDuration: checkedWhenKnown(args.maxSessionDuration, validateMaxSessionDuration),
                permissionsBoundary: checkedWhenKnown(args.permissionsBoundary, (arn) => validatePolicyArn(arn, "permissionsBoundary")),
                tags: args.tags,
            },
            { parent: this },
        );
        const attached: pulumi.Resource[] = [];
        for (const policy of plan.policies.inlinePolicies) {
            attached.push(new aws.iam.RolePolicy(`${name}-${inlinePolicySuffix(policy.name)}`, { role: role.name, name: policy.name, policy: policy.document }, { parent: this }));
        }
        // One RolePolicyAttachment per ARN, not one RolePolicyAttachmentsExclusive: destroying the exclusive
        // resource does not detach (its docs), so dropping the last ARN would keep the permission and deleting
        // the role would hit IAM's DeleteConflict. Keyed by ARN, so removing one never replaces another.
        plan.policies.managedPolicyArns.forEach((arn, i) => {
            attached.push(new aws.iam.RolePolicyAttachment(`${name}-attach-${plan.attachmentKeys[i]}`, { role: role.name, policyArn: arn }, { parent: this }));
        });
        this.roleArn = role.arn;
        this.roleName = role.name;

        if (args.createServiceAccount) {
            const annotations = pulumi
                .all([role.arn, args.audience, args.stsRegionalEndpoints, args.tokenExpiration, args.serviceAccountAnnotations])
                .apply(([roleArn, audience, stsRegionalEndpoints, tokenExpiration, extra]) => ({
                    ...validateExtraAnnotations(extra ?? {}),
                    // The audience is always written: the trust policy pins it, so the token must carry it.
                    ...serviceAccountAnnotations({ roleArn, audience: audience ?? DEFAULT_AUDIENCE, stsRegionalEndpoints, tokenExpiration }),
                }));
            const account = new k8s.core.v1.ServiceAccount(
                `${name}-service-account`,
                { metadata: { namespace: args.namespace, name: args.serviceAccount, annotations: annotations as pulumi.Output<Record<string, string>> } },
                // Pods that use it get a role that already has its permissions.
                { parent: this, dependsOn: attached },
            );
            this.namespace = account.metadata.namespace;
            this.serviceAccountName = account.metadata.name;
        } else {
            this.namespace = pulumi.output(args.namespace);
            this.serviceAccountName = pulumi.output(args.serviceAccount);
        }
        // Plain values are registered as such: the same result, without an await per Output (bench: 1000 roles).
        const plainOr = (value: pulumi.Input<string> | undefined, output: pulumi.Output<string>) => (!args.createServiceAccount && isPlain(value) ? value : output);
        this.registerOutputs({
            roleArn: this.roleArn,
            roleName: this.roleName,
            trustPolicy: plan.trustPolicy ?? this.trustPolicy,
            namespace: plainOr(args.namespace, this.namespace),
            serviceAccountName: plainOr(args.serviceAccount, this.serviceAccountName),
        });
    }
}
