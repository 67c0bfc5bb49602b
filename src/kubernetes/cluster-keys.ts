import type * as pulumi from "@pulumi/pulumi";
import { IrsaInputError } from "../oidc/errors";
import { describeKubectlFailure, KubectlTarget, kubectlShellCommand, parseShellRun } from "./kubectl";

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
}

/** Bound on each API request of the kubectl invoke, seconds (a hung API server must not hang the preview). */
export const FROM_CLUSTER_REQUEST_TIMEOUT_SECONDS = 30;

/** The kubectl command line for @pulumi/command's /bin/sh (pure, exported for tests). */
export function kubectlCommand(words: string[], kubeconfig?: string, context?: string): string {
    return kubectlShellCommand(words, { kubeconfig, context, requestTimeoutSeconds: FROM_CLUSTER_REQUEST_TIMEOUT_SECONDS });
}

/**
 * kubectl's stdout when it succeeded (warnings on stderr are ignored), else a clear error with kubectl's own
 * words from stderr, its exit status, and the fix.
 */
export function kubectlResult(stdout: string | undefined, stderr: string | undefined, what: string, target: KubectlTarget = {}): string {
    const run = parseShellRun(stdout, stderr);
    if (run.exitCode !== 0) {
        const failure = describeKubectlFailure(run, target);
        throw new IrsaInputError("signingKey.fromCluster", what, `could not be read from the cluster (kubectl exited with status ${run.exitCode}: ${failure.reason})`, failure.fix);
    }
    return run.stdout;
}
