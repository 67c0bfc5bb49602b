// `doctor --assume-role` against a loopback STS stand-in (test/helpers/fake-sts.ts: STS's query API and XML,
// its own CA, judging with its own account model and the IAM policy simulator) and a loopback HTTPS issuer.
// The CLI runs as a subprocess where what it prints or writes matters (credentials), in-process elsewhere.
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { runCli } from "../src/cli/main";
import type { CliIo } from "../src/cli/command";
import { startLoopbackIssuer, LoopbackIssuer } from "../src/cli/loopback-issuer";
import { buildDiscoveryDocument, buildJwks, buildTrustPolicy, DISCOVERY_PATH, issuerHost, mintServiceAccountToken, serializeDiscoveryDocument, serializeJwks } from "../src/oidc";
import { runDoctorCluster } from "../src/cli/commands/doctor-cluster";
import type { ClusterFinding } from "../src/cli/cluster-doctor/findings";
import { FakeApiServer, refusedPort, startFakeApiServer } from "./helpers/fake-apiserver";
import { FakeSts, IssuedCredentials, startFakeSts, stsErrorXml } from "./helpers/fake-sts";
import { SIM_ACCOUNT } from "./helpers/iam-simulator";
import { healthyCluster, makeWebhookPki, OTHER, RSA, RSA_KID } from "./helpers/irsa-cluster";

const MAIN = path.join(__dirname, "..", "src", "cli", "main.js");
const ROLE = `arn:aws:iam::${SIM_ACCOUNT}:role/s3-reader`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "irsa-sts-"));
const write = (name: string, text: string) => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, text);
    return file;
};

let issuer: LoopbackIssuer;
let sts: FakeSts;
/** The issuer's CA and the stand-in's, in one --ca-file. */
let caFile: string;

function publish(keys: string[]): void {
    const jwks = buildJwks(keys);
    issuer.routes.set(`/${DISCOVERY_PATH}`, { body: serializeDiscoveryDocument(buildDiscoveryDocument({ issuer: issuer.url, jwks })) });
    issuer.routes.set("/openid/v1/jwks", { body: serializeJwks(jwks) });
}

const token = (o: { serviceAccount?: string; audiences?: string[]; now?: Date; ttlSeconds?: number } = {}) =>
    mintServiceAccountToken({ privateKeyPem: RSA, issuer: issuer.url, namespace: "apps", serviceAccount: o.serviceAccount ?? "s3-reader", audiences: o.audiences, now: o.now, ttlSeconds: o.ttlSeconds });

interface Run {
    code: number;
    stdout: string;
    stderr: string;
    ms: number;
}

async function cli(argv: string[]): Promise<Run> {
    let stdout = "";
    let stderr = "";
    const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), readStdin: async () => "" };
    const started = Date.now();
    const code = await runCli(argv, io);
    return { code, stdout, stderr, ms: Date.now() - started };
}

/** `doctor --assume-role` in-process with a fresh token file; returns the run and the sts.assume-role line. */
async function doctor(tokenText?: string, extra: string[] = []): Promise<Run & { line: string }> {
    const file = write("token", tokenText ?? (await token()));
    const run = await cli(["doctor", "--issuer", issuer.url, "--token", file, "--ca-file", caFile, "--assume-role", ROLE, "--sts-endpoint", sts.url, "--timeout", "5", ...extra]);
    const line = run.stdout.split("\n").find((l) => / sts\.assume-role: /.test(l)) ?? "";
    return { ...run, line };
}

/** The CLI as a subprocess with an environment of our own (no ambient AWS settings but decoy credentials). */
function subprocess(argv: string[], env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<Run & { home: string }> {
    const home = fs.mkdtempSync(path.join(tmp, "home-"));
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AWS_")));
    return new Promise((resolve, reject) => {
        const started = Date.now();
        const child = spawn(process.execPath, [...nodeArgs, MAIN, ...argv], { cwd: home, env: { ...clean, HOME: home, ...env }, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (c) => (stdout += c));
        child.stderr.on("data", (c) => (stderr += c));
        const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
        child.on("error", reject);
        child.on("close", (code) => {
            clearTimeout(killer);
            resolve({ code: code ?? -1, stdout, stderr, ms: Date.now() - started, home });
        });
    });
}

/** Every 8-character piece of every issued credential: none may appear anywhere (not even a prefix). */
function assertNoCredentials(text: string, issued: IssuedCredentials[]): void {
    assert.ok(issued.length > 0, "the stand-in issued credentials (the check is real)");
    for (const c of issued) {
        for (const secret of [c.accessKeyId, c.secretAccessKey, c.sessionToken]) {
            for (let i = 0; i + 8 <= secret.length; i++) {
                assert.ok(!text.includes(secret.slice(i, i + 8)), `a piece of an issued credential was printed: ${secret.slice(i, i + 8)}`);
            }
        }
    }
}

before(async () => {
    issuer = await startLoopbackIssuer();
    sts = await startFakeSts({ issuerCas: [issuer.caPem] });
    caFile = write("cas.pem", issuer.caPem + sts.caPem);
});
after(async () => {
    await sts.close();
    await issuer.close();
    fs.rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => {
    publish([RSA]);
    sts.script = undefined;
    sts.requests.length = 0;
    sts.account.providers = new Map([[issuer.url, ["sts.amazonaws.com"]]]);
    sts.account.roles = new Map([["s3-reader", buildTrustPolicy({ oidcProviderArn: `arn:aws:iam::${SIM_ACCOUNT}:oidc-provider/${issuerHost(issuer.url)}`, issuerUrl: issuer.url, namespace: "apps", serviceAccount: "s3-reader" })]]);
});

describe("doctor --assume-role: STS accepts", () => {
    it("sends exactly the documented unsigned POST, prints the PASS, and no credential reaches stdout, stderr or a file", async () => {
        const jwt = await token();
        const tokenFile = write("token", `${jwt}\n`);
        const record = path.join(tmp, "loaded.json");
        const hook = write("hook.js", `process.on("exit", () => require("fs").writeFileSync(${JSON.stringify(record)}, JSON.stringify(Object.keys(require.cache))));\n`);
        const env = {
            // Ambient credentials must not be used: the call is unsigned.
            AWS_ACCESS_KEY_ID: "AKIADECOYDECOYDECOY1",
            AWS_SECRET_ACCESS_KEY: "decoy-secret-decoy-secret-decoy-secret00",
            AWS_SESSION_TOKEN: "decoy-session-token",
        };
        const run = await subprocess(["doctor", "--issuer", issuer.url, "--token", tokenFile, "--ca-file", caFile, "--assume-role", ROLE, "--sts-endpoint", sts.url], env, ["--require", hook]);
        assert.equal(run.code, 0, run.stdout + run.stderr);
        assert.equal(run.stderr, "");
        assert.equal(sts.requests.length, 1);
        const req = sts.requests[0];
        assert.equal(req.method, "POST");
        assert.equal(req.url, "/", "no query string: every parameter is in the body");
        assert.equal(req.headers["content-type"], "application/x-www-form-urlencoded; charset=utf-8");
        assert.equal(req.headers["content-length"], String(Buffer.byteLength(req.body)));
        assert.equal(req.headers.authorization, undefined);
        assert.deepEqual(Object.keys(req.headers).filter((h) => h.startsWith("x-amz")), [], "no SigV4 date, security token or content hash");
        assert.equal(req.body, `Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A${SIM_ACCOUNT}%3Arole%2Fs3-reader&RoleSessionName=selfhosted-irsa-doctor&WebIdentityToken=${jwt}&DurationSeconds=900`);
        assert.deepEqual(req.form.map(([k]) => k), ["Action", "Version", "RoleArn", "RoleSessionName", "WebIdentityToken", "DurationSeconds"]);
        const line = run.stdout.split("\n").find((l) => l.startsWith("PASS sts.assume-role: ")) ?? "";
        const host = issuerHost(issuer.url);
        assert.match(line, new RegExp(`^PASS sts\\.assume-role: POST ${sts.url.replace(/[.]/g, "\\.")} \\(--sts-endpoint\\): STS let the token assume ${ROLE}: `));
        assert.ok(line.includes(`assumed-role ARN "arn:aws:sts::${SIM_ACCOUNT}:assumed-role/s3-reader/selfhosted-irsa-doctor"`), line);
        assert.ok(line.includes('SubjectFromWebIdentityToken "system:serviceaccount:apps:s3-reader", Audience "sts.amazonaws.com"'), line);
        assert.ok(line.includes(`Provider "arn:aws:iam::${SIM_ACCOUNT}:oidc-provider/${host}"`), line);
        assert.match(line, /credentials expire "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ" \(never printed, written or kept\)$/);
        assert.doesNotMatch(run.stdout, /^FAIL /m);
        assertNoCredentials(run.stdout + run.stderr, sts.issued.slice(-1));
        assert.deepEqual(fs.readdirSync(run.home), [], "nothing written in the working directory / HOME");
        const loaded: string[] = JSON.parse(fs.readFileSync(record, "utf8"));
        assert.ok(loaded.some((p) => p.endsWith(path.join("oidc", "sts.js"))), "the record is real: it lists the STS module");
        assert.deepEqual(loaded.filter((p) => p.includes(`node_modules${path.sep}@pulumi`)), [], "the CLI never loads @pulumi/*");
    });
});

describe("doctor --assume-role: each STS refusal, from its real cause", () => {
    it("InvalidIdentityToken, no provider: names the IAM OIDC provider for this exact issuer", async () => {
        sts.account.providers = new Map([[`${issuer.url}/`, ["sts.amazonaws.com"]]]); // registered with a trailing slash
        const run = await doctor();
        assert.equal(run.code, 1);
        assert.ok(run.line.startsWith(`FAIL sts.assume-role: POST ${sts.url} (--sts-endpoint): STS answered 400 "InvalidIdentityToken": "No OpenIDConnect provider found in your account for ${issuer.url}". Account ${SIM_ACCOUNT} (the role's) has no IAM OIDC provider for the token's issuer "${issuer.url}" (request ID "`), run.line);
        assert.ok(run.line.includes(`— fix: create the IAM OIDC provider in account ${SIM_ACCOUNT} with the URL exactly the token's iss (SelfHostedIrsa registers it; by hand: aws iam create-open-id-connect-provider --url "${issuer.url}" --client-id-list "sts.amazonaws.com"); the URL must equal iss byte for byte, a trailing slash included`), run.line);
    });

    it("InvalidIdentityToken, no verification key: the JWKS lacks the token's kid", async () => {
        publish([OTHER]);
        const run = await doctor();
        assert.ok(run.line.includes(`STS answered 400 "InvalidIdentityToken": "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements". STS found the provider but no key for the token: it could not fetch "${issuer.url}"/.well-known/openid-configuration or the JWKS it names, or that JWKS has no key with the token's kid "${RSA_KID}"`), run.line);
        assert.ok(run.line.includes(`— fix: publish the discovery document and a JWKS holding kid "${RSA_KID}" at the issuer over public HTTPS`), run.line);
        assert.match(run.stdout, /^FAIL token\.kid: /m, "the local check found it too");
    });

    it("InvalidIdentityToken, unreachable issuer: the same STS message", async () => {
        issuer.routes.clear();
        const run = await doctor();
        assert.ok(run.line.includes(`"InvalidIdentityToken": "Couldn't retrieve verification key`), run.line);
    });

    it("InvalidIdentityToken, audience: the provider's client ID list", async () => {
        const run = await doctor(await token({ audiences: ["vault"] }), ["--audience", "vault"]);
        assert.ok(run.line.includes(`STS answered 400 "InvalidIdentityToken": "Incorrect token audience". The token's aud "vault" is not in the IAM OIDC provider's client ID list (request ID "`), run.line);
        assert.ok(run.line.includes(`— fix: add it to the provider (aws iam add-client-id-to-open-id-connect-provider --client-id "vault" ...)`), run.line);
    });

    it("AccessDenied: the trust policy, with the sub and aud the token carries", async () => {
        const run = await doctor(await token({ serviceAccount: "intruder" }));
        assert.ok(run.line.includes(`STS answered 403 "AccessDenied": "Not authorized to perform sts:AssumeRoleWithWebIdentity". The role's trust policy does not let this token assume ${ROLE} (STS answers the same when the role does not exist); the token carries sub "system:serviceaccount:apps:intruder", aud "sts.amazonaws.com", iss "${issuer.url}"`), run.line);
        const host = issuerHost(issuer.url);
        assert.ok(run.line.includes(`— fix: allow sts:AssumeRoleWithWebIdentity in the trust policy of ${ROLE} for the Federated principal arn:aws:iam::${SIM_ACCOUNT}:oidc-provider/H with StringEquals H:sub = "system:serviceaccount:apps:intruder" and H:aud = "sts.amazonaws.com", H being "${host}"; check it offline with --trust-policy (aws iam get-role --role-name s3-reader --query Role.AssumeRolePolicyDocument)`), run.line);
    });

    it("AccessDenied for a role that does not exist", async () => {
        const file = write("token", await token());
        const run = await cli(["doctor", "--issuer", issuer.url, "--token", file, "--ca-file", caFile, "--assume-role", `arn:aws:iam::${SIM_ACCOUNT}:role/nope`, "--sts-endpoint", sts.url]);
        assert.match(run.stdout, /^FAIL sts\.assume-role: .*STS answered 403 "AccessDenied"/m);
    });

    it("ExpiredTokenException: a token past its exp", async () => {
        const issued = new Date(Date.now() - 7200_000);
        const run = await doctor(await token({ now: issued, ttlSeconds: 600 }));
        const exp = Math.floor(issued.getTime() / 1000) + 600;
        assert.ok(run.line.includes(`STS answered 400 "ExpiredTokenException": "Token expired: current date/time `), run.line);
        assert.ok(run.line.includes(`The token expired at ${new Date(exp * 1000).toISOString().replace(".000Z", "Z")} by STS's clock (request ID "`), run.line);
        assert.ok(run.line.includes("— fix: mint a fresh token"), run.line);
    });
});

describe("doctor --assume-role: scripted STS answers", () => {
    const scripted = async (status: number, body: string | Buffer, headers: Record<string, string> = {}) => {
        sts.script = () => ({ status, body, headers });
        return doctor();
    };

    const documented: Array<[string, number, string, string, RegExp]> = [
        ["IDPCommunicationError", 400, "IDPCommunicationError", "Couldn't connect to the identity provider", /STS could not reach the issuer "https:\/\/127\.0\.0\.1:\d+" for its discovery document or JWKS .*— fix: make the issuer's discovery document and JWKS answer from the public internet over HTTPS within 5 s/],
        ["IDPRejectedClaim", 403, "IDPRejectedClaim", "Identity provider rejected the claim", /The identity provider rejected the token's claims .*— fix: mint a fresh token \(kubectl create token SA --audience "sts\.amazonaws\.com"\)/],
        ["InvalidParameterValue", 400, "InvalidParameterValue", "Request ARN is invalid", /STS refused a parameter of the request .*— fix: check --assume-role/],
        ["ValidationError", 400, "ValidationError", "1 validation error detected", /STS refused a parameter of the request/],
        ["RegionDisabledException", 403, "RegionDisabledException", "STS is not activated in this region for account:111122223333", /STS is not activated in this region for account \d{12} .*— fix: activate the region for STS/],
        ["InternalFailure", 500, "InternalFailure", "An internal error occurred", /STS failed on its side .*— fix: retry in a minute/],
    ];
    for (const [name, status, code, message, expected] of documented) {
        it(name, async () => {
            const run = await scripted(status, stsErrorXml(code, message, "req-42"));
            assert.equal(run.code, 1);
            assert.ok(run.line.startsWith(`FAIL sts.assume-role: POST ${sts.url} (--sts-endpoint): STS answered ${status} "${code}": "${message}". `), run.line);
            assert.match(run.line, expected);
            assert.ok(run.line.includes('(request ID "req-42")'), run.line);
        });
    }

    it("Throttling (400, Rate exceeded) with Retry-After", async () => {
        const run = await scripted(400, stsErrorXml("Throttling", "Rate exceeded"), { "retry-after": "3" });
        assert.ok(run.line.includes(`STS answered 400 "Throttling": "Rate exceeded". STS throttled the call (Retry-After "3")`), run.line);
        assert.ok(run.line.includes("— fix: wait as long as Retry-After says and run the doctor again (it makes one call and never retries)"), run.line);
        assert.equal(sts.requests.length, 1, "no retry");
    });

    it("an unknown code, and hostile text: shown escaped, no forged line", async () => {
        const raw = "<ErrorResponse><Error><Type>Sender</Type><Code>Weird\u009b31m</Code><Message>bad&#10;PASS sts.assume-role: forged\u202e &#13;</Message></Error><RequestId>r&#10;1</RequestId></ErrorResponse>";
        const run = await scripted(400, raw);
        assert.ok(run.line.includes('STS answered 400 "Weird\\u009b31m": "bad\\u000aPASS sts.assume-role: forged\\u202e \\u000d". The doctor does not know this error code (request ID "r\\u000a1") — fix: look the code up in the STS API reference'), run.line);
        assert.deepEqual(run.stdout.split("\n").filter((l) => l.includes("sts.assume-role")), [run.line], "one line only");
        assert.doesNotMatch(run.stdout, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    });

    it("a body that is not XML (a proxy's HTML page): status, type and its start, escaped", async () => {
        const run = await scripted(502, "<html><body>Bad Gateway\u001b[0m</body></html>", { "content-type": "text/html" });
        assert.ok(run.line.includes(`answered 502 with a body that is not STS's XML: control character 0x1b in text (at byte 23) (content-type "text/html", 41 bytes, it starts with "<html><body>Bad Gateway\\u001b[0m</body></html>")`), run.line);
        assert.ok(run.line.includes("— fix: STS or a proxy in between failed: retry in a minute"), run.line);
    });

    it("a broken success never shows its bytes", async () => {
        const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY";
        const run = await scripted(200, `<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials><SecretAccessKey>${secret}</SecretAccessKey>`);
        assert.ok(run.line.includes("answered 200 with a body that is not STS's XML: the document ends inside <Credentials>"), run.line);
        assert.ok(!run.stdout.includes("wJalrXUt"), run.line);
        const error = await scripted(400, `<Credentials><SecretAccessKey>${secret}</SecretAccessKey><Oops>`);
        assert.ok(!error.stdout.includes("wJalrXUt"), error.line);
    });

    it("a DOCTYPE with entities is refused, not expanded", async () => {
        const bomb = `<?xml version="1.0"?><!DOCTYPE e [<!ENTITY a "${"x".repeat(100)}"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><ErrorResponse><Error><Code>&b;</Code></Error></ErrorResponse>`;
        const run = await scripted(400, bomb);
        assert.ok(run.line.includes("with a body that is not STS's XML: DOCTYPE and other declarations are refused (at byte 21)"), run.line);
    });

    it("a redirect is not followed", async () => {
        const run = await scripted(307, "", { location: "https://sts.evil.example/" });
        assert.ok(run.line.includes('answered 307, a redirect to "https://sts.evil.example/"; the doctor follows no redirects'), run.line);
        assert.equal(sts.requests.length, 1);
    });

    it("an answer over 64 KiB is cut off", async () => {
        const run = await scripted(200, `<AssumeRoleWithWebIdentityResponse>${" ".repeat(70_000)}</AssumeRoleWithWebIdentityResponse>`);
        assert.ok(run.line.includes("answered more than 65536 bytes: not an STS answer"), run.line);
    });
});

describe("doctor --assume-role: an unreachable or slow STS fails within --timeout", () => {
    const bounded = async (argv: string[]) => {
        const file = write("token", await token());
        return cli(["doctor", "--issuer", issuer.url, "--token", file, "--ca-file", caFile, "--assume-role", ROLE, "--timeout", "1", ...argv]);
    };

    it("a silent server", async () => {
        sts.script = () => ({ silent: true });
        const run = await bounded(["--sts-endpoint", sts.url]);
        assert.match(run.stdout, /^FAIL sts\.assume-role: POST .* \(--sts-endpoint\) gave no complete answer within 1 s — fix: check that this machine reaches 127\.0\.0\.1:\d+ over HTTPS/m);
        assert.ok(run.ms < 3000, `${run.ms} ms`);
    });

    it("a server that trickles bytes forever", async () => {
        sts.script = () => ({ trickle: true });
        const run = await bounded(["--sts-endpoint", sts.url]);
        assert.match(run.stdout, /^FAIL sts\.assume-role: .* gave no complete answer within 1 s/m);
        assert.ok(run.ms < 3000, `${run.ms} ms`);
    });

    it("a slow answer", async () => {
        sts.script = () => ({ status: 200, body: "<x/>", delayMs: 4000 });
        const run = await bounded(["--sts-endpoint", sts.url]);
        assert.match(run.stdout, /^FAIL sts\.assume-role: .* gave no complete answer within 1 s/m);
        assert.ok(run.ms < 3500, `${run.ms} ms: the answer (due after 4 s) was not waited for`);
    });

    it("a refused connection", async () => {
        const run = await bounded(["--sts-endpoint", `https://127.0.0.1:${await refusedPort()}/`]);
        assert.match(run.stdout, /^FAIL sts\.assume-role: POST https:\/\/127\.0\.0\.1:\d+\/ \(--sts-endpoint\) failed \("ECONNREFUSED: connect ECONNREFUSED 127\.0\.0\.1:\d+"\) — fix: check DNS and network access/m);
    });

    it("an endpoint whose certificate this machine does not trust", async () => {
        const file = write("token", await token());
        const only = write("issuer-ca.pem", issuer.caPem);
        const run = await cli(["doctor", "--issuer", issuer.url, "--token", file, "--ca-file", only, "--assume-role", ROLE, "--sts-endpoint", sts.url, "--timeout", "2"]);
        assert.match(run.stdout, /^FAIL sts\.assume-role: .* failed the TLS check \(".*"\) — fix: STS's certificate chains to a public CA/m);
    });
});

describe("doctor --assume-role: bad flags fail before any request", () => {
    const cases: Array<[string, string[], string]> = [
        ["no token", ["--assume-role", ROLE], '`--assume-role` "arn:aws:iam::123456789012:role/s3-reader" needs a token to present to STS. Fix: pass --token FILE (or --token - to read it from standard input)'],
        ["not a role ARN", ["--token", "TOKEN", "--assume-role", "s3-reader"], '`--assume-role` "s3-reader" is not an IAM role ARN.'],
        ["--region of another partition", ["--token", "TOKEN", "--assume-role", ROLE, "--region", "cn-north-1"], '`--region` "cn-north-1" is a region of the aws-cn partition;'],
        ["an http endpoint", ["--token", "TOKEN", "--assume-role", ROLE, "--sts-endpoint", "http://127.0.0.1:1/"], '`--sts-endpoint` "http://127.0.0.1:1/" is not https://'],
        ["--region without --assume-role", ["--token", "TOKEN", "--region", "eu-west-1"], '`--region` "eu-west-1" only applies with --assume-role. Fix: add --assume-role ROLE_ARN, or drop it'],
    ];
    for (const [name, argv, message] of cases) {
        it(name, async () => {
            const file = write("token", await token());
            const run = await cli(["doctor", "--issuer", issuer.url, ...argv.map((a) => (a === "TOKEN" ? file : a))]);
            assert.equal(run.code, 2, run.stdout);
            assert.ok(run.stderr.startsWith(`error: ${message}`), run.stderr);
            assert.equal(run.stdout, "");
            assert.equal(sts.requests.length, 0);
        });
    }

    it("AWS_REGION of another partition, in a subprocess", async () => {
        const file = write("token", await token());
        const run = await subprocess(["doctor", "--issuer", issuer.url, "--token", file, "--assume-role", "arn:aws-us-gov:iam::111122223333:role/app"], { AWS_REGION: "eu-west-1" });
        assert.equal(run.code, 2);
        assert.equal(run.stderr, '`AWS_REGION` "eu-west-1" is a region of the aws partition; the role arn:aws-us-gov:iam::111122223333:role/app is in aws-us-gov, and STS assumes roles of its own partition only. Fix: pass --region with a region of aws-us-gov, e.g. --region us-gov-west-1 (or unset AWS_REGION)\n'.replace(/^/, "error: "));
    });

    it("--help documents the flags within 110 columns", async () => {
        const run = await cli(["doctor", "--help"]);
        assert.match(run.stdout, /--assume-role ARN {5}then ask STS itself/);
        assert.match(run.stdout, /--sts-endpoint URL/);
        const own = run.stdout.split("\n").filter((l) => /assume-role|--region|sts-endpoint|STS region|session name|no AWS credentials|the credentials STS|selfhosted-irsa-doctor\)|us-east-1, cn-north-1/.test(l));
        assert.ok(own.length >= 8, own.join("\n"));
        for (const l of own) {
            assert.ok(l.length <= 110, l);
        }
    });
});

describe("doctor cluster --assume-role: the TokenRequest token, asked of STS", () => {
    let api: FakeApiServer;
    const minted: string[] = [];
    before(async () => {
        const cluster = healthyCluster({ clusterIssuer: issuer.url, servedKeys: [RSA], pki: await makeWebhookPki() });
        const sign = cluster.signToken!;
        cluster.signToken = async (request) => {
            const jwt = await sign(request);
            minted.push(jwt);
            return jwt;
        };
        api = await startFakeApiServer(cluster);
    });
    after(() => api.close());

    const run = async (extra: string[]) => {
        let stdout = "";
        let stderr = "";
        const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), readStdin: async () => "" };
        const argv = ["--kubeconfig", api.kubeconfig, "--issuer", issuer.url, "--ca-file", caFile, "--namespace", "apps", "--service-account", "s3-reader", "--timeout", "10", "--json", ...extra];
        const code = await runDoctorCluster(argv, io);
        return { code, stdout, stderr };
    };

    it("presents the minted token to STS and reports STS's PASS in --json, after the token and trust checks", async () => {
        const result = await run(["--assume-role", ROLE, "--sts-endpoint", sts.url]);
        assert.equal(result.stderr, "");
        const report = JSON.parse(result.stdout) as { ok: boolean; findings: ClusterFinding[] };
        const ids = report.findings.map((f) => f.id);
        const sts1 = report.findings.find((f) => f.id === "sts.assume-role");
        assert.equal(sts1?.level, "PASS", JSON.stringify(sts1));
        assert.ok(sts1!.message.includes(`assumed-role ARN "arn:aws:sts::${SIM_ACCOUNT}:assumed-role/s3-reader/selfhosted-irsa-doctor", SubjectFromWebIdentityToken "system:serviceaccount:apps:s3-reader"`), sts1!.message);
        assert.ok(ids.indexOf("sts.assume-role") > ids.indexOf("token.signature") && ids.indexOf("sts.assume-role") < ids.indexOf("sa.role-arn"), ids.join(", "));
        assert.equal(sts.requests.length, 1);
        assert.equal(minted.length, 1, "one TokenRequest");
        assert.equal(new Map(sts.requests[0].form).get("WebIdentityToken"), minted[0], "STS got the TokenRequest token");
        assert.deepEqual(api.tokenRequests.map((r) => [r.audiences, r.expirationSeconds]), [[["sts.amazonaws.com"], 600]]);
        assertNoCredentials(result.stdout + result.stderr, sts.issued.slice(-1));
        assert.equal(result.code, report.ok ? 0 : 1);
    });

    it("an AccessDenied fails the run, with the token's sub and aud", async () => {
        sts.account.roles.set("s3-reader", buildTrustPolicy({ oidcProviderArn: `arn:aws:iam::${SIM_ACCOUNT}:oidc-provider/${issuerHost(issuer.url)}`, issuerUrl: issuer.url, namespace: "apps", serviceAccount: "someone-else" }));
        const result = await run(["--assume-role", ROLE, "--sts-endpoint", sts.url]);
        assert.equal(result.code, 1);
        const finding = (JSON.parse(result.stdout).findings as ClusterFinding[]).find((f) => f.id === "sts.assume-role")!;
        assert.equal(finding.level, "FAIL");
        assert.match(finding.message, /"AccessDenied".*the token carries sub "system:serviceaccount:apps:s3-reader", aud "sts\.amazonaws\.com"/);
    });

    it("needs the ServiceAccount to mint a token for", async () => {
        await assert.rejects(runDoctorCluster(["--kubeconfig", api.kubeconfig, "--assume-role", ROLE], { stdout: () => undefined, stderr: () => undefined, readStdin: async () => "" }), /`--assume-role` ".*" needs a token: name the ServiceAccount\. Fix: add --namespace NS --service-account SA/);
        assert.equal(sts.requests.length, 0);
    });
});
