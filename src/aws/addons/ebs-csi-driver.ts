import type * as pulumi from "@pulumi/pulumi";
import { IrsaInputError } from "../../oidc/errors";
import { PolicyStatement } from "../../oidc/trust-policy";
import { AddonPreset, allow, ARN_KINDS, documentOf, presetPartition, validateArnList } from "./arns";

// aws-ebs-csi-driver's controller, v1.64: the driver publishes three policies (docs/example-iam-policy.json =
// the AWS managed AmazonEBSCSIDriverPolicy, docs/AmazonEBSCSIDriverPolicyV2.json and
// docs/AmazonEBSCSIDriverEKSClusterScopedPolicy.json; restated with sources in
// test/fixtures/upstream-policies/aws-ebs-csi-driver.json). One `volumeScope` each; V2 is what its install
// guide now names, so it is the default.

/** Which volumes and snapshots the EBS CSI driver may change. */
export const EbsCsiDriverVolumeScope = {
    /** AmazonEBSCSIDriverPolicy: snapshot, modify, attach, detach, copy and untag any volume; only create and delete go by the driver's tags. */
    Any: "any",
    /** AmazonEBSCSIDriverPolicyV2: volumes and snapshots tagged `ebs.csi.aws.com/cluster=true` (by any cluster's driver), and in-tree migrated volumes. */
    DriverTagged: "driverTagged",
    /** The cluster-scoped policy: volumes and snapshots tagged `ebs.csi.aws.com/cluster-name=<clusterName>`, attached to instances tagged with it. */
    ClusterTagged: "clusterTagged",
} as const;
export type EbsCsiDriverVolumeScope = (typeof EbsCsiDriverVolumeScope)[keyof typeof EbsCsiDriverVolumeScope];

/** aws-ebs-csi-driver's controller (v1.64 policies). */
export interface EbsCsiDriverAddon {
    /**
     * Which volumes and snapshots it may change. "driverTagged": those tagged `ebs.csi.aws.com/cluster=true` (the
     * driver tags what it creates; tag statically provisioned volumes yourself) and in-tree migrated volumes
     * (`kubernetes.io/created-for/pvc/name`); attach to any instance. "clusterTagged": those tagged
     * `ebs.csi.aws.com/cluster-name=<clusterName>` (driver v1.58+ with Helm `controller.k8sTagClusterId`), attached
     * only to instances tagged `ebs.csi.aws.com/cluster-name=<clusterName>` (or `eks:cluster-name`). "any": the
     * broad AmazonEBSCSIDriverPolicy (snapshot, modify, attach, detach, copy, untag any volume). Default: "driverTagged"
     */
    volumeScope?: pulumi.Input<EbsCsiDriverVolumeScope>;
    /** With volumeScope "clusterTagged": the driver's `--k8s-tag-cluster-id` (Helm `controller.k8sTagClusterId`). Default: none (required then) */
    clusterName?: pulumi.Input<string>;
    /** Customer managed KMS keys for encrypted volumes (StorageClass `kmsKeyId`). Default: none (AWS managed key only) */
    kmsKeyArns?: pulumi.Input<string>[];
}

type Plain<T> = pulumi.Unwrap<T>;

const SCOPES = Object.values(EbsCsiDriverVolumeScope) as string[];
const TAG_VALUE = /^[A-Za-z0-9][A-Za-z0-9 _.:/=+@-]{0,255}$/;
const RESERVED_TAG_KEYS = ["ebs.csi.aws.com/cluster", "ebs.csi.aws.com/cluster-name", "kubernetes.io/created-for/pvc/name"];

/** Several Allow statements with the same actions and resources, one per alternative condition (conditions OR). */
const eachOf = (sid: string, actions: string[], resources: string[], conditions: PolicyStatement["Condition"][]): PolicyStatement[] =>
    conditions.map((condition, i) => allow(`${sid}${i + 1}`, actions, resources, condition));

const DESCRIBE = ["DescribeAvailabilityZones", "DescribeInstances", "DescribeInstanceTypes", "DescribeSnapshots", "DescribeVolumes", "DescribeVolumesModifications", "DescribeVolumeStatus"].map((a) => `ec2:${a}`);

interface Arns {
    volumes: string;
    sourceVolumes: string;
    snapshots: string;
    instances: string;
}

/** AmazonEBSCSIDriverPolicy (docs/example-iam-policy.json): type-scoped except create and delete. */
function anyVolume(a: Arns): PolicyStatement[] {
    const requestTag = (key: string, value: string) => ({ StringLike: { [`aws:RequestTag/${key}`]: value } });
    const resourceTag = (key: string, value: string) => ({ StringLike: { [`ec2:ResourceTag/${key}`]: value } });
    return [
        // Read-only; these actions have no resource type in IAM, so "*" is the only resource they take.
        allow("DescribeApiHasNoResourceType", [...DESCRIBE, "ec2:DescribeTags"], "*"),
        // PersistentVolumes may be pre-provisioned (untagged), so this scope goes by type, as upstream.
        allow("SnapshotAndResizeAnyVolume", ["ec2:CreateSnapshot", "ec2:ModifyVolume"], a.volumes),
        allow("CopyAnyVolume", ["ec2:CopyVolumes"], a.sourceVolumes),
        allow("AttachAnyVolumeToAnyInstance", ["ec2:AttachVolume", "ec2:DetachVolume"], [a.volumes, a.instances]),
        allow("RestoreFromAnySnapshot", ["ec2:CreateVolume", "ec2:EnableFastSnapshotRestores"], a.snapshots),
        allow("TagOnlyWhatItCreates", ["ec2:CreateTags"], [a.volumes, a.snapshots], { StringEquals: { "ec2:CreateAction": ["CreateVolume", "CreateSnapshot", "CopyVolumes"] } }),
        allow("UntagAnyVolumeOrSnapshot", ["ec2:DeleteTags"], [a.volumes, a.snapshots]),
        ...eachOf("CreateVolumesTaggedByDriver", ["ec2:CreateVolume", "ec2:CopyVolumes"], [a.volumes], [requestTag("ebs.csi.aws.com/cluster", "true"), requestTag("CSIVolumeName", "*")]),
        ...eachOf("DeleteVolumesTaggedByDriver", ["ec2:DeleteVolume"], [a.volumes], [resourceTag("ebs.csi.aws.com/cluster", "true"), resourceTag("CSIVolumeName", "*"), resourceTag("kubernetes.io/created-for/pvc/name", "*")]),
        ...eachOf("CreateSnapshotsTaggedByDriver", ["ec2:CreateSnapshot"], [a.snapshots], [requestTag("CSIVolumeSnapshotName", "*"), requestTag("ebs.csi.aws.com/cluster", "true")]),
        ...eachOf("DeleteSnapshotsTaggedByDriver", ["ec2:DeleteSnapshot", "ec2:LockSnapshot"], [a.snapshots], [resourceTag("CSIVolumeSnapshotName", "*"), resourceTag("ebs.csi.aws.com/cluster", "true")]),
    ];
}

/**
 * AmazonEBSCSIDriverPolicyV2 (`ebs.csi.aws.com/cluster` = "true") and the cluster-scoped policy
 * (`ebs.csi.aws.com/cluster-name` = the cluster name; upstream compares it with the EKS Pod Identity session
 * tag `${aws:PrincipalTag/eks-cluster-name}`, which IRSA sessions do not carry, so it is written literally).
 */
function tagged(a: Arns, key: string, value: string, cluster: boolean): PolicyStatement[] {
    const resourceTag = { StringEquals: { [`ec2:ResourceTag/${key}`]: value } };
    // In-tree (kubernetes.io/aws-ebs) volumes migrated to the driver carry the PVC tag, not the driver's (V2 only).
    const migrated = { StringLike: { "ec2:ResourceTag/kubernetes.io/created-for/pvc/name": "*" } };
    const statements = [
        // Read-only; these actions have no resource type in IAM, so "*" is the only resource they take.
        allow("DescribeApiHasNoResourceType", DESCRIBE, "*"),
        allow("CreateAndCopyVolumesWithTag", ["ec2:CreateVolume", "ec2:CopyVolumes"], a.volumes, { StringEquals: { [`aws:RequestTag/${key}`]: value } }),
        allow("CopyTaggedVolumes", ["ec2:CopyVolumes"], a.sourceVolumes, resourceTag),
        allow("CreateSnapshotsWithTag", ["ec2:CreateSnapshot"], a.snapshots, { StringEquals: { [`aws:RequestTag/${key}`]: value } }),
        allow("SnapshotTaggedVolumes", ["ec2:CreateSnapshot"], a.volumes, resourceTag),
        allow("ManageTaggedVolumes", ["ec2:ModifyVolume", "ec2:AttachVolume", "ec2:DetachVolume", "ec2:DeleteVolume"], a.volumes, resourceTag),
        allow("RestoreFromTaggedSnapshots", ["ec2:CreateVolume", "ec2:EnableFastSnapshotRestores"], a.snapshots, resourceTag),
        allow("DeleteAndLockTaggedSnapshots", ["ec2:DeleteSnapshot", "ec2:LockSnapshot"], a.snapshots, resourceTag),
        allow("TagOnlyWhatItCreates", ["ec2:CreateTags"], [a.volumes, a.snapshots], { StringEquals: { "ec2:CreateAction": ["CreateVolume", "CreateSnapshot", "CopyVolumes"] } }),
        // Its own tags stay: changing them could move a volume in or out of this policy's scope.
        allow("RetagTaggedVolumes", ["ec2:CreateTags", "ec2:DeleteTags"], a.volumes, { ...resourceTag, Null: { "aws:TagKeys": "false" }, "ForAllValues:StringNotEquals": { "aws:TagKeys": RESERVED_TAG_KEYS } }),
    ];
    if (cluster) {
        statements.push(...eachOf("AttachToInstancesTaggedForCluster", ["ec2:AttachVolume", "ec2:DetachVolume"], [a.instances], [{ StringEquals: { "ec2:ResourceTag/eks:cluster-name": value } }, { StringEquals: { [`ec2:ResourceTag/${key}`]: value } }]));
    } else {
        statements.push(
            allow("CopyMigratedVolumes", ["ec2:CopyVolumes"], a.sourceVolumes, migrated),
            allow("ManageMigratedVolumes", ["ec2:ModifyVolume", "ec2:AttachVolume", "ec2:DetachVolume", "ec2:DeleteVolume"], a.volumes, migrated),
            allow("AttachToAnyInstance", ["ec2:AttachVolume", "ec2:DetachVolume"], a.instances),
        );
    }
    return statements;
}

export const ebsCsiDriver: AddonPreset<Plain<EbsCsiDriverAddon>> = {
    // aws-ebs-csi-driver chart: controller ServiceAccount ebs-csi-controller-sa in kube-system.
    defaults: { namespace: "kube-system", serviceAccount: "ebs-csi-controller-sa" },
    policy(settings, argument, partition) {
        const scope = settings.volumeScope ?? EbsCsiDriverVolumeScope.DriverTagged;
        if (!SCOPES.includes(scope)) {
            throw new IrsaInputError(`${argument}.volumeScope`, scope, "is not an EBS CSI driver volume scope", `use ${SCOPES.map((s) => `"${s}"`).join(", ")} (the default is "driverTagged")`);
        }
        const cluster = settings.clusterName;
        if (scope === EbsCsiDriverVolumeScope.ClusterTagged && (typeof cluster !== "string" || !TAG_VALUE.test(cluster))) {
            throw new IrsaInputError(`${argument}.clusterName`, cluster, 'is required with volumeScope "clusterTagged" and must be a tag value (1 to 256 letters, digits, spaces or _ . : / = + @ -)', "pass the driver's --k8s-tag-cluster-id (Helm controller.k8sTagClusterId)");
        }
        if (scope !== EbsCsiDriverVolumeScope.ClusterTagged && cluster !== undefined) {
            throw new IrsaInputError(`${argument}.clusterName`, cluster, `is only used with volumeScope "clusterTagged" (this is "${scope}")`, 'set volumeScope: "clusterTagged", or drop clusterName');
        }
        const keys = settings.kmsKeyArns === undefined ? [] : validateArnList(settings.kmsKeyArns, `${argument}.kmsKeyArns`, ARN_KINDS.kmsKey, partition);
        const p = presetPartition(partition, keys[0]);
        const arns: Arns = { volumes: `arn:${p}:ec2:*:*:volume/*`, sourceVolumes: `arn:${p}:ec2:*:*:volume/vol-*`, snapshots: `arn:${p}:ec2:*:*:snapshot/*`, instances: `arn:${p}:ec2:*:*:instance/*` };
        const statements =
            scope === EbsCsiDriverVolumeScope.Any
                ? anyVolume(arns)
                : scope === EbsCsiDriverVolumeScope.DriverTagged
                  ? tagged(arns, "ebs.csi.aws.com/cluster", "true", false)
                  : tagged(arns, "ebs.csi.aws.com/cluster-name", cluster as string, true);
        if (keys.length > 0) {
            statements.push(
                // The driver's install guide: Decrypt, GenerateDataKeyWithoutPlaintext, CreateGrant, on the named keys.
                allow("UseNamedKeysForVolumes", ["kms:Decrypt", "kms:GenerateDataKeyWithoutPlaintext"], keys),
                // Grants only to AWS services (EBS attaches the encrypted volume through a grant).
                allow("GrantNamedKeysToEbs", ["kms:CreateGrant"], keys, { Bool: { "kms:GrantIsForAWSResource": "true" } }),
            );
        }
        return documentOf(statements);
    },
};
