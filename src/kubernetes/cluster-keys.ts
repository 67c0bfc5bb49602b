import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { IrsaInputError } from "../oidc/errors";
import { checkClusterIssuer, publicKeyPemsFromJwks } from "../oidc/jwks-import";
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

/**
 * Reads the cluster's public keys on every `pulumi up` (an invoke, not a resource: nothing is stored, and
 * unchanged keys give unchanged documents, so an up with the same keys is a no-op), and checks that the
 * cluster's issuer is the published one.
 */
export function readClusterPublicKeys(args: FromClusterArgs, issuerUrl: pulumi.Input<string>, opts: pulumi.InvokeOptions): pulumi.Output<string[]> {
    // Each call gives kubectl's stdout, or fails with kubectl's stderr and exit status.
    const run = (words: pulumi.Input<string[]>, what: string) =>
        pulumi.all([words, args.kubeconfig, args.context]).apply(([w, kubeconfig, context]) =>
            command.local
                .runOutput({ command: kubectlCommand(w, kubeconfig, context), interpreter: ["/bin/sh", "-c"] }, opts)
                .apply((result) => kubectlResult(result.stdout, result.stderr, what, { kubeconfig, context })),
        );
    const discovery = run(["get", "--raw", "/.well-known/openid-configuration"], "/.well-known/openid-configuration");
    const keys = args.eksAnywhereClusterName
        ? run(pulumi.output(args.eksAnywhereClusterName).apply((cluster) => ["get", "secret", `${cluster}-sa`, "-n", "eksa-system", "-o", "jsonpath={.data.tls\\.crt}"]), "the EKS Anywhere <cluster>-sa secret").apply((b64) => [
              Buffer.from(b64.trim(), "base64").toString("utf8"),
          ])
        : run(["get", "--raw", "/openid/v1/jwks"], "/openid/v1/jwks").apply((jwks) => publicKeyPemsFromJwks(jwks, "signingKey.fromCluster (/openid/v1/jwks)"));
    return pulumi.all([keys, discovery, issuerUrl]).apply(([pems, discoveryJson, issuer]) => {
        if (!args.allowIssuerMismatch) {
            checkClusterIssuer(discoveryJson, issuer);
        }
        return pems;
    });
}
