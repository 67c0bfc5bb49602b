import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { RolePlan } from "../plans/role-plan";
import { resolve } from "./resolve";

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
export function registerRole(plan: RolePlan, parent: pulumi.Resource): RegisteredRole {
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
        { parent, ...(plan.role.deleteBeforeReplace ? { deleteBeforeReplace: true } : {}) },
    );
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
    const saOpts = { parent, dependsOn: attached };
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
