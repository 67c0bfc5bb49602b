import { IrsaInputError } from "./errors";
import { goJsonMarshal } from "./go-json";
import { Jwk, readPublicKey, splitPemBlocks } from "./keys";

export type { Jwk } from "./keys";

/** A JSON Web Key Set as served at `/openid/v1/jwks`. */
export interface Jwks {
    keys: Jwk[];
}

export interface BuildJwksOptions {
    /**
     * Also publish a copy of the first key with `kid: ""`, for API servers older than 1.16 that sign
     * tokens without a `kid` (STS then matches the empty kid; webhook issue #12).
     * @default false
     */
    legacyEmptyKid?: boolean;
    /** The argument name used in error messages. @default "publicKeyPems" */
    argument?: string;
}

/**
 * Builds the JWKS the way kube-apiserver does: one entry per key in the order given, `use: "sig"`, each
 * PEM text may hold several keys (like --service-account-key-file). Keys that repeat (same kid) appear once.
 */
export function buildJwks(publicKeyPems: readonly string[], options: BuildJwksOptions = {}): Jwks {
    const argument = options.argument ?? "publicKeyPems";
    const keys: Jwk[] = [];
    const seen = new Set<string>();
    publicKeyPems.forEach((text, i) => {
        const blocks = splitPemBlocks(text);
        const blocksOrText = blocks.length > 0 ? blocks : [text];
        for (const block of blocksOrText) {
            const { jwk } = readPublicKey(block, `${argument}[${i}]`);
            if (!seen.has(jwk.kid)) {
                seen.add(jwk.kid);
                keys.push(jwk);
            }
        }
    });
    if (keys.length === 0) {
        throw new IrsaInputError(argument, [], "holds no key: a JWKS needs at least one public key", "pass the API server's public key (its --service-account-key-file)");
    }
    if (options.legacyEmptyKid) {
        keys.push({ ...keys[0], kid: "" });
    }
    return { keys };
}

/** The JWKS as bytes, identical to the API server's response body for the same keys. */
export function serializeJwks(jwks: Jwks): string {
    // Rebuild each entry so the field order is go-jose's, whatever order the caller's objects have.
    const keys = jwks.keys.map((k) =>
        k.kty === "RSA"
            ? { use: k.use, kty: k.kty, kid: k.kid, alg: k.alg, n: k.n, e: k.e }
            : { use: k.use, kty: k.kty, kid: k.kid, crv: k.crv, alg: k.alg, x: k.x, y: k.y },
    );
    return goJsonMarshal({ keys });
}
