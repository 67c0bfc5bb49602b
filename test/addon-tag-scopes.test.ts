// The presets' scope options, judged by the IAM policy simulator: with a tag scope, the add-on may change the
// resources tagged for it and not the same resources untagged (or tagged for another cluster); with scope
// "any" it may change them untagged, which is what the README's "May touch" column says ("any ...").
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { addonPolicies, addonPolicy, AddonName, EbsCsiDriverVolumeScope, LoadBalancerControllerScope, MAX_INLINE_ROLE_POLICY_SIZE, PlainAddonPresets } from "../src/aws/addons";
import { policySize } from "../src/oidc/cluster-trust";
import { assertInputError } from "./helpers/input-error";
import { SIM_ACCOUNT, simulateIdentityAnyElb } from "./helpers/iam-simulator";

const A = SIM_ACCOUNT;
const R = "eu-west-1";
const VOLUME = `arn:aws:ec2:${R}:${A}:volume/vol-0123456789abcdef0`;
const SNAPSHOT = `arn:aws:ec2:${R}::snapshot/snap-0123456789abcdef0`;
const INSTANCE = `arn:aws:ec2:${R}:${A}:instance/i-0123456789abcdef0`;
const SG = `arn:aws:ec2:${R}:${A}:security-group/sg-0123456789abcdef0`;
const LB = `arn:aws:elasticloadbalancing:${R}:${A}:loadbalancer/app/k8s-web/50dc6c495c0c9188`;
const LISTENER = `arn:aws:elasticloadbalancing:${R}:${A}:listener/app/k8s-web/50dc6c495c0c9188/f2f7dc8efc522ab2`;
const RULE = `arn:aws:elasticloadbalancing:${R}:${A}:listener-rule/app/k8s-web/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee`;
const TG = `arn:aws:elasticloadbalancing:${R}:${A}:targetgroup/user-made/73e2d6bc24d8a067`;
const ASG = (name: string) => `arn:aws:autoscaling:${R}:${A}:autoScalingGroup:0b7b0ae6-0d32-4a3e-9d4e-0123456789ab:autoScalingGroupName/${name}`;

type Ctx = Record<string, string | string[]>;
/** [action, resource, the tags that put it in scope]: allowed with them, denied without (or with `wrong`). */
type Probe = [action: string, resource: string, inScope: Ctx, wrong?: Ctx];

const run = (name: AddonName, settings: object, action: string, resource: string, context: Ctx) => simulateIdentityAnyElb(addonPolicy(name, settings as never), action, resource, context);

function scoped(name: AddonName, settings: object, probes: Probe[]) {
    for (const [action, resource, inScope, wrong] of probes) {
        it(`${action} on ${resource.split(":").slice(5).join(":")}: allowed tagged ${JSON.stringify(inScope)}, denied ${wrong ? `with ${JSON.stringify(wrong)}` : "untagged"}`, async () => {
            assert.equal(await run(name, settings, action, resource, inScope), "Allowed");
            assert.equal(await run(name, settings, action, resource, wrong ?? {}), "ImplicitlyDenied");
        });
    }
}

function unscoped(name: AddonName, settings: object, probes: Array<[action: string, resource: string]>) {
    for (const [action, resource] of probes) {
        it(`${action} on ${resource.split(":").slice(5).join(":")}: allowed untagged ("any")`, async () => {
            assert.equal(await run(name, settings, action, resource, {}), "Allowed");
        });
    }
}

const DRIVER = { "ec2:ResourceTag/ebs.csi.aws.com/cluster": "true" };
const PROD = { "ec2:ResourceTag/ebs.csi.aws.com/cluster-name": "prod" };
const LBC_PROD = { "aws:ResourceTag/elbv2.k8s.aws/cluster": "prod" };

describe("ebsCsiDriver volumeScope", () => {
    it(`defaults to "${EbsCsiDriverVolumeScope.DriverTagged}" (AmazonEBSCSIDriverPolicyV2)`, () => {
        assert.deepEqual(addonPolicy("ebsCsiDriver", {}), addonPolicy("ebsCsiDriver", { volumeScope: "driverTagged" }));
    });
    describe('"driverTagged": volumes and snapshots tagged ebs.csi.aws.com/cluster=true', () => {
        scoped("ebsCsiDriver", {}, [
            ["ec2:ModifyVolume", VOLUME, DRIVER],
            ["ec2:AttachVolume", VOLUME, DRIVER],
            ["ec2:DetachVolume", VOLUME, DRIVER],
            ["ec2:CreateSnapshot", VOLUME, DRIVER],
            ["ec2:DeleteVolume", VOLUME, DRIVER, { "ec2:ResourceTag/CSIVolumeName": "pvc-1" }],
            ["ec2:CreateVolume", SNAPSHOT, DRIVER],
            ["ec2:DeleteSnapshot", SNAPSHOT, DRIVER, { "ec2:ResourceTag/CSIVolumeSnapshotName": "snap-1" }],
            ["ec2:CopyVolumes", VOLUME, DRIVER],
            // Its own tags stay put: retagging may not touch the scope tags.
            ["ec2:DeleteTags", VOLUME, { ...DRIVER, "aws:TagKeys": ["team"] }, { ...DRIVER, "aws:TagKeys": ["ebs.csi.aws.com/cluster"] }],
            // In-tree volumes migrated to the driver (PVC tag) are in scope too, as in V2.
            ["ec2:ModifyVolume", VOLUME, { "ec2:ResourceTag/kubernetes.io/created-for/pvc/name": "data" }, { "ec2:ResourceTag/ebs.csi.aws.com/cluster": "false" }],
        ]);
        unscoped("ebsCsiDriver", {}, [["ec2:AttachVolume", INSTANCE]]);
    });
    describe('"clusterTagged": tagged ebs.csi.aws.com/cluster-name=<clusterName>, instances too', () => {
        const settings = { volumeScope: "clusterTagged", clusterName: "prod" };
        scoped("ebsCsiDriver", settings, [
            ["ec2:ModifyVolume", VOLUME, PROD, { ...DRIVER, "ec2:ResourceTag/ebs.csi.aws.com/cluster-name": "staging" }],
            ["ec2:AttachVolume", VOLUME, PROD, DRIVER],
            ["ec2:AttachVolume", INSTANCE, PROD, { "ec2:ResourceTag/ebs.csi.aws.com/cluster-name": "staging" }],
            ["ec2:AttachVolume", INSTANCE, { "ec2:ResourceTag/eks:cluster-name": "prod" }],
            ["ec2:DeleteVolume", VOLUME, PROD, { "ec2:ResourceTag/kubernetes.io/created-for/pvc/name": "data" }],
            ["ec2:DeleteSnapshot", SNAPSHOT, PROD, DRIVER],
            ["ec2:CreateVolume", VOLUME, { "aws:RequestTag/ebs.csi.aws.com/cluster-name": "prod" }, { "aws:RequestTag/ebs.csi.aws.com/cluster": "true" }],
        ]);
    });
    describe('"any": AmazonEBSCSIDriverPolicy, untagged volumes too', () => {
        const settings = { volumeScope: "any" };
        unscoped("ebsCsiDriver", settings, [
            ["ec2:CreateSnapshot", VOLUME],
            ["ec2:ModifyVolume", VOLUME],
            ["ec2:AttachVolume", VOLUME],
            ["ec2:DetachVolume", VOLUME],
            ["ec2:DeleteTags", VOLUME],
            ["ec2:CreateVolume", SNAPSHOT],
        ]);
        // Create and delete still go by the driver's tags.
        scoped("ebsCsiDriver", settings, [["ec2:DeleteVolume", VOLUME, { "ec2:ResourceTag/CSIVolumeName": "pvc-1" }]]);
    });
});

describe("loadBalancerController scope", () => {
    const tagged = { clusterName: "prod", scope: LoadBalancerControllerScope.ClusterTagged };
    describe('"clusterTagged": listeners, rules, target groups tagged elbv2.k8s.aws/cluster=<clusterName>, node groups kubernetes.io/cluster/<clusterName>', () => {
        scoped("loadBalancerController", tagged, [
            ["ec2:AuthorizeSecurityGroupIngress", SG, { "aws:ResourceTag/kubernetes.io/cluster/prod": "owned" }, { "aws:ResourceTag/kubernetes.io/cluster/staging": "owned" }],
            ["ec2:RevokeSecurityGroupIngress", SG, { "aws:ResourceTag/kubernetes.io/cluster/prod": "shared" }],
            ["ec2:AuthorizeSecurityGroupIngress", SG, LBC_PROD, { "aws:ResourceTag/elbv2.k8s.aws/cluster": "staging" }],
            ["elasticloadbalancing:CreateListener", LB, LBC_PROD],
            ["elasticloadbalancing:ModifyListener", LISTENER, LBC_PROD, { "aws:ResourceTag/elbv2.k8s.aws/cluster": "staging" }],
            ["elasticloadbalancing:DeleteListener", LISTENER, LBC_PROD],
            ["elasticloadbalancing:CreateRule", LISTENER, LBC_PROD],
            ["elasticloadbalancing:ModifyRule", RULE, LBC_PROD],
            ["elasticloadbalancing:SetRulePriorities", RULE, LBC_PROD],
            ["elasticloadbalancing:RegisterTargets", TG, LBC_PROD],
            ["elasticloadbalancing:RemoveTags", LISTENER, LBC_PROD],
            ["elasticloadbalancing:AddTags", LISTENER, { "elasticloadbalancing:CreateAction": "CreateListener", "aws:RequestTag/elbv2.k8s.aws/cluster": "prod" }, { "elasticloadbalancing:CreateAction": "CreateListener", "aws:RequestTag/elbv2.k8s.aws/cluster": "staging" }],
        ]);
    });
    describe('"any" (the default): as the published policy', () => {
        const settings = { clusterName: "prod" };
        unscoped("loadBalancerController", settings, [
            ["ec2:AuthorizeSecurityGroupIngress", SG],
            ["ec2:RevokeSecurityGroupIngress", SG],
            ["elasticloadbalancing:CreateListener", LB],
            ["elasticloadbalancing:ModifyListener", LISTENER],
            ["elasticloadbalancing:DeleteRule", RULE],
            ["elasticloadbalancing:RegisterTargets", TG],
            ["elasticloadbalancing:AddTags", RULE],
        ]);
        // What it creates it still only deletes when its own cluster tagged it.
        scoped("loadBalancerController", settings, [["ec2:DeleteSecurityGroup", SG, LBC_PROD, { "aws:ResourceTag/elbv2.k8s.aws/cluster": "staging" }]]);
    });
});

describe("a tag scope: the add-on cannot tag a resource into its own scope", () => {
    const cases: Array<[AddonName, object, string, string, Ctx]> = [
        ["loadBalancerController", { clusterName: "prod", scope: "clusterTagged" }, "elasticloadbalancing:AddTags", LISTENER, { "aws:RequestTag/elbv2.k8s.aws/cluster": "prod", "aws:TagKeys": ["elbv2.k8s.aws/cluster"] }],
        ["loadBalancerController", { clusterName: "prod", scope: "clusterTagged" }, "elasticloadbalancing:AddTags", TG, { "aws:RequestTag/elbv2.k8s.aws/cluster": "prod" }],
        ["loadBalancerController", { clusterName: "prod", scope: "clusterTagged" }, "ec2:CreateTags", SG, { "aws:RequestTag/elbv2.k8s.aws/cluster": "prod" }],
        ["loadBalancerController", { clusterName: "prod", scope: "clusterTagged" }, "ec2:CreateTags", SG, { "aws:RequestTag/kubernetes.io/cluster/prod": "owned" }],
        ["ebsCsiDriver", {}, "ec2:CreateTags", VOLUME, { "aws:RequestTag/ebs.csi.aws.com/cluster": "true", "aws:TagKeys": ["ebs.csi.aws.com/cluster"] }],
        ["ebsCsiDriver", {}, "ec2:CreateTags", VOLUME, { ...DRIVER, "aws:RequestTag/ebs.csi.aws.com/cluster-name": "prod", "aws:TagKeys": ["ebs.csi.aws.com/cluster-name"] }],
        ["ebsCsiDriver", { volumeScope: "clusterTagged", clusterName: "prod" }, "ec2:CreateTags", VOLUME, { "aws:RequestTag/ebs.csi.aws.com/cluster-name": "prod", "aws:TagKeys": ["ebs.csi.aws.com/cluster-name"] }],
        ["ebsCsiDriver", { volumeScope: "clusterTagged", clusterName: "prod" }, "ec2:CreateTags", INSTANCE, { "aws:RequestTag/ebs.csi.aws.com/cluster-name": "prod" }],
    ];
    for (const [name, settings, action, resource, context] of cases) {
        it(`${name} ${JSON.stringify(settings)}: ${action} on an untagged ${resource.split(":")[5].split("/")[0]} with ${JSON.stringify(context)} is denied`, async () => {
            assert.equal(await run(name, settings, action, resource, context), "ImplicitlyDenied");
        });
    }
});

describe("clusterAutoscaler clusterName: the groups tagged for auto-discovery", () => {
    const both = { "aws:ResourceTag/k8s.io/cluster-autoscaler/enabled": "true", "aws:ResourceTag/k8s.io/cluster-autoscaler/prod": "owned" };
    scoped("clusterAutoscaler", { clusterName: "prod" }, [
        ["autoscaling:SetDesiredCapacity", ASG("any-name"), both, { "aws:ResourceTag/k8s.io/cluster-autoscaler/enabled": "true", "aws:ResourceTag/k8s.io/cluster-autoscaler/staging": "owned" }],
        ["autoscaling:TerminateInstanceInAutoScalingGroup", ASG("any-name"), both, { "aws:ResourceTag/k8s.io/cluster-autoscaler/prod": "owned" }],
    ]);
    it("named groups and tagged groups together", async () => {
        const settings = { autoScalingGroupArns: [`arn:aws:autoscaling:${R}:${A}:autoScalingGroup:*:autoScalingGroupName/prod-workers`], clusterName: "prod" };
        assert.equal(await run("clusterAutoscaler", settings, "autoscaling:SetDesiredCapacity", ASG("prod-workers"), {}), "Allowed");
        assert.equal(await run("clusterAutoscaler", settings, "autoscaling:SetDesiredCapacity", ASG("other"), both), "Allowed");
        assert.equal(await run("clusterAutoscaler", settings, "autoscaling:SetDesiredCapacity", ASG("other"), {}), "ImplicitlyDenied");
    });
});

describe("scope options: bad input", () => {
    const bad: Array<[string, () => unknown, string]> = [
        ["an unknown load balancer controller scope", () => addonPolicy("loadBalancerController", { clusterName: "prod", scope: "tagged" as never }), '`addons.loadBalancerController.scope` "tagged" is not a load balancer controller scope. Fix: use "any" or "clusterTagged" (the default is "any")'],
        ["a cluster name too long for the node security group tag", () => addonPolicy("loadBalancerController", { clusterName: "x".repeat(107), scope: "clusterTagged" }), `\`addons.loadBalancerController.clusterName\` "${"x".repeat(107)}" is longer than 106 characters, so the node security group tag kubernetes.io/cluster/<clusterName> would exceed AWS's 128-character tag keys. Fix: use a shorter --cluster-name, or scope "any"`],
        ["an unknown EBS volume scope", () => addonPolicy("ebsCsiDriver", { volumeScope: "V2" as never }), '`addons.ebsCsiDriver.volumeScope` "V2" is not an EBS CSI driver volume scope. Fix: use "any", "driverTagged", "clusterTagged" (the default is "driverTagged")'],
        ["clusterTagged without clusterName", () => addonPolicy("ebsCsiDriver", { volumeScope: "clusterTagged" }), '`addons.ebsCsiDriver.clusterName` (not set) is required with volumeScope "clusterTagged"'],
        ["clusterName without clusterTagged", () => addonPolicy("ebsCsiDriver", { clusterName: "prod" }), '`addons.ebsCsiDriver.clusterName` "prod" is only used with volumeScope "clusterTagged" (this is "driverTagged"). Fix: set volumeScope: "clusterTagged", or drop clusterName'],
        ["an autoscaler with nothing to scale", () => addonPolicy("clusterAutoscaler", {}), "`addons.clusterAutoscaler.autoScalingGroupArns` (not set) is not set and neither is clusterName: the preset would resize no group"],
        ["an autoscaler cluster name that cannot be a tag key", () => addonPolicy("clusterAutoscaler", { clusterName: "a b" }), '`addons.clusterAutoscaler.clusterName` "a b" is not a cluster name for a tag key'],
        ["a find switch that is not a boolean", () => addonPolicy("externalSecrets", { secretArns: [`arn:aws:secretsmanager:${R}:${A}:secret:x`], find: "yes" as never }), '`addons.externalSecrets.find` "yes" is not a boolean'],
    ];
    for (const [name, fn, message] of bad) {
        it(`rejects ${name}`, () => {
            assertInputError(fn, message);
        });
    }
});

describe("the largest settings of each preset fit IAM's inline policy limit for a role", () => {
    const LONG = "c".repeat(100);
    const worst: Array<[AddonName, object]> = [
        ["loadBalancerController", { clusterName: "x".repeat(256), wafAndShield: true, cognitoAuth: true }],
        ["loadBalancerController", { clusterName: "x".repeat(106), scope: "clusterTagged", wafAndShield: true, cognitoAuth: true }],
        ["ebsCsiDriver", { volumeScope: "clusterTagged", clusterName: "x".repeat(256), kmsKeyArns: [`arn:aws:kms:${R}:${A}:key/1234abcd-12ab-34cd-56ef-1234567890ab`] }],
        ["clusterAutoscaler", { autoScalingGroupArns: [`arn:aws:autoscaling:${R}:${A}:autoScalingGroup:*:autoScalingGroupName/${LONG}`], clusterName: LONG }],
    ];
    for (const [name, settings] of worst) {
        const size = policySize(addonPolicy(name, settings as never));
        it(`${name} ${JSON.stringify(settings).replace(/(\w)\1{9,}/g, "$1…")}: ${size} characters`, () => {
            assert.ok(size <= MAX_INLINE_ROLE_POLICY_SIZE);
            assert.equal(addonPolicies({ [name]: settings } as PlainAddonPresets).length, 1);
        });
    }
});
