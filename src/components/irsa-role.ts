import * as pulumi from "@pulumi/pulumi";
import { isKnown } from "../common/known";
import { IrsaRoleArgs } from "../plans/irsa-role-args";
import { planRole, RoleRequest } from "../plans/role-plan";
import { registerRole } from "./role-resources";

export type { IrsaRoleArgs, IrsaRoleCluster, RoleForOptions } from "../plans/irsa-role-args";
export { SubjectMatch } from "../plans/irsa-role-args";
export type { PolicyDocumentObject, RolePolicy, RolePolicySet } from "../plans/role-policy";
export { rolePolicyArgs } from "../plans/role-policy";

/** What roleFor adds to the args of the IrsaRole it makes (kept beside the args: the schema sees only IrsaRoleArgs). */
const roleForRequests = new WeakMap<IrsaRoleArgs, Omit<RoleRequest, "name" | "args">>();

/** The IrsaRole roleFor makes: its args plus roleFor's shorthand and what the cluster component knows. */
export function roleForIrsaRole(name: string, request: Omit<RoleRequest, "name">, opts: pulumi.ComponentResourceOptions): IrsaRole {
    const { args, ...extra } = request;
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
        const registered = registerRole(plan, this);
        this.roleArn = registered.role.arn;
        this.roleName = registered.role.name;
        // The Role's own Output when computed later (one apply, one error for both when a late check fails).
        this.trustPolicy = pulumi.Output.isInstance(registered.trustPolicy) ? (registered.trustPolicy as pulumi.Output<string>) : pulumi.output(registered.trustPolicy);
        this.namespace = pulumi.output(registered.namespace);
        this.serviceAccountName = pulumi.output(registered.serviceAccountName);
        // Known values are registered as such: the same result, without an await per Output (bench: 1000 roles).
        const knownOr = (value: pulumi.Input<string>, output: pulumi.Output<string>) => (!registered.fromServiceAccount && isKnown(value) ? value : output);
        this.registerOutputs({
            roleArn: this.roleArn,
            roleName: this.roleName,
            trustPolicy: isKnown(registered.trustPolicy) ? registered.trustPolicy : this.trustPolicy,
            namespace: knownOr(registered.namespace, this.namespace),
            serviceAccountName: knownOr(registered.serviceAccountName, this.serviceAccountName),
        });
    }
}
