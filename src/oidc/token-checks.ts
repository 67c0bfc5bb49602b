import type { KeyObject } from "node:crypto";
import { compactVerify, decodeJwt, decodeProtectedHeader, JWTPayload, ProtectedHeaderParameters } from "jose";
import { shown } from "./display";
import { Finding, fail, pass } from "./findings";
import { DEFAULT_AUDIENCE } from "./trust-policy";

/**
 * The JWS algorithms STS accepts for OIDC tokens (RSA PKCS#1 v1.5 and ECDSA with SHA-2). kube-apiserver
 * signs with RS256 for RSA keys and ES256/384/512 for P-256/384/521 keys, all inside this set; `none`,
 * HMAC, PSS and EdDSA are refused.
 */
export const STS_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512"] as const;

/** A usable key from the published JWKS, kept for the token's signature check. */
export interface PublishedKey {
    jwk: Record<string, unknown>;
    kid: string | undefined;
    keyObject: KeyObject;
}

/** STS's limit on `WebIdentityToken` (AssumeRoleWithWebIdentity API reference; docs/facts.md). */
export const MAX_WEB_IDENTITY_TOKEN_CHARACTERS = 20_000;

const SUBJECT = /^system:serviceaccount:([^:]*):([^:]*)$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export interface TokenCheckArgs {
    token: string;
    issuer: string;
    audience?: string;
    /** The usable keys of the published JWKS; undefined when it could not be read (no kid/signature check). */
    keys: PublishedKey[] | undefined;
    now: Date;
    skewSeconds: number;
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
const REMINT = "check the token file is the projected one the kubelet refreshes, or mint a new token";
const CLOCKS = "check that the API server's and this machine's clocks are in sync (NTP)";

/** Checks a projected service-account token as STS does: header, key, signature, then each claim. */
export async function checkToken(args: TokenCheckArgs): Promise<{ findings: Finding[]; claims?: { sub?: string; aud: string[] } }> {
    const token = args.token.trim();
    // STS refuses a longer token before it looks at anything else; the other checks still run, to say what else is wrong.
    const size =
        token.length > MAX_WEB_IDENTITY_TOKEN_CHARACTERS
            ? fail("token.size", `the token has ${token.length.toLocaleString("en-US")} characters; STS accepts at most ${MAX_WEB_IDENTITY_TOKEN_CHARACTERS.toLocaleString("en-US")} (WebIdentityToken) and refuses it whatever it holds`, "keep the token's claims small: projected service-account tokens are about 1,000 characters; this one is not one of them")
            : pass("token.size", `the token has ${token.length.toLocaleString("en-US")} characters (STS accepts up to ${MAX_WEB_IDENTITY_TOKEN_CHARACTERS.toLocaleString("en-US")})`);
    let header: ProtectedHeaderParameters;
    let claims: JWTPayload;
    try {
        if (token.split(".").length !== 3) {
            throw new Error(`it has ${token.split(".").length} dot-separated parts, not 3`);
        }
        header = decodeProtectedHeader(token);
        claims = decodeJwt(token);
    } catch (err) {
        return { findings: [size, fail("token.format", `the token is not a compact JWS/JWT (${(err as Error).message})`, "pass the token file's content (kubectl create token SA, or the pod's /var/run/secrets/eks.amazonaws.com/serviceaccount/token)")] };
    }
    const findings: Finding[] = [size, pass("token.format", "the token is a compact JWT")];
    const alg = header.alg ?? "";
    const algOk = (STS_ALGORITHMS as readonly string[]).includes(alg);
    findings.push(
        algOk
            ? pass("token.alg", `the token is signed with ${alg}`)
            : fail("token.alg", `the token's alg ${JSON.stringify(alg)} is not one STS accepts (${STS_ALGORITHMS.join(", ")})`, "sign service-account tokens with an RSA (RS256) or ECDSA P-256 (ES256) key"),
    );
    if (algOk && args.keys) {
        findings.push(...(await checkKeyAndSignature(token, alg, header.kid, args.keys)));
    }
    findings.push(...checkClaims(claims, args));
    const aud = typeof claims.aud === "string" ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
    return { findings, claims: { sub: typeof claims.sub === "string" ? claims.sub : undefined, aud } };
}

async function checkKeyAndSignature(token: string, alg: string, kid: string | undefined, keys: PublishedKey[]): Promise<Finding[]> {
    // A token without kid (API servers before 1.16) is matched against the entry whose kid is "" (webhook #12).
    const wanted = kid ?? "";
    const key = keys.find((k) => (k.kid ?? "") === wanted);
    if (!key) {
        const published = keys.map((k) => JSON.stringify(k.kid ?? "")).join(", ");
        return [
            kid === undefined
                ? fail("token.kid", `the token has no kid and the JWKS has no entry with kid "" (it holds ${published})`, "publish the legacy empty-kid entry (`selfhosted-irsa jwks --legacy-empty-kid`), needed for API servers before 1.16")
                : fail("token.kid", `the token's kid ${JSON.stringify(kid)} is not in the JWKS (it holds ${published})`, "publish the public half of the API server's current --service-account-signing-key-file (keep old keys during rotation)"),
        ];
    }
    const family = alg.startsWith("RS") ? "RSA" : "EC";
    if (key.jwk.kty !== family || (typeof key.jwk.alg === "string" && key.jwk.alg !== alg)) {
        return [fail("token.kid", `the JWKS entry ${JSON.stringify(wanted)} is a ${shown(key.jwk.kty)} key for ${key.jwk.alg === undefined ? "any alg" : shown(key.jwk.alg)}, but the token is signed with ${alg}`, "regenerate the JWKS from the key that signs the tokens")];
    }
    const findings = [pass("token.kid", `the token's kid ${JSON.stringify(wanted)} is in the JWKS`)];
    try {
        await compactVerify(token, key.keyObject, { algorithms: [alg] });
        findings.push(pass("token.signature", `the ${alg} signature verifies with key ${JSON.stringify(wanted)}`));
    } catch (err) {
        const reason = (err as { code?: string }).code === "ERR_JWS_SIGNATURE_VERIFICATION_FAILED" ? "does not verify" : `cannot be checked (${(err as Error).message})`;
        findings.push(fail("token.signature", `the ${alg} signature ${reason} with the published key ${JSON.stringify(wanted)}`, "the JWKS entry with this kid must be the public half of the key that signed the token; regenerate the JWKS from the API server's keys"));
    }
    return findings;
}

function checkClaims(claims: JWTPayload, args: TokenCheckArgs): Finding[] {
    const findings: Finding[] = [];
    const { issuer, skewSeconds } = args;
    const now = Math.floor(args.now.getTime() / 1000);

    if (claims.iss === issuer) {
        findings.push(pass("token.iss", `iss is ${JSON.stringify(issuer)}`));
    } else if (typeof claims.iss === "string" && claims.iss.replace(/\/+$/, "") === issuer) {
        findings.push(fail("token.iss", `the token's iss ${JSON.stringify(claims.iss)} differs from ${JSON.stringify(issuer)} by a trailing slash; STS compares them exactly`, `set --service-account-issuer=${issuer} on the API server`));
    } else {
        findings.push(fail("token.iss", `the token's iss ${JSON.stringify(claims.iss ?? null)} is not the issuer ${JSON.stringify(issuer)}`, `set --service-account-issuer=${issuer} on the API server (first value), or check --issuer`));
    }

    const audience = args.audience ?? DEFAULT_AUDIENCE;
    const aud = typeof claims.aud === "string" ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
    findings.push(
        aud.includes(audience)
            ? pass("token.aud", `aud includes ${JSON.stringify(audience)}`)
            : fail("token.aud", `the token's aud ${JSON.stringify(claims.aud ?? null)} does not include ${JSON.stringify(audience)}`, `project the token with audience ${JSON.stringify(audience)} (annotation eks.amazonaws.com/audience), and list it in the IAM provider's client IDs`),
    );

    if (typeof claims.exp !== "number") {
        findings.push(fail("token.exp", "the token has no numeric exp claim", REMINT));
    } else if (now > claims.exp + skewSeconds) {
        findings.push(fail("token.exp", `the token expired at ${iso(claims.exp)}, ${now - claims.exp} s ago (beyond the ${skewSeconds} s skew)`, REMINT));
    } else {
        findings.push(pass("token.exp", `the token is valid until ${iso(claims.exp)}`));
    }

    if (claims.nbf === undefined) {
        findings.push(pass("token.nbf", "the token has no nbf claim"));
    } else if (typeof claims.nbf !== "number") {
        findings.push(fail("token.nbf", `the token's nbf ${JSON.stringify(claims.nbf)} is not a number`, REMINT));
    } else if (claims.nbf > now + skewSeconds) {
        findings.push(fail("token.nbf", `the token is not valid before ${iso(claims.nbf)}, ${claims.nbf - now} s from now (beyond the ${skewSeconds} s skew)`, CLOCKS));
    } else {
        findings.push(pass("token.nbf", `the token is valid since ${iso(claims.nbf)}`));
    }

    if (claims.iat === undefined) {
        findings.push(pass("token.iat", "the token has no iat claim"));
    } else if (typeof claims.iat !== "number") {
        findings.push(fail("token.iat", `the token's iat ${JSON.stringify(claims.iat)} is not a number`, REMINT));
    } else if (claims.iat > now + skewSeconds) {
        findings.push(fail("token.iat", `the token was issued at ${iso(claims.iat)}, ${claims.iat - now} s in the future (beyond the ${skewSeconds} s skew)`, CLOCKS));
    } else {
        findings.push(pass("token.iat", `the token was issued at ${iso(claims.iat)}`));
    }

    const match = typeof claims.sub === "string" ? SUBJECT.exec(claims.sub) : null;
    if (!match || !DNS1123_LABEL.test(match[1]) || match[1].length > 63 || !DNS1123_SUBDOMAIN.test(match[2]) || match[2].length > 253) {
        findings.push(fail("token.sub", `the token's sub ${JSON.stringify(claims.sub ?? null)} is not system:serviceaccount:<namespace>:<name>`, "use a projected service-account token, not another kind of token"));
    } else {
        findings.push(pass("token.sub", `sub is ${claims.sub} (namespace ${match[1]}, service account ${match[2]})`));
    }
    return findings;
}
