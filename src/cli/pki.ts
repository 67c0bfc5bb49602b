// Throwaway certificates for loopback servers (the demo's issuer, the tests' fake API server and webhook).
// @peculiar/x509 is loaded here only, so commands that never make a certificate never pay for it.
import * as crypto from "node:crypto";

/** A CA that can sign certificates. */
export interface TestCa {
    certPem: string;
    /** @internal the signing key (WebCrypto) */
    keys: crypto.webcrypto.CryptoKeyPair;
    /** @internal the parsed certificate */
    cert: import("@peculiar/x509").X509Certificate;
}

/** A certificate and its private key, PEM. */
export interface IssuedCertificate {
    certPem: string;
    keyPem: string;
}

export interface CertificateOptions {
    /** DNS subject alternative names. @default [] */
    dnsNames?: string[];
    /** IP subject alternative names. @default [] */
    ips?: string[];
    /** @default one minute ago */
    notBefore?: Date;
    /** @default one hour from now */
    notAfter?: Date;
}

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };

const pem = (label: string, der: ArrayBuffer) =>
    `-----BEGIN ${label}-----\n${Buffer.from(der).toString("base64").replace(/.{64}/g, "$&\n").replace(/\n?$/, "\n")}-----END ${label}-----\n`;

function x509(): typeof import("@peculiar/x509") {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const lib: typeof import("@peculiar/x509") = require("@peculiar/x509");
    lib.cryptoProvider.set(crypto.webcrypto as unknown as Parameters<typeof lib.cryptoProvider.set>[0]);
    return lib;
}

const defaults = (options: CertificateOptions) => ({
    notBefore: options.notBefore ?? new Date(Date.now() - 60_000),
    notAfter: options.notAfter ?? new Date(Date.now() + 3_600_000),
});

/** An ECDSA P-256 CA, valid one hour unless told otherwise: self-signed, or an intermediate signed by `parent`. */
export async function createTestCa(commonName: string, options: CertificateOptions = {}, parent?: TestCa): Promise<TestCa> {
    const lib = x509();
    const keys = (await crypto.webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as crypto.webcrypto.CryptoKeyPair;
    const extensions = [
        new lib.BasicConstraintsExtension(true, parent ? 0 : 1, true),
        new lib.KeyUsagesExtension(lib.KeyUsageFlags.keyCertSign | lib.KeyUsageFlags.cRLSign, true),
        await lib.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ];
    const cert = parent
        ? await lib.X509CertificateGenerator.create({ subject: `CN=${commonName}`, issuer: parent.cert.subject, publicKey: keys.publicKey, signingKey: parent.keys.privateKey, ...defaults(options), signingAlgorithm: ALG, extensions })
        : await lib.X509CertificateGenerator.createSelfSigned({ name: `CN=${commonName}`, keys, ...defaults(options), signingAlgorithm: ALG, extensions });
    return { certPem: cert.toString("pem") + "\n", keys, cert };
}

/** A TLS server certificate signed by `ca` for the given names. */
export async function issueServerCertificate(ca: TestCa, commonName: string, options: CertificateOptions = {}): Promise<IssuedCertificate> {
    const lib = x509();
    const keys = (await crypto.webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as crypto.webcrypto.CryptoKeyPair;
    const names = [...(options.ips ?? []).map((value) => ({ type: "ip" as const, value })), ...(options.dnsNames ?? []).map((value) => ({ type: "dns" as const, value }))];
    const cert = await lib.X509CertificateGenerator.create({
        subject: `CN=${commonName}`,
        issuer: ca.cert.subject,
        publicKey: keys.publicKey,
        signingKey: ca.keys.privateKey,
        ...defaults(options),
        signingAlgorithm: ALG,
        extensions: [
            new lib.BasicConstraintsExtension(false, undefined, true),
            new lib.KeyUsagesExtension(lib.KeyUsageFlags.digitalSignature, true),
            new lib.ExtendedKeyUsageExtension([lib.ExtendedKeyUsage.serverAuth]),
            new lib.SubjectAlternativeNameExtension(names),
            await lib.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
        ],
    });
    const keyDer = await crypto.webcrypto.subtle.exportKey("pkcs8", keys.privateKey);
    return { certPem: cert.toString("pem") + "\n", keyPem: pem("PRIVATE KEY", keyDer) };
}
