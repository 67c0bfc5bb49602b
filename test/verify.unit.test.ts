// The verifier with an injected fetch and clock: trust-policy evaluation, clock-skew edges, fetch failures.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { SignJWT } from "jose";
import { buildDiscoveryDocument, buildJwks, DISCOVERY_PATH, readPrivateKey, serializeDiscoveryDocument, serializeJwks } from "../src/oidc";
import { FetchError, FetchLike } from "../src/oidc/fetch";
import { checkTrustPolicy, conditionHolds, iamGlobMatch } from "../src/oidc/trust-evaluation";
import { Finding, verifyIssuer } from "../src/oidc/verify";

const KEYS = path.join(__dirname, "..", "..", "test", "fixtures", "keys");
const RSA = fs.readFileSync(path.join(KEYS, "rsa2048.pkcs8.pem"), "utf8");
const RSA_KID = "RPTwuSSaBIxZ_xHGxWTviC4uVbAg8jGYcU9K-Vknk_E";
const ISSUER = "https://oidc.example.com/clusters/prod";
const HOST = "oidc.example.com/clusters/prod";
const ARN = `arn:aws:iam::111122223333:oidc-provider/${HOST}`;
const NOW_S = 1_750_000_000;
const NOW = new Date(NOW_S * 1000);

/** A FetchLike over a fixed table of URL → body; records the URLs asked for. */
function tableFetch(table: Record<string, string | Error>, asked: string[] = []): FetchLike {
    return async (url) => {
        asked.push(url);
        const entry = table[url];
        if (entry instanceof Error) {
            throw entry;
        }
        return entry === undefined ? { status: 404, headers: {}, body: Buffer.from("not found") } : { status: 200, headers: {}, body: Buffer.from(entry) };
    };
}

function goodTable(jwksBody?: string): Record<string, string> {
    const jwks = buildJwks([RSA], { legacyEmptyKid: true });
    return {
        [`${ISSUER}/${DISCOVERY_PATH}`]: serializeDiscoveryDocument(buildDiscoveryDocument({ issuer: ISSUER, jwks })),
        [`${ISSUER}/openid/v1/jwks`]: jwksBody ?? serializeJwks(jwks),
    };
}

function sign(claims: Record<string, unknown>, header: Record<string, unknown> = { alg: "RS256", kid: RSA_KID }): Promise<string> {
    return new SignJWT({ iss: ISSUER, sub: "system:serviceaccount:apps:app", aud: ["sts.amazonaws.com"], exp: NOW_S + 3600, iat: NOW_S, nbf: NOW_S, ...claims })
        .setProtectedHeader(header as { alg: string })
        .sign(readPrivateKey(RSA).privateKey);
}

const byId = (findings: Finding[], id: string) => findings.find((f) => f.id === id);
const failed = (findings: Finding[]) => findings.filter((f) => !f.ok && !f.warning).map((f) => f.id);

describe("clock skew edges (60 s default)", () => {
    const cases: Array<[string, Record<string, number>, string[]]> = [
        ["exp 60 s ago is still accepted", { exp: NOW_S - 60 }, []],
        ["exp 61 s ago is expired", { exp: NOW_S - 61 }, ["token.exp"]],
        ["nbf 60 s ahead is accepted", { nbf: NOW_S + 60, iat: NOW_S }, []],
        ["nbf 61 s ahead is not yet valid", { nbf: NOW_S + 61, iat: NOW_S }, ["token.nbf"]],
        ["iat 61 s ahead is in the future", { iat: NOW_S + 61 }, ["token.iat"]],
    ];
    for (const [name, claims, expected] of cases) {
        it(name, async () => {
            const findings = await verifyIssuer({ issuer: ISSUER, token: await sign(claims), fetch: tableFetch(goodTable()), now: () => NOW });
            assert.deepEqual(failed(findings), expected);
        });
    }
    it("honours a custom skew", async () => {
        const findings = await verifyIssuer({ issuer: ISSUER, token: await sign({ exp: NOW_S - 10 }), fetch: tableFetch(goodTable()), now: () => NOW, clockSkewSeconds: 5 });
        assert.equal(byId(findings, "token.exp")?.message, "the token expired at 2025-06-15T15:06:30Z, 10 s ago (beyond the 5 s skew)");
    });
    it("requires exp", async () => {
        const token = await new SignJWT({ iss: ISSUER, sub: "system:serviceaccount:apps:app", aud: "sts.amazonaws.com" }).setProtectedHeader({ alg: "RS256", kid: RSA_KID }).sign(readPrivateKey(RSA).privateKey);
        const findings = await verifyIssuer({ issuer: ISSUER, token, fetch: tableFetch(goodTable()), now: () => NOW });
        assert.deepEqual(failed(findings), ["token.exp"]);
        assert.equal(byId(findings, "token.nbf")?.message, "the token has no nbf claim");
    });
});

describe("token header and format", () => {
    it("matches a token without kid to the legacy empty-kid entry", async () => {
        const findings = await verifyIssuer({ issuer: ISSUER, token: await sign({}, { alg: "RS256" }), fetch: tableFetch(goodTable()), now: () => NOW });
        assert.deepEqual(failed(findings), []);
        assert.equal(byId(findings, "token.kid")?.message, 'the token\'s kid "" is in the JWKS');
    });
    it("refuses an alg STS does not accept", async () => {
        const token = await new SignJWT({ iss: ISSUER }).setProtectedHeader({ alg: "HS256", kid: RSA_KID }).sign(new Uint8Array(32));
        const findings = await verifyIssuer({ issuer: ISSUER, token, fetch: tableFetch(goodTable()), now: () => NOW });
        assert.equal(byId(findings, "token.alg")?.message, 'the token\'s alg "HS256" is not one STS accepts (RS256, RS384, RS512, ES256, ES384, ES512)');
        assert.equal(byId(findings, "token.signature"), undefined);
    });
    it("refuses something that is not a JWT", async () => {
        const findings = await verifyIssuer({ issuer: ISSUER, token: "not-a-token", fetch: tableFetch(goodTable()), now: () => NOW });
        assert.equal(byId(findings, "token.format")?.message, "the token is not a compact JWS/JWT (it has 1 dot-separated parts, not 3)");
    });
    it("refuses a sub that is not a service account", async () => {
        const findings = await verifyIssuer({ issuer: ISSUER, token: await sign({ sub: "user@example.com" }), fetch: tableFetch(goodTable()), now: () => NOW });
        assert.deepEqual(failed(findings), ["token.sub"]);
    });
    it("checks the audience it is told", async () => {
        const findings = await verifyIssuer({ issuer: ISSUER, audience: "vault", token: await sign({}), fetch: tableFetch(goodTable()), now: () => NOW });
        assert.equal(byId(findings, "token.aud")?.message, 'the token\'s aud ["sts.amazonaws.com"] does not include "vault"');
    });
});

describe("issuer and documents", () => {
    it("stops at an issuer URL with a trailing slash, before any fetch", async () => {
        const asked: string[] = [];
        const findings = await verifyIssuer({ issuer: `${ISSUER}/`, fetch: tableFetch(goodTable(), asked) });
        assert.deepEqual(findings, [
            { id: "issuer.url", ok: false, message: `\`issuer\` "${ISSUER}/" must not end with a slash (the token's iss, the discovery document and the IAM provider URL must match exactly)`, fix: `use "${ISSUER}"` },
        ]);
        assert.deepEqual(asked, []);
    });
    it("fetches the discovery document, then the jwks_uri it names", async () => {
        const asked: string[] = [];
        await verifyIssuer({ issuer: ISSUER, fetch: tableFetch(goodTable(), asked) });
        assert.deepEqual(asked, [`${ISSUER}/${DISCOVERY_PATH}`, `${ISSUER}/openid/v1/jwks`]);
    });
    it("bounds a fetch that ignores its timeout", async () => {
        const slow: FetchLike = () => new Promise(() => undefined);
        const findings = await verifyIssuer({ issuer: ISSUER, fetch: slow, timeoutMs: 50 });
        assert.equal(byId(findings, "discovery.fetch")?.message, `GET ${ISSUER}/${DISCOVERY_PATH} gave no complete response within 0.05 s; STS gives up after 5 s`);
    });
    it("reports a network failure with its cause", async () => {
        const table = { [`${ISSUER}/${DISCOVERY_PATH}`]: new FetchError("network", "ENOTFOUND: getaddrinfo ENOTFOUND oidc.example.com") };
        const findings = await verifyIssuer({ issuer: ISSUER, fetch: tableFetch(table) });
        assert.equal(byId(findings, "discovery.fetch")?.message, `GET ${ISSUER}/${DISCOVERY_PATH} failed (ENOTFOUND: getaddrinfo ENOTFOUND oidc.example.com)`);
    });
    it("refuses more than 100 keys of one type", async () => {
        const jwk = buildJwks([RSA]).keys[0];
        const findings = await verifyIssuer({ issuer: ISSUER, fetch: tableFetch(goodTable(JSON.stringify({ keys: Array(101).fill(jwk) }))) });
        assert.equal(byId(findings, "jwks.keys")?.message, "the JWKS holds 101 RSA keys; IAM accepts at most 100 of each type");
    });
    it("refuses a JWKS entry that is not a key", async () => {
        const findings = await verifyIssuer({ issuer: ISSUER, fetch: tableFetch(goodTable('{"keys":[{"kty":"oct","k":"AAAA"}]}')) });
        assert.equal(byId(findings, "jwks.keys")?.message, 'keys[0] is not an RSA or EC key (kty "oct")');
    });
});

describe("IAM string matching", () => {
    const globs: Array<[string, string, boolean]> = [
        ["system:serviceaccount:apps:*", "system:serviceaccount:apps:s3-reader", true],
        ["system:serviceaccount:apps:*", "system:serviceaccount:other:s3-reader", false],
        ["system:serviceaccount:*:s3-reader", "system:serviceaccount:apps:s3-reader", true],
        ["system:serviceaccount:apps:app-?", "system:serviceaccount:apps:app-1", true],
        ["system:serviceaccount:apps:app-?", "system:serviceaccount:apps:app-10", false],
        ["system:serviceaccount:apps:a.b", "system:serviceaccount:apps:axb", false],
        ["*", "", true],
    ];
    for (const [pattern, value, expected] of globs) {
        it(`StringLike ${pattern} ${expected ? "matches" : "does not match"} ${JSON.stringify(value)}`, () => assert.equal(iamGlobMatch(pattern, value), expected));
    }
    it("evaluates operators, set qualifiers and IfExists", () => {
        assert.equal(conditionHolds("StringEquals", ["a"], ["a"]), true);
        assert.equal(conditionHolds("StringEquals", ["a"], ["A"]), false);
        assert.equal(conditionHolds("StringEqualsIgnoreCase", ["a"], ["A"]), true);
        assert.equal(conditionHolds("StringNotEquals", ["a"], ["b"]), true);
        assert.equal(conditionHolds("StringNotLike", ["a*"], ["ab"]), false);
        assert.equal(conditionHolds("ForAllValues:StringEquals", ["a", "b"], ["a", "c"]), false);
        assert.equal(conditionHolds("ForAnyValue:StringEquals", ["a", "b"], ["a", "c"]), true);
        assert.equal(conditionHolds("StringEquals", ["a"], []), false);
        assert.equal(conditionHolds("StringEqualsIfExists", ["a"], []), true);
        assert.equal(conditionHolds("NumericEquals", ["1"], ["1"]), undefined);
    });
});

describe("trust-policy evaluation", () => {
    const token = { sub: "system:serviceaccount:apps:app", aud: ["sts.amazonaws.com"] };
    const statement = (condition: Record<string, Record<string, string | string[]>>, extra: Record<string, unknown> = {}) => ({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Federated: ARN }, Action: "sts:AssumeRoleWithWebIdentity", Condition: condition, ...extra }],
    });
    const exact = { StringEquals: { [`${HOST}:sub`]: "system:serviceaccount:apps:app", [`${HOST}:aud`]: "sts.amazonaws.com" } };
    const table: Array<[string, unknown, Record<string, string>]> = [
        ["exact sub and aud", statement(exact), {}],
        ["StringLike namespace wildcard", statement({ StringLike: { [`${HOST}:sub`]: "system:serviceaccount:apps:*" }, StringEquals: { [`${HOST}:aud`]: "sts.amazonaws.com" } }), {}],
        ["a list of subjects", statement({ StringEquals: { [`${HOST}:sub`]: ["system:serviceaccount:apps:other", "system:serviceaccount:apps:app"] } }), {}],
        ["condition keys are case-insensitive", statement({ StringEquals: { [`${HOST.toUpperCase()}:SUB`]: "system:serviceaccount:apps:app" } }), {}],
        [
            "another service account",
            statement({ StringEquals: { [`${HOST}:sub`]: "system:serviceaccount:apps:other" } }),
            { "trust.sub": `the token's sub "system:serviceaccount:apps:app" does not satisfy StringEquals ${HOST}:sub "system:serviceaccount:apps:other"` },
        ],
        [
            "another audience",
            statement({ StringEquals: { [`${HOST}:sub`]: "system:serviceaccount:apps:app", [`${HOST}:aud`]: "vault" } }),
            { "trust.aud": `the token's aud "sts.amazonaws.com" does not satisfy StringEquals ${HOST}:aud "vault"` },
        ],
        ["no sub condition", statement({ StringEquals: { [`${HOST}:aud`]: "sts.amazonaws.com" } }), { "trust.sub": `statement 0 puts no condition on ${HOST}:sub: every ServiceAccount of the cluster can assume this role` }],
        [
            "condition keys of another issuer",
            statement({ StringEquals: { [`${HOST}:sub`]: "system:serviceaccount:apps:app", "oidc.other.com:aud": "sts.amazonaws.com" } }),
            { "trust.condition-keys": `the condition key(s) "oidc.other.com:aud" name another issuer than ${HOST}; STS never sets them for this provider` },
        ],
        [
            "the provider of another issuer",
            statement(exact, { Principal: { Federated: "arn:aws:iam::111122223333:oidc-provider/oidc.example.com" } }),
            { "trust.principal": `the Federated principal names "arn:aws:iam::111122223333:oidc-provider/oidc.example.com", not the OIDC provider for ${HOST}` },
        ],
        ["a wrong action", statement(exact, { Action: "sts:AssumeRole" }), { "trust.action": `the statement for this provider allows ["sts:AssumeRole"], not sts:AssumeRoleWithWebIdentity` }],
        ["no Statement", { Version: "2012-10-17" }, { "trust.json": "the trust policy has no Statement" }],
    ];
    for (const [name, policy, expected] of table) {
        it(name, () => {
            const findings = checkTrustPolicy({ policy, issuer: ISSUER, token });
            const failures = Object.fromEntries(findings.filter((f) => !f.ok && !f.warning).map((f) => [f.id, f.message]));
            assert.deepEqual(failures, expected);
        });
    }
    it("ORs statements: a second statement can admit the token", () => {
        const policy = statement({ StringEquals: { [`${HOST}:sub`]: "system:serviceaccount:apps:other" } });
        policy.Statement.push({ ...policy.Statement[0], Condition: { StringLike: { [`${HOST}:sub`]: "system:serviceaccount:apps:a??" } } });
        const findings = checkTrustPolicy({ policy, issuer: ISSUER, token });
        assert.deepEqual(failed(findings), []);
        assert.equal(byId(findings, "trust.sub")?.message, `the token's sub "system:serviceaccount:apps:app" satisfies StringLike ${HOST}:sub "system:serviceaccount:apps:a??"`);
    });
    it("reports a policy that is not JSON", () => {
        const findings = checkTrustPolicy({ policy: "{", issuer: ISSUER, token });
        assert.equal(findings.length, 1);
        assert.match(findings[0].message, /^the trust policy is not JSON \(.+\)$/);
    });
    it("without a token, checks the shape only", () => {
        const findings = checkTrustPolicy({ policy: statement(exact), issuer: ISSUER });
        assert.deepEqual(failed(findings), []);
        assert.match(byId(findings, "trust.sub")!.message, /\(no token given to test it\)$/);
    });
});
