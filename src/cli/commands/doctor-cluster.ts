import { IrsaInputError } from "../../oidc/errors";
import { httpsFetcher } from "../../oidc/https-fetch";
import { DEFAULT_TIMEOUT_MS } from "../../oidc/verify";
import { WEBHOOK_FULLNAME } from "../../webhook/webhook-values";
import { flagValue, numberFlag, parseArgs } from "../args";
import { ASSUME_ROLE_FLAGS, assumeRoleUsage, readAssumeRole } from "../assume-role";
import type { CliIo } from "../command";
import { readFlagFile } from "../files";
import { diagnoseCluster } from "../cluster-doctor/diagnose";
import { formatClusterReport, Level } from "../cluster-doctor/findings";
import type { KubectlRunner } from "../cluster-doctor/kubectl-runner";

export const clusterUsage = `Usage: selfhosted-irsa doctor cluster [--kubeconfig FILE] [--context NAME] [--issuer URL]
         [--namespace NS --service-account SA] [--trust-policy FILE] [--ca-file FILE] [--webhook NAME]
         [--timeout S] [--json] [--assume-role ROLE_ARN [--region R | --sts-endpoint URL]]

Checks a running cluster end to end with kubectl (read-only, except one short-lived TokenRequest when a
ServiceAccount is named), in this order:
  1. cluster.*    the API server's own discovery document and JWKS (kubectl get --raw): its issuer equals
                  the published issuer byte for byte, every kid it serves is published; stale keys (WARN)
  2. published.*  the published issuer as STS fetches it (https, no redirects, TLS, discovery and JWKS)
  3. token.*      with --namespace/--service-account: a token from kubectl create token, verified as STS
     trust.*      would; its sub and aud against --trust-policy
  4. sa.*         the ServiceAccount's eks.amazonaws.com/ annotations: role ARN, audience, token lifetime
  5. webhook.*    the MutatingWebhookConfiguration, its caBundle against the serving certificate in Secret
                  <service>-cert, the certificate's names and expiry, ready endpoints, the failure policy
  6. injection.*  pods whose ServiceAccount has a role but which the webhook did not mutate, with the
                  command that restarts their workload
  with --assume-role (and --namespace/--service-account), after check 3: sts.assume-role, STS's own answer
  to AssumeRoleWithWebIdentity with the TokenRequest token
Prints one line per check (PASS, WARN or FAIL, with the reason and the fix); exits 1 if any check fails.

Flags:
  --kubeconfig FILE     kubeconfig for kubectl (default: kubectl's, $KUBECONFIG or ~/.kube/config)
  --context NAME        kubeconfig context (default: the current context)
  --issuer URL          the published issuer, as the IAM OIDC provider names it (default: the cluster's own)
  --namespace NS        namespace of the ServiceAccount to check (with --service-account)
  --service-account SA  the ServiceAccount to check and mint a token for (with --namespace)
  --trust-policy FILE   the role's trust policy (JSON: aws iam get-role --query Role.AssumeRolePolicyDocument)
  --ca-file FILE        trust this CA (PEM) for the published issuer instead of the system roots
  --webhook NAME        the MutatingWebhookConfiguration (default: ${WEBHOOK_FULLNAME};
                        another one is found by its webhook's name)
  --timeout S           bound on each request, in seconds (default: ${DEFAULT_TIMEOUT_MS / 1000})
  --json                print the findings as JSON instead of lines
${assumeRoleUsage}

Example:
  selfhosted-irsa doctor cluster --issuer https://oidc.example.com \\
    --namespace apps --service-account s3-reader
`;

/** Reads --ca-file: a PEM CA for a private test issuer. */
export function readCaFlag(caPath: string | undefined): string | undefined {
    const ca = caPath === undefined ? undefined : readFlagFile(caPath, "--ca-file");
    if (ca !== undefined && !ca.includes("-----BEGIN CERTIFICATE-----")) {
        throw new IrsaInputError("--ca-file", caPath, "holds no PEM certificate", "pass a CA certificate in PEM (-----BEGIN CERTIFICATE-----)");
    }
    return ca;
}

/** `doctor cluster`; `runner` lets tests count kubectl calls (the real kubectl runs by default). */
export async function runDoctorCluster(argv: readonly string[], io: CliIo, runner?: KubectlRunner): Promise<number> {
    const args = parseArgs(argv, {
        kubeconfig: { value: true },
        context: { value: true },
        issuer: { value: true },
        namespace: { value: true },
        "service-account": { value: true },
        "trust-policy": { value: true },
        "ca-file": { value: true },
        webhook: { value: true },
        timeout: { value: true },
        json: { value: false },
        ...ASSUME_ROLE_FLAGS,
    });
    if (args.positional.length > 0) {
        throw new IrsaInputError(args.positional[0], args.positional[0], "is not an argument of `doctor cluster`", "see selfhosted-irsa doctor cluster --help");
    }
    const namespace = flagValue(args, "namespace");
    const serviceAccount = flagValue(args, "service-account");
    if ((namespace === undefined) !== (serviceAccount === undefined)) {
        const missing = namespace === undefined ? "--namespace" : "--service-account";
        throw new IrsaInputError(missing, undefined, "is required with " + (namespace === undefined ? "--service-account" : "--namespace"), "name the ServiceAccount with both --namespace NS and --service-account SA");
    }
    const policyPath = flagValue(args, "trust-policy");
    const ca = readCaFlag(flagValue(args, "ca-file"));
    const timeoutSeconds = numberFlag(args, "timeout", DEFAULT_TIMEOUT_MS / 1000);
    const assumeRole = readAssumeRole(args, ca, Math.round(timeoutSeconds * 1000));
    if (assumeRole && serviceAccount === undefined) {
        throw new IrsaInputError("--assume-role", flagValue(args, "assume-role"), "needs a token: name the ServiceAccount", "add --namespace NS --service-account SA (the doctor mints a token for it with the TokenRequest API)");
    }
    const findings = await diagnoseCluster({
        target: { kubeconfig: flagValue(args, "kubeconfig"), context: flagValue(args, "context") },
        issuer: flagValue(args, "issuer"),
        namespace,
        serviceAccount,
        trustPolicy: policyPath === undefined ? undefined : readFlagFile(policyPath, "--trust-policy"),
        fetch: httpsFetcher({ ca }),
        timeoutSeconds,
        assumeRole,
        webhookConfiguration: flagValue(args, "webhook"),
        runner,
    });
    const ok = findings.every((f) => f.level !== Level.Fail);
    io.stdout(flagValue(args, "json") ? `${JSON.stringify({ ok, findings }, null, 2)}\n` : formatClusterReport(findings));
    return ok ? 0 : 1;
}
