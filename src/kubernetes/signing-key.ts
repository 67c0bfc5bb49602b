import type * as pulumi from "@pulumi/pulumi";
import { IrsaInputError, REDACTED } from "../oidc/errors";
import { MIN_RSA_BITS, readPrivateKey, readPublicKey, splitPemBlocks } from "../oidc/keys";
import { FromClusterArgs } from "./cluster-keys";

/** Algorithm of a generated signing key: RSA (2048 bits and up) or ECDSA P-256. */
export const KeyAlgorithm = { RSA: "RSA", ECDSA: "ECDSA" } as const;
export type KeyAlgorithm = (typeof KeyAlgorithm)[keyof typeof KeyAlgorithm];

/**
 * The service-account signing key. Give at most one of `privateKeyPem`, `publicKeyPems` and `fromCluster`;
 * with none, a key is generated with the Pulumi TLS provider (kept, encrypted, in the stack state).
 */
export interface SigningKeyArgs {
    /**
     * Algorithm of a generated key (P-256 for "ECDSA"). Only without `privateKeyPem`/`publicKeyPems`. Read when
     * the key is first generated: a later change does NOT replace the key (that would break every token the
     * API server signs); the program warns, and key changes go through `planKeyRotation` (README, "Rotating
     * the signing key"). Default: "RSA"
     */
    algorithm?: KeyAlgorithm;
    /**
     * Modulus size of a generated RSA key, at least 2048. Only with a generated RSA key. Like `algorithm`, read
     * only when the key is first generated; change keys by rotation. Default: 2048
     */
    rsaBits?: number;
    /**
     * Your own private signing key (PEM: PKCS#1, PKCS#8 or SEC1; RSA 2048+ or P-256), the one the API server
     * gets as --service-account-signing-key-file. Stored as a secret. Default: unset (generate one)
     */
    privateKeyPem?: pulumi.Input<string>;
    /**
     * Only the public keys, when the cluster keeps its private key (EKS Anywhere, k3s, RKE2 generate their
     * own): the contents of --service-account-key-file. Nothing private is stored. Default: unset
     */
    publicKeyPems?: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * Read the public keys of a running cluster on every `pulumi up` (kubectl `get --raw /openid/v1/jwks`, or
     * EKS Anywhere's `<cluster>-sa` secret) and republish them when they change. The cluster's own issuer must
     * be the published one unless `allowIssuerMismatch`. Needs kubectl where `pulumi up` runs.
     * Default: unset
     */
    fromCluster?: FromClusterArgs;
}

const ARG = "signingKey";

/** Checks signingKey args before anything is created; plain PEM strings are read now (messages never hold a key). */
export function validateSigningKeyArgs(args: SigningKeyArgs | undefined): void {
    if (args === undefined) {
        return;
    }
    const own = args.privateKeyPem !== undefined;
    const pub = args.publicKeyPems !== undefined || args.fromCluster !== undefined;
    const given = (["privateKeyPem", "publicKeyPems", "fromCluster"] as const).filter((k) => args[k] !== undefined);
    if (given.length > 1) {
        throw new IrsaInputError(ARG, given.join(" and "), "sets more than one key source; they are mutually exclusive", "give `privateKeyPem` when you hold the signing key, `publicKeyPems` when the cluster keeps it, or `fromCluster` to read them from the running cluster");
    }
    if (args.algorithm !== undefined && args.algorithm !== "RSA" && args.algorithm !== "ECDSA") {
        throw new IrsaInputError(`${ARG}.algorithm`, args.algorithm, "is neither \"RSA\" nor \"ECDSA\"", "use \"RSA\" (the default) or \"ECDSA\" (P-256)");
    }
    if ((own || pub) && (args.algorithm !== undefined || args.rsaBits !== undefined)) {
        const field = args.algorithm !== undefined ? "algorithm" : "rsaBits";
        throw new IrsaInputError(`${ARG}.${field}`, args[field], "applies only to a generated key", `remove it: the algorithm and size are those of the key in \`${ARG}.${given[0]}\``);
    }
    if (args.rsaBits !== undefined) {
        if (args.algorithm === "ECDSA") {
            throw new IrsaInputError(`${ARG}.rsaBits`, args.rsaBits, "applies only to RSA keys", "remove it, or use algorithm \"RSA\"");
        }
        if (!Number.isInteger(args.rsaBits) || args.rsaBits < MIN_RSA_BITS) {
            throw new IrsaInputError(`${ARG}.rsaBits`, args.rsaBits, `is not a whole number of at least ${MIN_RSA_BITS}`, `use ${MIN_RSA_BITS} (the default), 3072 or 4096`);
        }
    }
    if (typeof args.privateKeyPem === "string") {
        readPrivateKey(args.privateKeyPem, `${ARG}.privateKeyPem`);
    } else if (own && args.privateKeyPem === null) {
        throw new IrsaInputError(`${ARG}.privateKeyPem`, REDACTED, "is null", "pass the PEM text or leave it unset");
    }
    if (Array.isArray(args.publicKeyPems)) {
        validatePublicKeyPems(args.publicKeyPems, `${ARG}.publicKeyPems`);
    }
}

/** Reads every plain PEM text of a list now (Outputs are read when known); a list may not be empty. */
export function validatePublicKeyPems(pems: readonly pulumi.Input<string>[], argument: string, allowEmpty = false): void {
    if (pems.length === 0 && !allowEmpty) {
        throw new IrsaInputError(argument, [], "holds no key", "pass the API server's public key(s): the contents of its --service-account-key-file");
    }
    pems.forEach((pem, i) => {
        if (typeof pem === "string") {
            const blocks = splitPemBlocks(pem);
            (blocks.length > 0 ? blocks : [pem]).forEach((block) => readPublicKey(block, `${argument}[${i}]`));
        }
    });
}

/** The tls.PrivateKey fields that force a replacement (and so a new signing key) when they change. */
export const GENERATED_KEY_SHAPE = ["algorithm", "rsaBits", "ecdsaCurve"] as const;

/**
 * The warning for a changed `signingKey.algorithm`/`rsaBits` of a generated key (kept as it was), or undefined
 * when the key is what was asked for. Pure.
 */
export function keyShapeChangeWarning(kept: { algorithm?: string; rsaBits?: number }, asked: { algorithm: string; rsaBits?: number }): string | undefined {
    const shape = (a: { algorithm?: string; rsaBits?: number }) => (a.algorithm === KeyAlgorithm.RSA ? `RSA ${a.rsaBits}` : `${a.algorithm}`);
    const same = kept.algorithm === asked.algorithm && (asked.algorithm !== KeyAlgorithm.RSA || kept.rsaBits === asked.rsaBits);
    if (same || kept.algorithm === undefined) {
        return undefined;
    }
    return `signingKey asks for a ${shape(asked)} key, but the generated signing key is ${shape(kept)} and was kept: replacing it would break every service-account token the API server signs. To change keys, rotate (planKeyRotation, README "Rotating the signing key"), or set signingKey back to ${kept.algorithm === KeyAlgorithm.RSA ? `{ algorithm: "RSA", rsaBits: ${kept.rsaBits} }` : `{ algorithm: "${kept.algorithm}" }`} to silence this warning.`;
}
