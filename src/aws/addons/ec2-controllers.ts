import type * as pulumi from "@pulumi/pulumi";
import { IrsaInputError } from "../../oidc/errors";
import { PolicyStatement } from "../../oidc/trust-policy";
import { AddonPreset, allow, ARN_KINDS, documentOf, presetPartition, validateArnList, validateFlag } from "./arns";

// Presets for controllers of clusters running on EC2: aws-ebs-csi-driver, aws-load-balancer-controller,
// cluster-autoscaler. Their resources are created at run time (volumes, load balancers), so they are scoped by
// resource type and by the tags the controller writes, not by ARN. Sources and versions: docs/facts.md.

/** aws-ebs-csi-driver's controller. */
export interface EbsCsiDriverAddon {
    /** Customer managed KMS keys for encrypted volumes (StorageClass `kmsKeyId`). Default: none (AWS managed key only) */
    kmsKeyArns?: pulumi.Input<string>[];
}

/** aws-load-balancer-controller, scoped to the resources it tags with its cluster name. */
export interface LoadBalancerControllerAddon {
    /** The controller's `--cluster-name` (Helm value `clusterName`): it tags what it creates `elbv2.k8s.aws/cluster=<name>`. */
    clusterName: pulumi.Input<string>;
    /** Also allow WAF (v2 and regional) web ACLs and Shield Advanced protections. Default: false */
    wafAndShield?: pulumi.Input<boolean>;
    /** Also allow reading Cognito user pool clients (ALB authentication). Default: false */
    cognitoAuth?: pulumi.Input<boolean>;
}

/** cluster-autoscaler with the aws cloud provider: the Auto Scaling groups it may resize. */
export interface ClusterAutoscalerAddon {
    /** The node groups' Auto Scaling groups (the group id part may be `*`), at least one. */
    autoScalingGroupArns: pulumi.Input<string>[];
}

type Plain<T> = pulumi.Unwrap<T>;

/** Several Allow statements with the same actions and resources, one per alternative condition (conditions OR). */
const eachOf = (sid: string, actions: string[], resources: string[], conditions: PolicyStatement["Condition"][]): PolicyStatement[] =>
    conditions.map((condition, i) => allow(`${sid}${i + 1}`, actions, resources, condition));

export const ebsCsiDriver: AddonPreset<Plain<EbsCsiDriverAddon>> = {
    // aws-ebs-csi-driver chart: controller ServiceAccount ebs-csi-controller-sa in kube-system.
    defaults: { namespace: "kube-system", serviceAccount: "ebs-csi-controller-sa" },
    policy(settings, argument, partition) {
        const keys = settings.kmsKeyArns === undefined ? [] : validateArnList(settings.kmsKeyArns, `${argument}.kmsKeyArns`, ARN_KINDS.kmsKey, partition);
        const p = presetPartition(partition, keys[0]);
        const volumes = `arn:${p}:ec2:*:*:volume/*`;
        const snapshots = `arn:${p}:ec2:*:*:snapshot/*`;
        const instances = `arn:${p}:ec2:*:*:instance/*`;
        // The driver marks what it creates with these tags; create and delete are limited to them.
        const requestTag = (key: string, value: string) => ({ StringLike: { [`aws:RequestTag/${key}`]: value } });
        const resourceTag = (key: string, value: string) => ({ StringLike: { [`ec2:ResourceTag/${key}`]: value } });
        const statements = [
            // These Describe actions have no resource type in IAM: "*" is the only resource they take; read-only.
            allow("DescribeApiHasNoResourceType", ["ec2:DescribeAvailabilityZones", "ec2:DescribeInstances", "ec2:DescribeSnapshots", "ec2:DescribeTags", "ec2:DescribeVolumes", "ec2:DescribeVolumesModifications", "ec2:DescribeVolumeStatus"], "*"),
            // PersistentVolumes may be pre-provisioned (untagged), so snapshot/resize/attach go by type, as upstream.
            allow("SnapshotAndResizeVolumes", ["ec2:CreateSnapshot", "ec2:ModifyVolume"], volumes),
            allow("AttachVolumesToInstances", ["ec2:AttachVolume", "ec2:DetachVolume"], [volumes, instances]),
            allow("RestoreFromSnapshots", ["ec2:CreateVolume"], snapshots),
            allow("TagOnlyWhatItCreates", ["ec2:CreateTags"], [volumes, snapshots], { StringEquals: { "ec2:CreateAction": ["CreateVolume", "CreateSnapshot"] } }),
            allow("UntagVolumesAndSnapshots", ["ec2:DeleteTags"], [volumes, snapshots]),
            ...eachOf("CreateVolumesTaggedByDriver", ["ec2:CreateVolume"], [volumes], [requestTag("ebs.csi.aws.com/cluster", "true"), requestTag("CSIVolumeName", "*")]),
            ...eachOf("DeleteVolumesTaggedByDriver", ["ec2:DeleteVolume"], [volumes], [resourceTag("ebs.csi.aws.com/cluster", "true"), resourceTag("CSIVolumeName", "*"), resourceTag("kubernetes.io/created-for/pvc/name", "*")]),
            ...eachOf("CreateSnapshotsTaggedByDriver", ["ec2:CreateSnapshot"], [snapshots], [requestTag("CSIVolumeSnapshotName", "*"), requestTag("ebs.csi.aws.com/cluster", "true")]),
            ...eachOf("DeleteSnapshotsTaggedByDriver", ["ec2:DeleteSnapshot"], [snapshots], [resourceTag("CSIVolumeSnapshotName", "*"), resourceTag("ebs.csi.aws.com/cluster", "true")]),
        ];
        if (keys.length > 0) {
            statements.push(
                allow("UseNamedKeysForVolumes", ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo"], keys),
                // Grants only to AWS services (EBS attaches the encrypted volume through a grant).
                allow("GrantNamedKeysToEbs", ["kms:CreateGrant"], keys, { Bool: { "kms:GrantIsForAWSResource": "true" } }),
            );
        }
        return documentOf(statements);
    },
};

const CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:/=+@-]{0,255}$/;

export const loadBalancerController: AddonPreset<Plain<LoadBalancerControllerAddon>> = {
    // aws-load-balancer-controller chart (eks-charts): ServiceAccount aws-load-balancer-controller, kube-system by convention.
    defaults: { namespace: "kube-system", serviceAccount: "aws-load-balancer-controller" },
    policy(settings, argument, partition) {
        const cluster = settings.clusterName;
        if (typeof cluster !== "string" || !CLUSTER_NAME.test(cluster)) {
            throw new IrsaInputError(`${argument}.clusterName`, cluster, "is not a cluster name (a tag value: 1 to 256 letters, digits or _ . : / = + @ -)", "pass the controller's --cluster-name (Helm value clusterName)");
        }
        const p = presetPartition(partition, undefined);
        const tag = "elbv2.k8s.aws/cluster";
        const ownedByCluster = { [`aws:ResourceTag/${tag}`]: cluster };
        const securityGroups = `arn:${p}:ec2:*:*:security-group/*`;
        const elb = (r: string) => `arn:${p}:elasticloadbalancing:*:*:${r}`;
        const balancers = [elb("loadbalancer/*"), elb("targetgroup/*")];
        const statements = [
            // Describe/List actions without a resource type in IAM ("*" only); all read-only.
            allow(
                "DescribeApiHasNoResourceType",
                [
                    ...["DescribeAccountAttributes", "DescribeAddresses", "DescribeAvailabilityZones", "DescribeInternetGateways", "DescribeVpcs", "DescribeSubnets", "DescribeSecurityGroups", "DescribeInstances", "DescribeNetworkInterfaces", "DescribeTags"].map((a) => `ec2:${a}`),
                    ...["DescribeLoadBalancers", "DescribeLoadBalancerAttributes", "DescribeListeners", "DescribeListenerCertificates", "DescribeSSLPolicies", "DescribeRules", "DescribeTargetGroups", "DescribeTargetGroupAttributes", "DescribeTargetHealth", "DescribeTags"].map((a) => `elasticloadbalancing:${a}`),
                    "acm:ListCertificates",
                    "iam:ListServerCertificates",
                ],
                "*",
            ),
            allow("ElbServiceLinkedRole", ["iam:CreateServiceLinkedRole"], `arn:${p}:iam::*:role/aws-service-role/elasticloadbalancing.amazonaws.com/*`, { StringEquals: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" } }),
            allow("ReadCertificates", ["acm:DescribeCertificate"], `arn:${p}:acm:*:*:certificate/*`),
            allow("ReadServerCertificates", ["iam:GetServerCertificate"], `arn:${p}:iam::*:server-certificate/*`),
            // The nodes' security groups are not the controller's: it opens them to its load balancers, as upstream.
            allow("OpenNodeSecurityGroups", ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"], securityGroups),
            allow("CreateSecurityGroups", ["ec2:CreateSecurityGroup"], [securityGroups, `arn:${p}:ec2:*:*:vpc/*`]),
            allow("TagSecurityGroupsOnCreate", ["ec2:CreateTags"], securityGroups, { StringEquals: { "ec2:CreateAction": "CreateSecurityGroup", [`aws:RequestTag/${tag}`]: cluster } }),
            allow("RetagOwnSecurityGroups", ["ec2:CreateTags", "ec2:DeleteTags"], securityGroups, { Null: { [`aws:RequestTag/${tag}`]: "true" }, StringEquals: ownedByCluster }),
            allow("ManageOwnSecurityGroups", ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", "ec2:DeleteSecurityGroup"], securityGroups, { StringEquals: ownedByCluster }),
            allow("CreateBalancersTaggedForCluster", ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"], balancers, { StringEquals: { [`aws:RequestTag/${tag}`]: cluster } }),
            allow("TagBalancersOnCreate", ["elasticloadbalancing:AddTags"], balancers, { StringEquals: { "elasticloadbalancing:CreateAction": ["CreateTargetGroup", "CreateLoadBalancer"], [`aws:RequestTag/${tag}`]: cluster } }),
            allow("RetagOwnBalancers", ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"], balancers, { Null: { [`aws:RequestTag/${tag}`]: "true" }, StringEquals: ownedByCluster }),
            allow(
                "ManageOwnBalancers",
                ["ModifyLoadBalancerAttributes", "SetIpAddressType", "SetSecurityGroups", "SetSubnets", "DeleteLoadBalancer", "ModifyTargetGroup", "ModifyTargetGroupAttributes", "RegisterTargets", "DeregisterTargets", "DeleteTargetGroup"].map((a) => `elasticloadbalancing:${a}`),
                balancers,
                { StringEquals: ownedByCluster },
            ),
            // Listeners and rules do not carry the cluster tag in all controller versions: scoped by type, as upstream.
            allow(
                "ManageListenersAndRules",
                ["CreateListener", "DeleteListener", "ModifyListener", "AddListenerCertificates", "RemoveListenerCertificates", "CreateRule", "DeleteRule", "ModifyRule"].map((a) => `elasticloadbalancing:${a}`),
                [elb("loadbalancer/*"), elb("listener/*"), elb("listener-rule/*")],
            ),
        ];
        if (validateFlag(settings.wafAndShield, `${argument}.wafAndShield`)) {
            statements.push(
                allow("WebAclsForLoadBalancers", ["wafv2:GetWebACL", "wafv2:GetWebACLForResource", "wafv2:AssociateWebACL", "wafv2:DisassociateWebACL"], [`arn:${p}:wafv2:*:*:regional/webacl/*/*`, elb("loadbalancer/app/*")]),
                allow("RegionalWebAclsForLoadBalancers", ["waf-regional:GetWebACL", "waf-regional:GetWebACLForResource", "waf-regional:AssociateWebACL", "waf-regional:DisassociateWebACL"], [`arn:${p}:waf-regional:*:*:webacl/*`, elb("loadbalancer/app/*")]),
                allow("ShieldProtections", ["shield:DescribeProtection", "shield:DeleteProtection"], `arn:${p}:shield::*:protection/*`),
                // No resource type in IAM for these: "*" only (subscription state, create, classic WAF association).
                allow("ShieldAndWafApiHasNoResourceType", ["shield:GetSubscriptionState", "shield:CreateProtection", "elasticloadbalancing:SetWebAcl"], "*"),
            );
        }
        if (validateFlag(settings.cognitoAuth, `${argument}.cognitoAuth`)) {
            statements.push(allow("ReadUserPoolClients", ["cognito-idp:DescribeUserPoolClient"], `arn:${p}:cognito-idp:*:*:userpool/*`));
        }
        return documentOf(statements);
    },
};

export const clusterAutoscaler: AddonPreset<Plain<ClusterAutoscalerAddon>> = {
    // The autoscaler's AWS examples run ServiceAccount cluster-autoscaler in kube-system.
    defaults: { namespace: "kube-system", serviceAccount: "cluster-autoscaler" },
    policy(settings, argument, partition) {
        const groups = validateArnList(settings.autoScalingGroupArns, `${argument}.autoScalingGroupArns`, ARN_KINDS.autoScalingGroup, partition);
        return documentOf([
            // Discovery and instance-type lookups have no resource type in IAM: "*" only; read-only.
            allow(
                "DescribeApiHasNoResourceType",
                [
                    ...["DescribeAutoScalingGroups", "DescribeAutoScalingInstances", "DescribeLaunchConfigurations", "DescribeScalingActivities", "DescribeTags"].map((a) => `autoscaling:${a}`),
                    ...["DescribeImages", "DescribeInstanceTypes", "DescribeLaunchTemplateVersions", "GetInstanceTypesFromInstanceRequirements"].map((a) => `ec2:${a}`),
                ],
                "*",
            ),
            allow("ScaleNamedGroups", ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"], groups),
        ]);
    },
};
