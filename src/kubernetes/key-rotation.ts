import { IrsaInputError } from "../oidc/errors";
import { readPublicKey } from "../oidc/keys";

/**
 * The phases of a zero-downtime signing-key rotation. STS verifies a token against whatever JWKS is
 * published when the pod calls it, and a pod may hold a token for its whole lifetime, so:
 *  1. "publish": the API server still signs with the current key; the JWKS gains the next key.
 *  2. "switch": the API server signs with the next key and still verifies with both (every key file
 *     listed in --service-account-key-file); the JWKS keeps both.
 *  3. "retire": once the longest token lifetime has passed since the switch, the old key leaves the JWKS
 *     and the API server's key files.
 */
export type RotationPhase = "publish" | "switch" | "retire";

export interface RotationPlanArgs {
    phase: RotationPhase;
    /** Public key (PEM) the API server signs with before the rotation. */
    currentPublicKeyPem: string;
    /** Public key (PEM) it signs with after the rotation. */
    nextPublicKeyPem: string;
    /** When the "switch" phase was applied (needed to check "retire"). */
    switchedAt?: Date;
    /** The longest token lifetime the API server issues (--service-account-max-token-expiration). @default 86400 */
    maxTokenLifetimeSeconds?: number;
    /** The clock. @default new Date() */
    now?: Date;
}

export interface RotationPlan {
    phase: RotationPhase;
    /** Which key signs: the args to give SelfHostedIrsa's `signingKey`. */
    signingKey: "current" | "next";
    /** Public keys to publish in the JWKS, signing key first (`signingKey` + `additionalPublicKeyPems`). */
    publishedPublicKeyPems: string[];
    /** kids of the published keys, in order. */
    publishedKeyIds: string[];
    /** Keys the API server must verify with (one --service-account-key-file each). */
    apiServerVerificationKeys: string[];
    /** The earliest moment the next phase may be applied without breaking pods (undefined: any time). */
    nextPhaseNotBefore?: Date;
    /** What to do, in order. */
    steps: string[];
}

/**
 * Plans one phase of a rotation. Pure: the component takes the result's keys through `signingKey` and
 * `additionalPublicKeyPems`, the API server through its flags, and the README walks the phases.
 */
export function planKeyRotation(args: RotationPlanArgs): RotationPlan {
    const current = readPublicKey(args.currentPublicKeyPem, "currentPublicKeyPem");
    const next = readPublicKey(args.nextPublicKeyPem, "nextPublicKeyPem");
    if (current.kid === next.kid) {
        throw new IrsaInputError("nextPublicKeyPem", next.kid, "is the same key as the current one", "generate a new key pair for the rotation");
    }
    const maxLifetime = args.maxTokenLifetimeSeconds ?? 86400;
    switch (args.phase) {
        case "publish":
            return {
                phase: "publish",
                signingKey: "current",
                publishedPublicKeyPems: [current.spkiPem, next.spkiPem],
                publishedKeyIds: [current.kid, next.kid],
                apiServerVerificationKeys: [current.spkiPem, next.spkiPem],
                steps: [
                    "pulumi up with signingKey = the current key and additionalPublicKeyPems = [the next public key]",
                    "add the next public key as a second --service-account-key-file on every API server (it still signs with the current key)",
                    "run `selfhosted-irsa doctor --issuer ISSUER` and see both kids in the JWKS",
                ],
            };
        case "switch":
            return {
                phase: "switch",
                signingKey: "next",
                publishedPublicKeyPems: [next.spkiPem, current.spkiPem],
                publishedKeyIds: [next.kid, current.kid],
                apiServerVerificationKeys: [next.spkiPem, current.spkiPem],
                nextPhaseNotBefore: args.switchedAt ? new Date(args.switchedAt.getTime() + maxLifetime * 1000) : undefined,
                steps: [
                    "pulumi up with signingKey = the next key and additionalPublicKeyPems = [the current public key]",
                    "point --service-account-signing-key-file at the next private key, keep both --service-account-key-file entries, restart the API servers one by one",
                    `wait at least ${maxLifetime} s (the longest token lifetime) before retiring the old key`,
                ],
            };
        case "retire": {
            if (!args.switchedAt) {
                throw new IrsaInputError("switchedAt", undefined, "is required to retire the old key", "pass the time the \"switch\" phase was applied");
            }
            const notBefore = new Date(args.switchedAt.getTime() + maxLifetime * 1000);
            const now = args.now ?? new Date();
            if (now.getTime() < notBefore.getTime()) {
                throw new IrsaInputError(
                    "phase",
                    "retire",
                    `is too early: tokens signed by the old key stay valid until ${notBefore.toISOString()} (switch + ${maxLifetime} s)`,
                    "keep the old key published until then",
                );
            }
            return {
                phase: "retire",
                signingKey: "next",
                publishedPublicKeyPems: [next.spkiPem],
                publishedKeyIds: [next.kid],
                apiServerVerificationKeys: [next.spkiPem],
                steps: [
                    "pulumi up with signingKey = the next key and no additionalPublicKeyPems",
                    "remove the old --service-account-key-file from every API server",
                ],
            };
        }
        default:
            throw new IrsaInputError("phase", args.phase, "is not a rotation phase", "use \"publish\", \"switch\" or \"retire\"");
    }
}
