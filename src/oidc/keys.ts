import * as crypto from "node:crypto";
import { found, IrsaInputError } from "./errors";
import { describeKeyText, hasPrivateJwkMembers } from "./key-text";

/** The JWS algorithms the package signs and publishes with (the API server's choice for each key type). */
export type SigningAlgorithm = "RS256" | "ES256";

/** Smallest RSA modulus accepted: STS and NIST SP 800-57 both draw the line at 2048 bits. */
export const MIN_RSA_BITS = 2048;

/** One JSON Web Key, fields in the order kube-apiserver (go-jose) writes them: use, kty, kid, crv, alg, x, y, n, e. */
export interface Jwk {
    use: "sig";
    kty: "RSA" | "EC";
    kid: string;
    crv?: string;
    alg: SigningAlgorithm;
    x?: string;
    y?: string;
    n?: string;
    e?: string;
}

/** A verification key as the API server sees it. */
export interface PublicKeyInfo {
    /** kube-apiserver's key ID: base64url(SHA-256(DER SubjectPublicKeyInfo)), no padding. */
    kid: string;
    alg: SigningAlgorithm;
    kty: "RSA" | "EC";
    /** The public key re-encoded as SPKI PEM ("-----BEGIN PUBLIC KEY-----"). */
    spkiPem: string;
    keyObject: crypto.KeyObject;
    jwk: Jwk;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/**
 * The key ID exactly as kube-apiserver computes it (pkg/serviceaccount/jwt.go `keyIDFromPublicKey`):
 * SHA-256 over the DER SubjectPublicKeyInfo, base64url without padding. STS looks the token's `kid` up in
 * the JWKS by this value, so any other derivation breaks every pod.
 */
export function keyIdFromSpkiDer(der: Buffer): string {
    return crypto.createHash("sha256").update(der).digest("base64url");
}

/** Splits text into its PEM blocks, in order (a key file may hold several, as the API server allows). */
export function splitPemBlocks(text: string): string[] {
    return [...text.matchAll(PEM_BLOCK)].map((m) => m[0]);
}

/** What the reader expects, for the fix of a text that holds no PEM block. */
type Expecting = "public" | "private" | "any";

const NOT_PEM_FIX: Record<Expecting, string> = {
    public: "pass the public key as PEM, e.g. the output of `openssl pkey -in KEY -pubout`",
    private: "pass the private signing key as PEM (PKCS#1, PKCS#8 or SEC1: the API server's --service-account-signing-key-file)",
    any: "pass a PEM key (the API server's --service-account-key-file, or its signing key)",
};

function notPemFix(text: string, expecting: Expecting): string {
    const what = describeKeyText(text);
    if (/Talos form/.test(what)) {
        return "decode it first (`base64 -d FILE > key.pem`): Talos keeps keys base64-encoded";
    }
    if (/DER/.test(what)) {
        return `convert it to PEM first (\`base64 -d FILE | openssl pkey -inform DER${expecting === "public" ? " -pubout" : ""}\`)`;
    }
    return NOT_PEM_FIX[expecting];
}

function singleBlock(pem: string, argument: string, expecting: Expecting): string {
    const blocks = typeof pem === "string" ? splitPemBlocks(pem) : [];
    if (blocks.length === 0) {
        throw new IrsaInputError(argument, found(describeKeyText(pem)), "is not a PEM key (no -----BEGIN ...----- block found)", notPemFix(String(pem ?? ""), expecting));
    }
    if (blocks.length > 1) {
        throw new IrsaInputError(argument, found(describeKeyText(pem)), "holds more than one PEM block where one key is expected", "pass each key separately");
    }
    if (/ENCRYPTED/.test(blocks[0]) || /Proc-Type: 4,ENCRYPTED/.test(blocks[0])) {
        throw new IrsaInputError(argument, found("an encrypted private key"), "is an encrypted private key; the API server needs it unencrypted", "decrypt it first: `openssl pkey -in KEY -out KEY.plain`");
    }
    return blocks[0];
}

/** Whether DER bytes parse as a private key (PKCS#8, SEC1 or PKCS#1). */
function isPrivateDer(der: Buffer): boolean {
    const forms: Array<"pkcs8" | "sec1" | "pkcs1"> = ["pkcs8", "sec1", "pkcs1"];
    return forms.some((type) => {
        try {
            crypto.createPrivateKey({ key: der, format: "der", type });
            return true;
        } catch {
            return false;
        }
    });
}

/**
 * Refuses private key material where only public keys belong (a public-key argument or `--public-key`): a PEM
 * private key, a JWK with `d`, base64 of a private PEM (the Talos form) or of private DER. Such a value would be
 * stored and shown in clear wherever the argument goes (the engine records a component's inputs as given).
 */
export function refusePrivateKey(text: unknown, argument: string): void {
    const value = typeof text === "string" ? text : "";
    let privateFound: string | undefined;
    if (typeof text === "object" && text !== null && hasPrivateJwkMembers(text)) {
        privateFound = describeKeyText(text);
    } else if (splitPemBlocks(value).some((b) => /PRIVATE KEY-----/.test(b)) || /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(value)) {
        privateFound = describeKeyText(value);
    } else if (/^\s*[{[]/.test(value) && hasPrivateJwkMembers(safeJson(value))) {
        privateFound = describeKeyText(value);
    } else if (value.trim() !== "" && /^[A-Za-z0-9+/=\s]+$/.test(value)) {
        const decoded = Buffer.from(value.replace(/\s+/g, ""), "base64");
        if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(decoded.toString("latin1")) || isPrivateDer(decoded)) {
            privateFound = describeKeyText(value);
        }
    }
    if (privateFound !== undefined) {
        throw new IrsaInputError(
            argument,
            found(privateFound),
            "is a private key where only a public key belongs (it would be kept and shown in clear)",
            "pass its public half (`openssl pkey -in KEY -pubout`)",
        );
    }
}

function safeJson(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return undefined;
    }
}

const KEY_TYPE_NAMES: Record<string, string> = { dsa: "a DSA key", dh: "a DH key", ed25519: "an Ed25519 key", ed448: "an Ed448 key", x25519: "an X25519 key", x448: "an X448 key", "rsa-pss": "an RSA-PSS key" };

/** Checks the key type and size against what the API server and STS both accept. */
function describeKey(keyObject: crypto.KeyObject, argument: string): { alg: SigningAlgorithm; kty: "RSA" | "EC" } {
    const type = keyObject.asymmetricKeyType;
    const details = keyObject.asymmetricKeyDetails ?? {};
    if (type === "rsa") {
        const bits = details.modulusLength ?? 0;
        if (bits < MIN_RSA_BITS) {
            throw new IrsaInputError(argument, found(`an RSA ${bits}-bit key`), `is too small: RSA keys must have at least ${MIN_RSA_BITS} bits`, "generate a new key: `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`");
        }
        return { alg: "RS256", kty: "RSA" };
    }
    if (type === "ec") {
        if (details.namedCurve !== "prime256v1") {
            throw new IrsaInputError(argument, found(`an EC key on ${details.namedCurve ?? "an unknown curve"}`), "uses an unsupported curve: only P-256 (ES256) is supported", "generate a P-256 key: `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256`, or use RSA 2048+");
        }
        return { alg: "ES256", kty: "EC" };
    }
    throw new IrsaInputError(argument, found(KEY_TYPE_NAMES[type ?? ""] ?? "a key of unknown type"), "is not a supported key type: service-account keys must be RSA (2048 bits or more) or ECDSA P-256", "generate an RSA key: `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`");
}

function publicKeyInfo(keyObject: crypto.KeyObject, argument: string): PublicKeyInfo {
    const { alg, kty } = describeKey(keyObject, argument);
    const der = keyObject.export({ type: "spki", format: "der" });
    const kid = keyIdFromSpkiDer(der);
    const raw = keyObject.export({ format: "jwk" }) as crypto.JsonWebKey;
    const jwk: Jwk =
        kty === "RSA"
            ? { use: "sig", kty, kid, alg, n: raw.n, e: raw.e }
            : { use: "sig", kty, kid, crv: raw.crv, alg, x: raw.x, y: raw.y };
    return { kid, alg, kty, spkiPem: keyObject.export({ type: "spki", format: "pem" }).toString(), keyObject, jwk };
}

export interface ReadPublicKeyOptions {
    /**
     * Take the public half of a private key (PKCS#1, PKCS#8, SEC1). Off for arguments that are public keys by
     * name, where a private key would be kept in clear. Default: true
     */
    acceptPrivate?: boolean;
}

/**
 * Reads one public verification key from PEM: SPKI ("PUBLIC KEY"), PKCS#1 ("RSA PUBLIC KEY"), an X.509
 * certificate, or (unless `acceptPrivate` is false) a private key (PKCS#1, PKCS#8, SEC1) whose public half is taken.
 */
export function readPublicKey(pem: string, argument = "publicKeyPem", options: ReadPublicKeyOptions = {}): PublicKeyInfo {
    if (options.acceptPrivate === false) {
        refusePrivateKey(pem, argument);
    }
    const block = singleBlock(pem, argument, options.acceptPrivate === false ? "public" : "any");
    let keyObject: crypto.KeyObject;
    try {
        keyObject = crypto.createPublicKey(block);
    } catch (err) {
        throw new IrsaInputError(argument, found(describeKeyText(block)), `could not be read as a key (${(err as Error).message})`, "pass an SPKI, PKCS#1 or PKCS#8 PEM key");
    }
    return publicKeyInfo(keyObject, argument);
}

/** Reads a private signing key from PEM (PKCS#1 "RSA PRIVATE KEY", PKCS#8 "PRIVATE KEY", SEC1 "EC PRIVATE KEY"). */
export function readPrivateKey(pem: string, argument = "privateKeyPem"): { privateKey: crypto.KeyObject; publicKey: PublicKeyInfo } {
    const block = singleBlock(pem, argument, "private");
    if (!/PRIVATE KEY-----/.test(block)) {
        throw new IrsaInputError(argument, found(describeKeyText(block)), "is a public key where the private signing key is needed (a public key only verifies tokens)", "pass the private key: the API server's --service-account-signing-key-file (PKCS#1, PKCS#8 or SEC1 PEM)");
    }
    let privateKey: crypto.KeyObject;
    try {
        privateKey = crypto.createPrivateKey(block);
    } catch (err) {
        throw new IrsaInputError(argument, found(describeKeyText(block)), `could not be read as a private key (${(err as Error).message})`, "pass an unencrypted PKCS#1, PKCS#8 or SEC1 PEM key");
    }
    const publicKey = publicKeyInfo(crypto.createPublicKey(privateKey), argument);
    return { privateKey, publicKey };
}

/** Generates a signing key pair in memory (the CLI's demo and tests; the component uses @pulumi/tls). */
export function generateSigningKey(alg: SigningAlgorithm = "RS256", rsaBits = MIN_RSA_BITS): { privateKeyPem: string; publicKeyPem: string } {
    const pair =
        alg === "RS256"
            ? crypto.generateKeyPairSync("rsa", { modulusLength: rsaBits })
            : crypto.generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    return {
        privateKeyPem: pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
        publicKeyPem: pair.publicKey.export({ type: "spki", format: "pem" }).toString(),
    };
}
