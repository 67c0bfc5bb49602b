import { IrsaInputError } from "../../oidc/errors";
import { httpsFetcher } from "../../oidc/https-fetch";
import { DEFAULT_TIMEOUT_MS, verifyIssuer } from "../../oidc/verify";
import { flagValue, numberFlag, parseArgs, requiredFlag } from "../args";
import { ASSUME_ROLE_FLAGS, assumeRoleUsage, readAssumeRole } from "../assume-role";
import type { CliCommand } from "../command";
import { readFlagFile, readFlagFileOrStdin } from "../files";
import { formatReport } from "../report";
import { clusterUsage, readCaFlag, runDoctorCluster } from "./doctor-cluster";

export const command: CliCommand = {
    usage: `Usage: selfhosted-irsa doctor --issuer URL [--token FILE|-] [--audience A] [--trust-policy FILE] [--ca-file FILE] [--timeout S]
         [--assume-role ROLE_ARN [--region R | --sts-endpoint URL]]

Checks, in the order STS does, that AssumeRoleWithWebIdentity would accept tokens from this issuer:
  the discovery document at ISSUER/.well-known/openid-configuration over HTTPS (no redirect followed),
  that it is JSON, names exactly this issuer and an https jwks_uri; the JWKS, fetched and well-formed;
  with --token: the header alg and kid (found in the JWKS), the signature, iss, aud, exp/nbf/iat (60 s
  skew) and the sub format; with --trust-policy: the Federated principal and the :sub/:aud condition keys
  name this issuer, and the token's sub and aud satisfy them; with --assume-role (and --token), last:
  STS's own answer to AssumeRoleWithWebIdentity (sts.assume-role).
Prints one line per check (PASS or FAIL, with the reason and the fix) and exits 0 only if all pass.

Flags:
  --issuer URL          the issuer URL, exactly as the IAM OIDC provider and --service-account-issuer name it
  --token FILE|-        a service-account token file, or - to read it from standard input
  --audience A          the audience STS is asked for (default: sts.amazonaws.com)
  --trust-policy FILE   the role's trust policy (JSON, e.g. aws iam get-role --query Role.AssumeRolePolicyDocument)
  --ca-file FILE        trust this CA (PEM) instead of the system roots (test servers; STS does not know it)
  --timeout S           bound on each network step, in seconds (default: ${DEFAULT_TIMEOUT_MS / 1000}, as STS)
${assumeRoleUsage}

Example:
  kubectl create token app --audience sts.amazonaws.com | selfhosted-irsa doctor --issuer https://oidc.example.com --token -

${clusterUsage}`,
    async run(argv, io) {
        if (argv[0] === "cluster") {
            return runDoctorCluster(argv.slice(1), io);
        }
        const args = parseArgs(argv, {
            issuer: { value: true },
            token: { value: true },
            audience: { value: true },
            "trust-policy": { value: true },
            "ca-file": { value: true },
            timeout: { value: true },
            ...ASSUME_ROLE_FLAGS,
        });
        if (args.positional.length > 0) {
            throw new IrsaInputError(args.positional[0], args.positional[0], "is not an argument of `doctor`", "pass the issuer with --issuer URL, or check a live cluster with `doctor cluster`");
        }
        const issuer = requiredFlag(args, "issuer");
        const timeoutMs = Math.round(numberFlag(args, "timeout", DEFAULT_TIMEOUT_MS / 1000) * 1000);
        const tokenPath = flagValue(args, "token");
        const token = tokenPath === undefined ? undefined : await readFlagFileOrStdin(tokenPath, "--token", io);
        if (token !== undefined && token.trim() === "") {
            throw new IrsaInputError("--token", tokenPath, "is empty", "pass a token file, or pipe one in with --token -");
        }
        const policyPath = flagValue(args, "trust-policy");
        const trustPolicy = policyPath === undefined ? undefined : readFlagFile(policyPath, "--trust-policy");
        const ca = readCaFlag(flagValue(args, "ca-file"));
        const sts = readAssumeRole(args, ca, timeoutMs);
        if (sts && token === undefined) {
            throw new IrsaInputError("--assume-role", flagValue(args, "assume-role"), "needs a token to present to STS", "pass --token FILE (or --token - to read it from standard input)");
        }
        const findings = await verifyIssuer({ issuer, token, audience: flagValue(args, "audience"), trustPolicy, fetch: httpsFetcher({ ca }), timeoutMs });
        if (sts && token !== undefined) {
            findings.push(await sts(token));
        }
        io.stdout(formatReport(findings));
        return findings.every((f) => f.ok) ? 0 : 1;
    },
};
