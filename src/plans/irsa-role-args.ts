import type * as pulumi from "@pulumi/pulumi";
import { AddonPresets } from "../aws/addons";

// IrsaRole's arguments (pure). src/plans/role-plan.ts holds the rule for each and applies it, once.

/**
 * How the trust policy matches the service account: "exact" pins `<issuer host>:sub` with StringEquals;
 * "wildcard" uses StringLike so `*`/`?` in the namespace or name match several service accounts.
 */
export const SubjectMatch = { Exact: "exact", Wildcard: "wildcard" } as const;
export type SubjectMatch = (typeof SubjectMatch)[keyof typeof SubjectMatch];

/** One cluster a role trusts, as IrsaRole takes it (values may come from a StackReference). */
export interface IrsaRoleCluster {
    /** ARN of the cluster's IAM OIDC provider (its SelfHostedIrsa output `oidcProviderArn`). */
    oidcProviderArn: pulumi.Input<string>;
    /** The cluster's issuer URL (its SelfHostedIrsa output `issuerUrl`). */
    issuerUrl: pulumi.Input<string>;
}

/**
 * What a role may do and how it is made: the settings IrsaRole, `SelfHostedIrsa.roleFor` and SelfHostedIrsa's
 * `roles` share, with one meaning and one check each.
 */
export interface RoleSettings {
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
     * The `aud` the trust policy pins with StringEquals: one of the IAM OIDC provider's client IDs, the
     * audience of the pods' tokens (the cluster stack's SelfHostedIrsa output `tokenAudience`).
     * Default: "sts.amazonaws.com" (roleFor and `roles`: the component's `tokenAudience`)
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
    /** The account's IAM quota "Role trust policy length", when raised (2048 to 8192). Default: 2048 */
    maxTrustPolicySize?: pulumi.Input<number>;
}

export interface IrsaRoleArgs extends RoleSettings {
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
    /** Namespace of the service account: a DNS-1123 label (with subjectMatch "wildcard", a pattern with `*`/`?`). Default: the chart's, when exactly one preset in `addons` has one; else required */
    namespace?: pulumi.Input<string>;
    /** Name of the service account: a DNS-1123 subdomain (with subjectMatch "wildcard", a pattern with `*`/`?`). Default: the chart's, when exactly one preset in `addons` has one; else required */
    serviceAccount?: pulumi.Input<string>;
    /**
     * Namespaces where the cluster's pod identity webhook injects nothing (SelfHostedIrsa output
     * `webhookExemptNamespaces`: with failurePolicy "Fail", kube-system and the webhook's own). A role whose
     * ServiceAccount is in one of them is refused: its pods would get no AWS credentials.
     * Default: [] (not checked)
     */
    webhookExemptNamespaces?: pulumi.Input<pulumi.Input<string>[]>;
}

/** What `SelfHostedIrsa.roleFor` takes besides the names and the policy: the role's settings, and more clusters. */
export interface RoleForOptions extends RoleSettings {
    /** More clusters to trust besides the component's own (blue/green): `[{ oidcProviderArn, issuerUrl }]`. Default: none */
    additionalClusters?: pulumi.Input<IrsaRoleCluster[]>;
}

/**
 * A role for one of the cluster's service accounts, as SelfHostedIrsa's `roles` takes it: what `roleFor` makes,
 * in every language (the same names, trust and checks), without a component of its own.
 */
export interface ServiceAccountRole extends RoleForOptions {
    /** Namespace of the service account: a DNS-1123 label (with subjectMatch "wildcard", a pattern with `*`/`?`). Plain: it names the role. */
    namespace: string;
    /** Name of the service account: a DNS-1123 subdomain (with subjectMatch "wildcard", a pattern with `*`/`?`). Plain: it names the role. */
    serviceAccount: string;
}
