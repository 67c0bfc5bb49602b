import { validateIssuerUrl, validateJwksUri } from "../oidc/discovery";

export interface ApiServerArgsInput {
    /** The published issuer URL. */
    issuerUrl: string;
    /** The published JWKS URL. */
    jwksUri: string;
    /**
     * Audiences the API server accepts for its own authentication. NOT the STS audiences: listing
     * "sts.amazonaws.com" here would let the API server accept the tokens pods send to AWS.
     * @default [issuerUrl] (kube-apiserver's own default when the flag is unset)
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
        "api-audiences": (input.apiAudiences ?? [issuer]).join(","),
    };
}
