import type * as pulumi from "@pulumi/pulumi";
import { IrsaInputError } from "../../oidc/errors";
import { AddonPreset, allow, documentOf, presetPartition, validateFlag } from "./arns";

// aws-load-balancer-controller: its published policy (docs/install/iam_policy.json, v3.5.0; restated with its
// source in test/fixtures/upstream-policies/aws-load-balancer-controller.json). What it creates, it tags
// `elbv2.k8s.aws/cluster=<cluster name>` at creation; what others made (the nodes' security groups,
// TargetGroupBinding target groups, listeners of releases before listener tagging) it changes untagged. So by
// default the preset, as upstream, may change the ingress rules of any security group, the listeners and
// rules of any load balancer and the targets of any target group; `scope: "clusterTagged"` limits those to
// resources tagged for the cluster.

/** Which security groups, listeners, rules and target groups the controller may change when it did not create them. */
export const LoadBalancerControllerScope = {
    /** As the controller's published policy: ingress rules of any security group, listeners and rules of any load balancer, targets of any target group. */
    Any: "any",
    /** Only those tagged for the cluster: `elbv2.k8s.aws/cluster=<clusterName>`, and node security groups tagged `kubernetes.io/cluster/<clusterName>`. */
    ClusterTagged: "clusterTagged",
} as const;
export type LoadBalancerControllerScope = (typeof LoadBalancerControllerScope)[keyof typeof LoadBalancerControllerScope];

/** aws-load-balancer-controller (v3.5 policy), its own resources scoped to the tag it writes with its cluster name. */
export interface LoadBalancerControllerAddon {
    /** The controller's `--cluster-name` (Helm value `clusterName`): it tags what it creates `elbv2.k8s.aws/cluster=<name>`. */
    clusterName: pulumi.Input<string>;
    /**
     * What it may change that it did not create. "any": ingress rules of any security group, listeners and rules
     * of any load balancer, targets of any target group (the published policy; the nodes' security groups and
     * TargetGroupBinding target groups need no tags). "clusterTagged": only resources tagged
     * `elbv2.k8s.aws/cluster=<clusterName>` (listener and rule tagging is on by default since v2.9; recreate or tag
     * older ones and your TargetGroupBinding target groups) and node security groups tagged
     * `kubernetes.io/cluster/<clusterName>` (any value). Default: "any"
     */
    scope?: pulumi.Input<LoadBalancerControllerScope>;
    /** Also allow WAF (v2 and regional) web ACLs and Shield Advanced protections. Default: false */
    wafAndShield?: pulumi.Input<boolean>;
    /** Also allow reading Cognito user pool clients (ALB authentication). Default: false */
    cognitoAuth?: pulumi.Input<boolean>;
}

type Plain<T> = pulumi.Unwrap<T>;

const CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:/=+@-]{0,255}$/;
const SCOPES = Object.values(LoadBalancerControllerScope) as string[];
/** AWS tag keys are at most 128 characters; `kubernetes.io/cluster/` takes 22. */
const MAX_NODE_TAG_CLUSTER_NAME = 128 - "kubernetes.io/cluster/".length;

const elbActions = (names: string[]) => names.map((a) => `elasticloadbalancing:${a}`);

export const loadBalancerController: AddonPreset<Plain<LoadBalancerControllerAddon>> = {
    // aws-load-balancer-controller chart (eks-charts): ServiceAccount aws-load-balancer-controller, kube-system by convention.
    defaults: { namespace: "kube-system", serviceAccount: "aws-load-balancer-controller" },
    policy(settings, argument, partition) {
        const cluster = settings.clusterName;
        if (typeof cluster !== "string" || !CLUSTER_NAME.test(cluster)) {
            throw new IrsaInputError(`${argument}.clusterName`, cluster, "is not a cluster name (a tag value: 1 to 256 letters, digits or _ . : / = + @ -)", "pass the controller's --cluster-name (Helm value clusterName)");
        }
        const scope = settings.scope ?? LoadBalancerControllerScope.Any;
        if (!SCOPES.includes(scope)) {
            throw new IrsaInputError(`${argument}.scope`, scope, "is not a load balancer controller scope", `use ${SCOPES.map((s) => `"${s}"`).join(" or ")} (the default is "any")`);
        }
        const tagged = scope === LoadBalancerControllerScope.ClusterTagged;
        if (tagged && cluster.length > MAX_NODE_TAG_CLUSTER_NAME) {
            throw new IrsaInputError(`${argument}.clusterName`, cluster, `is longer than ${MAX_NODE_TAG_CLUSTER_NAME} characters, so the node security group tag kubernetes.io/cluster/<clusterName> would exceed AWS's 128-character tag keys`, 'use a shorter --cluster-name, or scope "any"');
        }
        const p = presetPartition(partition, undefined);
        const tag = "elbv2.k8s.aws/cluster";
        // Upstream only asks that the tag be present (any cluster's); pinned here to this controller's cluster.
        const ownedByCluster = { [`aws:ResourceTag/${tag}`]: cluster };
        const securityGroups = `arn:${p}:ec2:*:*:security-group/*`;
        const elb = (r: string) => `arn:${p}:elasticloadbalancing:*:*:${r}`;
        const balancers = [elb("targetgroup/*/*"), elb("loadbalancer/net/*/*"), elb("loadbalancer/app/*/*")];
        const listenersAndRules = ["listener/net/*/*/*", "listener/app/*/*/*", "listener-rule/net/*/*/*", "listener-rule/app/*/*/*"].map(elb);
        const listenerActions = elbActions(["CreateListener", "DeleteListener", "ModifyListener", "AddListenerCertificates", "RemoveListenerCertificates", "CreateRule", "DeleteRule", "ModifyRule", "SetRulePriorities"]);
        const targetActions = elbActions(["RegisterTargets", "DeregisterTargets"]);
        // Statements sharing a condition are merged to stay within IAM's policy size limits. IAM matches a request's
        // resource ARN, whose type the action fixes, so an action beside a resource of another type grants nothing.
        const statements = [
            // Describe/List actions without a resource type in IAM ("*" only); all read-only.
            allow(
                "DescribeApiHasNoResourceType",
                [
                    ...["DescribeAccountAttributes", "DescribeAddresses", "DescribeAvailabilityZones", "DescribeInternetGateways", "DescribeVpcs", "DescribeVpcPeeringConnections", "DescribeSubnets", "DescribeSecurityGroups", "DescribeInstances", "DescribeNetworkInterfaces", "DescribeTags", "DescribeCoipPools", "DescribeIpamPools", "DescribeRouteTables"].map((a) => `ec2:${a}`),
                    ...elbActions(["DescribeLoadBalancers", "DescribeLoadBalancerAttributes", "DescribeListeners", "DescribeListenerCertificates", "DescribeSSLPolicies", "DescribeRules", "DescribeTargetGroups", "DescribeTargetGroupAttributes", "DescribeTargetHealth", "DescribeTags", "DescribeTrustStores", "DescribeListenerAttributes", "DescribeCapacityReservation"]),
                    "acm:ListCertificates",
                    "iam:ListServerCertificates",
                ],
                "*",
            ),
            // Upstream lists these with the Describe actions on "*"; IAM types them (certificates, VPCs, customer-owned IP pools). Read-only.
            allow("ReadCertificatesVpcsCoipPools", ["acm:DescribeCertificate", "iam:GetServerCertificate", "ec2:GetSecurityGroupsForVpc", "ec2:GetCoipPoolUsage"], [`arn:${p}:acm:*:*:certificate/*`, `arn:${p}:iam::*:server-certificate/*`, `arn:${p}:ec2:*:*:vpc/*`, `arn:${p}:ec2:*:*:coip-pool/*`]),
            allow("ElbServiceLinkedRole", ["iam:CreateServiceLinkedRole"], `arn:${p}:iam::*:role/aws-service-role/elasticloadbalancing.amazonaws.com/*`, { StringEquals: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" } }),
            allow("CreateSecurityGroups", ["ec2:CreateSecurityGroup"], [securityGroups, `arn:${p}:ec2:*:*:vpc/*`]),
            allow("TagSecurityGroupsOnCreate", ["ec2:CreateTags"], securityGroups, { StringEquals: { "ec2:CreateAction": "CreateSecurityGroup", [`aws:RequestTag/${tag}`]: cluster } }),
            allow("CreateBalancersTaggedForCluster", elbActions(["CreateLoadBalancer", "CreateTargetGroup"]), [elb("loadbalancer/*"), elb("targetgroup/*")], { StringEquals: { [`aws:RequestTag/${tag}`]: cluster } }),
            allow("TagBalancersOnCreate", ["elasticloadbalancing:AddTags"], tagged ? [...balancers, ...listenersAndRules] : balancers, {
                StringEquals: { "elasticloadbalancing:CreateAction": ["CreateTargetGroup", "CreateLoadBalancer", ...(tagged ? ["CreateListener", "CreateRule"] : [])], [`aws:RequestTag/${tag}`]: cluster },
            }),
            // Retagging keeps the cluster tag (the request may not set it): only what this cluster tagged.
            allow("RetagOwnResources", ["ec2:CreateTags", "ec2:DeleteTags", ...elbActions(["AddTags", "RemoveTags"])], [securityGroups, ...balancers, ...(tagged ? listenersAndRules : [])], { Null: { [`aws:RequestTag/${tag}`]: "true" }, StringEquals: ownedByCluster }),
            allow(
                "ManageOwnResources",
                [
                    "ec2:AuthorizeSecurityGroupIngress",
                    "ec2:RevokeSecurityGroupIngress",
                    "ec2:DeleteSecurityGroup",
                    ...elbActions(["ModifyLoadBalancerAttributes", "SetIpAddressType", "SetSecurityGroups", "SetSubnets", "DeleteLoadBalancer", "ModifyTargetGroup", "ModifyTargetGroupAttributes", "DeleteTargetGroup", "ModifyListenerAttributes", "ModifyCapacityReservation", "ModifyIpPools"]),
                    ...(tagged ? [...listenerActions, ...targetActions] : []),
                ],
                [securityGroups, elb("loadbalancer/*"), elb("targetgroup/*"), elb("listener/*"), ...(tagged ? [elb("listener-rule/*")] : [])],
                { StringEquals: ownedByCluster },
            ),
        ];
        if (tagged) {
            // Node security groups tagged for the cluster (the tag the controller itself uses to pick a node's group).
            statements.push(allow("OpenNodeSecurityGroupsTaggedForCluster", ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"], securityGroups, { Null: { [`aws:ResourceTag/kubernetes.io/cluster/${cluster}`]: "false" } }));
        } else {
            statements.push(
                // The nodes' security groups are not the controller's: it opens them to its load balancers, as upstream.
                allow("OpenAnySecurityGroup", ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"], securityGroups),
                // Listeners and rules of releases before listener tagging (v2.9) carry no tag, TargetGroupBinding
                // target groups are the user's (untagged): by type, as upstream.
                allow("ManageAnyListenersRulesTargets", [...listenerActions, ...targetActions], [elb("loadbalancer/*"), elb("listener/*"), elb("listener-rule/*"), elb("targetgroup/*/*")]),
                allow("TagAnyListenersAndRules", elbActions(["AddTags", "RemoveTags"]), listenersAndRules),
            );
        }
        if (validateFlag(settings.wafAndShield, `${argument}.wafAndShield`)) {
            statements.push(
                allow(
                    "WebAclsAndShieldForLoadBalancers",
                    [...["GetWebACL", "GetWebACLForResource", "AssociateWebACL", "DisassociateWebACL"].flatMap((a) => [`wafv2:${a}`, `waf-regional:${a}`]), "shield:DescribeProtection", "shield:DeleteProtection"],
                    [`arn:${p}:wafv2:*:*:regional/webacl/*/*`, `arn:${p}:waf-regional:*:*:webacl/*`, elb("loadbalancer/app/*"), `arn:${p}:shield::*:protection/*`],
                ),
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
