import * as crypto from "node:crypto";
import { SignJWT } from "jose";
import { validateLiteralAudience } from "./audience";
import { validateIssuerUrl } from "./discovery";
import { IrsaInputError } from "./errors";
import { readPrivateKey } from "./keys";
import { DEFAULT_AUDIENCE, serviceAccountSubject } from "./trust-policy";

/** kube-apiserver's TokenRequest bounds on expirationSeconds: 10 minutes to 2^32 s (pkg/apis/authentication/validation). */
export const MIN_TOKEN_TTL_SECONDS = 600;
export const MAX_TOKEN_TTL_SECONDS = 2 ** 32;

export interface MintTokenArgs {
    /** The API server's signing key (PEM; PKCS#1, PKCS#8 or SEC1). */
    privateKeyPem: string;
    issuer: string;
    namespace: string;
    serviceAccount: string;
    /** @default ["sts.amazonaws.com"] */
    audiences?: string[];
    /** Whole seconds, 600 to 2^32. @default 3600 */
    ttlSeconds?: number;
    /** The clock. @default new Date() */
    now?: Date;
    /** @default "demo-pod" */
    podName?: string;
}

/** A deterministic-looking UID for demo objects, derived from their name so tokens are easy to read. */
function demoUid(kind: string, name: string): string {
    const hex = crypto.createHash("sha256").update(`${kind}/${name}`).digest("hex");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Mints a token shaped like a projected service-account token from kube-apiserver: header `alg` + `kid`,
 * claims iss, sub, aud (array), exp, iat, nbf, jti and the `kubernetes.io` private claim.
 */
export async function mintServiceAccountToken(args: MintTokenArgs): Promise<string> {
    const issuer = validateIssuerUrl(args.issuer);
    const { privateKey, publicKey } = readPrivateKey(args.privateKeyPem);
    const now = Math.floor((args.now ?? new Date()).getTime() / 1000);
    const ttl = args.ttlSeconds ?? 3600;
    if (!Number.isSafeInteger(ttl) || ttl < MIN_TOKEN_TTL_SECONDS || ttl > MAX_TOKEN_TTL_SECONDS) {
        throw new IrsaInputError("ttlSeconds", ttl, `must be a whole number of seconds from ${MIN_TOKEN_TTL_SECONDS} to ${MAX_TOKEN_TTL_SECONDS} (kube-apiserver's TokenRequest bounds)`, "use 3600 (the default)");
    }
    const audiences = (args.audiences ?? [DEFAULT_AUDIENCE]).map((a, i) => validateLiteralAudience(a, `audiences[${i}]`));
    const podName = args.podName ?? "demo-pod";
    return new SignJWT({
        "kubernetes.io": {
            namespace: args.namespace,
            pod: { name: podName, uid: demoUid("pod", `${args.namespace}/${podName}`) },
            serviceaccount: { name: args.serviceAccount, uid: demoUid("serviceaccount", `${args.namespace}/${args.serviceAccount}`) },
        },
    })
        .setProtectedHeader({ alg: publicKey.alg, kid: publicKey.kid })
        .setIssuer(issuer)
        .setSubject(serviceAccountSubject(args.namespace, args.serviceAccount))
        .setAudience(audiences)
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpirationTime(now + ttl)
        .setJti(crypto.randomUUID())
        .sign(privateKey);
}
