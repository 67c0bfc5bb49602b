// Pure rules for the webhook's ServiceAccount annotations (no @pulumi imports): shared by the component's
// ServiceAccount and by the CLI's `doctor cluster`, which checks annotations on a live cluster.
import { IrsaInputError } from "../oidc/errors";

/** The annotation prefix the webhook reads (chart value config.annotationPrefix, default). */
export const ANNOTATION_PREFIX = "eks.amazonaws.com";

// IAM role ARNs in every partition (aws, aws-cn, aws-us-gov, aws-iso, ...), with an optional path.
const ROLE_ARN = /^arn:aws(-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

export function validateRoleArn(roleArn: unknown, argument: string): string {
    if (typeof roleArn !== "string" || !ROLE_ARN.test(roleArn)) {
        throw new IrsaInputError(argument, roleArn, "is not an IAM role ARN", "use the role's ARN, e.g. \"arn:aws:iam::123456789012:role/s3-reader\" (not its name or an instance profile)");
    }
    return roleArn;
}
