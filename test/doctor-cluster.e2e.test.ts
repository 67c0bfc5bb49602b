// `selfhosted-irsa doctor cluster` with the REAL kubectl on PATH against a fake Kubernetes API server (loopback
// HTTPS, its own CA, a kubeconfig) and a loopback HTTPS issuer serving the published documents. One test per
// fault: each is found and named; the healthy cluster passes. Every kubectl call is bounded (--timeout).
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, describe, it, TestContext } from "node:test";
import { runCli } from "../src/cli/main";
import { runDoctorCluster } from "../src/cli/commands/doctor-cluster";
import { kubectlRunner, KubectlRunner } from "../src/cli/cluster-doctor/kubectl-runner";
import type { CliIo } from "../src/cli/command";
import { startLoopbackIssuer, LoopbackIssuer } from "../src/cli/loopback-issuer";
import { issueServerCertificate } from "../src/cli/pki";
import { buildDiscoveryDocument, buildJwks, buildTrustPolicy, DISCOVERY_PATH, issuerHost, serializeDiscoveryDocument, serializeJwks } from "../src/oidc";
import { webhookServiceDnsNames, WEBHOOK_FULLNAME } from "../src/webhook/webhook-values";
import type { ClusterFinding } from "../src/cli/cluster-doctor/findings";
import { startFakeApiServer, FakeApiServer } from "./helpers/fake-apiserver";
import { deploymentPod, endpointSlice, healthyCluster, makeWebhookPki, OTHER, OTHER_KID, replaceObject, RSA, serviceAccount, servingSecret, webhookConfiguration, WebhookPki, WEBHOOK_NS } from "./helpers/irsa-cluster";

let pki: WebhookPki;

interface Report {
    code: number;
    ok: boolean;
    findings: ClusterFinding[];
    stderr: string;
    ms: number;
}

/**
 * One test's world: its own fake API server (the healthy cluster), its own loopback issuer publishing the
 * cluster's keys, and a trust policy for apps/s3-reader. Tests run side by side, each in its own world
 * (a generous --timeout: four doctors share this process and its fake servers; the bounds are tested apart).
 */
interface Scene {
    api: FakeApiServer;
    published: LoopbackIssuer;
    issuer: string;
    caFile: string;
    policyFile: string;
    /** Publishes these keys' JWKS and the discovery document for the issuer. */
    publish(keys: string[]): void;
    writePolicy(namespace: string): void;
    /** Runs `doctor cluster --json` in-process (kubectl is a real child process; `runner` picks another binary). */
    doctor(extra?: string[], runner?: KubectlRunner): Promise<Report>;
}

async function openScene(): Promise<Scene> {
    const published = await startLoopbackIssuer();
    const issuer = published.url;
    const api = await startFakeApiServer(healthyCluster({ clusterIssuer: issuer, servedKeys: [RSA], pki }));
    const caFile = path.join(api.dir, "issuer-ca.pem");
    fs.writeFileSync(caFile, published.caPem);
    const policyFile = path.join(api.dir, "trust-policy.json");
    const scene: Scene = {
        api,
        published,
        issuer,
        caFile,
        policyFile,
        publish(keys) {
            const jwks = buildJwks(keys);
            published.routes.set(`/${DISCOVERY_PATH}`, { body: serializeDiscoveryDocument(buildDiscoveryDocument({ issuer, jwks })) });
            published.routes.set("/openid/v1/jwks", { body: serializeJwks(jwks) });
        },
        writePolicy(namespace) {
            const policy = buildTrustPolicy({ oidcProviderArn: `arn:aws:iam::111122223333:oidc-provider/${issuerHost(issuer)}`, issuerUrl: issuer, namespace, serviceAccount: "s3-reader" });
            fs.writeFileSync(policyFile, JSON.stringify(policy));
        },
        async doctor(extra = [], runner) {
            let stdout = "";
            let stderr = "";
            const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), readStdin: async () => "" };
            const started = Date.now();
            const argv = ["--kubeconfig", api.kubeconfig, "--issuer", issuer, "--ca-file", caFile, "--namespace", "apps", "--service-account", "s3-reader", "--trust-policy", policyFile, "--timeout", "10", "--json", ...extra];
            const code = await runDoctorCluster(argv, io, runner);
            assert.equal(stderr, "", "no error output (never a stack trace)");
            const parsed = JSON.parse(stdout) as { ok: boolean; findings: ClusterFinding[] };
            return { code, ...parsed, stderr, ms: Date.now() - started };
        },
    };
    scene.publish([RSA]);
    scene.writePolicy("apps");
    return scene;
}

/** A test body run in a fresh scene, closed afterwards. */
const inScene = (body: (s: Scene, t: TestContext) => Promise<void>) => async (t: TestContext) => {
    const scene = await openScene();
    try {
        await body(scene, t);
    } finally {
        await scene.api.close();
        await scene.published.close();
    }
};

function only(report: Report, id: string): ClusterFinding {
    const hits = report.findings.filter((f) => f.id === id);
    assert.equal(hits.length, 1, `one ${id} in ${JSON.stringify(report.findings.map((f) => f.id))}`);
    return hits[0];
}

const notPassed = (report: Report) => report.findings.filter((f) => f.level !== "PASS").map((f) => `${f.level} ${f.id}`);

describe("doctor cluster against a fake API server, with the real kubectl", { concurrency: 4 }, () => {
    before(async () => {
        pki = await makeWebhookPki();
    });

    it("passes a healthy cluster, reading only what it serves and minting one token", inScene(async (s) => {
        const report = await s.doctor();
        assert.deepEqual(notPassed(report), []);
        assert.equal(report.code, 0);
        assert.equal(report.ok, true);
        const ids = report.findings.map((f) => f.id);
        for (const id of ["cluster.issuer", "cluster.kids", "published.jwks.keys", "token.signature", "trust.sub", "sa.role-arn", "webhook.ca-bundle", "webhook.endpoints", "injection.pods"]) {
            assert.ok(ids.includes(id), `${id} in ${ids.join(", ")}`);
        }
        // Check order: cluster, published, token/trust, sa, webhook, injection.
        const first = (prefix: string) => ids.findIndex((id) => id.startsWith(prefix));
        assert.deepEqual(["cluster.", "published.", "token.", "trust.", "sa.", "webhook.", "injection."].map(first), [...["cluster.", "published.", "token.", "trust.", "sa.", "webhook.", "injection."].map(first)].sort((a, b) => a - b));
        assert.deepEqual(s.api.unknown, [], "kubectl asked for nothing the fake does not serve");
        assert.deepEqual(s.api.tokenRequests, [{ namespace: "apps", serviceAccount: "s3-reader", audiences: ["sts.amazonaws.com"], expirationSeconds: 600 }]);
        assert.deepEqual(s.api.requests.filter((r) => !r.startsWith("GET ")).length, 1, "read-only but for the one TokenRequest");
        assert.match(only(report, "webhook.failure-policy").message, /Ignore: while the webhook is down, pods still start, but without AWS credentials until they are restarted/);
        console.log(`# doctor cluster, healthy: ${report.ms} ms (beside up to 3 other doctors), ${s.api.requests.length} API requests`);
    }));

    it("passes with the oldest kubectl this machine has (the doctor uses only kubectl 1.24 flags)", inScene(async (s, t) => {
        // gcloud's kubectl dispatcher keeps versioned binaries (kubectl.1.27 ...) beside itself.
        const dir = path.dirname(fs.realpathSync(execFileSync("sh", ["-c", "command -v kubectl"], { encoding: "utf8" }).trim()));
        const versioned = fs.readdirSync(dir).filter((f) => /^kubectl\.1\.\d+$/.test(f)).sort((a, b) => Number(a.split(".")[2]) - Number(b.split(".")[2]));
        if (versioned.length === 0) {
            t.skip("no versioned kubectl beside the one on PATH");
            return;
        }
        const report = await s.doctor([], kubectlRunner(path.join(dir, versioned[0])));
        assert.deepEqual(notPassed(report), [], versioned[0]);
        t.diagnostic(`ran ${versioned[0]}`);
    }));

    it("prints one line per check and a summary without --json", inScene(async (s) => {
        let stdout = "";
        const code = await runCli(["doctor", "cluster", "--kubeconfig", s.api.kubeconfig, "--issuer", s.issuer, "--ca-file", s.caFile, "--timeout", "10"], { stdout: (t) => void (stdout += t), stderr: (t) => assert.fail(t), readStdin: async () => "" });
        assert.equal(code, 0);
        const lines = stdout.trimEnd().split("\n");
        assert.ok(lines.slice(0, -1).every((l) => /^(PASS|WARN|FAIL) [a-z_-]+(\.[a-z_-]+)+: /.test(l)), stdout);
        assert.match(lines[lines.length - 1], /^No check failed \(\d+ checks, 0 warning\(s\)\)\.$/);
        assert.ok(!lines.some((l) => /^(PASS|FAIL) (sa|token|trust)\./.test(l)), "no ServiceAccount named: no sa/token/trust checks");
    }));

    it("finds an API server issuer other than the published one", inScene(async (s) => {
        s.api.cluster = healthyCluster({ clusterIssuer: "https://kubernetes.default.svc.cluster.local", servedKeys: [RSA], pki });
        const report = await s.doctor();
        assert.equal(report.code, 1);
        assert.match(only(report, "cluster.issuer").message, /the API server's issuer "https:\/\/kubernetes\.default\.svc\.cluster\.local" is not the published issuer/);
        assert.match(only(report, "cluster.issuer").fix!, new RegExp(`set --service-account-issuer=${s.issuer.replace(/[.]/g, "\\.")} as the API server's first issuer`));
        assert.equal(only(report, "token.iss").level, "FAIL");
    }));

    it("finds an issuer that differs by a trailing slash", inScene(async (s) => {
        // The component refuses to build such a document, so the fault is written by hand, as a misconfigured API server would.
        s.api.cluster.discovery = s.api.cluster.discovery!.replace(`"issuer":"${s.issuer}"`, `"issuer":"${s.issuer}/"`);
        const report = await s.doctor();
        assert.equal(only(report, "cluster.issuer").level, "FAIL");
        assert.match(only(report, "cluster.issuer").message, /differs from the published issuer .* by a trailing slash; STS compares them byte for byte/);
    }));

    it("finds a kid the API server signs with but nobody published", inScene(async (s) => {
        s.api.cluster = healthyCluster({ clusterIssuer: s.issuer, servedKeys: [OTHER, RSA], pki });
        const report = await s.doctor();
        assert.equal(report.code, 1);
        assert.equal(only(report, "cluster.kids").level, "FAIL");
        assert.match(only(report, "cluster.kids").message, new RegExp(`serves kid\\(s\\) "${OTHER_KID}" that the published JWKS lacks`));
        assert.match(only(report, "token.kid").message, new RegExp(`the token's kid "${OTHER_KID}" is not in the JWKS`));
    }));

    it("warns about a published key the API server no longer serves", inScene(async (s) => {
        s.publish([RSA, OTHER]);
        const report = await s.doctor();
        assert.deepEqual(notPassed(report), ["WARN cluster.stale-keys"]);
        assert.equal(report.code, 0, "a warning alone does not fail");
        assert.match(only(report, "cluster.stale-keys").message, new RegExp(`key\\(s\\) "${OTHER_KID}" the API server no longer serves`));
    }));

    it("finds a caBundle that does not verify the serving certificate", inScene(async (s) => {
        replaceObject(s.api.cluster, webhookConfiguration(pki.otherCa.certPem));
        const report = await s.doctor();
        assert.deepEqual(notPassed(report), ["FAIL webhook.ca-bundle"]);
        assert.match(only(report, "webhook.ca-bundle").message, /does not verify the serving certificate in Secret kube-system\/amazon-eks-pod-identity-webhook-cert .*x509: certificate signed by unknown authority/);
    }));

    it("finds a serving certificate that does not name the Service", inScene(async (s) => {
        const wrong = await issueServerCertificate(pki.ca, "webhook", { dnsNames: webhookServiceDnsNames("irsa"), notAfter: new Date(Date.now() + 365 * 86_400_000) });
        replaceObject(s.api.cluster, servingSecret(wrong.certPem, wrong.keyPem));
        const report = await s.doctor();
        assert.deepEqual(notPassed(report), ["FAIL webhook.certificate-names"]);
        assert.match(only(report, "webhook.certificate-names").message, new RegExp(`does not name ${WEBHOOK_FULLNAME}\\.kube-system\\.svc, the name the API server dials`));
    }));

    it("finds an expired serving certificate, and warns before it expires", inScene(async (s) => {
        const day = 86_400_000;
        const expired = await issueServerCertificate(pki.ca, "webhook", { dnsNames: webhookServiceDnsNames(WEBHOOK_NS), notBefore: new Date(Date.now() - 400 * day), notAfter: new Date(Date.now() - day) });
        replaceObject(s.api.cluster, servingSecret(expired.certPem, expired.keyPem));
        let report = await s.doctor();
        assert.deepEqual(notPassed(report), ["FAIL webhook.certificate-expiry"]);
        assert.match(only(report, "webhook.certificate-expiry").message, /^the serving certificate expired on /);
        const soon = await issueServerCertificate(pki.ca, "webhook", { dnsNames: webhookServiceDnsNames(WEBHOOK_NS), notAfter: new Date(Date.now() + 10 * day) });
        replaceObject(s.api.cluster, servingSecret(soon.certPem, soon.keyPem));
        report = await s.doctor();
        assert.deepEqual(notPassed(report), ["WARN webhook.certificate-expiry"]);
        assert.match(only(report, "webhook.certificate-expiry").message, /in (9|10) day\(s\)$/);
    }));

    it("finds a webhook Service without ready endpoints, and says what its failure policy then does", inScene(async (s) => {
        replaceObject(s.api.cluster, endpointSlice(false));
        replaceObject(s.api.cluster, webhookConfiguration(pki.ca.certPem, "Fail"));
        const report = await s.doctor();
        assert.deepEqual(notPassed(report), ["FAIL webhook.endpoints", "WARN webhook.failure-policy"]);
        assert.match(only(report, "webhook.endpoints").message, /has no ready endpoint \(not ready: amazon-eks-pod-identity-webhook-6c7d8-q7w8e\): pod creation is refused/);
        assert.match(only(report, "webhook.failure-policy").message, /^failurePolicy Fail without excluding kube-system: .* including kube-system \(the webhook's own replacement pods\)$/);
    }));

    it("finds the webhook's configuration under another name, and names a missing one", inScene(async (s) => {
        const renamed = webhookConfiguration(pki.ca.certPem);
        renamed.metadata.name = "irsa-pod-identity";
        s.api.cluster.objects = s.api.cluster.objects.filter((o) => o.kind !== "MutatingWebhookConfiguration").concat(renamed);
        let report = await s.doctor();
        assert.deepEqual(notPassed(report), []);
        assert.match(only(report, "webhook.configuration").message, /^MutatingWebhookConfiguration irsa-pod-identity sends pods to Service kube-system\/amazon-eks-pod-identity-webhook$/);
        s.api.cluster.objects = s.api.cluster.objects.filter((o) => o.kind !== "MutatingWebhookConfiguration");
        report = await s.doctor();
        assert.deepEqual(notPassed(report), ["FAIL webhook.configuration"]);
        assert.match(only(report, "webhook.configuration").message, /^no MutatingWebhookConfiguration amazon-eks-pod-identity-webhook \(nor one for the pod identity webhook under another name\): nothing gives pods AWS credentials$/);
    }));

    it("finds a role whose trust policy names another namespace", inScene(async (s) => {
        s.writePolicy("payments");
        const report = await s.doctor();
        assert.deepEqual(notPassed(report), ["FAIL trust.sub"]);
        assert.match(only(report, "trust.sub").message, /the token's sub "system:serviceaccount:apps:s3-reader" does not satisfy StringEquals .*:sub "system:serviceaccount:payments:s3-reader"/);
    }));

    it("finds bad ServiceAccount annotations", inScene(async (s) => {
        replaceObject(s.api.cluster, serviceAccount("apps", "s3-reader", { "eks.amazonaws.com/role-arn": "s3-reader", "eks.amazonaws.com/audience": "vault", "eks.amazonaws.com/token-expiration": "300" }));
        const report = await s.doctor();
        assert.deepEqual(notPassed(report).filter((f) => f.includes(" sa.")), ["FAIL sa.role-arn", "FAIL sa.audience", "FAIL sa.token-expiration"]);
        assert.match(only(report, "sa.role-arn").message, /role-arn "s3-reader" is not an IAM role ARN/);
        assert.match(only(report, "sa.audience").message, /"vault" is not one the provider lists \("sts\.amazonaws\.com"\)/);
        assert.match(only(report, "sa.token-expiration").message, /"300" is not a whole number of seconds from 600 to 2147483648/);
        assert.deepEqual(s.api.tokenRequests.map((t) => t.audiences), [["vault"]], "the token is minted for the annotated audience");
    }));

    it("lists pods the webhook missed, with their workload and the restart command", inScene(async (s) => {
        s.api.cluster.objects.push(deploymentPod("apps", "s3-reader", "s3-reader", false, "b4c5d"));
        const report = await s.doctor();
        assert.deepEqual(notPassed(report), ["FAIL injection.pods"]);
        const finding = only(report, "injection.pods");
        assert.match(finding.message, /^Deployment apps\/s3-reader: pod\(s\) s3-reader-5d8f7c9b6-b4c5d lack AWS_ROLE_ARN or the aws-iam-token volume/);
        assert.match(finding.fix!, /kubectl rollout restart deployment\/s3-reader -n apps$/);
    }));

    it("reports RBAC forbidden on one check and still runs the others", inScene(async (s) => {
        s.api.cluster.forbidden = ["secrets"];
        const report = await s.doctor();
        assert.deepEqual(notPassed(report), ["WARN webhook.certificate"]);
        assert.match(only(report, "webhook.certificate").message, /could not read the serving certificate \(Secret kube-system\/amazon-eks-pod-identity-webhook-cert\) \(Error from server \(Forbidden\): secrets "amazon-eks-pod-identity-webhook-cert" is forbidden: .*\): not checked/);
        assert.equal(only(report, "webhook.endpoints").level, "PASS");
        assert.equal(only(report, "injection.pods").level, "PASS");
    }));

    it("ignores kubectl warnings on stderr", inScene(async (s) => {
        s.api.cluster.warnings = ["v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"];
        const report = await s.doctor();
        assert.deepEqual(notPassed(report), []);
        assert.ok(s.api.requests.length > 5);
    }));
});
