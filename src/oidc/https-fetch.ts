import * as https from "node:https";
import { FetchError, FetchLike } from "./fetch";

export interface HttpsFetcherOptions {
    /**
     * CA certificates (PEM) to trust instead of the system roots, e.g. the demo's own CA. STS itself trusts
     * public roots (or the provider's thumbprints), so a private CA passing here proves the documents, not the TLS setup.
     */
    ca?: string | Buffer | Array<string | Buffer>;
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|HOSTNAME|ALTNAME|SSL/;

/**
 * A FetchLike on node:https that behaves like STS's fetcher: https only, GET (or the caller's POST), no
 * redirect followed (a 3xx comes back as is), one timer bounding connect + the whole response, and reading
 * stopped past maxBytes.
 */
export function httpsFetcher(options: HttpsFetcherOptions = {}): FetchLike {
    return (url, init) =>
        new Promise((resolve, reject) => {
            let parsed: URL;
            try {
                parsed = new URL(url);
            } catch {
                reject(new FetchError("not-https", `${JSON.stringify(url)} is not a URL`));
                return;
            }
            if (parsed.protocol !== "https:") {
                reject(new FetchError("not-https", `${JSON.stringify(url)} is not an https:// URL`));
                return;
            }
            let settled = false;
            const finish = (err: FetchError | undefined, value?: Parameters<typeof resolve>[0]) => {
                if (settled) {
                    return;
                }
                settled = true;
                clearTimeout(timer);
                if (err) {
                    req.destroy();
                    reject(err);
                } else {
                    resolve(value!);
                }
            };
            const req = https.request(parsed, {
                method: init.method ?? "GET",
                ca: options.ca,
                agent: false,
                headers: { accept: "application/json", "user-agent": "selfhosted-irsa-doctor", ...init.headers },
            });
            const timer = setTimeout(
                () => finish(new FetchError("timeout", `no complete response within ${init.timeoutMs} ms`)),
                init.timeoutMs,
            );
            req.on("error", (err: NodeJS.ErrnoException) => {
                const code = err.code ?? "";
                const kind = TLS_CODES.test(code) || TLS_CODES.test(err.message) ? "tls" : "network";
                finish(new FetchError(kind, code ? `${code}: ${err.message}` : err.message));
            });
            req.on("response", (res) => {
                const headers: Record<string, string> = {};
                for (const [name, value] of Object.entries(res.headers)) {
                    if (value !== undefined) {
                        headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
                    }
                }
                const tooLarge = () => new FetchError("too-large", `the response is larger than ${init.maxBytes} bytes`);
                const declared = Number(headers["content-length"]);
                if (Number.isFinite(declared) && declared > init.maxBytes) {
                    finish(tooLarge());
                    return;
                }
                const chunks: Buffer[] = [];
                let size = 0;
                res.on("data", (chunk: Buffer) => {
                    size += chunk.length;
                    if (size > init.maxBytes) {
                        finish(tooLarge());
                        return;
                    }
                    chunks.push(chunk);
                });
                res.on("end", () => finish(undefined, { status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks) }));
                res.on("error", (err) => finish(new FetchError("network", err.message)));
            });
            req.end(init.body);
        });
}
