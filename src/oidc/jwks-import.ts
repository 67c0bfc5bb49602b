import * as crypto from "node:crypto";
import { found, IrsaInputError } from "./errors";
import { describeKeyText, hasPrivateJwkMembers } from "./key-text";
import { readPublicKey } from "./keys";

/**
 * Reads the JWKS a running API server serves at /openid/v1/jwks and returns its keys as SPKI PEM, in
 * order, so they can be republished byte-for-byte. Each entry's `kid` must be the one kube-apiserver
 * derives from the key (SHA-256 of the SPKI); an entry whose kid is empty is the legacy copy and is skipped.
 */
export function publicKeyPemsFromJwks(jwksJson: string, argument = "jwks"): string[] {
    let parsed: unknown;
    try {
        parsed = JSON.parse(jwksJson);
    } catch {
        throw new IrsaInputError(argument, found(describeKeyText(jwksJson, "JSON")), "is not JSON", "check that the API server's /openid/v1/jwks is reachable (`kubectl get --raw /openid/v1/jwks`)");
    }
    const keys = (parsed as { keys?: unknown }).keys;
    if (!Array.isArray(keys) || keys.length === 0) {
        throw new IrsaInputError(argument, jwksJson, "holds no `keys` array", "enable ServiceAccountIssuerDiscovery on the API server (on by default since 1.21)");
    }
    const pems: string[] = [];
    keys.forEach((jwk: Record<string, unknown>, i: number) => {
        if (hasPrivateJwkMembers(jwk)) {
            // Never republished, never echoed: the cluster serves a private key to anyone who can read the JWKS.
            throw new IrsaInputError(`${argument}.keys[${i}]`, found(describeKeyText(jwk)), "holds private key material: the JWKS publishes it to everyone who can read it", "serve only public keys (--service-account-key-file holds public keys) and replace this signing key: it is compromised");
        }
        if (jwk.kid === "") {
            return;
        }
        let pem: string;
        try {
            pem = crypto.createPublicKey({ key: jwk as crypto.JsonWebKey, format: "jwk" }).export({ type: "spki", format: "pem" }).toString();
        } catch (err) {
            throw new IrsaInputError(`${argument}.keys[${i}]`, jwk.kid, `is not a usable public key (${(err as Error).message})`, "check the API server's --service-account-key-file");
        }
        const info = readPublicKey(pem, `${argument}.keys[${i}]`);
        if (jwk.kid !== info.kid) {
            throw new IrsaInputError(`${argument}.keys[${i}].kid`, jwk.kid, `differs from the kid kube-apiserver derives for this key (${info.kid})`, "this JWKS did not come from kube-apiserver; pass the public keys with `signingKey.publicKeyPems` instead");
        }
        pems.push(info.spkiPem);
    });
    return pems;
}

/**
 * Checks the API server's own discovery document against the issuer being published: tokens carry the
 * API server's issuer, so publishing documents for another issuer would fail every STS call.
 */
export function checkClusterIssuer(discoveryJson: string, expectedIssuer: string, argument = "signingKey.fromCluster"): void {
    let issuer: unknown;
    try {
        issuer = (JSON.parse(discoveryJson) as { issuer?: unknown }).issuer;
    } catch {
        throw new IrsaInputError(argument, found(describeKeyText(discoveryJson, "JSON")), "returned a discovery document that is not JSON", "check `kubectl get --raw /.well-known/openid-configuration`");
    }
    if (issuer !== expectedIssuer) {
        throw new IrsaInputError(
            argument,
            String(issuer),
            `is the cluster's --service-account-issuer, but the documents are published for "${expectedIssuer}"`,
            `set --service-account-issuer=${expectedIssuer} on the API server first (output \`apiServerArgs\`; keep the old issuer after it during migration), or set fromCluster.allowIssuerMismatch while you migrate`,
        );
    }
}
