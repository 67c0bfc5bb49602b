// A loopback stand-in for AWS STS's AssumeRoleWithWebIdentity, for tests: Node https on 127.0.0.1 (random
// port) with its own CA, speaking STS's documented query API (a form-encoded POST to /) and XML (the success
// answer of the STS API reference's example, `<ErrorResponse><Error><Type/><Code/><Message/></Error>
// <RequestId/></ErrorResponse>` for errors, the awsQuery protocol's shape).
//
// It judges each request the way STS does, from an account it models (IAM OIDC providers with their client
// IDs, roles with their trust policies): it fetches the issuer's discovery document and JWKS over HTTPS,
// verifies the signature with jose, checks exp, and evaluates the trust policy with the IAM policy simulator
// (@cloud-copilot/iam-simulate), never with this package's own checks. Error codes and messages are STS's
// where published (botocore's service model, AWS re:Post, users' reports, docs/facts.md); where STS
// publishes no text the stand-in's own words are marked "stand-in" below. `script` replaces the judgment for
// faults STS cannot be made to show on purpose (throttling, outages, hostile bytes, silence).
import * as crypto from "node:crypto";
import * as https from "node:https";
import type { IncomingHttpHeaders } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { compactVerify, decodeJwt, decodeProtectedHeader, importJWK, JWK } from "jose";
import { createTestCa, issueServerCertificate } from "../../src/cli/pki";
import { SIM_ACCOUNT, simulateWebIdentity } from "./iam-simulator";

export const STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/";

/** The AWS account STS judges against. */
export interface StsAccount {
    /** 12 digits. */
    id: string;
    /** IAM OIDC providers: issuer URL (as registered) → client ID list. */
    providers: Map<string, string[]>;
    /** Roles by name → trust policy. */
    roles: Map<string, object>;
    /** CAs STS trusts when it fetches an issuer (a loopback issuer's own CA). */
    issuerCas: string[];
}

export interface StsRequestSeen {
    method: string;
    /** Path and query as sent. */
    url: string;
    headers: IncomingHttpHeaders;
    body: string;
    /** The form's fields in order, decoded. */
    form: Array<[string, string]>;
}

export interface IssuedCredentials {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken: string;
}

/** A scripted answer: given bytes, or a server that never answers, or one that trickles a byte at a time. */
export type ScriptedAnswer = { status: number; body: string | Buffer; headers?: Record<string, string>; delayMs?: number } | { silent: true } | { trickle: true };

export interface FakeSts {
    /** `https://127.0.0.1:<port>/`, for --sts-endpoint. */
    url: string;
    caPem: string;
    account: StsAccount;
    requests: StsRequestSeen[];
    /** Every set of credentials a success answer carried. */
    issued: IssuedCredentials[];
    /** When set and it returns an answer, that answer replaces STS's judgment. */
    script?: (request: StsRequestSeen) => ScriptedAnswer | undefined;
    close(): Promise<void>;
}

const xmlEscape = (text: string) => text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!);

/** An error answer as STS writes it (awsQuery: ErrorResponse/Error/{Type,Code,Message}, RequestId). */
export function stsErrorXml(code: string, message: string, requestId: string = crypto.randomUUID(), type = "Sender"): string {
    return `<ErrorResponse xmlns="${STS_NAMESPACE}">\n  <Error>\n    <Type>${xmlEscape(type)}</Type>\n    <Code>${xmlEscape(code)}</Code>\n    <Message>${xmlEscape(message)}</Message>\n  </Error>\n  <RequestId>${xmlEscape(requestId)}</RequestId>\n</ErrorResponse>\n`;
}

export interface SuccessFields {
    arn: string;
    roleId: string;
    subject: string;
    audience: string;
    provider: string;
    expiration: string;
    credentials: IssuedCredentials;
}

/** A success answer in the element order of the STS API reference's AssumeRoleWithWebIdentity example. */
export function stsSuccessXml(f: SuccessFields, requestId: string = crypto.randomUUID()): string {
    return [
        `<AssumeRoleWithWebIdentityResponse xmlns="${STS_NAMESPACE}">`,
        "  <AssumeRoleWithWebIdentityResult>",
        `    <SubjectFromWebIdentityToken>${xmlEscape(f.subject)}</SubjectFromWebIdentityToken>`,
        `    <Audience>${xmlEscape(f.audience)}</Audience>`,
        "    <AssumedRoleUser>",
        `      <Arn>${xmlEscape(f.arn)}</Arn>`,
        `      <AssumedRoleId>${xmlEscape(f.roleId)}</AssumedRoleId>`,
        "    </AssumedRoleUser>",
        "    <Credentials>",
        `      <SessionToken>${xmlEscape(f.credentials.sessionToken)}</SessionToken>`,
        `      <SecretAccessKey>${xmlEscape(f.credentials.secretAccessKey)}</SecretAccessKey>`,
        `      <Expiration>${xmlEscape(f.expiration)}</Expiration>`,
        `      <AccessKeyId>${xmlEscape(f.credentials.accessKeyId)}</AccessKeyId>`,
        "    </Credentials>",
        `    <Provider>${xmlEscape(f.provider)}</Provider>`,
        "  </AssumeRoleWithWebIdentityResult>",
        "  <ResponseMetadata>",
        `    <RequestId>${xmlEscape(requestId)}</RequestId>`,
        "  </ResponseMetadata>",
        "</AssumeRoleWithWebIdentityResponse>",
        "",
    ].join("\n");
}

/** Fresh random credentials shaped like STS's (ASIA… key ID, 40-character secret, a long session token). */
export function randomCredentials(): IssuedCredentials {
    const alnum = (n: number) => crypto.randomBytes(n * 2).toString("base64").replace(/[^A-Za-z0-9]/g, "").slice(0, n).toUpperCase();
    return {
        accessKeyId: `ASIA${alnum(16)}`,
        secretAccessKey: crypto.randomBytes(30).toString("base64"),
        sessionToken: `IQoJb3JpZ2luX2Vj${crypto.randomBytes(600).toString("base64")}`,
    };
}

type Answer = { status: number; body: string };
const error = (status: number, code: string, message: string): Answer => ({ status, body: stsErrorXml(code, message) });
const VERIFICATION_KEY = "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements";

/** GET over https with the issuer CAs, bounded like STS's fetch (5 s, no redirects). */
function fetchJson(url: string, cas: string[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
        const req = https.get(url, { ca: cas.length > 0 ? cas : undefined, agent: false, timeout: 5000 }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => {
                try {
                    if (res.statusCode !== 200) {
                        throw new Error(`status ${res.statusCode}`);
                    }
                    resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
                } catch (err) {
                    reject(err);
                }
            });
        });
        req.on("timeout", () => req.destroy(new Error("timeout")));
        req.on("error", reject);
    });
}

/** STS's judgment of one AssumeRoleWithWebIdentity request, in the order STS reports failures. */
async function judge(sts: FakeSts, request: StsRequestSeen, issue: (f: Omit<SuccessFields, "credentials">) => Answer): Promise<Answer> {
    const form = new Map(request.form);
    if (form.get("Action") !== "AssumeRoleWithWebIdentity" || form.get("Version") !== "2011-06-15") {
        return error(400, "InvalidAction", `Could not find operation ${form.get("Action")} for version ${form.get("Version")}`);
    }
    const roleArn = form.get("RoleArn") ?? "";
    const session = form.get("RoleSessionName") ?? "";
    const token = form.get("WebIdentityToken") ?? "";
    // Constraints from botocore's sts model (arnType 20-2048, roleSessionNameType 2-64 [\w+=,.@-]*, clientTokenType 4-20000).
    if (roleArn.length < 20 || roleArn.length > 2048) {
        return error(400, "ValidationError", "1 validation error detected: Value at 'roleArn' failed to satisfy constraint: Member must have length between 20 and 2048");
    }
    if (session.length < 2 || session.length > 64 || !/^[\w+=,.@-]*$/.test(session)) {
        return error(400, "ValidationError", `1 validation error detected: Value '${session}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`);
    }
    if (token.length < 4 || token.length > 20000) {
        return error(400, "ValidationError", "1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: Member must have length less than or equal to 20000");
    }
    const role = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(roleArn);
    if (!role) {
        return error(400, "InvalidParameterValue", "Request ARN is invalid"); // stand-in wording
    }
    let claims: ReturnType<typeof decodeJwt>;
    let kid: string | undefined;
    let alg: string | undefined;
    try {
        claims = decodeJwt(token);
        ({ kid, alg } = decodeProtectedHeader(token));
    } catch {
        return error(400, "InvalidIdentityToken", "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)"); // stand-in wording
    }
    const iss = String(claims.iss ?? "");
    const clientIds = sts.account.providers.get(iss);
    if (!clientIds) {
        return error(400, "InvalidIdentityToken", `No OpenIDConnect provider found in your account for ${iss}`);
    }
    const auds = typeof claims.aud === "string" ? [claims.aud] : ((claims.aud as string[] | undefined) ?? []);
    const audience = auds.find((a) => clientIds.includes(a));
    if (audience === undefined) {
        return error(400, "InvalidIdentityToken", "Incorrect token audience");
    }
    let jwk: JWK | undefined;
    try {
        const discovery = (await fetchJson(`${iss}/.well-known/openid-configuration`, sts.account.issuerCas)) as { jwks_uri?: string };
        const jwks = (await fetchJson(String(discovery.jwks_uri), sts.account.issuerCas)) as { keys?: JWK[] };
        jwk = (jwks.keys ?? []).find((k) => (k.kid ?? "") === (kid ?? ""));
    } catch {
        jwk = undefined;
    }
    if (!jwk || !alg) {
        return error(400, "InvalidIdentityToken", VERIFICATION_KEY);
    }
    try {
        await compactVerify(token, await importJWK(jwk, alg));
    } catch {
        return error(400, "InvalidIdentityToken", "The web identity token signature could not be verified"); // stand-in wording
    }
    const now = Math.floor(Date.now() / 1000);
    if (typeof claims.exp !== "number" || claims.exp <= now) {
        return error(400, "ExpiredTokenException", `Token expired: current date/time ${now} must be before the expiration date/time ${claims.exp}`);
    }
    const host = iss.replace(/^https:\/\//, "");
    const providerArn = `arn:aws:iam::${sts.account.id}:oidc-provider/${host}`;
    const trust = role[1] === sts.account.id ? sts.account.roles.get(role[2]) : undefined;
    const sub = String(claims.sub ?? "");
    // A role that does not exist gets the same answer as a trust policy that refuses (STS reveals neither).
    if (!trust || simulateWebIdentity(trust, providerArn, { [`${host}:sub`]: sub, [`${host}:aud`]: audience }, roleArn) !== "Allowed") {
        return error(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity");
    }
    const roleId = `AROA${crypto.createHash("sha256").update(roleArn).digest("hex").slice(0, 17).toUpperCase()}`;
    return issue({
        arn: `arn:aws:sts::${sts.account.id}:assumed-role/${role[2]}/${session}`,
        roleId: `${roleId}:${session}`,
        subject: sub,
        audience,
        provider: providerArn,
        expiration: new Date((now + 3600) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"),
    });
}

/** Starts the stand-in; the account starts empty (no providers, no roles). */
export async function startFakeSts(account: Partial<StsAccount> = {}): Promise<FakeSts> {
    const ca = await createTestCa("fake STS CA");
    const tls = await issueServerCertificate(ca, "sts.127.0.0.1", { ips: ["127.0.0.1"], dnsNames: ["localhost"] });
    const sockets = new Set<Socket>();
    const timers = new Set<NodeJS.Timeout>();
    const sts: FakeSts = {
        url: "",
        caPem: ca.certPem,
        account: { id: SIM_ACCOUNT, providers: new Map(), roles: new Map(), issuerCas: [], ...account },
        requests: [],
        issued: [],
        close: async () => undefined,
    };
    const issue = (f: Omit<SuccessFields, "credentials">): Answer => {
        const credentials = randomCredentials();
        sts.issued.push(credentials);
        return { status: 200, body: stsSuccessXml({ ...f, credentials }) };
    };
    const later = (ms: number, fn: () => void) => {
        const timer = setTimeout(() => {
            timers.delete(timer);
            fn();
        }, ms);
        timers.add(timer);
    };
    const server = https.createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            const body = Buffer.concat(chunks).toString("utf8");
            const request: StsRequestSeen = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body, form: [...new URLSearchParams(body)] };
            sts.requests.push(request);
            const scripted = sts.script?.(request);
            if (scripted && "silent" in scripted) {
                return;
            }
            if (scripted && "trickle" in scripted) {
                res.writeHead(200, { "content-type": "text/xml" });
                const drip = () => {
                    if (!res.destroyed) {
                        res.write("<");
                        later(100, drip);
                    }
                };
                drip();
                return;
            }
            const answer = scripted ? Promise.resolve(scripted) : judge(sts, request, issue);
            answer.then(
                (a) => {
                    const send = () => {
                        if (!res.destroyed) {
                            res.writeHead(a.status, { "content-type": "text/xml", "x-amzn-requestid": crypto.randomUUID(), ...("headers" in a ? a.headers : {}) });
                            res.end(a.body);
                        }
                    };
                    const delay = "delayMs" in a ? (a.delayMs ?? 0) : 0;
                    return delay > 0 ? later(delay, send) : send();
                },
                (err: Error) => {
                    res.writeHead(500, { "content-type": "text/xml" });
                    res.end(stsErrorXml("InternalFailure", `stand-in failure: ${err.message}`, undefined, "Receiver"));
                },
            );
        });
    });
    server.on("secureConnection", (socket: Socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve());
    });
    sts.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    sts.close = () =>
        new Promise<void>((resolve) => {
            timers.forEach((t) => clearTimeout(t));
            server.close(() => resolve());
            sockets.forEach((s) => s.destroy());
            server.closeAllConnections();
        });
    return sts;
}
