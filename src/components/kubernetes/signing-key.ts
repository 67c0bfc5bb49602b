import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { readPrivateKey, MIN_RSA_BITS } from "../../oidc/keys";
import { GENERATED_KEY_SHAPE, KeyAlgorithm, keyShapeChangeWarning, SigningKeyArgs, validatePublicKeyPems } from "../../kubernetes/signing-key";
import { readClusterPublicKeys } from "./cluster-keys";
import { requireResourceOutput } from "../provider-outputs";

const ARG = "signingKey";

export interface ResolvedSigningKey {
    /** The private key (PKCS#8 when generated), secret; undefined with `publicKeyPems`. */
    privateKeyPem: pulumi.Output<string | undefined>;
    /** The signing public keys (not secret), to publish first in the JWKS. */
    publicKeyPems: pulumi.Output<string[]>;
    /** The generated key, when one was generated. */
    generated?: tls.PrivateKey;
    /** The kid of each signing public key as the cluster serves it (`fromCluster`: an external signer's own). */
    keyIds?: pulumi.Output<(string | undefined)[]>;
}

/**
 * A public-key list as the engine will record it: each value, also one that arrives later as an Output, is
 * checked by `validatePublicKeyPems` before it is sent, so a private key fails the registration instead of
 * being stored in clear.
 */
export function checkedPublicKeyPems(pems: pulumi.Input<pulumi.Input<string>[]>, argument: string, allowEmpty = false): pulumi.Output<string[]> {
    return pulumi.output(pems).apply((list) => {
        validatePublicKeyPems(list, argument, allowEmpty);
        return list;
    });
}

/**
 * Resolves the signing key: generates one with @pulumi/tls (`${name}-signing-key`), or takes the user's
 * private key (wrapped as a secret) or public keys. The public half is never secret.
 */
export function resolveSigningKey(name: string, args: SigningKeyArgs | undefined, opts: { parent: pulumi.Resource; protect: boolean }, issuerUrl: pulumi.Input<string>): ResolvedSigningKey {
    if (args?.fromCluster !== undefined) {
        const keys = readClusterPublicKeys(args.fromCluster, issuerUrl, { parent: opts.parent });
        return { privateKeyPem: pulumi.secret(pulumi.output<string | undefined>(undefined)), publicKeyPems: keys.apply((k) => k.map((x) => x.pem)), keyIds: keys.apply((k) => k.map((x) => x.kid)) };
    }
    if (args?.privateKeyPem !== undefined) {
        const privateKeyPem = pulumi.secret(args.privateKeyPem);
        const publicKeyPems = pulumi.unsecret(
            privateKeyPem.apply((pem) => [readPrivateKey(pem, `${ARG}.privateKeyPem`).publicKey.spkiPem]),
        );
        return { privateKeyPem: privateKeyPem as pulumi.Output<string | undefined>, publicKeyPems };
    }
    if (args?.publicKeyPems !== undefined) {
        const publicKeyPems = checkedPublicKeyPems(args.publicKeyPems, `${ARG}.publicKeyPems`);
        return { privateKeyPem: pulumi.secret(pulumi.output<string | undefined>(undefined)), publicKeyPems };
    }
    const algorithm = args?.algorithm ?? KeyAlgorithm.RSA;
    const rsaBits = algorithm === KeyAlgorithm.RSA ? args?.rsaBits ?? MIN_RSA_BITS : undefined;
    const generated = new tls.PrivateKey(
        `${name}-signing-key`,
        algorithm === KeyAlgorithm.RSA ? { algorithm, rsaBits } : { algorithm, ecdsaCurve: "P256" },
        {
            parent: opts.parent,
            // The TLS provider replaces the key when these change: the JWKS would then lose the key the API server
            // still signs with. Keys change only through rotation (planKeyRotation), so edits are ignored...
            ignoreChanges: [...GENERATED_KEY_SHAPE],
            // ...and the key is protected: no replacement or destroy can take it out of the state by accident.
            ...(opts.protect ? { protect: true } : {}),
        },
    );
    // ...and said out loud, so the edit is not silently lost.
    pulumi.all([generated.algorithm, generated.rsaBits]).apply(([kept, keptBits]) => {
        const warning = keyShapeChangeWarning({ algorithm: kept, rsaBits: keptBits }, { algorithm, rsaBits });
        if (warning !== undefined) {
            void pulumi.log.warn(warning, generated);
        }
    });
    const out = (field: "privateKeyPemPkcs8" | "publicKeyPem") => requireResourceOutput(generated[field], "tls:index/privateKey:PrivateKey", `${name}-signing-key`, field);
    return {
        // PKCS#8, like the CLI's generated keys; kube-apiserver reads PKCS#1, PKCS#8 and SEC1 alike.
        privateKeyPem: pulumi.secret(out("privateKeyPemPkcs8")) as pulumi.Output<string | undefined>,
        publicKeyPems: out("publicKeyPem").apply((pem) => [pem]),
        generated,
    };
}
