import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { checkKubectlTarget, FromClusterArgs, kubectlCommand, kubectlResult, validateFromClusterTimeout } from "../../kubernetes/cluster-keys";
import { validateDns1123Subdomain } from "../../kubernetes/names";
import { checkClusterIssuer, servedKeysFromJwks } from "../../oidc/jwks-import";

/** A key of the running cluster, with the kid it serves it under when it is not the derived one's to assume. */
export interface ClusterKey {
    pem: string;
    kid?: string;
}

/**
 * Reads the cluster's public keys on every `pulumi up` (an invoke, not a resource: nothing is stored, and
 * unchanged keys give unchanged documents, so an up with the same keys is a no-op), and checks that the
 * cluster's issuer is the published one.
 */
export function readClusterPublicKeys(args: FromClusterArgs, issuerUrl: pulumi.Input<string>, opts: pulumi.InvokeOptions): pulumi.Output<ClusterKey[]> {
    const timeoutSeconds = validateFromClusterTimeout(args.timeoutSeconds);
    // Each call gives kubectl's stdout, or fails with kubectl's stderr and exit status (or the bound it hit).
    const run = (words: pulumi.Input<string[]>, what: string) =>
        pulumi.all([words, args.kubeconfig, args.context]).apply(([w, kubeconfig, context]) => {
            // What reaches kubectl is checked first: no value can be read as one of its flags.
            checkKubectlTarget(kubeconfig, context);
            return command.local
                .runOutput({ command: kubectlCommand(w, kubeconfig, context, timeoutSeconds), interpreter: ["/bin/sh", "-c"] }, opts)
                .apply((result) => kubectlResult(result.stdout, result.stderr, what, { kubeconfig, context }, timeoutSeconds));
        });
    const discovery = run(["get", "--raw", "/.well-known/openid-configuration"], "/.well-known/openid-configuration");
    const keys = args.eksAnywhereClusterName
        ? run(pulumi.output(args.eksAnywhereClusterName).apply((cluster) => ["get", "secret", `${validateDns1123Subdomain(cluster, "signingKey.fromCluster.eksAnywhereClusterName")}-sa`, "-n", "eksa-system", "-o", "jsonpath={.data.tls\\.crt}"]), "the EKS Anywhere <cluster>-sa secret").apply((b64): ClusterKey[] => [
              // A key file's: the API server derives its kid.
              { pem: Buffer.from(b64.trim(), "base64").toString("utf8") },
          ])
        : run(["get", "--raw", "/openid/v1/jwks"], "/openid/v1/jwks").apply((jwks): ClusterKey[] =>
              // The kids as served: derived for key files, the external signer's own with one (KEP-740).
              servedKeysFromJwks(jwks, "signingKey.fromCluster (/openid/v1/jwks)").map((k) => ({ pem: k.pem, kid: k.kid })),
          );
    return pulumi.all([keys, discovery, issuerUrl]).apply(([pems, discoveryJson, issuer]) => {
        if (!args.allowIssuerMismatch) {
            checkClusterIssuer(discoveryJson, issuer);
        }
        return pems;
    });
}
