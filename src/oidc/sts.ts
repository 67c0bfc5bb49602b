// AssumeRoleWithWebIdentity, asked of STS itself: the endpoint (partition, region, override), the one
// unsigned form-encoded POST, and the answer read as STS documents it. Pure apart from the injected fetch.
import { FetchError, FetchLike, FetchResponse } from "./fetch";
import type { Finding } from "./findings";
import { describeStsFailure, describeStsSuccess, shown, stsFetchFailure, StsCall, tokenFacts } from "./sts-findings";
import type { RoleArn, StsEndpoint } from "./sts-endpoint";
import { PickedXml, pickXml, XmlError } from "./sts-xml";

export * from "./sts-endpoint";

/** The STS API version every query request names (botocore's sts service model, `apiVersion`). */
export const STS_API_VERSION = "2011-06-15";
/** The session name the doctor asks for: it appears in the assumed-role ARN and in CloudTrail. */
export const DOCTOR_SESSION_NAME = "selfhosted-irsa-doctor";
/** The shortest session STS issues (AssumeRoleWithWebIdentity, DurationSeconds: 900 to the role's maximum). */
export const STS_MIN_DURATION_SECONDS = 900;

/**
 * Largest STS answer read. STS documents no size; its answers are a few KiB (the session token is "typically
 * less than 4096 bytes", STS API reference), so 64 KiB admits any real answer and stops a runaway body.
 */
export const MAX_STS_RESPONSE_BYTES = 64 * 1024;

/** RFC 3986 percent-encoding, as the awsQuery protocol expects (space is %20, `!'()*` are encoded). */
const encode = (value: string) => encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * The form body: the five fields in the order STS's API reference writes them, then `DurationSeconds=900`, the
 * shortest session STS issues (the default is an hour). The doctor throws the credentials away unread, so they
 * should expire as soon as STS allows; 900 is below every role's MaxSessionDuration (at least 3,600).
 */
export function assumeRoleWithWebIdentityBody(roleArn: string, sessionName: string, token: string): Buffer {
    const fields: Array<[string, string]> = [
        ["Action", "AssumeRoleWithWebIdentity"],
        ["Version", STS_API_VERSION],
        ["RoleArn", roleArn],
        ["RoleSessionName", sessionName],
        ["WebIdentityToken", token],
        ["DurationSeconds", String(STS_MIN_DURATION_SECONDS)],
    ];
    return Buffer.from(fields.map(([name, value]) => `${name}=${encode(value)}`).join("&"), "utf8");
}

const RESPONSE = "AssumeRoleWithWebIdentityResponse";
const RESULT = `${RESPONSE}/AssumeRoleWithWebIdentityResult`;
/** The only success fields decoded; AccessKeyId, SecretAccessKey and SessionToken are checked for presence only. */
const SUCCESS_FIELDS = {
    arn: `${RESULT}/AssumedRoleUser/Arn`,
    subject: `${RESULT}/SubjectFromWebIdentityToken`,
    audience: `${RESULT}/Audience`,
    provider: `${RESULT}/Provider`,
    expiration: `${RESULT}/Credentials/Expiration`,
};
const CREDENTIAL_PARTS = ["AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"].map((p) => `${RESULT}/Credentials/${p}`);
const ERROR_FIELDS = { code: "ErrorResponse/Error/Code", message: "ErrorResponse/Error/Message", requestId: "ErrorResponse/RequestId" };
const WANTED = new Set([...Object.values(SUCCESS_FIELDS), ...Object.values(ERROR_FIELDS)]);

export interface AssumeRoleOptions {
    endpoint: StsEndpoint;
    role: RoleArn;
    /** The projected service-account token, sent as WebIdentityToken. */
    token: string;
    fetch: FetchLike;
    /** Bound on the call (connect + whole answer). */
    timeoutMs: number;
    /** @default "selfhosted-irsa-doctor" */
    sessionName?: string;
}

/**
 * Asks STS to assume the role with the token: one POST, no Authorization header, no retry. Returns the
 * `sts.assume-role` finding. The credentials of a success are never decoded: the answer's bytes are read
 * for the reported fields, then overwritten.
 */
export async function assumeRoleWithWebIdentity(options: AssumeRoleOptions): Promise<Finding> {
    const token = options.token.trim();
    const body = assumeRoleWithWebIdentityBody(options.role.arn, options.sessionName ?? DOCTOR_SESSION_NAME, token);
    const call: StsCall = { endpoint: options.endpoint, role: options.role, token: tokenFacts(token), timeoutMs: options.timeoutMs };
    let res: FetchResponse;
    try {
        res = await withTimeout(
            options.fetch(options.endpoint.url, {
                method: "POST",
                timeoutMs: options.timeoutMs,
                maxBytes: MAX_STS_RESPONSE_BYTES,
                headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8", accept: "text/xml", "content-length": String(body.length) },
                body,
            }),
            options.timeoutMs,
        );
    } catch (err) {
        return stsFetchFailure(call, err, MAX_STS_RESPONSE_BYTES);
    } finally {
        body.fill(0);
    }
    try {
        return readAnswer(call, res);
    } finally {
        res.body.fill(0);
    }
}

function readAnswer(call: StsCall, res: FetchResponse): Finding {
    const requestId = res.headers["x-amzn-requestid"];
    if (res.status >= 300 && res.status < 400) {
        return describeStsFailure(call, { status: res.status, requestId, redirect: res.headers.location ?? "(no Location header)" });
    }
    let xml: PickedXml;
    try {
        xml = pickXml(res.body, WANTED);
    } catch (err) {
        const reason = err instanceof XmlError ? err.message : String(err);
        return describeStsFailure(call, { status: res.status, requestId, notXml: { reason, contentType: res.headers["content-type"], length: res.body.length, start: printableStart(res) } });
    }
    const text = (path: string) => xml.texts.get(path);
    if (xml.root === RESPONSE) {
        const missing = CREDENTIAL_PARTS.filter((p) => !xml.present.has(p)).map((p) => p.slice(RESULT.length + 1));
        if (!text(SUCCESS_FIELDS.arn)) {
            missing.unshift("AssumedRoleUser/Arn");
        }
        return describeStsSuccess(call, {
            status: res.status,
            requestId,
            missing,
            arn: text(SUCCESS_FIELDS.arn),
            subject: text(SUCCESS_FIELDS.subject),
            audience: text(SUCCESS_FIELDS.audience),
            provider: text(SUCCESS_FIELDS.provider),
            expiration: text(SUCCESS_FIELDS.expiration),
        });
    }
    if (xml.root === "ErrorResponse") {
        return describeStsFailure(call, {
            status: res.status,
            requestId: text(ERROR_FIELDS.requestId) ?? requestId,
            error: { code: text(ERROR_FIELDS.code), message: text(ERROR_FIELDS.message), retryAfter: res.headers["retry-after"] },
        });
    }
    return describeStsFailure(call, { status: res.status, requestId, notXml: { reason: `its root element is <${xml.root}>, not <${RESPONSE}> or <ErrorResponse>`, contentType: res.headers["content-type"], length: res.body.length } });
}

/**
 * The first bytes of an answer that is not STS's XML, for the message: only for a non-200 answer that names
 * no credential field and echoes no token, so a broken success can never print a secret.
 */
function printableStart(res: FetchResponse): string | undefined {
    if (res.status === 200) {
        return undefined;
    }
    const text = res.body.toString("utf8", 0, Math.min(res.body.length, 4096));
    // A body naming a credential field, or echoing a JWT (the token sent), is never shown.
    if (/AccessKeyId|SecretAccessKey|SessionToken|Credentials|eyJ[\w-]{8,}\./i.test(text)) {
        return undefined;
    }
    return shown(text.slice(0, 80));
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new FetchError("timeout", `no complete answer within ${timeoutMs} ms`)), timeoutMs + 50);
    });
    return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}
