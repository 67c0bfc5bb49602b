import { validateIssuerUrl, validateJwksUri } from "../oidc/discovery";

export interface ApiServerArgsInput {
    /** The published issuer URL. */
    issuerUrl: string;
    /** The published JWKS URL. */
    jwksUri: string;
    /**
     * Audiences the API server accepts for its own authentication, only when you want to set them. NOT the STS
     * audiences: "sts.amazonaws.com" here would let the API server accept the tokens pods send to AWS.
     * @default not set: each distribution keeps its own (the issuers for kubeadm; Talos: the cluster endpoint;
     * k3s/RKE2: their issuer plus ",k3s"/",rke2"), so in-cluster clients' tokens stay valid
     */
    apiAudiences?: string[];
}

/**
 * The kube-apiserver flags (without "--") that make it sign tokens for the published issuer. Key files are
 * paths on the control plane and so not in here: `--service-account-signing-key-file` (the private key)
 * and `--service-account-key-file` (every published public key). Pure.
 */
export function buildApiServerArgs(input: ApiServerArgsInput): Record<string, string> {
    const issuer = validateIssuerUrl(input.issuerUrl, "issuerUrl");
    return {
        "service-account-issuer": issuer,
        "service-account-jwks-uri": validateJwksUri(input.jwksUri),
        ...(input.apiAudiences !== undefined ? { "api-audiences": input.apiAudiences.join(",") } : {}),
    };
}
