import type * as pulumi from "@pulumi/pulumi";
import { IrsaInputError } from "../../oidc/errors";
import { PolicyStatement } from "../../oidc/trust-policy";
import { AddonPreset, allow, ARN_KINDS, documentOf, presetPartition, validateArnList } from "./arns";

// cluster-autoscaler with the aws cloud provider (1.36; its README's recommended policy, restated with the
// source in test/fixtures/upstream-policies/cluster-autoscaler.json). Upstream resizes any group ("*") and
// says to narrow it; here the groups are named, or found by the tags auto-discovery uses.

/** cluster-autoscaler with the aws cloud provider: the Auto Scaling groups it may resize. */
export interface ClusterAutoscalerAddon {
    /** The node groups' Auto Scaling groups (the group id part may be `*`). Default: none (give this, clusterName, or both) */
    autoScalingGroupArns?: pulumi.Input<string>[];
    /**
     * Also the groups tagged for auto-discovery (`--node-group-auto-discovery=asg:tag=k8s.io/cluster-autoscaler/enabled,k8s.io/cluster-autoscaler/<clusterName>`):
     * groups carrying both tags, any value. Whoever may tag a group may bring it under the autoscaler.
     * Default: none (give this, autoScalingGroupArns, or both)
     */
    clusterName?: pulumi.Input<string>;
}

type Plain<T> = pulumi.Unwrap<T>;

const TAG_KEY_PART = /^[A-Za-z0-9][A-Za-z0-9_.:/=+@-]{0,99}$/;

export const clusterAutoscaler: AddonPreset<Plain<ClusterAutoscalerAddon>> = {
    // The autoscaler's AWS examples run ServiceAccount cluster-autoscaler in kube-system.
    defaults: { namespace: "kube-system", serviceAccount: "cluster-autoscaler" },
    policy(settings, argument, partition) {
        if (settings.autoScalingGroupArns === undefined && settings.clusterName === undefined) {
            throw new IrsaInputError(`${argument}.autoScalingGroupArns`, undefined, "is not set and neither is clusterName: the preset would resize no group", "list the node groups' Auto Scaling group ARNs, or give clusterName to resize the groups tagged for auto-discovery");
        }
        const groups = settings.autoScalingGroupArns === undefined ? [] : validateArnList(settings.autoScalingGroupArns, `${argument}.autoScalingGroupArns`, ARN_KINDS.autoScalingGroup, partition);
        const cluster = settings.clusterName;
        if (cluster !== undefined && (typeof cluster !== "string" || !TAG_KEY_PART.test(cluster))) {
            throw new IrsaInputError(`${argument}.clusterName`, cluster, "is not a cluster name for a tag key (1 to 100 letters, digits or _ . : / = + @ -)", "pass the <cluster-name> of k8s.io/cluster-autoscaler/<cluster-name> in --node-group-auto-discovery");
        }
        const resize = ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"];
        const statements: PolicyStatement[] = [
            // Discovery and instance-type lookups have no resource type in IAM: "*" only; read-only.
            allow(
                "DescribeApiHasNoResourceType",
                [
                    ...["DescribeAutoScalingGroups", "DescribeAutoScalingInstances", "DescribeLaunchConfigurations", "DescribeScalingActivities"].map((a) => `autoscaling:${a}`),
                    ...["DescribeImages", "DescribeInstanceTypes", "DescribeLaunchTemplateVersions", "GetInstanceTypesFromInstanceRequirements"].map((a) => `ec2:${a}`),
                ],
                "*",
            ),
        ];
        if (groups.length > 0) {
            statements.push(allow("ScaleNamedGroups", resize, groups));
        }
        if (cluster !== undefined) {
            const p = presetPartition(partition, groups[0]);
            statements.push(
                allow("ScaleGroupsTaggedForAutoDiscovery", resize, `arn:${p}:autoscaling:*:*:autoScalingGroup:*:autoScalingGroupName/*`, {
                    Null: { "aws:ResourceTag/k8s.io/cluster-autoscaler/enabled": "false", [`aws:ResourceTag/k8s.io/cluster-autoscaler/${cluster}`]: "false" },
                }),
            );
        }
        return documentOf(statements);
    },
};
