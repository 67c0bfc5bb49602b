import { validateIssuerUrl, validateJwksUri } from "../oidc/discovery";
import { IrsaInputError } from "../oidc/errors";

export interface ApiServerArgsInput {
    /** The published issuer URL: the first `--service-account-issuer`, the one that signs. */
    issuerUrl: string;
    /**
     * Issuers the API server accepted before (an existing cluster's own): listed after the new one, so tokens
     * issued before the change stay valid. @default []
     */
    previousIssuers?: readonly string[];
    /** The published JWKS URL. */
    jwksUri: string;
    /** `--service-account-key-file` values (every verification key file), when the caller knows the paths. @default none */
    keyFiles?: readonly string[];
    /** `--service-account-signing-key-file`, when the caller knows the path. @default none */
    signingKeyFile?: string;
    /**
     * Audiences the API server accepts for its own authentication (a comma list), only when you want to set
     * them. NOT the STS audiences: "sts.amazonaws.com" here would let the API server accept the tokens pods send
     * to AWS. @default not set: each distribution keeps its own (the issuers for kubeadm; Talos: the cluster
     * endpoint; k3s/RKE2: their issuer plus ",k3s"/",rke2"), so in-cluster clients' tokens stay valid
     */
    apiAudiences?: string;
    /** `--service-account-max-token-expiration`, e.g. "86400s". @default not set */
    maxTokenExpiration?: string;
}

/**
 * Checks the previous issuers: each an issuer URL, none twice, none the new issuer (when `issuer` is known).
 * `argument` names the list as the caller's user knows it (`previousIssuers`, or `additionalIssuers` in
 * cluster-config).
 */
export function validatePreviousIssuers(issuer: string | undefined, previous: readonly string[], argument: string): string[] {
    if (!Array.isArray(previous)) {
        throw new IrsaInputError(argument, previous, "is not a list of issuer URLs", "pass e.g. [\"https://kubernetes.default.svc.cluster.local\"]");
    }
    const checked = previous.map((url, i) => validateIssuerUrl(url, `${argument}[${i}]`));
    checked.forEach((url, i) => {
        if (url === issuer || checked.indexOf(url) !== i) {
            throw new IrsaInputError(`${argument}[${i}]`, url, "is listed twice (or repeats the new issuer)", "list each old issuer once, without the new one");
        }
    });
    return checked;
}

/**
 * The kube-apiserver flags (names without "--") that make it sign tokens for the published issuer, every
 * value a list: one entry per occurrence of the flag. `service-account-issuer` and `service-account-key-file`
 * repeat (kube-apiserver takes each occurrence literally and does not split commas); the signing issuer comes
 * first. Fixed flag order, so the output is deterministic. The one builder of these flags: the component's
 * `apiServerArgs` and every `cluster-config` distribution use it. Pure.
 */
export function buildApiServerArgs(input: ApiServerArgsInput): Record<string, string[]> {
    const issuer = validateIssuerUrl(input.issuerUrl, "issuerUrl");
    const previous = validatePreviousIssuers(issuer, input.previousIssuers ?? [], "previousIssuers");
    return {
        "service-account-issuer": [issuer, ...previous],
        "service-account-jwks-uri": [validateJwksUri(input.jwksUri)],
        ...(input.keyFiles !== undefined ? { "service-account-key-file": [...input.keyFiles] } : {}),
        ...(input.signingKeyFile !== undefined ? { "service-account-signing-key-file": [input.signingKeyFile] } : {}),
        ...(input.apiAudiences !== undefined ? { "api-audiences": [input.apiAudiences] } : {}),
        ...(input.maxTokenExpiration !== undefined ? { "service-account-max-token-expiration": [input.maxTokenExpiration] } : {}),
    };
}

/** Flags that kube-apiserver accepts more than once. */
export const REPEATABLE_FLAGS: readonly string[] = ["service-account-issuer", "service-account-key-file"];
