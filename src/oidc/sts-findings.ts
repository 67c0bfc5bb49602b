// The `sts.assume-role` finding: STS's answer turned into its cause and the fix. Every string that came from
// the network (or from the token) is shown quoted and escaped, so a hostile answer cannot forge report lines.
import { decodeJwt, decodeProtectedHeader } from "jose";
import { FetchError } from "./fetch";
import { Finding, fail, pass } from "./findings";
import type { RoleArn, StsEndpoint } from "./sts-endpoint";

const ID = "sts.assume-role";
const MAX_SHOWN = 300;
// C0 and C1 controls, DEL, line/paragraph separators and the bidirectional overrides and isolates.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** A remote string for a report line: double-quoted, `"` and `\` escaped, no control character left, bounded. */
export function shown(value: string): string {
    let cut = value.length > MAX_SHOWN ? value.slice(0, MAX_SHOWN) : value;
    if (/[\ud800-\udbff]$/.test(cut)) {
        cut = cut.slice(0, -1);
    }
    const escaped = cut.replace(/["\\]/g, "\\$&").replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
    return `"${escaped}"${value.length > cut.length ? `... (${value.length - cut.length} more characters)` : ""}`;
}

/** What the token says about itself (decoded, not verified), to explain STS's answer. */
export interface TokenFacts {
    iss?: string;
    sub?: string;
    aud: string[];
    exp?: number;
    kid?: string;
}

export function tokenFacts(token: string): TokenFacts {
    const facts: TokenFacts = { aud: [] };
    try {
        const claims = decodeJwt(token);
        facts.iss = typeof claims.iss === "string" ? claims.iss : undefined;
        facts.sub = typeof claims.sub === "string" ? claims.sub : undefined;
        facts.aud = typeof claims.aud === "string" ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud.filter((a): a is string => typeof a === "string") : [];
        facts.exp = typeof claims.exp === "number" ? claims.exp : undefined;
        const kid = decodeProtectedHeader(token).kid;
        facts.kid = typeof kid === "string" ? kid : undefined;
    } catch {
        // Not a JWT: STS will say so; the explanations then show what is missing.
    }
    return facts;
}

/** One call's context, for the messages. */
export interface StsCall {
    endpoint: StsEndpoint;
    role: RoleArn;
    token: TokenFacts;
    timeoutMs: number;
}

const where = (call: StsCall) => `POST ${call.endpoint.url} (${call.endpoint.region ? `region ${call.endpoint.region} from ${call.endpoint.source}` : call.endpoint.source})`;
const orNone = (value: string | undefined) => (value === undefined ? "(none)" : shown(value));
const audList = (aud: string[]) => (aud.length === 0 ? "(none)" : aud.map(shown).join(", "));
const requestIdNote = (id: string | undefined) => (id ? ` (request ID ${shown(id)})` : "");
/** A token value inside a fix's command or policy text: quoted and escaped like every other outside string. */
const q = (value: string | undefined, placeholder: string) => (value === undefined ? placeholder : shown(value));
const host = (iss: string | undefined) => q(iss?.replace(/^https:\/\//, ""), "ISSUER_HOST");

export interface StsSuccess {
    status: number;
    requestId?: string;
    /** Documented parts of a success answer that it lacks. */
    missing: string[];
    arn?: string;
    subject?: string;
    audience?: string;
    provider?: string;
    expiration?: string;
}

export function describeStsSuccess(call: StsCall, s: StsSuccess): Finding {
    if (s.status !== 200 || s.missing.length > 0) {
        const what = s.status !== 200 ? `status ${s.status} (not 200)` : `no ${s.missing.join(", ")}`;
        return fail(ID, `${where(call)} answered an AssumeRoleWithWebIdentityResponse with ${what}: not an answer STS documents${requestIdNote(s.requestId)}`, "check that --sts-endpoint (or the network path: a proxy?) reaches STS itself");
    }
    return pass(
        ID,
        `${where(call)}: STS let the token assume ${call.role.arn}: assumed-role ARN ${orNone(s.arn)}, SubjectFromWebIdentityToken ${orNone(s.subject)}, Audience ${orNone(s.audience)}, Provider ${orNone(s.provider)}, credentials expire ${orNone(s.expiration)} (never printed, written or kept)`,
    );
}

export interface StsFailure {
    status: number;
    requestId?: string;
    redirect?: string;
    notXml?: { reason: string; contentType?: string; length: number; start?: string };
    error?: { code?: string; message?: string; retryAfter?: string };
}

const THROTTLING = new Set(["Throttling", "ThrottlingException", "ThrottledException", "RequestThrottled", "RequestThrottledException", "TooManyRequestsException", "RequestLimitExceeded", "SlowDown"]);
const BAD_PARAMETER = new Set(["InvalidParameterValue", "ValidationError", "MissingParameter", "InvalidParameterCombination", "MalformedQueryString", "InvalidQueryParameter", "InvalidAction", "MissingAction"]);
const SERVER_SIDE = new Set(["InternalFailure", "InternalError", "ServiceUnavailable"]);

export function describeStsFailure(call: StsCall, f: StsFailure): Finding {
    const id = requestIdNote(f.requestId);
    if (f.redirect !== undefined) {
        return fail(ID, `${where(call)} answered ${f.status}, a redirect to ${shown(f.redirect)}; the doctor follows no redirects${id}`, "ask STS's regional endpoint (--region REGION), or pass the final URL with --sts-endpoint");
    }
    if (f.notXml) {
        const details = [`content-type ${orNone(f.notXml.contentType)}`, `${f.notXml.length} bytes`, ...(f.notXml.start !== undefined ? [`it starts with ${f.notXml.start}`] : [])].join(", ");
        const fix = f.status >= 500 ? "STS or a proxy in between failed: retry in a minute, and check the network path to STS" : "check that --sts-endpoint (or the network path: a proxy, a captive portal?) reaches STS itself";
        return fail(ID, `${where(call)} answered ${f.status} with a body that is not STS's XML: ${f.notXml.reason} (${details})${id}`, fix);
    }
    const code = f.error?.code;
    const [cause, fix] = explain(call, f.status, code ?? "", f.error?.message ?? "", f.error?.retryAfter);
    return fail(ID, `${where(call)}: STS answered ${f.status} ${orNone(code)}: ${orNone(f.error?.message)}. ${cause}${id}`, fix);
}

/** Cause and fix for one documented STS error (botocore's sts service model, STS API reference, Common Errors). */
function explain(call: StsCall, status: number, code: string, message: string, retryAfter: string | undefined): [string, string] {
    const t = call.token;
    const role = call.role;
    const aud0 = shown(t.aud[0] ?? "sts.amazonaws.com");
    if (code === "InvalidIdentityToken" && /No OpenIDConnect provider found/i.test(message)) {
        return [
            `Account ${role.account} (the role's) has no IAM OIDC provider for the token's issuer ${orNone(t.iss)}`,
            `create the IAM OIDC provider in account ${role.account} with the URL exactly the token's iss (SelfHostedIrsa registers it; by hand: aws iam create-open-id-connect-provider --url ${q(t.iss, "ISSUER")} --client-id-list ${aud0}); the URL must equal iss byte for byte, a trailing slash included`,
        ];
    }
    if (code === "InvalidIdentityToken" && /retrieve verification key/i.test(message)) {
        return [
            `STS found the provider but no key for the token: it could not fetch ${orNone(t.iss)}/.well-known/openid-configuration or the JWKS it names, or that JWKS has no key with the token's kid ${orNone(t.kid)}`,
            `publish the discovery document and a JWKS holding kid ${orNone(t.kid)} at the issuer over public HTTPS, answering within 5 s without redirects (the discovery.* and jwks.* checks say which part fails; a certificate from a private CA also needs the provider's thumbprint)`,
        ];
    }
    if (code === "InvalidIdentityToken" && /audience|claim: aud\b/i.test(message)) {
        return [
            `The token's aud ${audList(t.aud)} is not in the IAM OIDC provider's client ID list`,
            `add it to the provider (aws iam add-client-id-to-open-id-connect-provider --client-id ${aud0} ...), or mint the token for an audience the provider lists (sts.amazonaws.com)`,
        ];
    }
    if (code === "InvalidIdentityToken") {
        return ["STS could not validate the token", "see the token.* checks (format, signature, iss, exp) and mint a fresh token from the cluster"];
    }
    if (code === "AccessDenied") {
        return [
            `The role's trust policy does not let this token assume ${role.arn} (STS answers the same when the role does not exist); the token carries sub ${orNone(t.sub)}, aud ${audList(t.aud)}, iss ${orNone(t.iss)}`,
            `allow sts:AssumeRoleWithWebIdentity in the trust policy of ${role.arn} for the Federated principal arn:${role.partition.id}:iam::${role.account}:oidc-provider/H with StringEquals H:sub = ${q(t.sub, "SUB")} and H:aud = ${aud0}, H being ${host(t.iss)}; check it offline with --trust-policy (aws iam get-role --role-name ${role.name} --query Role.AssumeRolePolicyDocument)`,
        ];
    }
    if (code === "IDPCommunicationError") {
        return [
            `STS could not reach the issuer ${orNone(t.iss)} for its discovery document or JWKS (STS says this is often transient)`,
            "make the issuer's discovery document and JWKS answer from the public internet over HTTPS within 5 s (the discovery.* and jwks.* checks); if they pass, retry in a minute",
        ];
    }
    if (code === "IDPRejectedClaim") {
        return [`The identity provider rejected the token's claims (STS: invalid, expired or revoked)`, `mint a fresh token (kubectl create token SA --audience ${aud0}) and check its iss and aud against the IAM OIDC provider`];
    }
    if (code === "ExpiredTokenException") {
        const exp = t.exp === undefined ? "has no exp" : `expired at ${new Date(t.exp * 1000).toISOString().replace(".000Z", "Z")}`;
        return [`The token ${exp} by STS's clock`, "mint a fresh token (pods get one the kubelet refreshes); check that the API server's and this machine's clocks agree (NTP)"];
    }
    if (BAD_PARAMETER.has(code)) {
        return ["STS refused a parameter of the request", "check --assume-role (a role ARN arn:PARTITION:iam::ACCOUNT:role/NAME) and the token (a compact JWT of at most 20,000 characters)"];
    }
    if (code === "RegionDisabledException") {
        return [`STS is not activated in ${call.endpoint.region ?? "this region"} for account ${role.account}`, "activate the region for STS (IAM console, Account settings), or ask another region with --region"];
    }
    if (THROTTLING.has(code) || status === 429) {
        const wait = retryAfter ? `Retry-After ${shown(retryAfter)}` : undefined;
        return [`STS throttled the call${wait ? ` (${wait})` : ""}`, `wait ${wait ? "as long as Retry-After says" : "a few seconds"} and run the doctor again (it makes one call and never retries)`];
    }
    if (SERVER_SIDE.has(code) || status >= 500) {
        return ["STS failed on its side", "retry in a minute; if it persists, look for STS in the AWS Health Dashboard"];
    }
    return ["The doctor does not know this error code", "look the code up in the STS API reference (AssumeRoleWithWebIdentity: Errors, and Common Errors)"];
}

/** A call that got no answer: unreachable, too slow, TLS refused, or too large. */
export function stsFetchFailure(call: StsCall, err: unknown, maxBytes: number): Finding {
    const code = err instanceof FetchError ? err.code : "network";
    const detail = shown(err instanceof Error ? err.message : String(err));
    const hostName = new URL(call.endpoint.url).host;
    switch (code) {
        case "timeout":
            return fail(ID, `${where(call)} gave no complete answer within ${call.timeoutMs / 1000} s`, `check that this machine reaches ${hostName} over HTTPS (port 443: a firewall, a proxy?), or raise --timeout`);
        case "too-large":
            return fail(ID, `${where(call)} answered more than ${maxBytes} bytes: not an STS answer`, "check that --sts-endpoint (or the network path) reaches STS itself");
        case "tls":
            return fail(ID, `${where(call)} failed the TLS check (${detail})`, "STS's certificate chains to a public CA this machine must trust; for a private --sts-endpoint add its CA to --ca-file");
        default:
            return fail(ID, `${where(call)} failed (${detail})`, `check DNS and network access to ${hostName} over HTTPS (port 443), or pass another --region or --sts-endpoint`);
    }
}
