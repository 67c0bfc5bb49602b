import * as crypto from "node:crypto";
import { DISCOVERY_PATH, validateIssuerUrl } from "./discovery";
import { FetchError, FetchLike, FetchResponse } from "./fetch";
import { quoted, shown } from "./display";
import { describeKeyText, hasPrivateJwkMembers, looksLikeKeyMaterial } from "./key-text";
import { Finding, fail, pass } from "./findings";
import { checkToken, PublishedKey } from "./token-checks";
import { checkTrustPolicy } from "./trust-evaluation";

export type { Finding } from "./findings";
export type { FetchLike, FetchResponse } from "./fetch";
export { FetchError } from "./fetch";
export type { PublishedKey } from "./token-checks";

/**
 * Largest discovery document or JWKS read. STS documents no byte limit, but IAM accepts at most 100 RSA and
 * 100 EC keys in a JWKS (IAM user guide, "Create an OpenID Connect identity provider"); 100 RSA-4096 and
 * 100 P-256 entries serialize to about 100 KiB, so 128 KiB admits every JWKS STS can use and stops a runaway body.
 */
export const DEFAULT_MAX_DOCUMENT_BYTES = 128 * 1024;
/** STS gives up on an identity provider that takes more than 5 s (AWS re:Post, iam-sts-invalididentitytoken). */
export const DEFAULT_TIMEOUT_MS = 5000;
/** Clock skew tolerated on exp/nbf/iat, as most JWT verifiers (and STS in practice) allow a minute. */
export const DEFAULT_CLOCK_SKEW_SECONDS = 60;
/** Keys of one type IAM accepts in a JWKS. */
export const MAX_KEYS_PER_TYPE = 100;

export interface VerifyIssuerOptions {
    /** The issuer URL exactly as the IAM OIDC provider and `--service-account-issuer` name it. */
    issuer: string;
    /** A projected service-account token (compact JWT) to check against the published keys. */
    token?: string;
    /** The audience STS will be asked for. @default "sts.amazonaws.com" */
    audience?: string;
    /** A role trust policy: a JSON string or the parsed document. */
    trustPolicy?: unknown;
    fetch: FetchLike;
    /** @default () => new Date() */
    now?: () => Date;
    /** @default 60 */
    clockSkewSeconds?: number;
    /** Size cap for the discovery document and the JWKS. @default 131072 (128 KiB) */
    maxDocumentBytes?: number;
    /** Bound on each network step (connect + whole response). @default 5000 */
    timeoutMs?: number;
}

interface Fetched {
    findings: Finding[];
    json?: unknown;
}

/** Fetches one document the way STS does, reporting `<prefix>.fetch`, `<prefix>.status`, `<prefix>.json`. */
async function fetchJson(prefix: string, what: string, url: string, options: VerifyIssuerOptions): Promise<Fetched> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const maxBytes = options.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
    let res: FetchResponse;
    try {
        res = await withTimeout(options.fetch(url, { timeoutMs, maxBytes }), timeoutMs);
    } catch (err) {
        return { findings: [fetchFailure(`${prefix}.fetch`, what, url, err, timeoutMs, maxBytes)] };
    }
    const at = shown(url);
    const findings = [pass(`${prefix}.fetch`, `GET ${at} answered within ${timeoutMs / 1000} s and under ${maxBytes} bytes`)];
    if (res.status >= 300 && res.status < 400) {
        const location = res.headers.location === undefined ? "(no Location header)" : shown(res.headers.location);
        findings.push(
            fail(`${prefix}.status`, `GET ${at} answered ${res.status}, a redirect to ${location}; STS does not follow redirects`, `serve the ${what} at exactly this URL (for S3 use the regional endpoint https://BUCKET.s3.REGION.amazonaws.com, which does not redirect)`),
        );
        return { findings };
    }
    if (res.status !== 200) {
        findings.push(fail(`${prefix}.status`, `GET ${at} answered ${res.status}; STS needs 200`, `publish the ${what} at ${at} and make it publicly readable`));
        return { findings };
    }
    findings.push(pass(`${prefix}.status`, `GET ${at} answered 200`));
    let json: unknown;
    try {
        json = JSON.parse(res.body.toString("utf8"));
    } catch {
        // A body that may be key material (a private key served by mistake) is described, never quoted.
        const text = res.body.toString("utf8");
        const start = looksLikeKeyMaterial(text) ? describeKeyText(text, "JSON") : `it starts with ${quoted(text.slice(0, 40).replace(/\s+/g, " "))}`;
        findings.push(fail(`${prefix}.json`, `the ${what} is not JSON (${start})`, `serve the ${what} as produced by \`selfhosted-irsa ${prefix === "jwks" ? "jwks" : "discovery"}\``));
        return { findings };
    }
    if (json === null || typeof json !== "object" || Array.isArray(json)) {
        findings.push(fail(`${prefix}.json`, `the ${what} is JSON but not an object`, `serve the ${what} as produced by \`selfhosted-irsa ${prefix === "jwks" ? "jwks" : "discovery"}\``));
        return { findings };
    }
    findings.push(pass(`${prefix}.json`, `the ${what} is a JSON object`));
    return { findings, json };
}

/** Guards against an injected fetch that ignores its timeout. */
function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new FetchError("timeout", `no complete response within ${timeoutMs} ms`)), timeoutMs + 50);
    });
    return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

function fetchFailure(id: string, what: string, rawUrl: string, err: unknown, timeoutMs: number, maxBytes: number): Finding {
    const url = shown(rawUrl);
    const code = err instanceof FetchError ? err.code : "network";
    const detail = err instanceof Error ? err.message : String(err);
    switch (code) {
        case "timeout":
            return fail(id, `GET ${url} gave no complete response within ${timeoutMs / 1000} s; STS gives up after 5 s`, `make the ${what} answer quickly from the public internet (static hosting such as S3 or CloudFront)`);
        case "too-large":
            return fail(id, `GET ${url} returned more than ${maxBytes} bytes, over the size limit`, `publish only the keys in use (IAM accepts at most ${MAX_KEYS_PER_TYPE} RSA and ${MAX_KEYS_PER_TYPE} EC keys)`);
        case "not-https":
            return fail(id, `${url} is not an https:// URL; STS fetches over HTTPS only`, `publish the ${what} over HTTPS`);
        case "tls":
            return fail(id, `GET ${url} failed the TLS check (${detail})`, "serve a certificate that chains to a public CA and names this host (or pass --ca-file for a private test CA)");
        default:
            return fail(id, `GET ${url} failed (${detail})`, `check that the ${what} is reachable from the public internet`);
    }
}

function checkDiscovery(doc: Record<string, unknown>, issuer: string): { findings: Finding[]; jwksUri?: string } {
    const findings: Finding[] = [];
    const got = doc.issuer;
    if (got === issuer) {
        findings.push(pass("discovery.issuer", `the discovery document names the issuer ${JSON.stringify(issuer)}`));
    } else if (typeof got === "string" && got.replace(/\/+$/, "") === issuer) {
        findings.push(fail("discovery.issuer", `the discovery document names the issuer ${JSON.stringify(got)}, which differs from ${JSON.stringify(issuer)} by a trailing slash; STS compares them exactly`, `use ${JSON.stringify(issuer)} everywhere: --service-account-issuer, the discovery document and the IAM provider URL`));
    } else {
        findings.push(fail("discovery.issuer", `the discovery document names the issuer ${JSON.stringify(got ?? null)}, not ${JSON.stringify(issuer)}`, `regenerate it with \`selfhosted-irsa discovery --issuer ${issuer}\`, or check which issuer the cluster really uses`));
    }
    const jwksUri = doc.jwks_uri;
    let url: URL | undefined;
    try {
        url = typeof jwksUri === "string" ? new URL(jwksUri) : undefined;
    } catch {
        url = undefined;
    }
    if (!url) {
        findings.push(fail("discovery.jwks_uri", `the discovery document's jwks_uri ${JSON.stringify(jwksUri ?? null)} is not a URL`, `set jwks_uri, e.g. "${issuer}/openid/v1/jwks"`));
        return { findings };
    }
    if (url.protocol !== "https:") {
        findings.push(fail("discovery.jwks_uri", `the discovery document's jwks_uri ${JSON.stringify(jwksUri)} is not https://; STS fetches keys over HTTPS only`, `publish the JWKS over HTTPS and set jwks_uri to it, e.g. "${issuer}/openid/v1/jwks"`));
        return { findings };
    }
    findings.push(pass("discovery.jwks_uri", `jwks_uri is ${shown(jwksUri)}`));
    return { findings, jwksUri: jwksUri as string };
}

function checkJwks(doc: Record<string, unknown>): { finding: Finding; keys: PublishedKey[] } {
    const fix = "publish the JWKS produced by `selfhosted-irsa jwks` from the API server's --service-account-key-file";
    if (!Array.isArray(doc.keys) || doc.keys.length === 0) {
        return { finding: fail("jwks.keys", "the JWKS has no non-empty `keys` array", fix), keys: [] };
    }
    const keys: PublishedKey[] = [];
    const counts: Record<string, number> = {};
    for (const [i, jwk] of (doc.keys as unknown[]).entries()) {
        const entry = jwk as Record<string, unknown>;
        if (entry === null || typeof entry !== "object" || (entry.kty !== "RSA" && entry.kty !== "EC")) {
            return { finding: fail("jwks.keys", `keys[${i}] is not an RSA or EC key (kty ${JSON.stringify(entry?.kty ?? null)})`, fix), keys: [] };
        }
        if (entry.use !== undefined && entry.use !== "sig") {
            return { finding: fail("jwks.keys", `keys[${i}] has use ${JSON.stringify(entry.use)}, not "sig"`, fix), keys: [] };
        }
        if (hasPrivateJwkMembers(entry)) {
            // The kid at most: nothing of the private members is repeated.
            return { finding: fail("jwks.keys", `keys[${i}] (kid ${quoted(entry.kid ?? null)}) holds private key members (${["d", "p", "q", "dp", "dq", "qi", "oth", "k"].filter((m) => entry[m] !== undefined).join(", ")}): anyone who reads the JWKS can sign tokens with it`, "publish only the public keys (`selfhosted-irsa jwks`), and rotate this signing key now: it is compromised"), keys: [] };
        }
        let keyObject: crypto.KeyObject;
        try {
            keyObject = crypto.createPublicKey({ key: entry as crypto.JsonWebKey, format: "jwk" });
        } catch (err) {
            return { finding: fail("jwks.keys", `keys[${i}] (kid ${JSON.stringify(entry.kid ?? null)}) is not a usable public key (${(err as Error).message})`, fix), keys: [] };
        }
        counts[entry.kty] = (counts[entry.kty] ?? 0) + 1;
        keys.push({ jwk: entry, kid: typeof entry.kid === "string" ? entry.kid : undefined, keyObject });
    }
    for (const [kty, count] of Object.entries(counts)) {
        if (count > MAX_KEYS_PER_TYPE) {
            return { finding: fail("jwks.keys", `the JWKS holds ${count} ${kty} keys; IAM accepts at most ${MAX_KEYS_PER_TYPE} of each type`, "remove retired keys from the JWKS"), keys: [] };
        }
    }
    const kids = keys.map((k) => JSON.stringify(k.kid ?? null)).join(", ");
    return { finding: pass("jwks.keys", `the JWKS holds ${keys.length} usable key(s): ${kids}`), keys };
}

/**
 * Checks an issuer, and optionally a token and a trust policy, in the order STS does: discovery document,
 * JWKS, then the token's header, signature and claims, then the role's trust policy. Returns one finding per
 * check; stops only where a failure makes the later checks meaningless (no JWKS → no signature check).
 */
export async function verifyIssuer(options: VerifyIssuerOptions): Promise<Finding[]> {
    const findings: Finding[] = [];
    let issuer: string;
    try {
        issuer = validateIssuerUrl(options.issuer, "issuer");
        findings.push(pass("issuer.url", `${issuer} is an https URL in canonical form`));
    } catch (err) {
        findings.push(fail("issuer.url", (err as Error).message.replace(/\. Fix: .*$/s, ""), (err as Error).message.replace(/^.*\. Fix: /s, "")));
        return findings;
    }
    let keys: PublishedKey[] | undefined;
    const discovery = await fetchJson("discovery", "discovery document", `${issuer}/${DISCOVERY_PATH}`, options);
    findings.push(...discovery.findings);
    if (discovery.json !== undefined) {
        const checked = checkDiscovery(discovery.json as Record<string, unknown>, issuer);
        findings.push(...checked.findings);
        if (checked.jwksUri !== undefined) {
            const jwks = await fetchJson("jwks", "JWKS", checked.jwksUri, options);
            findings.push(...jwks.findings);
            if (jwks.json !== undefined) {
                const checkedKeys = checkJwks(jwks.json as Record<string, unknown>);
                findings.push(checkedKeys.finding);
                keys = checkedKeys.finding.ok ? checkedKeys.keys : undefined;
            }
        }
    }
    const now = (options.now ?? (() => new Date()))();
    const skew = options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
    let token: { sub?: string; aud: string[] } | undefined;
    if (options.token !== undefined) {
        const checked = await checkToken({ token: options.token, issuer, audience: options.audience, keys, now, skewSeconds: skew });
        findings.push(...checked.findings);
        token = checked.claims;
    }
    if (options.trustPolicy !== undefined) {
        findings.push(...checkTrustPolicy({ policy: options.trustPolicy, issuer, token }));
    }
    return findings;
}
