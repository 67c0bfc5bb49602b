import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_AUDIENCE, serviceAccountSubject } from "../oidc/trust-policy";
import { serviceAccountAnnotations } from "../webhook/service-account-annotations";
import { validatePolicyArn } from "../aws/names";
import { inlinePolicySuffix } from "../plans/role-policy";
import { ClusterTrust } from "../oidc/cluster-trust";
import { expandRoleArgs } from "../plans/irsa-role-extensions";
import {
    clustersTrustPolicyJson,
    ExpandedIrsaRoleArgs,
    IrsaRoleArgs,
    isPlain,
    planIrsaRole,
    trustPolicyJson,
    validateExtraAnnotations,
    validateMaxSessionDuration,
    validateRoleName,
    validateRolePath,
} from "../plans/irsa-role-args";

export type { IrsaRoleArgs, RoleForOptions } from "../plans/irsa-role-args";
export type { IrsaRoleCluster } from "../plans/irsa-role-extensions";
export { SubjectMatch } from "../plans/irsa-role-args";
export type { PolicyDocumentObject, RolePolicy, RolePolicySet } from "../plans/role-policy";
export { rolePolicyArgs } from "../plans/role-policy";

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

/** The trust policy JSON from expanded args, once every input is known (one cluster, or `clusters`). */
function trustPolicyWhenKnown(args: ExpandedIrsaRoleArgs): pulumi.Output<string> {
    if (args.clusters !== undefined) {
        return pulumi
            .all([pulumi.output(args.clusters), args.namespace, args.serviceAccount, args.audience, args.maxTrustPolicySize])
            .apply(([clusters, namespace, serviceAccount, audience, maxTrustPolicySize]) => clustersTrustPolicyJson({ clusters: clusters as ClusterTrust[], namespace, serviceAccount, audience, subjectMatch: args.subjectMatch, maxTrustPolicySize }));
    }
    return whenKnown([args.oidcProviderArn, args.issuerUrl, args.namespace, args.serviceAccount, args.audience], ([oidcProviderArn, issuerUrl, namespace, serviceAccount, audience]) =>
        trustPolicyJson({ oidcProviderArn, issuerUrl, namespace, serviceAccount, audience, subjectMatch: args.subjectMatch } as Parameters<typeof trustPolicyJson>[0]),
    );
}

function roleDescription(namespace: pulumi.Input<string>, serviceAccount: pulumi.Input<string>): pulumi.Input<string> {
    const text = (ns: string, sa: string): string => `IRSA role for ${serviceAccountSubject(ns, sa)}`;
    return isPlain(namespace) && isPlain(serviceAccount) ? text(namespace as string, serviceAccount as string) : pulumi.all([namespace, serviceAccount]).apply(([ns, sa]) => text(ns, sa));
}

/**
 * An IAM role that one Kubernetes service account (or, by explicit choice, a name pattern) can assume through
 * the cluster's IAM OIDC provider. Made by `SelfHostedIrsa.roleFor`, or on its own in another stack from the
 * cluster stack's outputs. Children: `<name>-role`; `<name>-policy` for a single document (`<name>-policy-<policy
 * name>` for named ones), one aws.iam.RolePolicy each; `<name>-attach-<account>-<policy name>` (or
 * `-attach-<index>` for ARNs that are Outputs), one aws.iam.RolePolicyAttachment per managed ARN; and
 * `<name>-service-account` (createServiceAccount) or `<name>-service-account-annotations` (annotateServiceAccount)
 * when asked. Other Pulumi languages use this component directly (`roleFor` is TypeScript only). The Role's own inlinePolicies/managedPolicyArns arguments are deprecated
 * in the Pulumi AWS provider v7 and are never used.
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
    /** The service account's namespace (from the created or patched ServiceAccount when there is one). */
    public readonly namespace: pulumi.Output<string>;
    /** The service account's name (from the created or patched ServiceAccount when there is one). */
    public readonly serviceAccountName: pulumi.Output<string>;

    constructor(name: string, args: IrsaRoleArgs, opts?: pulumi.ComponentResourceOptions) {
        // Trust source (one cluster or `clusters`), add-on presets as inline policies, ServiceAccount defaults.
        // The multi-language schema reads this parameter: it must be named `args`.
        const expanded = expandRoleArgs(args);
        const plan = planIrsaRole(name, expanded);
        super("selfhosted-irsa:index:IrsaRole", name, {}, opts);

        this.trustPolicy = plan.trustPolicy !== undefined ? pulumi.output(plan.trustPolicy) : trustPolicyWhenKnown(expanded);
        const role = new aws.iam.Role(
            `${name}-role`,
            {
                assumeRolePolicy: this.trustPolicy,
                description: expanded.description ?? roleDescription(expanded.namespace, expanded.serviceAccount),
                name: expanded.roleName !== undefined ? checkedWhenKnown(expanded.roleName, validateRoleName) : plan.derivedRoleName,
                path: checkedWhenKnown(expanded.rolePath, validateRolePath),
                maxSessionDuration: checkedWhenKnown(expanded.maxSessionDuration, validateMaxSessionDuration),
                permissionsBoundary: checkedWhenKnown(expanded.permissionsBoundary, (arn) => validatePolicyArn(arn, "permissionsBoundary")),
                tags: expanded.tags,
            },
            // A fixed name cannot exist twice: a replacement (e.g. a new path) must delete the old role first.
            { parent: this, ...(plan.fixedName ? { deleteBeforeReplace: true } : {}) },
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

        if (plan.serviceAccount !== "none") {
            const annotations = pulumi
                .all([role.arn, expanded.audience, expanded.stsRegionalEndpoints, expanded.tokenExpiration, expanded.serviceAccountAnnotations])
                .apply(([roleArn, audience, stsRegionalEndpoints, tokenExpiration, extra]) => ({
                    ...validateExtraAnnotations(extra ?? {}),
                    // The audience is always written: the trust policy pins it, so the token must carry it.
                    ...serviceAccountAnnotations({ roleArn, audience: audience ?? DEFAULT_AUDIENCE, stsRegionalEndpoints, tokenExpiration }),
                }));
            const metadata = { namespace: expanded.namespace, name: expanded.serviceAccount, annotations: annotations as pulumi.Output<Record<string, string>> };
            // Pods that use it get a role that already has its permissions.
            const saOpts = { parent: this, dependsOn: attached };
            // "annotate": a server-side apply patch owns only these annotations; destroy removes them and
            // leaves the ServiceAccount to the chart that made it. "create": this stack owns the whole object.
            const account =
                plan.serviceAccount === "create"
                    ? new k8s.core.v1.ServiceAccount(`${name}-service-account`, { metadata }, saOpts)
                    : new k8s.core.v1.ServiceAccountPatch(`${name}-service-account-annotations`, { metadata }, saOpts);
            this.namespace = account.metadata.apply((m) => m?.namespace ?? "") as pulumi.Output<string>;
            this.serviceAccountName = account.metadata.apply((m) => m?.name ?? "") as pulumi.Output<string>;
        } else {
            this.namespace = pulumi.output(expanded.namespace);
            this.serviceAccountName = pulumi.output(expanded.serviceAccount);
        }
        // Plain values are registered as such: the same result, without an await per Output (bench: 1000 roles).
        const plainOr = (value: pulumi.Input<string> | undefined, output: pulumi.Output<string>) => (plan.serviceAccount === "none" && isPlain(value) ? value : output);
        this.registerOutputs({
            roleArn: this.roleArn,
            roleName: this.roleName,
            trustPolicy: plan.trustPolicy ?? this.trustPolicy,
            namespace: plainOr(expanded.namespace, this.namespace),
            serviceAccountName: plainOr(expanded.serviceAccount, this.serviceAccountName),
        });
    }
}
