// The loopback HTTPS side of the stand-in AWS account: S3's virtual-hosted endpoints
// (https://<bucket>.s3.<region>.amazonaws.com/<key>), CloudFront's *.cloudfront.net names and custom domains
// (through the account's Route 53 alias records), answering with what `pulumi up` uploaded, and only to the
// readers the bucket's policy and public access block admit (access.ts): a CloudFront-hosted bucket is not
// readable on its S3 endpoint. A certificate is made for each name asked for, by the server's own CA (the
// doctor trusts it with --ca-file; STS would trust S3's and CloudFront's public certificates instead).
import * as fs from "node:fs";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import * as tls from "node:tls";
import { mayGetObject, Reader } from "../standins/aws/access";
import { Account, loadAccount, objectPath } from "../standins/aws/store";
import * as pki from "../../../src/cli/pki";
import { REPO } from "./engine";

export interface AwsHttps {
    /** 127.0.0.1:<port> */
    address: string;
    caPem: string;
    /** Environment that sends a child Node process's TLS connections for AWS names here (loopback-dns.ts). */
    clientEnv(extraHosts?: readonly string[]): NodeJS.ProcessEnv;
    /** GET https://<host><path> through this server, as the doctor would fetch it. */
    get(url: string): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }>;
    close(): Promise<void>;
}

interface Answer {
    status: number;
    body: Buffer | string;
    headers?: Record<string, string>;
}

const s3Error = (status: number, code: string, message: string): Answer => ({
    status,
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`,
    headers: { "content-type": "application/xml" },
});

function serveObject(account: Account, accountDir: string, bucketName: string, key: string, reader: Reader): Answer {
    const bucket = account.buckets[bucketName];
    if (!bucket) {
        return s3Error(404, "NoSuchBucket", "The specified bucket does not exist");
    }
    const accountBlocks = process.env.SELFHOSTED_IRSA_STANDIN_ACCOUNT_BLOCK_PUBLIC === "1";
    if (!mayGetObject(bucketName, bucket, key, reader, accountBlocks)) {
        return s3Error(403, "AccessDenied", "Access Denied");
    }
    const meta = account.objects[`${bucketName}/${key}`];
    if (!meta) {
        // Without s3:ListBucket a missing key is a 403, not a 404 (S3 API reference, GetObject).
        return s3Error(403, "AccessDenied", "Access Denied");
    }
    const headers: Record<string, string> = { "content-type": meta.contentType ?? "binary/octet-stream", etag: `"${meta.etag}"` };
    if (meta.cacheControl) {
        headers["cache-control"] = meta.cacheControl;
    }
    return { status: 200, body: fs.readFileSync(objectPath(bucketName, key, accountDir)), headers };
}

/** What AWS answers for `host` + `path` in this account. */
function answer(host: string, urlPath: string, accountDir: string): Answer {
    const account = loadAccount(accountDir);
    const key = decodeURIComponent(urlPath.split("?")[0].replace(/^\//, ""));
    const s3 = /^(.+)\.s3\.([a-z0-9-]+)\.amazonaws\.com$/.exec(host);
    if (s3) {
        const bucket = account.buckets[s3[1]];
        if (bucket && bucket.region !== s3[2]) {
            return s3Error(301, "PermanentRedirect", `The bucket you are attempting to access must be addressed using the specified endpoint (${s3[1]}.s3.${bucket.region}.amazonaws.com)`);
        }
        return serveObject(account, accountDir, s3[1], key, { kind: "anonymous" });
    }
    // CloudFront: its own name, or an alias whose Route 53 record points at it.
    const alias = Object.values(account.recordSets).find((r) => r.name === host && r.aliasTarget !== undefined)?.aliasTarget;
    const domain = host.endsWith(".cloudfront.net") ? host : alias;
    const distribution = Object.values(account.distributions).find((d) => d.domainName === domain);
    if (!distribution || (domain !== host && !distribution.aliases.includes(host))) {
        return { status: 421, body: `no AWS endpoint here answers for ${host}` };
    }
    if (!distribution.enabled) {
        return { status: 403, body: "The distribution is disabled" };
    }
    const origin = distribution.origins[distribution.defaultOriginId];
    const originBucket = /^(.+)\.s3\.([a-z0-9-]+)\.amazonaws\.com$/.exec(origin?.domainName ?? "");
    if (!originBucket) {
        return { status: 502, body: `origin ${origin?.domainName} is not an S3 bucket of this account` };
    }
    const objectKey = key === "" && distribution.defaultRootObject ? distribution.defaultRootObject : `${(origin.originPath ?? "").replace(/^\//, "")}${origin.originPath ? "/" : ""}${key}`;
    const reader: Reader = origin.originAccessControlId ? { kind: "cloudfront", distributionArn: distribution.arn } : { kind: "anonymous" };
    return serveObject(account, accountDir, originBucket[1], objectKey, reader);
}

/** Starts the loopback server for the account in `accountDir`. */
export async function startAwsHttps(accountDir: string): Promise<AwsHttps> {
    const ca = await pki.createTestCa("selfhosted-irsa engine suite AWS CA", { notAfter: new Date(Date.now() + 6 * 3_600_000) });
    const contexts = new Map<string, Promise<tls.SecureContext>>();
    const contextFor = (name: string) => {
        if (!contexts.has(name)) {
            contexts.set(name, pki.issueServerCertificate(ca, name, { dnsNames: [name], notAfter: new Date(Date.now() + 6 * 3_600_000) }).then((c) => tls.createSecureContext({ cert: c.certPem, key: c.keyPem })));
        }
        return contexts.get(name)!;
    };
    const fallback = await pki.issueServerCertificate(ca, "localhost", { dnsNames: ["localhost"], ips: ["127.0.0.1"] });
    const server = https.createServer(
        {
            cert: fallback.certPem,
            key: fallback.keyPem,
            SNICallback: (name, cb) => contextFor(name).then((c) => cb(null, c), (e: Error) => cb(e)),
        },
        (req, res) => {
            const host = String(req.headers.host ?? "").replace(/:\d+$/, "").toLowerCase();
            let a: Answer;
            try {
                a = req.method === "GET" || req.method === "HEAD" ? answer(host, req.url ?? "/", accountDir) : s3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
            } catch (e) {
                a = s3Error(500, "InternalError", (e as Error).message);
            }
            res.writeHead(a.status, a.headers ?? { "content-type": "text/plain" });
            res.end(req.method === "HEAD" ? undefined : a.body);
        },
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const hosts = ["amazonaws.com", "cloudfront.net"];
    return {
        address,
        caPem: ca.certPem,
        clientEnv(extraHosts = []) {
            return {
                NODE_OPTIONS: `--require ${REPO}/build/test/engine/helpers/loopback-dns.js`,
                SELFHOSTED_IRSA_TEST_CONNECT: address,
                SELFHOSTED_IRSA_TEST_HOSTS: [...hosts, ...extraHosts].join(","),
            };
        },
        get(url) {
            const u = new URL(url);
            return new Promise((resolve, reject) => {
                const req = https.request({ host: "127.0.0.1", port: Number(address.split(":")[1]), servername: u.hostname, path: u.pathname + u.search, headers: { host: u.hostname }, ca: ca.certPem, timeout: 10_000 }, (res) => {
                    let body = "";
                    res.on("data", (c) => (body += c));
                    res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
                });
                req.on("timeout", () => req.destroy(new Error(`GET ${url}: no answer within 10 s`)));
                req.on("error", reject);
                req.end();
            });
        },
        close: () => new Promise((resolve) => server.close(() => resolve())),
    };
}
