import * as crypto from "node:crypto";
import { found, IrsaInputError } from "./errors";
import { validateKeyId } from "./jwks";
import { describeKeyText, hasPrivateJwkMembers } from "./key-text";
import { readPublicKey } from "./keys";

/** A key a running API server serves: SPKI PEM, and the kid it serves it under. */
export interface ServedKey {
    pem: string;
    kid: string;
    /** Whether the kid is the one kube-apiserver derives from the key (false: an external signer's, KEP-740). */
    derivedKid: boolean;
}

/** The keys of a cluster's JWKS as SPKI PEM, in order (see `servedKeysFromJwks`). */
export function publicKeyPemsFromJwks(jwksJson: string, argument = "jwks"): string[] {
    return servedKeysFromJwks(jwksJson, argument).map((k) => k.pem);
}

/**
 * Reads the JWKS a running API server serves at /openid/v1/jwks and returns its keys, in order, with their kids,
 * so they can be republished byte-for-byte. A kid is the one kube-apiserver derives from the key (SHA-256 of the
 * SPKI) for key files, or the one its external signer chose (`--service-account-signing-endpoint`, KEP-740: 1 to
 * 1024 characters); an entry whose kid is empty is the legacy copy and is skipped.
 */
export function servedKeysFromJwks(jwksJson: string, argument = "jwks"): ServedKey[] {
    let parsed: unknown;
    try {
        parsed = JSON.parse(jwksJson);
    } catch {
        throw new IrsaInputError(argument, found(describeKeyText(jwksJson, "JSON")), "is not JSON", "check that the API server's /openid/v1/jwks is reachable (`kubectl get --raw /openid/v1/jwks`)");
    }
    const keys = (parsed as { keys?: unknown }).keys;
    if (!Array.isArray(keys) || keys.length === 0) {
        throw new IrsaInputError(argument, found(describeKeyText(jwksJson, "JSON")), "holds no `keys` array", "enable ServiceAccountIssuerDiscovery on the API server (on by default since 1.21)");
    }
    const served: ServedKey[] = [];
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
        const kid = jwk.kid === info.kid ? info.kid : validateKeyId(jwk.kid, `${argument}.keys[${i}].kid`);
        served.push({ pem: info.spkiPem, kid, derivedKid: kid === info.kid });
    });
    return served;
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
