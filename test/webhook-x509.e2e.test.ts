// Issue 14 item 7: doctor cluster checks the webhook's certificates as the API server does. The reference is Go's
// own crypto/x509 (a small program of ours, standard library only, built with the Go on this machine): for every
// faulty chain, the doctor's verdict equals Go's. Then the three faults the red team used (an expired CA, a CA
// marked CA:FALSE, a serving certificate with only a Common Name) through the real kubectl and the fake API server.
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { runDoctorCluster } from "../src/cli/commands/doctor-cluster";
import type { CliIo } from "../src/cli/command";
import type { ClusterFinding } from "../src/cli/cluster-doctor/findings";
import { pemCertificates } from "../src/cli/cluster-doctor/webhook-checks";
import { verifyLikeGo } from "../src/cli/cluster-doctor/x509-chain";
import { webhookServiceDnsNames, WEBHOOK_FULLNAME } from "../src/webhook/webhook-values";
import { refusedPort, startFakeApiServer, FakeApiServer } from "./helpers/fake-apiserver";
import { healthyCluster, makeWebhookPki, replaceObject, RSA, servingSecret, webhookConfiguration, WEBHOOK_NS } from "./helpers/irsa-cluster";
import { DAYS, Eku, keyPem, KeyUsage, makeCert, Made } from "./helpers/hostile-pki";

const HOST = `${WEBHOOK_FULLNAME}.${WEBHOOK_NS}.svc`;
const SOURCE = path.join(__dirname, "..", "..", "test", "fixtures", "go-x509", "main.go");

/** Builds the Go checker once per source version (cached under the temp directory); undefined without Go. */
function goChecker(): string | undefined {
    try {
        execFileSync("go", ["version"], { stdio: "ignore", timeout: 30_000 });
    } catch {
        return undefined;
    }
    const hash = crypto.createHash("sha256").update(fs.readFileSync(SOURCE)).digest("hex").slice(0, 12);
    const binary = path.join(os.tmpdir(), `selfhosted-irsa-go-x509-${hash}`);
    if (!fs.existsSync(binary)) {
        // Standard library only: nothing is downloaded (GOTOOLCHAIN=local keeps the installed toolchain).
        execFileSync("go", ["build", "-o", `${binary}.tmp`, SOURCE], { env: { ...process.env, GOTOOLCHAIN: "local", GOFLAGS: "-mod=mod" }, stdio: "inherit", timeout: 600_000 });
        fs.renameSync(`${binary}.tmp`, binary);
    }
    return binary;
}

interface Case {
    name: string;
    roots: Made[];
    chain: Made[];
    /** What the doctor must say; Go must agree. */
    ok: boolean;
    reason?: RegExp;
}

async function cases(): Promise<Case[]> {
    const now = Date.now();
    const ca = await makeCert({ subject: "CN=webhook CA" });
    const leafOf = (issuer: Made, extra: Partial<Parameters<typeof makeCert>[0]> = {}) => makeCert({ subject: "CN=webhook", issuer, dns: webhookServiceDnsNames(WEBHOOK_NS), ...extra });
    const expiredCa = await makeCert({ subject: "CN=expired CA", notBefore: new Date(now - 400 * DAYS), notAfter: new Date(now - DAYS) });
    const futureCa = await makeCert({ subject: "CN=future CA", notBefore: new Date(now + DAYS), notAfter: new Date(now + 400 * DAYS) });
    const notCa = await makeCert({ subject: "CN=not a CA", ca: false, keyUsage: KeyUsage.keyCertSign | KeyUsage.digitalSignature });
    const noConstraints = await makeCert({ subject: "CN=no basic constraints", ca: "absent" });
    const noCertSign = await makeCert({ subject: "CN=no keyCertSign", keyUsage: KeyUsage.digitalSignature | KeyUsage.cRLSign });
    const noKeyUsage = await makeCert({ subject: "CN=no key usage", keyUsage: "absent" });
    const sha1Ca = await makeCert({ subject: "CN=SHA-1 CA", sha1: true });
    const pathZero = await makeCert({ subject: "CN=root pathlen 0", pathLen: 0 });
    const intermediateUnderZero = await makeCert({ subject: "CN=intermediate", issuer: pathZero });
    const root = await makeCert({ subject: "CN=root" });
    const intermediate = await makeCert({ subject: "CN=intermediate CA", issuer: root });
    const intermediateNotCa = await makeCert({ subject: "CN=intermediate not CA", issuer: root, ca: false, keyUsage: KeyUsage.keyCertSign });
    const expiredIntermediate = await makeCert({ subject: "CN=expired intermediate", issuer: root, notBefore: new Date(now - 400 * DAYS), notAfter: new Date(now - DAYS) });
    const clientOnlyCa = await makeCert({ subject: "CN=client-only CA", eku: [Eku.clientAuth] });
    const selfSigned = await makeCert({ subject: "CN=self-signed leaf", dns: [HOST], ca: false });
    return [
        { name: "healthy", roots: [ca], chain: [await leafOf(ca)], ok: true },
        { name: "healthy through an intermediate", roots: [root], chain: [await leafOf(intermediate), intermediate], ok: true },
        { name: "a CA without key usage (Go then allows signing)", roots: [noKeyUsage], chain: [await leafOf(noKeyUsage)], ok: true },
        { name: "a wildcard DNS name for the leftmost label", roots: [ca], chain: [await leafOf(ca, { dns: [`*.${WEBHOOK_NS}.svc`] })], ok: true },
        { name: "the leaf itself in the caBundle", roots: [selfSigned], chain: [selfSigned], ok: true },
        { name: "an expired CA", roots: [expiredCa], chain: [await leafOf(expiredCa)], ok: false, reason: /^root "CN=expired CA" expired on .* \(x509: certificate has expired or is not yet valid\)$/ },
        { name: "a CA not yet valid", roots: [futureCa], chain: [await leafOf(futureCa)], ok: false, reason: /^root "CN=future CA" is not valid before / },
        { name: "a CA marked CA:FALSE", roots: [notCa], chain: [await leafOf(notCa)], ok: false, reason: /^"CN=not a CA" cannot sign certificates: it is not a CA \(basic constraints CA:FALSE\)$/ },
        { name: "a v3 CA without basic constraints", roots: [noConstraints], chain: [await leafOf(noConstraints)], ok: false, reason: /it is not a CA \(basic constraints absent\)$/ },
        { name: "a CA whose key usage lacks keyCertSign", roots: [noCertSign], chain: [await leafOf(noCertSign)], ok: false, reason: /its key usage lacks keyCertSign$/ },
        { name: "a leaf signed with SHA-1", roots: [sha1Ca], chain: [await leafOf(sha1Ca)], ok: false, reason: /is signed with SHA1-RSA, which Go refuses/ },
        { name: "a path length exceeded", roots: [pathZero], chain: [await leafOf(intermediateUnderZero), intermediateUnderZero], ok: false, reason: /allows 0 intermediate\(s\) below it, the chain has 1/ },
        { name: "an intermediate marked CA:FALSE", roots: [root], chain: [await leafOf(intermediateNotCa), intermediateNotCa], ok: false, reason: /"CN=intermediate not CA" cannot sign certificates: it is not a CA/ },
        { name: "an expired intermediate", roots: [root], chain: [await leafOf(expiredIntermediate), expiredIntermediate], ok: false, reason: /^intermediate "CN=expired intermediate" expired on / },
        { name: "an expired leaf", roots: [ca], chain: [await leafOf(ca, { notBefore: new Date(now - 10 * DAYS), notAfter: new Date(now - DAYS) })], ok: false, reason: /^leaf "CN=webhook" expired on / },
        { name: "a leaf with only a Common Name", roots: [ca], chain: [await makeCert({ subject: `CN=${HOST}`, issuer: ca, dns: [] })], ok: false, reason: /DNS names \(none\) do not include .*Go ignores the Common Name/ },
        { name: "a leaf named for another namespace", roots: [ca], chain: [await leafOf(ca, { dns: webhookServiceDnsNames("irsa") })], ok: false, reason: /do not include amazon-eks-pod-identity-webhook\.kube-system\.svc/ },
        { name: "a leaf for client auth only", roots: [ca], chain: [await leafOf(ca, { eku: [Eku.clientAuth] })], ok: false, reason: /"CN=webhook" limits its extended key usage to 1\.3\.6\.1\.5\.5\.7\.3\.2, without server auth/ },
        { name: "a CA limited to client auth", roots: [clientOnlyCa], chain: [await leafOf(clientOnlyCa)], ok: false, reason: /"CN=client-only CA" limits its extended key usage/ },
        { name: "an unknown critical extension", roots: [ca], chain: [await leafOf(ca, { unknownCritical: true })], ok: false, reason: /has critical extension\(s\) Go does not handle \(1\.3\.6\.1\.4\.1\.99999\.1\)/ },
        { name: "another CA", roots: [root], chain: [await leafOf(ca)], ok: false, reason: /x509: certificate signed by unknown authority/ },
    ];
}

describe("the webhook's certificate chain, verified as Go's crypto/x509 does", () => {
    let all: Case[];
    let checker: string | undefined;
    before(async () => {
        all = await cases();
        checker = goChecker();
    });

    it("every case: the doctor's verdict and reason", () => {
        for (const c of all) {
            const result = verifyLikeGo(pemCertificates(c.chain.map((m) => m.certPem).join("")), pemCertificates(c.roots.map((m) => m.certPem).join("")), HOST, new Date());
            assert.equal(result.ok, c.ok, `${c.name}: ${result.ok ? "accepted" : result.reason}`);
            if (!result.ok && c.reason) {
                assert.match(result.reason, c.reason, c.name);
            }
        }
    });

    it("every case: Go's crypto/x509 gives the same verdict", (t) => {
        if (checker === undefined) {
            t.skip("no Go toolchain on PATH: the reference verdicts cannot be computed");
            return;
        }
        const unix = Math.floor(Date.now() / 1000);
        const input = all.map((c) => JSON.stringify({ roots: c.roots.map((m) => m.certPem).join(""), chain: c.chain.map((m) => m.certPem).join(""), dnsName: HOST, unix })).join("\n");
        const lines = execFileSync(checker, [], { input, encoding: "utf8", timeout: 60_000 }).trim().split("\n");
        assert.equal(lines.length, all.length);
        lines.forEach((line, i) => {
            const go = JSON.parse(line) as { ok: boolean; error?: string };
            assert.equal(go.ok, all[i].ok, `${all[i].name}: Go says ${go.ok ? "ok" : go.error}`);
        });
    });
});

describe("doctor cluster with the real kubectl: the red team's three certificates fail", () => {
    let api: FakeApiServer;
    before(async () => {
        const pki = await makeWebhookPki();
        api = await startFakeApiServer(healthyCluster({ clusterIssuer: `https://127.0.0.1:${await refusedPort()}`, servedKeys: [RSA], pki }));
    });
    after(() => api.close());

    async function webhookFindings(): Promise<Record<string, ClusterFinding>> {
        let stdout = "";
        const io: CliIo = { stdout: (t) => void (stdout += t), stderr: () => undefined, readStdin: async () => "" };
        await runDoctorCluster(["--kubeconfig", api.kubeconfig, "--timeout", "10", "--json"], io);
        const findings = (JSON.parse(stdout) as { findings: ClusterFinding[] }).findings;
        return Object.fromEntries(findings.filter((f) => f.id.startsWith("webhook.")).map((f) => [f.id, f]));
    }

    async function install(ca: Made, leaf: Made): Promise<void> {
        replaceObject(api.cluster, webhookConfiguration(ca.certPem));
        replaceObject(api.cluster, servingSecret(leaf.certPem, await keyPem(leaf)));
    }

    it("an expired CA", async () => {
        const ca = await makeCert({ subject: "CN=expired CA", notBefore: new Date(Date.now() - 400 * DAYS), notAfter: new Date(Date.now() - DAYS) });
        await install(ca, await makeCert({ subject: "CN=webhook", issuer: ca, dns: webhookServiceDnsNames(WEBHOOK_NS) }));
        const found = await webhookFindings();
        assert.equal(found["webhook.ca-bundle"].level, "FAIL");
        assert.match(found["webhook.ca-bundle"].message, /the API server \(Go's crypto\/x509\) refuses the serving certificate .*: root "CN=expired CA" expired on /);
    });

    it("a CA marked CA:FALSE", async () => {
        const ca = await makeCert({ subject: "CN=not a CA", ca: false, keyUsage: KeyUsage.keyCertSign });
        await install(ca, await makeCert({ subject: "CN=webhook", issuer: ca, dns: webhookServiceDnsNames(WEBHOOK_NS) }));
        const found = await webhookFindings();
        assert.equal(found["webhook.ca-bundle"].level, "FAIL");
        assert.match(found["webhook.ca-bundle"].message, /"CN=not a CA" cannot sign certificates: it is not a CA \(basic constraints CA:FALSE\)$/);
    });

    it("a serving certificate with only a Common Name", async () => {
        const ca = await makeCert({ subject: "CN=webhook CA" });
        await install(ca, await makeCert({ subject: `CN=${HOST}`, issuer: ca, dns: [] }));
        const found = await webhookFindings();
        assert.equal(found["webhook.ca-bundle"].level, "PASS", "the chain itself is sound");
        assert.equal(found["webhook.certificate-names"].level, "FAIL");
        assert.equal(found["webhook.certificate-names"].message, `the serving certificate's DNS names (none) do not include ${HOST}, the name the API server dials; a Common Name (CN=${HOST}) does not count`);
    });

    it("and a sound chain passes", async () => {
        const ca = await makeCert({ subject: "CN=webhook CA" });
        await install(ca, await makeCert({ subject: "CN=webhook", issuer: ca, dns: webhookServiceDnsNames(WEBHOOK_NS) }));
        const found = await webhookFindings();
        assert.deepEqual(["webhook.ca-bundle", "webhook.certificate-names", "webhook.certificate-expiry"].map((id) => found[id].level), ["PASS", "PASS", "PASS"]);
    });
});
