// Certificates with the faults a careless or hostile webhook setup has (expired CAs, CA:FALSE, no SANs, wrong
// key usages, SHA-1, unknown critical extensions), built with @peculiar/x509 on WebCrypto.
import * as crypto from "node:crypto";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(crypto.webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export interface Made {
    certPem: string;
    keys: crypto.webcrypto.CryptoKeyPair;
    cert: x509.X509Certificate;
    algorithm: { name: string; hash: string; namedCurve?: string };
}

export interface CertSpec {
    subject: string;
    /** Signed by this CA; self-signed without. */
    issuer?: Made;
    /** Basic constraints: true (CA), false (CA:FALSE), or "absent". @default true without dns, else false */
    ca?: boolean | "absent";
    pathLen?: number;
    /** Key usage flags, or "absent". @default keyCertSign|cRLSign for a CA, digitalSignature for a leaf */
    keyUsage?: number | "absent";
    /** Extended key usages (OIDs). @default serverAuth for a leaf, none for a CA */
    eku?: string[];
    /** DNS subject alternative names; none: no SAN extension. */
    dns?: string[];
    notBefore?: Date;
    notAfter?: Date;
    /** An RSA key whose certificates it signs with SHA-1 (only for a CA). */
    sha1?: boolean;
    /** A critical extension Go does not know. */
    unknownCritical?: boolean;
}

const DAY = 86_400_000;
const EC = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
const RSA_SHA1 = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-1", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) };
let serial = 1;

export async function makeCert(spec: CertSpec): Promise<Made> {
    const algorithm = spec.sha1 ? RSA_SHA1 : EC;
    const keys = (await crypto.webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"])) as crypto.webcrypto.CryptoKeyPair;
    const leaf = spec.dns !== undefined;
    const ca = spec.ca ?? !leaf;
    const extensions: x509.Extension[] = [];
    if (ca !== "absent") {
        extensions.push(new x509.BasicConstraintsExtension(ca, spec.pathLen, true));
    }
    const usage = spec.keyUsage ?? (ca === true ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign : x509.KeyUsageFlags.digitalSignature);
    if (usage !== "absent") {
        extensions.push(new x509.KeyUsagesExtension(usage, true));
    }
    const eku = spec.eku ?? (leaf ? [x509.ExtendedKeyUsage.serverAuth] : []);
    if (eku.length > 0) {
        extensions.push(new x509.ExtendedKeyUsageExtension(eku));
    }
    if (spec.dns && spec.dns.length > 0) {
        extensions.push(new x509.SubjectAlternativeNameExtension(spec.dns.map((value) => ({ type: "dns" as const, value }))));
    }
    if (spec.unknownCritical) {
        extensions.push(new x509.Extension("1.3.6.1.4.1.99999.1", true, new Uint8Array([0x05, 0x00])));
    }
    extensions.push(await x509.SubjectKeyIdentifierExtension.create(keys.publicKey));
    const signer = spec.issuer ?? { keys, algorithm, cert: undefined };
    const cert = await x509.X509CertificateGenerator.create({
        serialNumber: (serial++).toString(16).padStart(2, "0"),
        subject: spec.subject,
        issuer: spec.issuer ? spec.issuer.cert.subject : spec.subject,
        notBefore: spec.notBefore ?? new Date(Date.now() - DAY),
        notAfter: spec.notAfter ?? new Date(Date.now() + 365 * DAY),
        publicKey: keys.publicKey,
        signingKey: signer.keys.privateKey,
        signingAlgorithm: signer.algorithm,
        extensions,
    });
    return { certPem: `${cert.toString("pem")}\n`, keys, cert, algorithm };
}

export async function keyPem(made: Made): Promise<string> {
    const der = await crypto.webcrypto.subtle.exportKey("pkcs8", made.keys.privateKey);
    return `-----BEGIN PRIVATE KEY-----\n${Buffer.from(der).toString("base64").replace(/.{64}/g, "$&\n").replace(/\n?$/, "\n")}-----END PRIVATE KEY-----\n`;
}

export const DAYS = DAY;
export const KeyUsage = x509.KeyUsageFlags;
export const Eku = x509.ExtendedKeyUsage;
