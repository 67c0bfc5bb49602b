// kubectl 1.33.13 and 1.37.2 (the real binaries) against the lab API server: `doctor cluster` (the CLI with that
// kubectl first on PATH) and the command signingKey.fromCluster runs (the component's own command line, run by
// /bin/sh as @pulumi/command runs it), with their error paths: an RBAC refusal, an object that is missing, the
// cluster's issuer not being the published one.
import { runCommandsFor } from "./component";
import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import type * as pulumi from "@pulumi/pulumi";
import { parseAllDocuments } from "yaml";
import { startLoopbackIssuer, LoopbackIssuer } from "../../src/cli/loopback-issuer";
import { buildDiscoveryDocument, buildJwks, buildTrustPolicy, serializeDiscoveryDocument, serializeJwks } from "../../src/oidc";
import { bin, labParts, REPO } from "./binaries";
import { renderChart } from "./chart";
import { createNamespace, LabCluster, startCluster, toFlags } from "./cluster";
import { doctorCluster } from "./doctor";
import { key } from "./keys";
import { endpointSlice } from "../helpers/irsa-cluster";
import { labCa } from "./pki";
import { labObjects } from "./webhook";
import { issueServerCertificate } from "../../src/cli/pki";

const { readClusterPublicKeys } = require("../../src/components/kubernetes/cluster-keys") as typeof import("../../src/components/kubernetes/cluster-keys");
const { kubectlCommand, kubectlResult } = require("../../src/kubernetes/cluster-keys") as typeof import("../../src/kubernetes/cluster-keys");
const { checkClusterIssuer } = require("../../src/oidc/jwks-import") as typeof import("../../src/oidc/jwks-import");

/** /bin/sh -c as @pulumi/command's local provider runs it: stdout and stderr apart, the trailing newline trimmed. */
function sh(command: string, pathEnv: string, home: string): Promise<{ stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        execFile("/bin/sh", ["-c", command], { env: { PATH: pathEnv, HOME: home }, timeout: 60_000 }, (_e, stdout, stderr) => resolve({ stdout: stdout.replace(/\n$/, ""), stderr: stderr.replace(/\n$/, "") }));
    });
}

const RSA = key("rsa2048.pkcs8.pem");
const EC = key("ec-p256.spki.pem");
const RBAC = path.join(REPO, "rbac", "doctor-cluster.yaml");

/** An Output's value, or its error (the internal promise the engine awaits). */
const settle = <T>(output: pulumi.Output<T>): Promise<T> => (output as unknown as { promise(): Promise<T> }).promise();

const KUBECTLS = [
    { name: "kubectl 1.33.13", binary: () => bin.kubectl(), parts: labParts("etcd", "kubernetes") },
    { name: "kubectl 1.37.2", binary: () => bin.kubectlNew(), parts: labParts("etcd", "kubernetes", "kubectl-1.37") },
];

describe("kubectl 1.33 and 1.37 running doctor cluster and signingKey.fromCluster", labParts("etcd", "kubernetes"), () => {
    let cluster: LabCluster;
    let published: LoopbackIssuer;
    let caFile: string;
    let policyFile: string;
    let nobody: string;
    let doctorUser: string;

    before(async () => {
        published = await startLoopbackIssuer();
        const jwks = buildJwks([RSA, EC]);
        published.routes.set("/.well-known/openid-configuration", { body: serializeDiscoveryDocument(buildDiscoveryDocument({ issuer: published.url, jwks })) });
        published.routes.set("/openid/v1/jwks", { body: serializeJwks(jwks) });
        cluster = await startCluster({
            flags: (file) => toFlags({ "service-account-issuer": published.url, "service-account-key-file": [file("sa.key", RSA), file("extra.pub", EC)], "service-account-signing-key-file": file("signing.key", RSA) }),
        });
        caFile = cluster.file("issuer-ca.pem", published.caPem);
        policyFile = cluster.file("trust.json", JSON.stringify(buildTrustPolicy({ oidcProviderArn: `arn:aws:iam::123456789012:oidc-provider/${published.url.slice(8)}`, issuerUrl: published.url, namespace: "apps", serviceAccount: "s3-reader" })));
        await createNamespace(cluster, "apps", [{ name: "s3-reader", annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/s3-reader", "eks.amazonaws.com/audience": "sts.amazonaws.com" } }]);
        // The webhook's objects as the chart renders them (the doctor reads them; it never calls the webhook).
        const ca = await labCa("webhook CA", 500);
        const serving = await issueServerCertificate(ca, "amazon-eks-pod-identity-webhook", { dnsNames: ["amazon-eks-pod-identity-webhook.kube-system.svc"], notAfter: new Date(Date.now() + 400 * 86_400_000) });
        const chart = renderChart({ fullnameOverride: "amazon-eks-pod-identity-webhook", config: { defaultAwsRegion: "eu-west-1" }, pki: { certManager: { enabled: false }, caBundle: ca.certPem, cert: serving.certPem, key: serving.keyPem } }, "kube-system");
        await cluster.apply(...labObjects(chart), endpointSlice(true));
        await cluster.apply(...parseAllDocuments(fs.readFileSync(RBAC, "utf8")).map((d) => d.toJSON()).filter(Boolean), {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRoleBinding",
            metadata: { name: "irsa-doctor" },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "selfhosted-irsa-doctor" },
            subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "doctor" }],
        });
        // EKS Anywhere keeps the service-account public key in eksa-system/<cluster>-sa (tls.crt).
        await cluster.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "eksa-system" } }, { apiVersion: "v1", kind: "Secret", metadata: { name: "lab-sa", namespace: "eksa-system" }, type: "kubernetes.io/tls", data: { "tls.crt": Buffer.from(EC).toString("base64"), "tls.key": Buffer.from("(not read)").toString("base64") } });
        nobody = await cluster.userKubeconfig("nobody");
        doctorUser = await cluster.userKubeconfig("doctor");
    });
    after(async () => {
        await cluster?.stop();
        await published?.close();
    });

    for (const k of KUBECTLS) {
        describe(k.name, k.parts, () => {
            const args = () => ["--issuer", published.url, "--ca-file", caFile, "--namespace", "apps", "--service-account", "s3-reader", "--trust-policy", policyFile];

            it("reports its version", async () => {
                const out = (await cluster.kubectl(["version", "--client", "-o", "json"], { binary: k.binary() })).stdout;
                assert.equal(JSON.parse(out).clientVersion.gitVersion, k.name.split(" ")[1].replace(/^/, "v"));
            });

            it("doctor cluster passes the healthy cluster", async () => {
                const report = await doctorCluster(["--kubeconfig", cluster.kubeconfig, ...args()], k.binary(), cluster.dir);
                assert.deepEqual(report.findings.filter((f) => f.level !== "PASS").map((f) => `${f.level} ${f.id}: ${f.message}`), []);
                assert.equal(report.code, 0);
                assert.equal(report.stderr, "");
            });

            it("doctor cluster: an RBAC refusal is a clear WARN per read, a missing ServiceAccount a clear FAIL", async () => {
                const refused = await doctorCluster(["--kubeconfig", nobody, ...args()], k.binary(), cluster.dir);
                const discovery = refused.findings.find((f) => f.id === "cluster.discovery")!;
                assert.equal(discovery.level, "WARN");
                assert.match(discovery.message, /forbidden.*not checked|not checked/i);
                assert.match(discovery.fix ?? "", /RBAC/);
                // The read-only role without the token role: only the TokenRequest is refused.
                const noToken = await doctorCluster(["--kubeconfig", doctorUser, ...args()], k.binary(), cluster.dir);
                assert.deepEqual(noToken.findings.filter((f) => f.level !== "PASS").map((f) => `${f.level} ${f.id}`), ["WARN token.request"]);
                const missing = await doctorCluster(["--kubeconfig", cluster.kubeconfig, ...args().slice(0, 6), "--service-account", "ghost", "--trust-policy", policyFile], k.binary(), cluster.dir);
                const request = missing.findings.find((f) => f.id === "token.request")!;
                assert.equal(request.level, "FAIL");
                assert.match(request.message, /not found/);
                assert.equal(missing.findings.find((f) => f.id === "sa.role-arn")?.level, "FAIL");
            });

            it("signingKey.fromCluster reads the cluster's keys and issuer through its own command", async () => {
                runCommandsFor(`${path.dirname(k.binary())}:/usr/bin:/bin`);
                const keys = await settle(readClusterPublicKeys({ kubeconfig: cluster.kubeconfig }, published.url, {}));
                const served = (await cluster.kubectl(["get", "--raw", "/openid/v1/jwks"], { binary: k.binary() })).stdout;
                // Key files: kube-apiserver derives every kid, so the served kids are the derived ones.
                assert.equal(serializeJwks(buildJwks(keys.map((key) => key.pem), { keyIds: keys.map((key) => key.kid) })), served);
                const eksa = await settle(readClusterPublicKeys({ kubeconfig: cluster.kubeconfig, eksAnywhereClusterName: "lab" }, published.url, {}));
                assert.deepEqual(eksa, [{ pem: EC }]);
            });

            it("signingKey.fromCluster: RBAC refusal, a missing object and another issuer are clear errors", async () => {
                // Each invoke's own command line, run by /bin/sh as the command provider runs it, read as the component reads it.
                const invoke = (words: string[], what: string, kubeconfig: string) => {
                    const run = sh(kubectlCommand(words, kubeconfig), `${path.dirname(k.binary())}:/usr/bin:/bin`, cluster.dir);
                    return run.then((r) => kubectlResult(r.stdout, r.stderr, what, { kubeconfig }));
                };
                await assert.rejects(invoke(["get", "--raw", "/openid/v1/jwks"], "/openid/v1/jwks", nobody), (e: Error) => {
                    assert.match(e.message, /^`signingKey\.fromCluster` "\/openid\/v1\/jwks" could not be read from the cluster \(kubectl exited with status 1: Error from server \(Forbidden\): forbidden: User "nobody" cannot get path "\/openid\/v1\/jwks"\)\. Fix: grant this kubeconfig's identity get and list on that resource \(RBAC\)/);
                    return true;
                });
                await assert.rejects(invoke(["get", "secret", "ghost-sa", "-n", "eksa-system", "-o", "jsonpath={.data.tls\\.crt}"], "the EKS Anywhere <cluster>-sa secret", cluster.kubeconfig), (e: Error) => {
                    assert.match(e.message, /^`signingKey\.fromCluster` "the EKS Anywhere <cluster>-sa secret" could not be read from the cluster \(kubectl exited with status 1: Error from server \(NotFound\): secrets "ghost-sa" not found\)/);
                    return true;
                });
                const discovery = await invoke(["get", "--raw", "/.well-known/openid-configuration"], "/.well-known/openid-configuration", cluster.kubeconfig);
                assert.throws(() => checkClusterIssuer(discovery, "https://oidc.lab.invalid"), (e: Error) => {
                    assert.ok(e.message.includes(JSON.stringify(published.url)) || e.message.includes(published.url), e.message);
                    assert.match(e.message, /--service-account-issuer=https:\/\/oidc\.lab\.invalid/);
                    return true;
                });
            });
        });
    }
});
