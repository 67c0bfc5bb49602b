// The lab's throwaway PKI, made in-process for every run: the API server's CA (serving and client
// certificates) and client certificates for kubeconfigs. ECDSA P-256 via WebCrypto and @peculiar/x509.
import * as crypto from "node:crypto";
import * as x509 from "@peculiar/x509";
import { stringify } from "yaml";
import { createTestCa, issueServerCertificate, IssuedCertificate, TestCa } from "../../src/cli/pki";

x509.cryptoProvider.set(crypto.webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
const DAY = 86_400_000;

export type { IssuedCertificate, TestCa };

/**
 * A CA valid for `days` (default a day: a lab run is minutes). A CA that must look healthy to `doctor cluster`
 * needs more: it warns when a CA of the webhook's chain expires within its warning window.
 */
export function labCa(commonName: string, days = 1): Promise<TestCa> {
    return createTestCa(commonName, { notAfter: new Date(Date.now() + days * DAY) });
}

/** The API server's serving certificate: 127.0.0.1 and localhost (the only addresses it is dialled on). */
export function apiServerCertificate(ca: TestCa): Promise<IssuedCertificate> {
    return issueServerCertificate(ca, "kube-apiserver", { ips: ["127.0.0.1"], dnsNames: ["localhost", "kubernetes", "kubernetes.default.svc"], notAfter: new Date(Date.now() + DAY) });
}

const pem = (label: string, der: ArrayBuffer) => `-----BEGIN ${label}-----\n${Buffer.from(der).toString("base64").replace(/.{64}/g, "$&\n").replace(/\n?$/, "\n")}-----END ${label}-----\n`;

/** A client certificate: the API server authenticates `user` with these groups (CN and O). */
export async function clientCertificate(ca: TestCa, user: string, groups: readonly string[] = []): Promise<IssuedCertificate> {
    const keys = (await crypto.webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as crypto.webcrypto.CryptoKeyPair;
    const subject: x509.JsonName = [{ CN: [user] }, ...groups.map((g) => ({ O: [g] }))];
    const cert = await x509.X509CertificateGenerator.create({
        subject,
        issuer: ca.cert.subject,
        publicKey: keys.publicKey,
        signingKey: ca.keys.privateKey,
        notBefore: new Date(Date.now() - 60_000),
        notAfter: new Date(Date.now() + DAY),
        signingAlgorithm: ALG,
        extensions: [
            new x509.BasicConstraintsExtension(false, undefined, true),
            new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
            new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
            await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
        ],
    });
    const keyDer = await crypto.webcrypto.subtle.exportKey("pkcs8", keys.privateKey);
    return { certPem: cert.toString("pem") + "\n", keyPem: pem("PRIVATE KEY", keyDer) };
}

const b64 = (text: string) => Buffer.from(text).toString("base64");

/** A kubeconfig (context "lab") for `server`, authenticating with a client certificate or a bearer token. */
export function kubeconfigYaml(server: string, caPem: string, user: string, credentials: IssuedCertificate | { token: string }): string {
    const auth = "token" in credentials ? { token: credentials.token } : { "client-certificate-data": b64(credentials.certPem), "client-key-data": b64(credentials.keyPem) };
    return stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "lab", cluster: { server, "certificate-authority-data": b64(caPem) } }],
        users: [{ name: user, user: auth }],
        contexts: [{ name: "lab", context: { cluster: "lab", user } }],
        "current-context": "lab",
    });
}
