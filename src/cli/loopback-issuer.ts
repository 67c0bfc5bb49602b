import * as https from "node:https";
import type { AddressInfo } from "node:net";
import { createTestCa, issueServerCertificate } from "./pki";

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

/** A throwaway CA (ECDSA P-256) and a server certificate for 127.0.0.1 and localhost, valid for one hour. */
async function makeTls(): Promise<Tls> {
    const ca = await createTestCa("selfhosted-irsa loopback CA");
    const server = await issueServerCertificate(ca, "127.0.0.1", { ips: ["127.0.0.1"], dnsNames: ["localhost"] });
    return { caPem: ca.certPem, ...server };
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
