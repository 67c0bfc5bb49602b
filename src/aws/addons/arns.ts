import { IrsaInputError } from "../../oidc/errors";
import { PolicyDocument, PolicyStatement } from "../../oidc/trust-policy";
import { ARN_PARTITION } from "../names";

// Pure helpers of the add-on presets: ARN checks (service, resource type, partition) and statement builders.

/** What an add-on setting may name: a resource type of one service, with an example for messages. */
export interface ArnKind {
    /** e.g. "Route 53 hosted zone" */
    label: string;
    /** Pattern of the ARN after `arn:<partition>:` (service, region, account, resource). */
    rest: RegExp;
    /** An example ARN for the fix text. */
    example: string;
}

const REGION = "[a-z]{2,4}(?:-[a-z]+)+-\\d{1,2}";
const ACCOUNT = "\\d{12}";
const kind = (label: string, rest: string, example: string): ArnKind => ({ label, rest: new RegExp(`^${rest}$`), example });

/** The resource types the presets name. A trailing `*` is allowed only where a name prefix is meaningful. */
export const ARN_KINDS = {
    hostedZone: kind("Route 53 hosted zone", "route53:::hostedzone/[A-Z0-9]{1,32}", "arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ"),
    bucket: kind("S3 bucket", "s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", "arn:aws:s3:::my-backups"),
    secret: kind("Secrets Manager secret (or a name prefix ending in *)", `secretsmanager:${REGION}:${ACCOUNT}:secret:[\\w/+=.@-]+\\*?`, "arn:aws:secretsmanager:eu-west-1:123456789012:secret:team-a/*"),
    parameter: kind("SSM parameter (or a path prefix ending in *)", `ssm:${REGION}:${ACCOUNT}:parameter/[\\w/.-]+\\*?`, "arn:aws:ssm:eu-west-1:123456789012:parameter/team-a/*"),
    kmsKey: kind("KMS key (key ARN, not an alias)", `kms:${REGION}:${ACCOUNT}:key/(?:mrk-)?[0-9a-f-]{32,36}`, "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
    ecrRepository: kind("ECR repository (or a name prefix ending in *)", `ecr:${REGION}:${ACCOUNT}:repository/[a-z0-9._/-]+\\*?`, "arn:aws:ecr:eu-west-1:123456789012:repository/team-a/app"),
    ampWorkspace: kind("Amazon Managed Prometheus workspace", `aps:${REGION}:${ACCOUNT}:workspace/ws-[0-9a-zA-Z-]+`, "arn:aws:aps:eu-west-1:123456789012:workspace/ws-12345678-abcd-1234-abcd-123456789012"),
    logGroup: kind("CloudWatch Logs log group (without a trailing :*)", `logs:${REGION}:${ACCOUNT}:log-group:[\\w#/.-]{1,512}`, "arn:aws:logs:eu-west-1:123456789012:log-group:/k8s/prod"),
    autoScalingGroup: kind(
        "Auto Scaling group (its id may be *)",
        `autoscaling:${REGION}:${ACCOUNT}:autoScalingGroup:(?:\\*|[0-9a-f-]{36}):autoScalingGroupName/[\\w.-]{1,255}`,
        "arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:*:autoScalingGroupName/prod-workers",
    ),
} as const;

const ARN = new RegExp(`^arn:(${ARN_PARTITION}):(.+)$`);

/** The partition of an ARN ("aws", "aws-cn", ...), or undefined when it is not an ARN. */
export function arnPartition(arn: string): string | undefined {
    return typeof arn === "string" ? ARN.exec(arn)?.[1] : undefined;
}

/** Checks one ARN against its kind and the expected partition; returns it. */
export function validateArn(arn: string, argument: string, kindOf: ArnKind, partition: string | undefined): string {
    const match = typeof arn === "string" ? ARN.exec(arn) : null;
    if (!match || !kindOf.rest.test(match[2])) {
        throw new IrsaInputError(argument, arn, `is not the ARN of a ${kindOf.label}`, `pass e.g. "${kindOf.example}"`);
    }
    if (partition !== undefined && match[1] !== partition) {
        throw new IrsaInputError(argument, arn, `is in partition "${match[1]}", not "${partition}" (the role's partition)`, `use the ARN from the "${partition}" partition (arn:${partition}:...)`);
    }
    return arn;
}

/**
 * Checks a non-empty list of ARNs of one kind, all in one partition (the role's, when known; else the first
 * ARN's), each once. Returns them.
 */
export function validateArnList(arns: readonly string[] | undefined, argument: string, kindOf: ArnKind, partition: string | undefined): string[] {
    if (!Array.isArray(arns) || arns.length === 0) {
        throw new IrsaInputError(argument, arns, `must list at least one ${kindOf.label} ARN`, `pass e.g. ["${kindOf.example}"]`);
    }
    const expected = partition ?? arnPartition(arns[0]);
    arns.forEach((arn, i) => {
        validateArn(arn, `${argument}[${i}]`, kindOf, expected);
        if (arns.indexOf(arn) !== i) {
            throw new IrsaInputError(`${argument}[${i}]`, arn, `is already listed as ${argument}[${arns.indexOf(arn)}]`, "list each ARN once");
        }
    });
    return [...arns];
}

/** Checks a key prefix inside a bucket ("loki/", "thanos"): no leading slash, no wildcard. Returns it without a trailing slash. */
export function validatePrefix(prefix: string, argument: string): string {
    if (typeof prefix !== "string" || prefix.length === 0 || prefix.length > 512 || prefix.startsWith("/") || /[*?\s]/.test(prefix)) {
        throw new IrsaInputError(argument, prefix, "is not a key prefix (1 to 512 characters, no leading '/', no wildcards or spaces)", "pass e.g. \"loki\" or \"clusters/prod\", or leave it unset for the whole bucket");
    }
    return prefix.replace(/\/+$/, "");
}

/** Checks an optional boolean switch. */
export function validateFlag(value: boolean | undefined, argument: string): boolean {
    if (value !== undefined && typeof value !== "boolean") {
        throw new IrsaInputError(argument, value, "is not a boolean", "pass true or false, or leave it unset (false)");
    }
    return value === true;
}

/** One Allow statement. Sids are letters and digits only (IAM). */
export function allow(sid: string, actions: string[], resources: string | string[], condition?: PolicyStatement["Condition"]): PolicyStatement {
    return { Sid: sid, Effect: "Allow", Action: actions, Resource: resources, ...(condition ? { Condition: condition } : {}) };
}

/** The partition every ARN of a preset is in: the role's, or the first ARN's, or "aws". */
export function presetPartition(partition: string | undefined, firstArn: string | undefined): string {
    return partition ?? (firstArn !== undefined ? arnPartition(firstArn) : undefined) ?? "aws";
}

/** A preset: its policy from plain settings, and the namespace/ServiceAccount of the add-on's official chart. */
export interface AddonPreset<S> {
    /** The namespace and ServiceAccount name the official Helm chart uses with its default release name. */
    defaults?: { namespace: string; serviceAccount: string };
    /** The policy document; throws IrsaInputError (arguments under `argument`) on bad settings. */
    policy(settings: S, argument: string, partition: string | undefined): PolicyDocument;
}

/** Wraps statements into a policy document. */
export function documentOf(statements: PolicyStatement[]): PolicyDocument {
    return { Version: "2012-10-17", Statement: statements };
}
