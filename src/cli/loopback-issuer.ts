import * as crypto from "node:crypto";
import * as https from "node:https";
import type { AddressInfo } from "node:net";

/** What the loopback server answers on one path. */
export interface LoopbackRoute {
    /** @default 200 */
    status?: number;
    body: string | Buffer;
    /** @default { "content-type": "application/json" } */
    headers?: Record<string, string>;
    /** Wait this long before answering (to exceed a client's timeout). @default 0 */
    delayMs?: number;
    /** Send the body in chunks without Content-Length, so a client must stop reading by itself. @default false */
    chunked?: boolean;
}

export interface LoopbackIssuer {
    /** `https://127.0.0.1:<port>`: a valid issuer URL. */
    url: string;
    /** The CA that signed the server certificate, to hand to the verifier (`httpsFetcher({ ca })`). */
    caPem: string;
    /** Path (with leading slash) → route; change it at any time. Unknown paths answer 404. */
    routes: Map<string, LoopbackRoute>;
    close(): Promise<void>;
}

interface Tls {
    caPem: string;
    certPem: string;
    keyPem: string;
}

const pem = (label: string, der: ArrayBuffer) =>
    `-----BEGIN ${label}-----\n${Buffer.from(der).toString("base64").replace(/.{64}/g, "$&\n").replace(/\n?$/, "\n")}-----END ${label}-----\n`;

/**
 * A throwaway CA (ECDSA P-256) and a server certificate for 127.0.0.1 and localhost, valid for one hour.
 * @peculiar/x509 is loaded here only, so the other commands never pay for it.
 */
async function makeTls(): Promise<Tls> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const x509: typeof import("@peculiar/x509") = require("@peculiar/x509");
    const webcrypto = crypto.webcrypto;
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
    const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
    const notBefore = new Date(Date.now() - 60_000);
    const notAfter = new Date(Date.now() + 3_600_000);
    const caKeys = (await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"])) as crypto.webcrypto.CryptoKeyPair;
    const ca = await x509.X509CertificateGenerator.createSelfSigned({
        name: "CN=selfhosted-irsa loopback CA",
        keys: caKeys,
        notBefore,
        notAfter,
        signingAlgorithm: alg,
        extensions: [
            new x509.BasicConstraintsExtension(true, 0, true),
            new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
            await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
        ],
    });
    const serverKeys = (await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"])) as crypto.webcrypto.CryptoKeyPair;
    const cert = await x509.X509CertificateGenerator.create({
        subject: "CN=127.0.0.1",
        issuer: ca.subject,
        publicKey: serverKeys.publicKey,
        signingKey: caKeys.privateKey,
        notBefore,
        notAfter,
        signingAlgorithm: alg,
        extensions: [
            new x509.BasicConstraintsExtension(false, undefined, true),
            new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
            new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
            new x509.SubjectAlternativeNameExtension([
                { type: "ip", value: "127.0.0.1" },
                { type: "dns", value: "localhost" },
            ]),
            await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
        ],
    });
    const keyDer = await webcrypto.subtle.exportKey("pkcs8", serverKeys.privateKey);
    return { caPem: ca.toString("pem") + "\n", certPem: cert.toString("pem") + "\n", keyPem: pem("PRIVATE KEY", keyDer) };
}

/**
 * Starts an HTTPS server on 127.0.0.1 (random port) with its own CA, serving the given routes: a stand-in
 * for the public bucket that hosts an issuer's documents, used by `demo` and by the end-to-end tests.
 */
export async function startLoopbackIssuer(routes: Record<string, LoopbackRoute> = {}): Promise<LoopbackIssuer> {
    const tls = await makeTls();
    const table = new Map(Object.entries(routes));
    const timers = new Set<NodeJS.Timeout>();
    const server = https.createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
        const path = (req.url ?? "/").split("?")[0];
        const route = table.get(path) ?? { status: 404, body: "404 page not found\n", headers: { "content-type": "text/plain" } };
        const answer = () => {
            timers.delete(timer);
            const body = Buffer.isBuffer(route.body) ? route.body : Buffer.from(route.body, "utf8");
            const length: Record<string, string> = route.chunked ? {} : { "content-length": String(body.length) };
            res.writeHead(route.status ?? 200, { "content-type": "application/json", ...length, ...route.headers });
            if (route.chunked) {
                for (let i = 0; i < body.length; i += 16384) {
                    res.write(body.subarray(i, i + 16384));
                }
            }
            res.end(route.chunked ? undefined : body);
        };
        const timer = setTimeout(answer, route.delayMs ?? 0);
        timers.add(timer);
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    return {
        url: `https://127.0.0.1:${port}`,
        caPem: tls.caPem,
        routes: table,
        close: () =>
            new Promise<void>((resolve) => {
                timers.forEach((t) => clearTimeout(t));
                server.close(() => resolve());
                server.closeAllConnections();
            }),
    };
}
