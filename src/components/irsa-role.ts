import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Deferred, Later, Planned } from "../common/known";
import { IrsaRoleArgs } from "../plans/irsa-role-args";
import { planRole, prefixArgument, RolePlan, RoleRequest } from "../plans/role-plan";

export type { IrsaRoleArgs, IrsaRoleCluster, RoleForOptions } from "../plans/irsa-role-args";
export { SubjectMatch } from "../plans/irsa-role-args";
export type { PolicyDocumentObject, RolePolicy, RolePolicySet } from "../plans/role-policy";
export { rolePolicyArgs } from "../plans/role-policy";

/** What roleFor adds to the args of the IrsaRole it makes (kept beside the args: the schema sees only IrsaRoleArgs). */
const roleForRequests = new WeakMap<IrsaRoleArgs, Omit<RoleRequest, "name" | "args">>();

/** The IrsaRole roleFor makes: its args plus roleFor's shorthand and what the cluster component knows. */
export function roleForIrsaRole(name: string, request: RoleRequest, opts: pulumi.ComponentResourceOptions): IrsaRole {
    const { args, name: _, ...extra } = request;
    roleForRequests.set(args, extra);
    return new IrsaRole(name, args, opts);
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
        // Everything is planned (and every known argument checked) before anything is registered, the component included.
        // The multi-language schema reads this parameter: it must be named `args`.
        const plan = planRole({ name, args, ...roleForRequests.get(args) });
        super("selfhosted-irsa:index:IrsaRole", name, {}, opts);
        // The caller's dependsOn (an app's chart, for annotateServiceAccount) orders the ServiceAccount after it too.
        const registered = registerRole(plan, this, { serviceAccountDependsOn: opts?.dependsOn });
        this.roleArn = registered.role.arn;
        this.roleName = registered.role.name;
        // The Role's own Output when computed later (one apply, one error for both when a late check fails).
        this.trustPolicy = pulumi.Output.isInstance(registered.trustPolicy) ? (registered.trustPolicy as pulumi.Output<string>) : pulumi.output(registered.trustPolicy);
        this.namespace = pulumi.output(registered.namespace);
        this.serviceAccountName = pulumi.output(registered.serviceAccountName);
        // Values the plan knew are registered as such: the same result, without an await per Output (bench: 1000 roles).
        const knownOr = (planned: Planned<string>, output: pulumi.Output<string>) => (!registered.fromServiceAccount && !(planned instanceof Later) ? planned : output);
        this.registerOutputs({
            roleArn: this.roleArn,
            roleName: this.roleName,
            trustPolicy: plan.role.trustPolicy instanceof Later ? this.trustPolicy : plan.role.trustPolicy,
            namespace: knownOr(plan.namespace, this.namespace),
            serviceAccountName: knownOr(plan.serviceAccount, this.serviceAccountName),
        });
    }
}

export interface RegisterOptions {
    /** More resources the ServiceAccount (created or patched) waits for, e.g. the app's chart that makes it. */
    serviceAccountDependsOn?: pulumi.ComponentResourceOptions["dependsOn"];
    /** Where the role's arguments sit in the caller's (`roles[2].`): messages of checks made later name it. */
    argumentPrefix?: string;
}

/** What registering a role gives back: its Role and the ServiceAccount's names (from the object when there is one). */
export interface RegisteredRole {
    role: aws.iam.Role;
    /** The trust policy as registered. */
    trustPolicy: pulumi.Input<string>;
    namespace: pulumi.Input<string>;
    serviceAccountName: pulumi.Input<string>;
    /** Whether `namespace`/`serviceAccountName` come from a created or patched ServiceAccount. */
    fromServiceAccount: boolean;
}

/**
 * Registers exactly what a role plan says, under `parent`: the Role, one RolePolicy per inline document, one
 * RolePolicyAttachment per managed ARN, and the ServiceAccount when the plan has one. The Role's own
 * inlinePolicies/managedPolicyArns arguments are deprecated in the Pulumi AWS provider v7 and are never used.
 */
export function registerRole(plan: RolePlan, parent: pulumi.Resource, options: RegisterOptions = {}): RegisteredRole {
    const resolve = <T>(value: Planned<T> | pulumi.Input<T>): pulumi.Input<T> => resolvePlanned(value, options.argumentPrefix);
    const trustPolicy = resolve(plan.role.trustPolicy);
    const role = new aws.iam.Role(
        plan.role.resourceName,
        {
            assumeRolePolicy: trustPolicy,
            description: resolve(plan.role.description),
            name: resolve(plan.role.name),
            path: resolve(plan.role.path),
            maxSessionDuration: resolve(plan.role.maxSessionDuration),
            permissionsBoundary: resolve(plan.role.permissionsBoundary),
            tags: plan.role.tags,
        },
        // A fixed name cannot exist twice: a replacement (e.g. a new path) must delete the old role first.
        { parent, ...(plan.role.deleteBeforeReplace ? { deleteBeforeReplace: true } : {}), ...(plan.role.keepName ? { ignoreChanges: ["name"] } : {}) },
    );
    const warnings = resolve(plan.warnings);
    const warn = (list: string[]) => list.forEach((warning) => void pulumi.log.warn(warning, parent));
    if (Array.isArray(warnings)) {
        warn(warnings);
    } else {
        pulumi.output(warnings).apply(warn);
    }
    const attached: pulumi.Resource[] = [];
    for (const policy of plan.inlinePolicies) {
        attached.push(new aws.iam.RolePolicy(policy.resourceName, { role: role.name, name: policy.name, policy: resolve(policy.document) }, { parent }));
    }
    // One RolePolicyAttachment per ARN, not one RolePolicyAttachmentsExclusive: destroying the exclusive
    // resource does not detach (its docs), so dropping the last ARN would keep the permission and deleting
    // the role would hit IAM's DeleteConflict. Keyed by ARN, so removing one never replaces another.
    for (const attachment of plan.attachments) {
        attached.push(new aws.iam.RolePolicyAttachment(attachment.resourceName, { role: role.name, policyArn: resolve(attachment.policyArn) }, { parent }));
    }
    const sa = plan.serviceAccountResource;
    if (sa === undefined) {
        return { role, trustPolicy, namespace: resolve(plan.namespace), serviceAccountName: resolve(plan.serviceAccount), fromServiceAccount: false };
    }
    const annotations = pulumi.all([role.arn, resolve(sa.settings)]).apply(([roleArn, settings]) => sa.annotations(roleArn, settings));
    const metadata = { namespace: resolve(plan.namespace), name: resolve(plan.serviceAccount), annotations };
    // Pods that use it get a role that already has its permissions.
    const saOpts = options.serviceAccountDependsOn === undefined ? { parent, dependsOn: attached } : pulumi.mergeOptions({ parent, dependsOn: attached }, { dependsOn: options.serviceAccountDependsOn });
    // "annotate": a server-side apply patch owns only these annotations; destroy removes them and leaves the
    // ServiceAccount to the chart that made it. "create": this stack owns the whole object.
    const account = sa.mode === "create" ? new k8s.core.v1.ServiceAccount(sa.resourceName, { metadata }, saOpts) : new k8s.core.v1.ServiceAccountPatch(sa.resourceName, { metadata }, saOpts);
    return {
        role,
        trustPolicy,
        namespace: account.metadata.apply((m) => m?.namespace ?? "") as pulumi.Output<string>,
        serviceAccountName: account.metadata.apply((m) => m?.name ?? "") as pulumi.Output<string>,
        fromServiceAccount: true,
    };
}

/**
 * A planned value as a resource input: the value when the plan knew it, else one Output that waits for the Inputs
 * it needs and computes it (known values are not wrapped: an await per Output costs, for thousands of roles).
 */
export function resolvePlanned<T>(value: Planned<T> | pulumi.Input<T>, argumentPrefix?: string): pulumi.Input<T> {
    if (!(value instanceof Later)) {
        return value;
    }
    const leaves = value.leaves();
    // A Deferred is an Input the component supplied after planning (its own outputs).
    const inputs = leaves.map((leaf) => (leaf instanceof Deferred ? leaf.input : leaf)) as pulumi.Input<unknown>[];
    return pulumi.all(inputs).apply((values) => {
        try {
            return value.evaluate(new Map(leaves.map((leaf, i) => [leaf, values[i]]))) as pulumi.UnwrappedObject<T> as T;
        } catch (error) {
            throw argumentPrefix === undefined ? error : prefixArgument(error, argumentPrefix);
        }
    }) as pulumi.Output<T>;
}
