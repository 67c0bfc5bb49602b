import type * as pulumi from "@pulumi/pulumi";
import { IrsaInputError } from "../oidc/errors";
import { describeKubectlFailure, KubectlTarget, kubectlShellCommand, parseShellRun, validateKubectlValue } from "./kubectl";
import { validateDns1123Subdomain } from "./names";

/** The kubeconfig and context as kubectl gets them: non-empty, no leading '-', no control characters. */
export function checkKubectlTarget(kubeconfig: string | undefined, context: string | undefined): void {
    if (kubeconfig !== undefined) {
        validateKubectlValue(kubeconfig, "signingKey.fromCluster.kubeconfig", "pass the kubeconfig file's path (./-name for a file whose name starts with '-')");
    }
    if (context !== undefined) {
        validateKubectlValue(context, "signingKey.fromCluster.context", "pass a context the kubeconfig defines (`kubectl config get-contexts`)");
    }
}

/** Checks what is known now of `fromCluster` (before anything is created); Outputs are checked when they resolve. */
export function validateFromClusterArgs(args: FromClusterArgs): void {
    validateFromClusterTimeout(args.timeoutSeconds);
    checkKubectlTarget(typeof args.kubeconfig === "string" ? args.kubeconfig : undefined, typeof args.context === "string" ? args.context : undefined);
    if (typeof args.eksAnywhereClusterName === "string") {
        validateDns1123Subdomain(args.eksAnywhereClusterName, "signingKey.fromCluster.eksAnywhereClusterName");
    }
}

/** Where to read a running cluster's service-account public keys. */
export interface FromClusterArgs {
    /** Path of the kubeconfig file kubectl uses; a leading `~/` means the home directory. Default: kubectl's own default ($KUBECONFIG, ~/.kube/config) */
    kubeconfig?: pulumi.Input<string>;
    /** The kubeconfig context. Default: the current context */
    context?: pulumi.Input<string>;
    /**
     * EKS Anywhere: read the public key from the `<clusterName>-sa` secret in `eksa-system` (where EKS-A keeps
     * the key it generated) instead of the API server's /openid/v1/jwks. Default: unset (read /openid/v1/jwks)
     */
    eksAnywhereClusterName?: pulumi.Input<string>;
    /**
     * Publish even when the cluster's own issuer differs from the one being published (while migrating the
     * API server to the new issuer). Default: false
     */
    allowIssuerMismatch?: boolean;
    /**
     * Bound on each kubectl run, in whole seconds from 1 to 3600: kubectl and every process it starts (an exec
     * credential plugin such as `aws eks get-token`, `gke-gcloud-auth-plugin` or a browser login) are killed when
     * it is reached, so `pulumi preview` never hangs. Plain. Default: 60
     */
    timeoutSeconds?: number;
}

/** Bound on each API request of the kubectl invoke, seconds (a hung API server must not hang the preview). */
export const FROM_CLUSTER_REQUEST_TIMEOUT_SECONDS = 30;
/** Bound on each whole kubectl run, seconds (`fromCluster.timeoutSeconds`): two requests and a credential plugin. */
export const DEFAULT_FROM_CLUSTER_TIMEOUT_SECONDS = 60;
export const MAX_FROM_CLUSTER_TIMEOUT_SECONDS = 3600;
/** A JWKS, a discovery document or the EKS Anywhere secret is a few KiB; 4 MiB stops a runaway answer. */
export const FROM_CLUSTER_MAX_OUTPUT_BYTES = 4 * 1024 * 1024;
const TIMEOUT_ARG = "signingKey.fromCluster.timeoutSeconds";

/** Checks `fromCluster.timeoutSeconds` (plain: it shapes the command line). */
export function validateFromClusterTimeout(seconds: unknown): number {
    if (seconds === undefined) {
        return DEFAULT_FROM_CLUSTER_TIMEOUT_SECONDS;
    }
    if (typeof seconds !== "number" || !Number.isInteger(seconds) || seconds < 1 || seconds > MAX_FROM_CLUSTER_TIMEOUT_SECONDS) {
        throw new IrsaInputError(TIMEOUT_ARG, seconds, `must be a whole number of seconds from 1 to ${MAX_FROM_CLUSTER_TIMEOUT_SECONDS}`, `leave it unset for ${DEFAULT_FROM_CLUSTER_TIMEOUT_SECONDS}, or raise it for a credential plugin that needs longer`);
    }
    return seconds;
}

/** The kubectl command line for @pulumi/command's /bin/sh (pure, exported for tests): bounded as a whole (kubectl.ts). */
export function kubectlCommand(words: string[], kubeconfig?: string, context?: string, timeoutSeconds = DEFAULT_FROM_CLUSTER_TIMEOUT_SECONDS): string {
    return kubectlShellCommand(words, { kubeconfig, context, requestTimeoutSeconds: Math.min(FROM_CLUSTER_REQUEST_TIMEOUT_SECONDS, timeoutSeconds) }, { timeoutSeconds, maxOutputBytes: FROM_CLUSTER_MAX_OUTPUT_BYTES });
}

/**
 * kubectl's stdout when it succeeded (warnings on stderr are ignored), else a clear error with kubectl's own
 * words from stderr, its exit status, and the fix.
 */
export function kubectlResult(stdout: string | undefined, stderr: string | undefined, what: string, target: KubectlTarget = {}, timeoutSeconds = DEFAULT_FROM_CLUSTER_TIMEOUT_SECONDS): string {
    const run = parseShellRun(stdout, stderr);
    if (run.exitCode !== 0 || run.spawnError !== undefined) {
        const failure = describeKubectlFailure(run, target, { seconds: timeoutSeconds, setting: `\`${TIMEOUT_ARG}\`` });
        const how = run.exitCode === null ? failure.reason : `kubectl exited with status ${run.exitCode}: ${failure.reason}`;
        throw new IrsaInputError("signingKey.fromCluster", what, `could not be read from the cluster (${how})`, failure.fix);
    }
    return run.stdout;
}
