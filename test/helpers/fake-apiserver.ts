// A fake Kubernetes API server for tests that run the real kubectl: Node https on 127.0.0.1 (random port),
// its own CA, and a kubeconfig (certificate-authority-data, a bearer token) pointing at it. It serves only
// what `doctor cluster` and `signingKey.fromCluster` read, and records every request (unknown paths too).
import * as fs from "node:fs";
import * as https from "node:https";
import * as net from "node:net";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { createTestCa, issueServerCertificate } from "../../src/cli/pki";

/** A Kubernetes object as JSON (apiVersion, kind, metadata, ...). */
export type K8sObject = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface TokenRequestSeen {
    namespace: string;
    serviceAccount: string;
    audiences: string[];
    expirationSeconds?: number;
}

/** The cluster the server pretends to be; tests change it between runs. */
export interface FakeCluster {
    /** Body of /.well-known/openid-configuration. @default 404 */
    discovery?: string;
    /** Body of /openid/v1/jwks. @default 404 */
    jwks?: string;
    /** Every object served by kind (ServiceAccount, Pod, Secret, MutatingWebhookConfiguration, EndpointSlice). */
    objects: K8sObject[];
    /** Signs the TokenRequest API's token. @default no token API (404) */
    signToken?: (request: TokenRequestSeen) => Promise<string>;
    /** Resources (plural, e.g. "secrets") that answer 403 Forbidden. @default [] */
    forbidden?: string[];
    /** `Warning` headers on every answer (kubectl prints them on stderr). @default [] */
    warnings?: string[];
}

export interface FakeApiServer {
    url: string;
    caPem: string;
    /** A kubeconfig (context "fake", user "tester") for this server. */
    kubeconfig: string;
    /** The temporary directory holding the kubeconfig (and a HOME for kubectl's caches). */
    dir: string;
    cluster: FakeCluster;
    /** "METHOD /path?query" of every request, in order. */
    requests: string[];
    /** Requests no route answered (kubectl asking for something the fake does not serve). */
    unknown: string[];
    tokenRequests: TokenRequestSeen[];
    /** Writes another kubeconfig in `dir` (e.g. naming an unreachable server) and returns its path. */
    writeKubeconfig(name: string, server: string): string;
    close(): Promise<void>;
}

/** Where each kind lives in the API. */
const KINDS: Record<string, { prefix: string; plural: string; namespaced: boolean }> = {
    ServiceAccount: { prefix: "/api/v1", plural: "serviceaccounts", namespaced: true },
    Pod: { prefix: "/api/v1", plural: "pods", namespaced: true },
    Secret: { prefix: "/api/v1", plural: "secrets", namespaced: true },
    MutatingWebhookConfiguration: { prefix: "/apis/admissionregistration.k8s.io/v1", plural: "mutatingwebhookconfigurations", namespaced: false },
    EndpointSlice: { prefix: "/apis/discovery.k8s.io/v1", plural: "endpointslices", namespaced: true },
};

const status = (code: number, reason: string, message: string) => ({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code });

/** Reads protobuf fields (field number → raw values); enough for kubectl's TokenRequest body. */
function protoFields(buf: Buffer): Map<number, Array<Buffer | number>> {
    const fields = new Map<number, Array<Buffer | number>>();
    let i = 0;
    const varint = () => {
        let result = 0;
        let shift = 0;
        for (;;) {
            const byte = buf[i++];
            result += (byte & 0x7f) * 2 ** shift;
            shift += 7;
            if (byte < 0x80) {
                return result;
            }
        }
    };
    while (i < buf.length) {
        const tag = varint();
        const wire = tag & 7;
        let value: Buffer | number;
        if (wire === 0) {
            value = varint();
        } else if (wire === 2) {
            const length = varint();
            value = buf.subarray(i, i + length);
            i += length;
        } else {
            throw new Error(`unexpected protobuf wire type ${wire}`);
        }
        fields.set(tag >> 3, [...(fields.get(tag >> 3) ?? []), value]);
    }
    return fields;
}

/** The TokenRequest spec from kubectl's body: protobuf (kubectl's default for core types) or JSON. */
function tokenRequestSpec(body: Buffer, contentType: string): { audiences: string[]; expirationSeconds?: number } {
    if (contentType.includes("protobuf")) {
        // Envelope "k8s\0" + runtime.Unknown{2: raw}; raw = TokenRequest{2: spec}; spec{1: audiences, 4: expirationSeconds}.
        const raw = protoFields(body.subarray(4)).get(2)?.[0] as Buffer;
        const spec = protoFields(protoFields(raw).get(2)?.[0] as Buffer);
        return { audiences: (spec.get(1) ?? []).map((b) => (b as Buffer).toString("utf8")), expirationSeconds: spec.get(4)?.[0] as number | undefined };
    }
    const parsed = JSON.parse(body.toString("utf8"));
    return { audiences: parsed.spec?.audiences ?? [], expirationSeconds: parsed.spec?.expirationSeconds };
}

function matchesSelector(object: K8sObject, selector: string | null): boolean {
    if (!selector) {
        return true;
    }
    return selector.split(",").every((term) => {
        const [key, value] = term.split("=");
        return object.metadata?.labels?.[key] === value;
    });
}

/** Answers one request from the cluster model: [status, body]. */
async function answer(server: FakeApiServer, method: string, url: URL, body: Buffer, contentType: string): Promise<[number, unknown] | undefined> {
    const cluster = server.cluster;
    const p = url.pathname;
    if (method === "GET" && p === "/version") {
        return [200, { major: "1", minor: "30", gitVersion: "v1.30.0", platform: "linux/amd64" }];
    }
    if (method === "GET" && (p === "/.well-known/openid-configuration" || p === "/openid/v1/jwks")) {
        const doc = p === "/openid/v1/jwks" ? cluster.jwks : cluster.discovery;
        return doc === undefined ? [404, status(404, "NotFound", "the server could not find the requested resource")] : [200, doc];
    }
    const token = /^\/api\/v1\/namespaces\/([^/]+)\/serviceaccounts\/([^/]+)\/token$/.exec(p);
    if (method === "POST" && token && cluster.signToken) {
        const [, namespace, serviceAccount] = token;
        if (!cluster.objects.some((o) => o.kind === "ServiceAccount" && o.metadata.namespace === namespace && o.metadata.name === serviceAccount)) {
            return [404, status(404, "NotFound", `serviceaccounts "${serviceAccount}" not found`)];
        }
        const seen = { namespace, serviceAccount, ...tokenRequestSpec(body, contentType) };
        server.tokenRequests.push(seen);
        return [201, { kind: "TokenRequest", apiVersion: "authentication.k8s.io/v1", metadata: { name: serviceAccount, namespace }, spec: { audiences: seen.audiences, expirationSeconds: seen.expirationSeconds ?? 3600 }, status: { token: await cluster.signToken(seen), expirationTimestamp: new Date(Date.now() + 3_600_000).toISOString() } }];
    }
    for (const [kind, where] of Object.entries(KINDS)) {
        if (!p.startsWith(`${where.prefix}/`)) {
            continue;
        }
        const m = new RegExp(`^${where.prefix}(?:/namespaces/([^/]+))?/${where.plural}(?:/([^/]+))?$`).exec(p);
        if (!m || method !== "GET") {
            continue;
        }
        const [, namespace, name] = m;
        if ((cluster.forbidden ?? []).includes(where.plural)) {
            const scope = namespace ? ` in the namespace "${namespace}"` : " at the cluster scope";
            const group = where.prefix === "/api/v1" ? "" : where.prefix.split("/")[2];
            return [403, status(403, "Forbidden", `${where.plural}${name ? ` "${name}"` : ""} is forbidden: User "tester" cannot ${name ? "get" : "list"} resource "${where.plural}" in API group "${group}"${scope}`)];
        }
        const items = cluster.objects.filter((o) => o.kind === kind && (!namespace || o.metadata.namespace === namespace));
        if (name) {
            const found = items.find((o) => o.metadata.name === name);
            return found ? [200, found] : [404, status(404, "NotFound", `${where.plural} "${name}" not found`)];
        }
        const apiVersion = where.prefix === "/api/v1" ? "v1" : where.prefix.slice("/apis/".length);
        return [200, { kind: `${kind}List`, apiVersion, metadata: { resourceVersion: "1" }, items: items.filter((o) => matchesSelector(o, url.searchParams.get("labelSelector"))) }];
    }
    return undefined;
}

/** A loopback port nothing listens on (taken, then released): connections to it are refused. */
export async function refusedPort(): Promise<number> {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    return port;
}

/** Starts the fake API server and writes its kubeconfig. */
export async function startFakeApiServer(cluster: FakeCluster): Promise<FakeApiServer> {
    const ca = await createTestCa("fake kube-apiserver CA");
    const tls = await issueServerCertificate(ca, "kube-apiserver", { ips: ["127.0.0.1"], dnsNames: ["localhost"] });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-apiserver-"));
    const server: FakeApiServer = {
        url: "",
        caPem: ca.certPem,
        kubeconfig: path.join(dir, "kubeconfig.yaml"),
        dir,
        cluster,
        requests: [],
        unknown: [],
        tokenRequests: [],
        writeKubeconfig(name, url) {
            const file = path.join(dir, name);
            const caData = Buffer.from(ca.certPem).toString("base64");
            fs.writeFileSync(
                file,
                [
                    "apiVersion: v1",
                    "kind: Config",
                    "clusters:",
                    "- name: fake",
                    "  cluster:",
                    `    server: ${url}`,
                    `    certificate-authority-data: ${caData}`,
                    "users:",
                    "- name: tester",
                    "  user:",
                    "    token: fake-bearer-token",
                    "contexts:",
                    "- name: fake",
                    "  context: {cluster: fake, user: tester}",
                    "current-context: fake",
                    "",
                ].join("\n"),
            );
            return file;
        },
        close: async () => undefined,
    };
    const httpsServer = https.createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            const url = new URL(req.url ?? "/", "https://127.0.0.1");
            server.requests.push(`${req.method} ${url.pathname}${url.search}`);
            const reply = (code: number, payload: unknown) => {
                const text = typeof payload === "string" ? payload : JSON.stringify(payload);
                const warnings = (server.cluster.warnings ?? []).map((w) => `299 - "${w}"`);
                const headers: Record<string, string | string[]> = { "content-type": "application/json" };
                if (warnings.length > 0) {
                    headers.warning = warnings;
                }
                res.writeHead(code, headers);
                res.end(text);
            };
            if (req.headers.authorization !== "Bearer fake-bearer-token") {
                reply(401, status(401, "Unauthorized", "Unauthorized"));
                return;
            }
            answer(server, req.method ?? "GET", url, Buffer.concat(chunks), String(req.headers["content-type"] ?? "")).then(
                (result) => {
                    if (!result) {
                        server.unknown.push(`${req.method} ${url.pathname}${url.search}`);
                        reply(404, status(404, "NotFound", "the server could not find the requested resource"));
                        return;
                    }
                    reply(result[0], result[1]);
                },
                (err: Error) => reply(500, status(500, "InternalError", err.message)),
            );
        });
    });
    await new Promise<void>((resolve, reject) => {
        httpsServer.once("error", reject);
        httpsServer.listen(0, "127.0.0.1", () => resolve());
    });
    server.url = `https://127.0.0.1:${(httpsServer.address() as AddressInfo).port}`;
    server.writeKubeconfig("kubeconfig.yaml", server.url);
    server.close = () =>
        new Promise<void>((resolve) => {
            httpsServer.close(() => resolve());
            httpsServer.closeAllConnections();
            fs.rmSync(dir, { recursive: true, force: true });
        });
    return server;
}
