import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { isWildcardOnlyAction } from "@cloud-copilot/iam-simulate";
import { ADDON_NAMES, addonDefaults, addonPolicies, addonPolicy, AddonName, MAX_INLINE_ROLE_POLICY_SIZE, MAX_MANAGED_POLICY_SIZE, PlainAddonPresets } from "../src/aws/addons";
import { policySize } from "../src/oidc/cluster-trust";
import { assertInputError } from "./helpers/input-error";
import { identityPolicyErrors, SIM_ACCOUNT, simulateIdentityAnyElb } from "./helpers/iam-simulator";

const A = SIM_ACCOUNT;
const R = "eu-west-1";
const ZONE = "arn:aws:route53:::hostedzone/Z0AAAAAAAAAAAAAAAAAAA";
const OTHER_ZONE = "arn:aws:route53:::hostedzone/Z0BBBBBBBBBBBBBBBBBBB";
const KEY = `arn:aws:kms:${R}:${A}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const OTHER_KEY = `arn:aws:kms:${R}:${A}:key/99999999-12ab-34cd-56ef-1234567890ab`;
const ASG = `arn:aws:autoscaling:${R}:${A}:autoScalingGroup:*:autoScalingGroupName/prod-workers`;
const ASG_ID = (name: string) => `arn:aws:autoscaling:${R}:${A}:autoScalingGroup:0b7b0ae6-0d32-4a3e-9d4e-0123456789ab:autoScalingGroupName/${name}`;
const WORKSPACE = `arn:aws:aps:${R}:${A}:workspace/ws-11111111-aaaa-bbbb-cccc-123456789012`;
const LOG_GROUP = `arn:aws:logs:${R}:${A}:log-group:/k8s/prod`;

type Case = [action: string, resource: string, context?: Record<string, string | string[]>];
interface PresetCase {
    settings: PlainAddonPresets[AddonName];
    /** What the add-on needs: allowed. */
    allowed: Case[];
    /** The same actions on another resource of the same type (or without the controller's tag): denied. */
    denied: Case[];
}

const CASES: { [K in AddonName]: PresetCase } = {
    externalDns: {
        settings: { hostedZoneArns: [ZONE] },
        allowed: [["route53:ChangeResourceRecordSets", ZONE], ["route53:ListResourceRecordSets", ZONE], ["route53:ListTagsForResources", ZONE], ["route53:ListHostedZones", "*"]],
        denied: [["route53:ChangeResourceRecordSets", OTHER_ZONE], ["route53:ListResourceRecordSets", OTHER_ZONE], ["route53:DeleteHostedZone", ZONE]],
    },
    certManager: {
        settings: { hostedZoneArns: [ZONE] },
        allowed: [
            ["route53:ChangeResourceRecordSets", ZONE, { "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"] }],
            ["route53:GetChange", "arn:aws:route53:::change/C2682N5HXP0BZ4"],
            ["route53:ListHostedZonesByName", "*"],
        ],
        denied: [
            ["route53:ChangeResourceRecordSets", OTHER_ZONE, { "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"] }],
            ["route53:ChangeResourceRecordSets", ZONE, { "route53:ChangeResourceRecordSetsRecordTypes": ["A"] }],
            ["route53:ChangeResourceRecordSets", ZONE, { "route53:ChangeResourceRecordSetsRecordTypes": ["TXT", "CNAME"] }],
        ],
    },
    externalSecrets: {
        settings: { secretArns: [`arn:aws:secretsmanager:${R}:${A}:secret:team-a/*`], parameterArns: [`arn:aws:ssm:${R}:${A}:parameter/team-a/*`], kmsKeyArns: [KEY] },
        allowed: [
            ["secretsmanager:GetSecretValue", `arn:aws:secretsmanager:${R}:${A}:secret:team-a/db-AbCdEf`],
            ["secretsmanager:DescribeSecret", `arn:aws:secretsmanager:${R}:${A}:secret:team-a/db-AbCdEf`],
            ["ssm:GetParameter", `arn:aws:ssm:${R}:${A}:parameter/team-a/db-password`],
            ["kms:Decrypt", KEY],
        ],
        denied: [
            ["secretsmanager:GetSecretValue", `arn:aws:secretsmanager:${R}:${A}:secret:team-b/db-AbCdEf`],
            ["secretsmanager:PutSecretValue", `arn:aws:secretsmanager:${R}:${A}:secret:team-a/db-AbCdEf`],
            ["ssm:GetParameter", `arn:aws:ssm:${R}:${A}:parameter/team-b/db-password`],
            ["kms:Decrypt", OTHER_KEY],
            ["secretsmanager:ListSecrets", "*"],
        ],
    },
    velero: {
        settings: { bucketArn: "arn:aws:s3:::backups", prefix: "prod", ebsSnapshots: true },
        allowed: [
            ["s3:PutObject", "arn:aws:s3:::backups/prod/backups/b1/b1.tar.gz"],
            ["s3:GetObject", "arn:aws:s3:::backups/prod/backups/b1/b1.tar.gz"],
            ["s3:ListBucket", "arn:aws:s3:::backups", { "s3:prefix": "prod/backups/" }],
            ["ec2:CreateSnapshot", `arn:aws:ec2:${R}::snapshot/snap-0123456789abcdef0`],
            ["ec2:DescribeSnapshots", "*"],
        ],
        denied: [
            ["s3:PutObject", "arn:aws:s3:::other-bucket/prod/backups/b1.tar.gz"],
            ["s3:PutObject", "arn:aws:s3:::backups/staging/backups/b1.tar.gz"],
            ["s3:ListBucket", "arn:aws:s3:::backups", { "s3:prefix": "staging/" }],
            ["ec2:DeleteVolume", `arn:aws:ec2:${R}:${A}:volume/vol-0123456789abcdef0`],
            ["s3:PutObjectTagging", "arn:aws:s3:::backups/prod/backups/b1/b1.tar.gz"],
        ],
    },
    objectStorage: {
        settings: { bucketArn: "arn:aws:s3:::metrics", prefix: "thanos/" },
        allowed: [
            ["s3:PutObject", "arn:aws:s3:::metrics/thanos/01H/chunks/000001"],
            ["s3:DeleteObject", "arn:aws:s3:::metrics/thanos/01H/meta.json"],
            ["s3:ListBucket", "arn:aws:s3:::metrics", { "s3:prefix": "thanos/01H/" }],
        ],
        denied: [
            ["s3:GetObject", "arn:aws:s3:::logs/thanos/01H/meta.json"],
            ["s3:GetObject", "arn:aws:s3:::metrics/loki/index"],
            ["s3:PutObjectTagging", "arn:aws:s3:::metrics/thanos/01H/meta.json"],
            ["s3:DeleteBucket", "arn:aws:s3:::metrics"],
        ],
    },
    kmsDecrypt: {
        settings: { keyArns: [KEY] },
        allowed: [["kms:Decrypt", KEY], ["kms:DescribeKey", KEY]],
        denied: [["kms:Decrypt", OTHER_KEY], ["kms:Encrypt", KEY]],
    },
    ecrPull: {
        settings: { repositoryArns: [`arn:aws:ecr:${R}:${A}:repository/team-a/app`] },
        allowed: [["ecr:BatchGetImage", `arn:aws:ecr:${R}:${A}:repository/team-a/app`], ["ecr:GetDownloadUrlForLayer", `arn:aws:ecr:${R}:${A}:repository/team-a/app`], ["ecr:GetAuthorizationToken", "*"]],
        denied: [["ecr:BatchGetImage", `arn:aws:ecr:${R}:${A}:repository/team-b/app`], ["ecr:PutImage", `arn:aws:ecr:${R}:${A}:repository/team-a/app`]],
    },
    ampRemoteWrite: {
        settings: { workspaceArn: WORKSPACE },
        allowed: [["aps:RemoteWrite", WORKSPACE]],
        denied: [["aps:RemoteWrite", `arn:aws:aps:${R}:${A}:workspace/ws-22222222-aaaa-bbbb-cccc-123456789012`], ["aps:QueryMetrics", WORKSPACE]],
    },
    cloudwatchLogs: {
        settings: { logGroupArns: [LOG_GROUP] },
        allowed: [["logs:PutLogEvents", `${LOG_GROUP}:log-stream:node-1`], ["logs:CreateLogStream", `${LOG_GROUP}:log-stream:node-1`]],
        denied: [["logs:PutLogEvents", `arn:aws:logs:${R}:${A}:log-group:/k8s/staging:log-stream:node-1`], ["logs:CreateLogGroup", LOG_GROUP], ["logs:DeleteLogGroup", LOG_GROUP], ["logs:DescribeLogStreams", LOG_GROUP]],
    },
    ebsCsiDriver: {
        // volumeScope "driverTagged" (the default); every scope: test/addon-tag-scopes.test.ts.
        settings: { kmsKeyArns: [KEY] },
        allowed: [
            ["ec2:CreateVolume", `arn:aws:ec2:${R}:${A}:volume/vol-0123456789abcdef0`, { "aws:RequestTag/ebs.csi.aws.com/cluster": "true" }],
            ["ec2:DeleteVolume", `arn:aws:ec2:${R}:${A}:volume/vol-0123456789abcdef0`, { "ec2:ResourceTag/ebs.csi.aws.com/cluster": "true" }],
            ["ec2:AttachVolume", `arn:aws:ec2:${R}:${A}:instance/i-0123456789abcdef0`],
            ["kms:CreateGrant", KEY, { "kms:GrantIsForAWSResource": "true" }],
            ["kms:GenerateDataKeyWithoutPlaintext", KEY],
        ],
        denied: [
            ["ec2:CreateVolume", `arn:aws:ec2:${R}:${A}:volume/vol-0123456789abcdef0`],
            ["ec2:DeleteVolume", `arn:aws:ec2:${R}:${A}:volume/vol-0123456789abcdef0`, { "ec2:ResourceTag/CSIVolumeName": "pvc-1" }],
            ["ec2:AttachVolume", `arn:aws:ec2:${R}:${A}:volume/vol-0123456789abcdef0`],
            ["kms:CreateGrant", KEY, { "kms:GrantIsForAWSResource": "false" }],
            ["kms:CreateGrant", OTHER_KEY, { "kms:GrantIsForAWSResource": "true" }],
            ["kms:Encrypt", KEY],
        ],
    },
    loadBalancerController: {
        settings: { clusterName: "prod" },
        allowed: [
            ["elasticloadbalancing:DeleteLoadBalancer", `arn:aws:elasticloadbalancing:${R}:${A}:loadbalancer/app/k8s-web/50dc6c495c0c9188`, { "aws:ResourceTag/elbv2.k8s.aws/cluster": "prod" }],
            ["elasticloadbalancing:CreateTargetGroup", `arn:aws:elasticloadbalancing:${R}:${A}:targetgroup/k8s-web/73e2d6bc24d8a067`, { "aws:RequestTag/elbv2.k8s.aws/cluster": "prod" }],
            ["ec2:DeleteSecurityGroup", `arn:aws:ec2:${R}:${A}:security-group/sg-0123456789abcdef0`, { "aws:ResourceTag/elbv2.k8s.aws/cluster": "prod" }],
            ["ec2:DescribeSubnets", "*"],
            ["elasticloadbalancing:DescribeListenerAttributes", "*"],
            ["elasticloadbalancing:ModifyListenerAttributes", `arn:aws:elasticloadbalancing:${R}:${A}:listener/app/k8s-web/50dc6c495c0c9188/f2f7dc8efc522ab2`, { "aws:ResourceTag/elbv2.k8s.aws/cluster": "prod" }],
            ["elasticloadbalancing:SetRulePriorities", `arn:aws:elasticloadbalancing:${R}:${A}:listener-rule/app/k8s-web/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee`],
            ["elasticloadbalancing:AddTags", `arn:aws:elasticloadbalancing:${R}:${A}:listener/app/k8s-web/50dc6c495c0c9188/f2f7dc8efc522ab2`],
            ["ec2:GetSecurityGroupsForVpc", `arn:aws:ec2:${R}:${A}:vpc/vpc-0123456789abcdef0`],
        ],
        denied: [
            ["elasticloadbalancing:DeleteLoadBalancer", `arn:aws:elasticloadbalancing:${R}:${A}:loadbalancer/app/k8s-web/50dc6c495c0c9188`, { "aws:ResourceTag/elbv2.k8s.aws/cluster": "staging" }],
            ["elasticloadbalancing:DeleteLoadBalancer", `arn:aws:elasticloadbalancing:${R}:${A}:loadbalancer/app/k8s-web/50dc6c495c0c9188`],
            ["elasticloadbalancing:CreateTargetGroup", `arn:aws:elasticloadbalancing:${R}:${A}:targetgroup/k8s-web/73e2d6bc24d8a067`, { "aws:RequestTag/elbv2.k8s.aws/cluster": "staging" }],
            ["ec2:DeleteSecurityGroup", `arn:aws:ec2:${R}:${A}:security-group/sg-0123456789abcdef0`],
            ["wafv2:AssociateWebACL", `arn:aws:wafv2:${R}:${A}:regional/webacl/acl/11111111-2222-3333-4444-555555555555`],
        ],
    },
    clusterAutoscaler: {
        settings: { autoScalingGroupArns: [ASG] },
        allowed: [["autoscaling:SetDesiredCapacity", ASG_ID("prod-workers")], ["autoscaling:TerminateInstanceInAutoScalingGroup", ASG_ID("prod-workers")], ["autoscaling:DescribeAutoScalingGroups", "*"]],
        denied: [["autoscaling:SetDesiredCapacity", ASG_ID("staging-workers")], ["autoscaling:DeleteAutoScalingGroup", ASG_ID("prod-workers")], ["autoscaling:DescribeTags", "*"]],
    },
};

const statementsOf = (doc: { Statement: Array<{ Sid?: string; Action: string | string[]; Resource?: string | string[] }> }) =>
    doc.Statement.map((s) => ({ sid: s.Sid ?? "", actions: ([] as string[]).concat(s.Action), resources: ([] as string[]).concat(s.Resource ?? []) }));

describe("add-on presets, proven with the IAM policy simulator", () => {
    it("covers every preset", () => {
        assert.deepEqual(Object.keys(CASES).sort(), [...ADDON_NAMES].sort());
    });
    for (const name of ADDON_NAMES) {
        const c = CASES[name];
        describe(name, () => {
            const policy = addonPolicy(name, c.settings as never);
            it("is a valid identity policy for the simulator's parser", () => {
                assert.deepEqual(identityPolicyErrors(policy), []);
            });
            for (const [action, resource, context] of c.allowed) {
                it(`allows ${action} on ${resource}${context ? ` with ${JSON.stringify(context)}` : ""}`, async () => {
                    assert.equal(await simulateIdentityAnyElb(policy, action, resource, context), "Allowed");
                });
            }
            for (const [action, resource, context] of c.denied) {
                it(`denies ${action} on ${resource}${context ? ` with ${JSON.stringify(context)}` : ""}`, async () => {
                    assert.equal(await simulateIdentityAnyElb(policy, action, resource, context), "ImplicitlyDenied");
                });
            }
            it("lint: no action wildcard; Resource \"*\" only for actions without a resource type, in a statement whose Sid says so", async () => {
                for (const s of statementsOf(policy)) {
                    assert.match(s.sid, /^[A-Za-z0-9]+$/, "every statement has an alphanumeric Sid");
                    for (const action of s.actions) {
                        assert.ok(!action.includes("*"), `${s.sid}: action wildcard ${action}`);
                    }
                    if (s.resources.includes("*")) {
                        assert.deepEqual(s.resources, ["*"], `${s.sid}: "*" mixed with ARNs`);
                        assert.match(s.sid, /ApiHasNoResourceType$/, `${s.sid}: Resource "*" without a Sid saying why`);
                        for (const action of s.actions) {
                            const [service, verb] = action.split(":");
                            assert.ok(await isWildcardOnlyAction(service, verb), `${s.sid}: ${action} has a resource type, so "*" is not forced`);
                        }
                    }
                }
            });
            it(`lint: fits a managed policy (${MAX_MANAGED_POLICY_SIZE}) and the inline aggregate (${MAX_INLINE_ROLE_POLICY_SIZE})`, () => {
                assert.ok(policySize(policy) <= MAX_MANAGED_POLICY_SIZE, `${policySize(policy)} characters`);
            });
        });
    }
});

describe("addonPolicies, addonDefaults and bad input", () => {
    it("names one inline policy per preset, in preset order", () => {
        const policies = addonPolicies({ kmsDecrypt: { keyArns: [KEY] }, externalDns: { hostedZoneArns: [ZONE] } });
        assert.deepEqual(policies.map((p) => p.name), ["externalDns", "kmsDecrypt"]);
        assert.deepEqual(JSON.parse(policies[1].document), addonPolicy("kmsDecrypt", { keyArns: [KEY] }));
    });
    it("gives the chart's namespace and ServiceAccount when exactly one preset has them", () => {
        assert.deepEqual(addonDefaults(["externalDns"]), { defaults: { namespace: "external-dns", serviceAccount: "external-dns" }, from: ["externalDns"] });
        assert.deepEqual(addonDefaults(["externalDns", "objectStorage"]).defaults, { namespace: "external-dns", serviceAccount: "external-dns" });
        assert.deepEqual(addonDefaults(["externalDns", "certManager"]), { from: ["externalDns", "certManager"] });
        assert.deepEqual(addonDefaults(["objectStorage"]), { from: [] });
    });
    it("uses the role's partition for the ARNs it writes", () => {
        const doc = addonPolicy("certManager", { hostedZoneArns: ["arn:aws-cn:route53:::hostedzone/Z0AAAA"] }, { partition: "aws-cn" });
        assert.equal(doc.Statement[0].Resource, "arn:aws-cn:route53:::change/*");
    });
    const bad: Array<[string, () => unknown, string]> = [
        ["an empty resource list", () => addonPolicies({ externalDns: { hostedZoneArns: [] } }), '`addons.externalDns.hostedZoneArns` "[]" must list at least one Route 53 hosted zone ARN. Fix: pass e.g. ["arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ"]'],
        ["an ARN of the wrong service", () => addonPolicies({ kmsDecrypt: { keyArns: [ZONE] } }), `\`addons.kmsDecrypt.keyArns[0]\` "${ZONE}" is not the ARN of a KMS key (key ARN, not an alias). Fix: pass e.g. "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"`],
        ["an ARN of the wrong partition", () => addonPolicies({ externalDns: { hostedZoneArns: [ZONE] } }, { partition: "aws-us-gov" }), `\`addons.externalDns.hostedZoneArns[0]\` "${ZONE}" is in partition "aws", not "aws-us-gov" (the role's partition). Fix: use the ARN from the "aws-us-gov" partition (arn:aws-us-gov:...)`],
        ["ARNs of two partitions", () => addonPolicies({ externalDns: { hostedZoneArns: [ZONE, "arn:aws-cn:route53:::hostedzone/Z0CN"] } }), '`addons.externalDns.hostedZoneArns[1]` "arn:aws-cn:route53:::hostedzone/Z0CN" is in partition "aws-cn", not "aws"'],
        ["a preset name that does not exist", () => addonPolicies({ externalDNS: { hostedZoneArns: [ZONE] } } as never), '`addons.externalDNS` "externalDNS" is not an add-on preset. Fix: use one of externalDns, certManager, externalSecrets, velero, objectStorage, kmsDecrypt, ecrPull, ampRemoteWrite, cloudwatchLogs, ebsCsiDriver, loadBalancerController, clusterAutoscaler; or give the policy yourself in inlinePolicies'],
        ["a resource listed twice", () => addonPolicies({ externalDns: { hostedZoneArns: [ZONE, ZONE] } }), `\`addons.externalDns.hostedZoneArns[1]\` "${ZONE}" is already listed as addons.externalDns.hostedZoneArns[0]. Fix: list each ARN once`],
        ["a wildcard prefix", () => addonPolicies({ objectStorage: { bucketArn: "arn:aws:s3:::metrics", prefix: "thanos/*" } }), '`addons.objectStorage.prefix` "thanos/*" is not a key prefix'],
        ["external-secrets with nothing to read", () => addonPolicies({ externalSecrets: {} }), "`addons.externalSecrets.secretArns` (not set) is empty and so is parameterArns: the preset would grant nothing"],
        ["a log group ARN with :*", () => addonPolicies({ cloudwatchLogs: { logGroupArns: [`${LOG_GROUP}:*`] } }), `\`addons.cloudwatchLogs.logGroupArns[0]\` "${LOG_GROUP}:*" is not the ARN of a CloudWatch Logs log group (without a trailing :*)`],
    ];
    for (const [name, fn, message] of bad) {
        it(`rejects ${name}`, () => {
            assertInputError(fn, message);
        });
    }
    it("rejects presets whose inline policies together exceed IAM's per-role aggregate", () => {
        const all = Object.fromEntries(ADDON_NAMES.map((n) => [n, CASES[n].settings])) as PlainAddonPresets;
        const total = ADDON_NAMES.reduce((sum, n) => sum + policySize(addonPolicy(n, CASES[n].settings as never)), 0);
        assert.ok(total > MAX_INLINE_ROLE_POLICY_SIZE, `all presets together: ${total}`);
        assert.throws(() => addonPolicies(all), new RegExp(`make inline policies of ${total} characters together, more than the 10240 IAM allows per role`));
    });
});
