// `--assume-role` for `doctor` and `doctor cluster`: the flags, checked before anything runs, and the STS
// call under the CLI's fetch rules (--timeout; --ca-file's CAs trusted beside the system roots).
import * as tls from "node:tls";
import { IrsaInputError } from "../oidc/errors";
import type { Finding } from "../oidc/findings";
import { httpsFetcher } from "../oidc/https-fetch";
import { assumeRoleWithWebIdentity, DOCTOR_SESSION_NAME, parseRoleArn, resolveStsEndpoint } from "../oidc/sts";
import { flagValue, FlagSpec, ParsedArgs } from "./args";

export const ASSUME_ROLE_FLAGS: FlagSpec = {
    "assume-role": { value: true },
    region: { value: true },
    "sts-endpoint": { value: true },
};

/** The flags' lines for both doctors' --help. */
export const assumeRoleUsage = `  --assume-role ARN     then ask STS itself: AssumeRoleWithWebIdentity for this role with the token (the only
                        check that talks to AWS: an unsigned POST to STS, no AWS credentials needed or used;
                        the credentials STS returns are never printed, written or kept; session name
                        ${DOCTOR_SESSION_NAME})
  --region R            STS region (default: AWS_REGION, then AWS_DEFAULT_REGION, then the role's partition's:
                        us-east-1, cn-north-1, us-gov-west-1); asks https://sts.R.<partition's domain>/
  --sts-endpoint URL    ask this https STS endpoint instead (a VPC endpoint); it receives the token, so name
                        only one you trust; for the STS call --ca-file's CAs count beside the system roots`;

/** What the STS check needs once the token is known. */
export type StsCheck = (token: string) => Promise<Finding>;

/**
 * Reads --assume-role, --region and --sts-endpoint; undefined without --assume-role. Bad values fail here,
 * before the first request. For STS, --ca-file's certificates are trusted beside the system roots (not
 * instead), so one file can serve a private test issuer and the real STS at once.
 */
export function readAssumeRole(args: ParsedArgs, ca: string | undefined, timeoutMs: number, env: NodeJS.ProcessEnv = process.env): StsCheck | undefined {
    const roleArn = flagValue(args, "assume-role");
    if (roleArn === undefined) {
        for (const flag of ["region", "sts-endpoint"]) {
            if (flagValue(args, flag) !== undefined) {
                throw new IrsaInputError(`--${flag}`, flagValue(args, flag), "only applies with --assume-role", "add --assume-role ROLE_ARN, or drop it");
            }
        }
        return undefined;
    }
    const role = parseRoleArn(roleArn);
    const endpoint = resolveStsEndpoint({ role, region: flagValue(args, "region"), endpoint: flagValue(args, "sts-endpoint"), env });
    const fetch = httpsFetcher({ ca: ca === undefined ? undefined : [...tls.rootCertificates, ca] });
    return (token) => assumeRoleWithWebIdentity({ endpoint, role, token, fetch, timeoutMs });
}
