import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { parse, parseAllDocuments } from "yaml";
import { runCli } from "../src/cli/main";
import type { CliIo } from "../src/cli/command";
import { buildClusterConfig } from "../src/kubernetes/cluster-config";
import { readPublicKey } from "../src/oidc";

const KEYS = path.join(__dirname, "..", "..", "test", "fixtures", "keys");
const keyFile = (name: string) => path.join(KEYS, name);
const RSA = fs.readFileSync(keyFile("rsa2048.pkcs8.pem"), "utf8");
const NEXT = fs.readFileSync(keyFile("ec-p256.spki.pem"), "utf8");
const ISSUER = "https://irsa.example.com";
const OLD = "https://kubernetes.default.svc.cluster.local";
const JWKS_URI = `${ISSUER}/openid/v1/jwks`;
const keyBody = (pem: string) => pem.split("\n")[1];

describe("API-server wiring per distribution", () => {
    it("talos: extraArgs map, the key only in the secret patch, base64 of the PEM", () => {
        const config = buildClusterConfig({ distribution: "talos", issuer: ISSUER, signingKeyPem: RSA });
        assert.deepEqual(parse(config.publicYaml), {
            cluster: { apiServer: { extraArgs: { "service-account-issuer": ISSUER, "service-account-jwks-uri": JWKS_URI, "api-audiences": ISSUER } } },
        });
        assert.ok(!config.publicYaml.includes(keyBody(RSA)));
        const secret = parse(config.secretYaml!);
        assert.equal(Buffer.from(secret.cluster.serviceAccount.key, "base64").toString("utf8"), RSA);
        assert.deepEqual(secret.cluster.apiServer, parse(config.publicYaml).cluster.apiServer);
    });
    it("talos without a key has no secret variant", () => {
        assert.equal(buildClusterConfig({ distribution: "talos", issuer: ISSUER }).secretYaml, undefined);
    });
    it("kubeadm: v1beta4 list repeats the issuer during a migration; v1beta3 map; sa.pub holds every public key", () => {
        const config = buildClusterConfig({ distribution: "kubeadm", issuer: ISSUER, previousIssuers: [OLD], signingKeyPem: RSA, publicKeyPems: [RSA, NEXT] });
        const [v4, v3] = parseAllDocuments(config.publicYaml).map((d) => d.toJS());
        assert.deepEqual(v4, {
            apiVersion: "kubeadm.k8s.io/v1beta4",
            kind: "ClusterConfiguration",
            apiServer: {
                extraArgs: [
                    { name: "service-account-issuer", value: ISSUER },
                    { name: "service-account-issuer", value: OLD },
                    { name: "service-account-jwks-uri", value: JWKS_URI },
                    { name: "api-audiences", value: `${ISSUER},${OLD}` },
                ],
            },
        });
        assert.deepEqual(v3, {
            apiVersion: "kubeadm.k8s.io/v1beta3",
            kind: "ClusterConfiguration",
            apiServer: { extraArgs: { "service-account-issuer": ISSUER, "service-account-jwks-uri": JWKS_URI, "api-audiences": `${ISSUER},${OLD}` } },
        });
        const pub = config.keyFiles.find((f) => f.path === "/etc/kubernetes/pki/sa.pub")!;
        assert.equal(pub.contents, readPublicKey(RSA).spkiPem + readPublicKey(NEXT).spkiPem);
        assert.equal(config.keyFiles.find((f) => f.path === "/etc/kubernetes/pki/sa.key")!.contents, undefined);
        assert.ok(!config.publicYaml.includes(keyBody(RSA)));
    });
    for (const distribution of ["k3s", "rke2"] as const) {
        it(`${distribution}: kube-apiserver-arg lines and its own key file`, () => {
            const config = buildClusterConfig({ distribution, issuer: ISSUER, previousIssuers: [OLD] });
            assert.deepEqual(parse(config.publicYaml), {
                "kube-apiserver-arg": [`service-account-issuer=${ISSUER}`, `service-account-issuer=${OLD}`, `service-account-jwks-uri=${JWKS_URI}`, `api-audiences=${ISSUER},${OLD}`],
            });
            assert.equal(config.target, `/etc/rancher/${distribution}/config.yaml on every server node`);
            assert.deepEqual(config.keyFiles, [{ path: `/var/lib/rancher/${distribution}/server/tls/service.key`, holds: "signing-key" }]);
        });
    }
    it("eks-anywhere: Cluster spec podIamConfig", () => {
        const config = buildClusterConfig({ distribution: "eks-anywhere", issuer: ISSUER, clusterName: "mgmt" });
        assert.deepEqual(parse(config.publicYaml), {
            apiVersion: "anywhere.eks.amazonaws.com/v1alpha1",
            kind: "Cluster",
            metadata: { name: "mgmt" },
            spec: { podIamConfig: { serviceAccountIssuer: ISSUER } },
        });
        assert.match(config.steps[1], /secret mgmt-sa \(namespace eksa-system\)/);
    });
    it("is deterministic and refuses bad input", () => {
        assert.equal(buildClusterConfig({ distribution: "kubeadm", issuer: ISSUER }).publicYaml, buildClusterConfig({ distribution: "kubeadm", issuer: ISSUER }).publicYaml);
        assert.throws(() => buildClusterConfig({ distribution: "minikube" as never, issuer: ISSUER }), {
            message: '`distribution` "minikube" is not a supported distribution. Fix: use one of talos, kubeadm, k3s, rke2, eks-anywhere',
        });
        assert.throws(() => buildClusterConfig({ distribution: "k3s", issuer: `${ISSUER}/` }), /`issuer` "https:\/\/irsa\.example\.com\/" must not end with a slash/);
        assert.throws(() => buildClusterConfig({ distribution: "talos", issuer: ISSUER, signingKeyPem: NEXT }), /`signingKeyPem` "-----BEGIN PUBLIC KEY-----" is a public key where the private signing key is needed/);
    });
});

describe("selfhosted-irsa cluster-config", () => {
    async function cli(argv: string[]) {
        let stdout = "";
        let stderr = "";
        const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), readStdin: async () => "" };
        return { code: await runCli(argv, io), stdout, stderr };
    }
    it("prints the public YAML, the private key only with --show-secrets", async () => {
        const plain = await cli(["cluster-config", "--distribution", "talos", "--issuer", ISSUER, "--key", keyFile("rsa2048.pkcs8.pem")]);
        assert.equal(plain.code, 0);
        assert.deepEqual(parse(plain.stdout).cluster.apiServer.extraArgs["service-account-issuer"], ISSUER);
        assert.ok(!plain.stdout.includes(Buffer.from(RSA).toString("base64").slice(0, 40)));
        const secret = await cli(["cluster-config", "--distribution", "talos", "--issuer", ISSUER, "--key", keyFile("rsa2048.pkcs8.pem"), "--show-secrets"]);
        assert.equal(Buffer.from(parse(secret.stdout).cluster.serviceAccount.key, "base64").toString("utf8"), RSA);
    });
    it("fails clearly on an unknown distribution and a missing file", async () => {
        const bad = await cli(["cluster-config", "--distribution", "microk8s", "--issuer", ISSUER]);
        assert.equal(bad.code, 2);
        assert.equal(bad.stderr, 'error: `--distribution` "microk8s" is not a supported distribution. Fix: use one of talos, kubeadm, k3s, rke2, eks-anywhere\n');
        const missing = await cli(["cluster-config", "--distribution", "kubeadm", "--issuer", ISSUER, "--key", "/nonexistent.pem"]);
        assert.equal(missing.code, 2);
        assert.match(missing.stderr, /^error: `--key` "\/nonexistent\.pem" does not exist/);
        const help = await cli(["cluster-config", "--help"]);
        assert.match(help.stdout, /^Usage: selfhosted-irsa cluster-config --distribution talos\|kubeadm\|k3s\|rke2\|eks-anywhere/);
    });
});
