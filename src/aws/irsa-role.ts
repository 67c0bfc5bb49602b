import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { IrsaInputError } from "../oidc/errors";
import { buildTrustPolicy, serviceAccountSubject } from "../oidc/trust-policy";
import { validateDns1123Label, validateDns1123Subdomain } from "../kubernetes/names";
import { createIrsaServiceAccount } from "../kubernetes/service-account";
import { validatePolicyArn } from "./names";
import { IrsaRolePolicyArgs, normalizeRolePolicy, RolePolicy } from "./role-policy";

export type { IrsaRolePolicyArgs, RolePolicy } from "./role-policy";

/** Options of `SelfHostedIrsa.roleFor` (and the matching IrsaRole args). */
export interface RoleForOptions {
    /** The `aud` pinned in the trust policy. @default "sts.amazonaws.com" (roleFor: the component's first audience) */
    audience?: pulumi.Input<string>;
    /**
     * "exact" pins `sub` with StringEquals. "wildcard" uses StringLike so `*`/`?` in namespace or name match
     * several service accounts: only by this explicit choice (least privilege). @default "exact"
     */
    subjectMatch?: "exact" | "wildcard";
    /** IAM role name. @default auto-named by Pulumi from the resource name */
    roleName?: pulumi.Input<string>;
    /** IAM role path. @default "/" */
    rolePath?: pulumi.Input<string>;
    /** Longest session in seconds, 3600 to 43200. @default 3600 */
    maxSessionDuration?: number;
    /** ARN of a managed policy that bounds the role's permissions. @default none */
    permissionsBoundary?: pulumi.Input<string>;
    /** Role description. @default "IRSA role for system:serviceaccount:<namespace>:<name>" */
    description?: pulumi.Input<string>;
    /** Tags for the role. @default {} */
    tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /**
     * Also create the Kubernetes ServiceAccount, annotated for the webhook (role-arn, audience and, when set,
     * sts-regional-endpoints and token-expiration). Uses the kubernetes provider from `opts.providers`.
     * @default false
     */
    createServiceAccount?: boolean;
    /** `eks.amazonaws.com/sts-regional-endpoints` on the created ServiceAccount. @default not set (the webhook's default) */
    stsRegionalEndpoints?: pulumi.Input<boolean>;
    /** `eks.amazonaws.com/token-expiration` (seconds) on the created ServiceAccount. @default not set (the webhook's, 86400) */
    tokenExpiration?: pulumi.Input<number>;
}

export interface IrsaRoleArgs extends RoleForOptions, IrsaRolePolicyArgs {
    /** ARN of the cluster's IAM OIDC provider (SelfHostedIrsa output `oidcProviderArn`). */
    oidcProviderArn: pulumi.Input<string>;
    /** The cluster's issuer URL (SelfHostedIrsa output `issuerUrl`), https and no trailing slash. */
    issuerUrl: pulumi.Input<string>;
    /** Namespace of the service account (a DNS-1123 label). Plain: it names the trust policy's subject. */
    namespace: string;
    /** Name of the service account (a DNS-1123 subdomain). Plain: it names the trust policy's subject. */
    serviceAccount: string;
    /**
     * TypeScript shorthand: a managed policy ARN, a list of ARNs, a policy document (object or JSON), or
     * `{ managedPolicyArns, inlinePolicies }`. Other languages use `managedPolicyArns` / `inlinePolicies`
     * (JSON text), which this adds to. @default none (a role with no permissions)
     */
    policy?: RolePolicy;
}

const WILDCARD_NAME = /^[a-z0-9*?]([-a-z0-9.*?]*[a-z0-9*?])?$/;

/** Checks the names (and options that shape resources) before anything is created. */
export function validateIrsaRoleArgs(args: IrsaRoleArgs): void {
    if (args.subjectMatch === "wildcard") {
        for (const [argument, value] of [["namespace", args.namespace], ["serviceAccount", args.serviceAccount]] as const) {
            if (typeof value !== "string" || !WILDCARD_NAME.test(value)) {
                throw new IrsaInputError(argument, value, "is not a Kubernetes name pattern (lowercase letters, digits, '-', '.', and the wildcards * and ?)", "write e.g. \"team-*\"");
            }
        }
    } else if (args.subjectMatch === undefined || args.subjectMatch === "exact") {
        validateDns1123Label(args.namespace, "namespace");
        validateDns1123Subdomain(args.serviceAccount, "serviceAccount");
    } else {
        throw new IrsaInputError("subjectMatch", args.subjectMatch, "is not a subject match", "use \"exact\" (default) or \"wildcard\"");
    }
    if (args.createServiceAccount && args.subjectMatch === "wildcard") {
        throw new IrsaInputError("createServiceAccount", true, "cannot create a ServiceAccount for a wildcard subject", "create the ServiceAccounts yourself, or use subjectMatch \"exact\"");
    }
    const d = args.maxSessionDuration;
    if (d !== undefined && (!Number.isInteger(d) || d < 3600 || d > 43200)) {
        throw new IrsaInputError("maxSessionDuration", d, "must be a whole number of seconds from 3600 to 43200 (IAM's limits)", "use e.g. 3600");
    }
    if (typeof args.permissionsBoundary === "string") {
        validatePolicyArn(args.permissionsBoundary, "permissionsBoundary");
    }
}

/**
 * An IAM role that exactly one Kubernetes service account can assume through the cluster's OIDC provider.
 * Made by `SelfHostedIrsa.roleFor`, or on its own in another stack from the cluster stack's outputs.
 * Resources: the Role, plus one RolePolicy per inline document and one RolePolicyAttachmentsExclusive for all
 * managed ARNs (the Role's own inlinePolicies/managedPolicyArns arguments are deprecated in @pulumi/aws v7).
 */
export class IrsaRole extends pulumi.ComponentResource {
    /** ARN of the role (the ServiceAccount's `eks.amazonaws.com/role-arn`). */
    public readonly roleArn: pulumi.Output<string>;
    /** Name of the role. */
    public readonly roleName: pulumi.Output<string>;
    /** The trust policy (JSON text). */
    public readonly trustPolicy: pulumi.Output<string>;
    /** The service account's namespace. */
    public readonly namespace: pulumi.Output<string>;
    /** The service account's name. */
    public readonly serviceAccountName: pulumi.Output<string>;

    constructor(name: string, args: IrsaRoleArgs, opts?: pulumi.ComponentResourceOptions) {
        validateIrsaRoleArgs(args);
        const fromShorthand = normalizeRolePolicy(args.policy);
        const fromFields = normalizeRolePolicy({ managedPolicyArns: args.managedPolicyArns, inlinePolicies: args.inlinePolicies }, "inlinePolicies");
        const managed = [...fromShorthand.managedPolicyArns, ...fromFields.managedPolicyArns];
        const inline = [...fromShorthand.inlinePolicies, ...fromFields.inlinePolicies];
        const names = new Set<string>();
        for (const p of inline) {
            if (names.has(p.name)) {
                throw new IrsaInputError("inlinePolicies", p.name, "is given twice (policy and inlinePolicies)", "give each inline policy its own name");
            }
            names.add(p.name);
        }
        super("selfhosted-irsa:index:IrsaRole", name, {}, opts);

        const subject = serviceAccountSubject(args.namespace, args.serviceAccount);
        this.trustPolicy = pulumi.all([args.oidcProviderArn, args.issuerUrl, args.audience]).apply(([oidcProviderArn, issuerUrl, audience]) =>
            JSON.stringify(buildTrustPolicy({ oidcProviderArn, issuerUrl, namespace: args.namespace, serviceAccount: args.serviceAccount, audience, subjectMatch: args.subjectMatch })),
        );
        const role = new aws.iam.Role(
            `${name}-role`,
            {
                assumeRolePolicy: this.trustPolicy,
                description: args.description ?? `IRSA role for ${subject}`,
                ...(args.roleName !== undefined ? { name: args.roleName } : {}),
                ...(args.rolePath !== undefined ? { path: args.rolePath } : {}),
                ...(args.maxSessionDuration !== undefined ? { maxSessionDuration: args.maxSessionDuration } : {}),
                ...(args.permissionsBoundary !== undefined ? { permissionsBoundary: pulumi.output(args.permissionsBoundary).apply((arn) => validatePolicyArn(arn, "permissionsBoundary")) } : {}),
                ...(args.tags !== undefined ? { tags: args.tags } : {}),
            },
            { parent: this },
        );
        for (const policy of inline) {
            new aws.iam.RolePolicy(
                inline.length === 1 ? `${name}-policy` : `${name}-policy-${policy.name}`,
                { role: role.name, name: policy.name, policy: policy.document },
                { parent: this },
            );
        }
        if (managed.length > 0) {
            // One resource for every ARN; "exclusive" also detaches anything attached outside this program.
            new aws.iam.RolePolicyAttachmentsExclusive(`${name}-managed-policies`, { roleName: role.name, policyArns: managed }, { parent: this });
        }
        if (args.createServiceAccount) {
            createIrsaServiceAccount(
                `${name}-service-account`,
                {
                    namespace: args.namespace,
                    name: args.serviceAccount,
                    roleArn: role.arn,
                    audience: args.audience,
                    stsRegionalEndpoints: args.stsRegionalEndpoints,
                    tokenExpiration: args.tokenExpiration,
                },
                { parent: this },
            );
        }

        this.roleArn = role.arn;
        this.roleName = role.name;
        this.namespace = pulumi.output(args.namespace);
        this.serviceAccountName = pulumi.output(args.serviceAccount);
        this.registerOutputs({ roleArn: this.roleArn, roleName: this.roleName, trustPolicy: this.trustPolicy, namespace: this.namespace, serviceAccountName: this.serviceAccountName });
    }
}
