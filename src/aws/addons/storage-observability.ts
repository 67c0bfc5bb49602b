import type * as pulumi from "@pulumi/pulumi";
import { PolicyStatement } from "../../oidc/trust-policy";
import { AddonPreset, allow, ARN_KINDS, documentOf, presetPartition, validateArn, validateArnList, validateFlag, validatePrefix } from "./arns";

// Presets for storage and observability add-ons: Velero, object storage (Loki, Thanos, Mimir, Tempo), ECR
// pulls, Amazon Managed Prometheus remote write, CloudWatch Logs. Each matches the add-on's
// published policy, restated with version and source in test/fixtures/upstream-policies/.

/** Velero with velero-plugin-for-aws: its backup bucket, and EBS snapshots only when asked. */
export interface VeleroAddon {
    /** The backup storage location's bucket (`arn:aws:s3:::<bucket>`). */
    bucketArn: pulumi.Input<string>;
    /** The BackupStorageLocation's prefix inside the bucket. Default: none (the whole bucket) */
    prefix?: pulumi.Input<string>;
    /** Also allow EBS snapshots (VolumeSnapshotLocation of provider aws). Default: false */
    ebsSnapshots?: pulumi.Input<boolean>;
    /** Also allow tagging backup objects (`s3:PutObjectTagging`, for the BackupStorageLocation's `config.tagging`). Default: false */
    objectTagging?: pulumi.Input<boolean>;
}

/** Object storage for Loki, Thanos, Mimir, Tempo and the like: one bucket, optionally one prefix. */
export interface ObjectStorageAddon {
    /** The bucket (`arn:aws:s3:::<bucket>`). */
    bucketArn: pulumi.Input<string>;
    /** Key prefix the add-on writes under. Default: none (the whole bucket) */
    prefix?: pulumi.Input<string>;
    /** Also allow object tagging (Tempo's docs list it). Default: false */
    objectTagging?: pulumi.Input<boolean>;
}

/** Pulling images from named ECR repositories (image reflectors, in-cluster builders, mirrors). */
export interface EcrPullAddon {
    /** Repositories (or a name prefix ending in `*`), at least one. */
    repositoryArns: pulumi.Input<string>[];
}

/** Prometheus (or an agent) remote-writing to Amazon Managed Prometheus. */
export interface AmpRemoteWriteAddon {
    /** The workspace (`arn:aws:aps:<region>:<account>:workspace/ws-...`). */
    workspaceArn: pulumi.Input<string>;
    /** Also allow queries (Grafana, the Prometheus query API). Default: false */
    query?: pulumi.Input<boolean>;
}

/** Fluent Bit (cloudwatch_logs output) and other log shippers writing to named log groups. */
export interface CloudwatchLogsAddon {
    /** Log groups (`arn:aws:logs:<region>:<account>:log-group:<name>`), at least one. */
    logGroupArns: pulumi.Input<string>[];
    /** Also allow creating those groups and setting their retention (Fluent Bit `auto_create_group`, `log_retention_days`). Default: false */
    createLogGroups?: pulumi.Input<boolean>;
}

type Plain<T> = pulumi.Unwrap<T>;

/** Statements for a bucket, or a prefix inside it: list (narrowed by s3:prefix) and the object actions. */
function bucketStatements(settings: { bucketArn: string; prefix?: string }, argument: string, partition: string | undefined, objectActions: string[]): PolicyStatement[] {
    const bucket = validateArn(settings.bucketArn, `${argument}.bucketArn`, ARN_KINDS.bucket, partition);
    const prefix = settings.prefix === undefined ? undefined : validatePrefix(settings.prefix, `${argument}.prefix`);
    const objects = prefix === undefined ? `${bucket}/*` : `${bucket}/${prefix}/*`;
    return [
        allow("ListBucket", ["s3:ListBucket"], bucket, prefix === undefined ? undefined : { StringLike: { "s3:prefix": [`${prefix}/*`] } }),
        allow("ObjectsInBucket", objectActions, objects),
    ];
}

export const velero: AddonPreset<Plain<VeleroAddon>> = {
    // vmware-tanzu/helm-charts velero chart: ServiceAccount "<full name>-server".
    defaults: { namespace: "velero", serviceAccount: "velero-server" },
    policy(settings, argument, partition) {
        const tagging = validateFlag(settings.objectTagging, `${argument}.objectTagging`) ? ["s3:PutObjectTagging"] : [];
        const statements = bucketStatements(settings, argument, partition, ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts", ...tagging]);
        if (validateFlag(settings.ebsSnapshots, `${argument}.ebsSnapshots`)) {
            const p = presetPartition(partition, settings.bucketArn);
            const volumes = `arn:${p}:ec2:*:*:volume/*`;
            const snapshots = `arn:${p}:ec2:*::snapshot/*`;
            statements.push(
                // DescribeVolumes and DescribeSnapshots have no resource type in IAM: "*" only; read-only.
                allow("DescribeVolumesApiHasNoResourceType", ["ec2:DescribeVolumes", "ec2:DescribeSnapshots"], "*"),
                // Velero snapshots whatever PersistentVolumes a backup holds and restores into new volumes:
                // their ids are not known in advance, hence the patterns (still volumes and snapshots only).
                allow("SnapshotAndRestoreVolumes", ["ec2:CreateSnapshot", "ec2:CreateVolume"], [volumes, snapshots]),
                allow("TagOnlyWhatItCreates", ["ec2:CreateTags"], [volumes, snapshots], { StringEquals: { "ec2:CreateAction": ["CreateSnapshot", "CreateVolume"] } }),
                allow("DeleteSnapshots", ["ec2:DeleteSnapshot"], snapshots),
            );
        }
        return documentOf(statements);
    },
};

export const objectStorage: AddonPreset<Plain<ObjectStorageAddon>> = {
    // No default: Loki, Thanos, Mimir and Tempo each name their ServiceAccounts after the release.
    policy(settings, argument, partition) {
        const tagging = validateFlag(settings.objectTagging, `${argument}.objectTagging`) ? ["s3:GetObjectTagging", "s3:PutObjectTagging"] : [];
        return documentOf(bucketStatements(settings, argument, partition, ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", ...tagging]));
    },
};

export const ecrPull: AddonPreset<Plain<EcrPullAddon>> = {
    policy(settings, argument, partition) {
        const repositories = validateArnList(settings.repositoryArns, `${argument}.repositoryArns`, ARN_KINDS.ecrRepository, partition);
        return documentOf([
            allow("PullFromNamedRepositories", ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"], repositories),
            // GetAuthorizationToken has no resource type in IAM: "*" only. The token alone reads nothing; the
            // statement above decides which repositories it opens.
            allow("RegistryTokenApiHasNoResourceType", ["ecr:GetAuthorizationToken"], "*"),
        ]);
    },
};

export const ampRemoteWrite: AddonPreset<Plain<AmpRemoteWriteAddon>> = {
    policy(settings, argument, partition) {
        const workspace = validateArn(settings.workspaceArn, `${argument}.workspaceArn`, ARN_KINDS.ampWorkspace, partition);
        const statements = [allow("RemoteWriteToWorkspace", ["aps:RemoteWrite"], workspace)];
        if (validateFlag(settings.query, `${argument}.query`)) {
            statements.push(allow("QueryWorkspace", ["aps:QueryMetrics", "aps:GetSeries", "aps:GetLabels", "aps:GetMetricMetadata"], workspace));
        }
        return documentOf(statements);
    },
};

export const cloudwatchLogs: AddonPreset<Plain<CloudwatchLogsAddon>> = {
    policy(settings, argument, partition) {
        const groups = validateArnList(settings.logGroupArns, `${argument}.logGroupArns`, ARN_KINDS.logGroup, partition);
        // Streams are named by the shipper (per pod or node), so they are named by pattern inside each group.
        const streams = groups.map((g) => `${g}:log-stream:*`);
        const statements = [allow("WriteToNamedLogGroups", ["logs:CreateLogStream", "logs:PutLogEvents"], streams)];
        if (validateFlag(settings.createLogGroups, `${argument}.createLogGroups`)) {
            statements.push(allow("CreateNamedLogGroups", ["logs:CreateLogGroup", "logs:PutRetentionPolicy"], groups));
        }
        return documentOf(statements);
    },
};
