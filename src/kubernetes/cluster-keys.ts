import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { IrsaInputError } from "../oidc/errors";
import { checkClusterIssuer, publicKeyPemsFromJwks } from "../oidc/jwks-import";

/** Where to read a running cluster's service-account public keys. */
export interface FromClusterArgs {
    /** Path of the kubeconfig file kubectl uses. @default kubectl's own default ($KUBECONFIG, ~/.kube/config) */
    kubeconfig?: pulumi.Input<string>;
    /** The kubeconfig context. @default the current context */
    context?: pulumi.Input<string>;
    /**
     * EKS Anywhere: read the public key from the `<clusterName>-sa` secret in `eksa-system` (where EKS-A keeps
     * the key it generated) instead of the API server's /openid/v1/jwks. @default undefined (read /openid/v1/jwks)
     */
    eksAnywhereClusterName?: pulumi.Input<string>;
    /**
     * Publish even when the cluster's own issuer differs from the one being published (while migrating the
     * API server to the new issuer). @default false
     */
    allowIssuerMismatch?: boolean;
}

const FAILED = "__SELFHOSTED_IRSA_KUBECTL_FAILED__";

/** Quotes one word for /bin/sh. */
function shellQuote(word: string): string {
    return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The kubectl command line (pure, exported for tests). Failures print a marker instead of failing the invoke. */
export function kubectlCommand(words: string[], kubeconfig?: string, context?: string): string {
    const flags = [...(kubeconfig ? ["--kubeconfig", kubeconfig] : []), ...(context ? ["--context", context] : [])];
    return `kubectl ${[...flags, ...words].map(shellQuote).join(" ")} 2>&1 || echo ${FAILED}`;
}

/** Turns kubectl's output into its result, or a clear error naming what to check. */
export function kubectlResult(stdout: string, what: string): string {
    if (stdout.includes(FAILED)) {
        const reason = stdout.replace(FAILED, "").trim().split("\n").slice(-3).join(" ");
        throw new IrsaInputError("signingKey.fromCluster", what, `could not be read from the cluster (kubectl: ${reason})`, "check that the cluster is reachable with this kubeconfig and context (`kubectl get --raw /readyz`)");
    }
    return stdout;
}

/**
 * Reads the cluster's public keys on every `pulumi up` (an invoke, not a resource: nothing is stored, and
 * unchanged keys give unchanged documents, so an up with the same keys is a no-op), and checks that the
 * cluster's issuer is the published one.
 */
export function readClusterPublicKeys(args: FromClusterArgs, issuerUrl: pulumi.Input<string>, opts: pulumi.InvokeOptions): pulumi.Output<string[]> {
    const run = (words: pulumi.Input<string[]>) =>
        command.local.runOutput(
            {
                command: pulumi.all([words, args.kubeconfig, args.context]).apply(([w, kubeconfig, context]) => kubectlCommand(w, kubeconfig, context)),
                interpreter: ["/bin/sh", "-c"],
            },
            opts,
        ).apply((result) => result.stdout ?? "");
    const discovery = run(["get", "--raw", "/.well-known/openid-configuration"]);
    const keys = args.eksAnywhereClusterName
        ? run(pulumi.output(args.eksAnywhereClusterName).apply((cluster) => ["get", "secret", `${cluster}-sa`, "-n", "eksa-system", "-o", "jsonpath={.data.tls\\.crt}"])).apply((b64) => {
              const pem = Buffer.from(kubectlResult(b64, "the EKS Anywhere <cluster>-sa secret").trim(), "base64").toString("utf8");
              return [pem];
          })
        : run(["get", "--raw", "/openid/v1/jwks"]).apply((jwks) => publicKeyPemsFromJwks(kubectlResult(jwks, "/openid/v1/jwks"), "signingKey.fromCluster (/openid/v1/jwks)"));
    return pulumi.all([keys, discovery, issuerUrl]).apply(([pems, discoveryJson, issuer]) => {
        if (!args.allowIssuerMismatch) {
            checkClusterIssuer(kubectlResult(discoveryJson, "/.well-known/openid-configuration"), issuer);
        }
        return pems;
    });
}
