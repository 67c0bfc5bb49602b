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
    /**
     * The kid to publish for the key of the same index, instead of the one kube-apiserver derives: an API server with
     * an external signer (`--service-account-signing-endpoint`, KEP-740) serves the kids its signer chose. Each such
     * entry must hold one key. @default none (every kid derived)
     */
    keyIds?: readonly (string | undefined)[];
}

/** One key as published: its JWK, and the key as SPKI PEM. */
export interface JwksEntry {
    jwk: Jwk;
    spkiPem: string;
}

/** KEP-740's rule for a signer's key ID: non-empty, at most 1024 characters; printable ASCII, no spaces, here. */
export function validateKeyId(kid: unknown, argument: string): string {
    if (typeof kid !== "string" || kid.length === 0 || kid.length > 1024 || !/^[\x21-\x7e]+$/.test(kid)) {
        throw new IrsaInputError(argument, kid, "is not a key ID an API server serves (1 to 1024 printable characters without spaces; KEP-740)", "check the cluster's /openid/v1/jwks (`kubectl get --raw /openid/v1/jwks`)");
    }
    return kid;
}

/**
 * The keys of a JWKS in the order given, as kube-apiserver lists them: each PEM text may hold several keys (like
 * --service-account-key-file); a key that repeats (same kid) appears once. `keyIds` overrides a kid per entry.
 */
export function jwksEntries(publicKeyPems: readonly string[], options: Pick<BuildJwksOptions, "argument" | "keyIds"> = {}): JwksEntry[] {
    const argument = options.argument ?? "publicKeyPems";
    const entries: JwksEntry[] = [];
    const seen = new Set<string>();
    publicKeyPems.forEach((text, i) => {
        const blocks = splitPemBlocks(text);
        const blocksOrText = blocks.length > 0 ? blocks : [text];
        const kid = options.keyIds?.[i];
        if (kid !== undefined && blocksOrText.length !== 1) {
            throw new IrsaInputError(`${argument}[${i}]`, `${blocksOrText.length} PEM blocks`, "holds more than one key, but one kid is given for it", "give each key with its own kid");
        }
        for (const block of blocksOrText) {
            const info = readPublicKey(block, `${argument}[${i}]`);
            const jwk = kid !== undefined ? { ...info.jwk, kid: validateKeyId(kid, `${argument}[${i}].kid`) } : info.jwk;
            if (!seen.has(jwk.kid)) {
                seen.add(jwk.kid);
                entries.push({ jwk, spkiPem: info.spkiPem });
            }
        }
    });
    return entries;
}

/**
 * Builds the JWKS the way kube-apiserver does: one entry per key in the order given, `use: "sig"`, each
 * PEM text may hold several keys (like --service-account-key-file). Keys that repeat (same kid) appear once.
 */
export function buildJwks(publicKeyPems: readonly string[], options: BuildJwksOptions = {}): Jwks {
    const argument = options.argument ?? "publicKeyPems";
    const keys: Jwk[] = jwksEntries(publicKeyPems, options).map((e) => e.jwk);
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
