// API-server wiring per distribution: the YAML parses back to the structure each distribution documents,
// private keys appear only where they must, and bad input fails with exact messages.
import { strict as assert } from "node:assert";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { parse } from "yaml";
import { runCli } from "../src/cli/main";
import type { CliIo } from "../src/cli/command";
import { buildClusterConfig, ClusterConfigArgs } from "../src/kubernetes/cluster-config";
import { readPrivateKey, readPublicKey } from "../src/oidc/keys";

const rsa = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
const RSA_KEY = rsa.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const RSA_PUB = rsa.publicKey.export({ type: "spki", format: "pem" }).toString();
const ec = crypto.generateKeyPairSync("ec", { namedCurve: "prime256v1" });
const EC_KEY = ec.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const EC_PUB = ec.publicKey.export({ type: "spki", format: "pem" }).toString();
const ISSUER = "https://irsa.example.com";
const OLD = "https://kubernetes.default.svc.cluster.local";
const JWKS = `${ISSUER}/openid/v1/jwks`;
/** Every byte string the text carries in base64: PEM bodies and long base64 runs, decoded, recursively (Talos's key is base64 of a PEM). */
function blobs(text: string): Buffer[] {
    const found: Buffer[] = [];
    for (const m of text.matchAll(/-----BEGIN [A-Z ]+-----([\s\S]*?)-----END/g)) {
        found.push(Buffer.from(m[1].replace(/\s/g, ""), "base64"));
    }
    for (const m of text.matchAll(/[A-Za-z0-9+/]{40,}={0,2}/g)) {
        const decoded = Buffer.from(m[0], "base64");
        found.push(decoded, ...(decoded.includes("-----BEGIN") ? blobs(decoded.toString("latin1")) : []));
    }
    return found;
}
/** True when the private key's secret (RSA d, EC scalar) is in the text, in any of the encodings above. */
function leaks(text: string, privatePem: string): boolean {
    const d = Buffer.from(crypto.createPrivateKey(privatePem).export({ format: "jwk" }).d!, "base64url");
    return blobs(text).some((b) => b.includes(d));
}
const config = (args: Partial<ClusterConfigArgs> & Pick<ClusterConfigArgs, "distribution">) => buildClusterConfig({ issuer: ISSUER, ...args });

describe("talos", () => {
    it("patches cluster.apiServer.extraArgs; the signing key only in the secret patch, base64 of a PKCS#1 PEM", () => {
        const c = config({ distribution: "talos", signingKeyPem: RSA_KEY });
        assert.deepEqual(parse(c.publicYaml), { cluster: { apiServer: { extraArgs: { "service-account-issuer": ISSUER, "service-account-jwks-uri": JWKS } } } });
        assert.ok(!leaks(c.publicYaml, RSA_KEY));
        assert.ok(leaks(c.secretYaml!, RSA_KEY), "the leak detector finds the key where it belongs");
        const secret = parse(c.secretYaml!);
        assert.deepEqual(secret.cluster.apiServer, parse(c.publicYaml).cluster.apiServer);
        const pem = Buffer.from(secret.cluster.serviceAccount.key, "base64").toString("utf8");
        // Talos before 1.11 reads only PKCS#1/SEC1 blocks; it must be the same key.
        assert.match(pem, /^-----BEGIN RSA PRIVATE KEY-----\n/);
        assert.equal(readPrivateKey(pem).publicKey.kid, readPublicKey(RSA_PUB).kid);
        assert.deepEqual(c.apiServerArgs, {
            "service-account-issuer": [ISSUER],
            "service-account-jwks-uri": JWKS,
            "service-account-key-file": ["/system/secrets/kubernetes/kube-apiserver/service-account.pub"],
            "service-account-signing-key-file": "/system/secrets/kubernetes/kube-apiserver/service-account.key",
        });
    });
    it("writes an EC key as SEC1, lists issuers during a migration, and has no secret patch without a key", () => {
        const secret = parse(config({ distribution: "talos", signingKeyPem: EC_KEY }).secretYaml!);
        const pem = Buffer.from(secret.cluster.serviceAccount.key, "base64").toString("utf8");
        assert.match(pem, /^-----BEGIN EC PRIVATE KEY-----\n/);
        assert.equal(readPrivateKey(pem).publicKey.kid, readPublicKey(EC_PUB).kid);
        const migrating = config({ distribution: "talos", additionalIssuers: [OLD], apiAudiences: ["https://cp.example.com:6443"], maxTokenExpiration: 86400 });
        assert.equal(migrating.secretYaml, undefined);
        // A list, never "a,b": --service-account-issuer does not split commas.
        assert.deepEqual(parse(migrating.publicYaml).cluster.apiServer.extraArgs, {
            "service-account-issuer": [ISSUER, OLD],
            "service-account-jwks-uri": JWKS,
            "api-audiences": "https://cp.example.com:6443",
            "service-account-max-token-expiration": "86400s",
        });
        assert.ok(migrating.instructions.some((s) => s.includes("Talos 1.13")));
    });
});

describe("kubeadm", () => {
    it("v1beta4 (default) repeats service-account-issuer in the name/value list; sa.pub holds every public key", () => {
        const c = config({ distribution: "kubeadm", additionalIssuers: [OLD], signingKeyPem: RSA_KEY, publicKeyPems: [EC_PUB, RSA_PUB] });
        assert.deepEqual(parse(c.publicYaml), {
            apiVersion: "kubeadm.k8s.io/v1beta4",
            kind: "ClusterConfiguration",
            apiServer: {
                extraArgs: [
                    { name: "service-account-issuer", value: ISSUER },
                    { name: "service-account-issuer", value: OLD },
                    { name: "service-account-jwks-uri", value: JWKS },
                ],
            },
        });
        assert.deepEqual(c.files, [
            { path: "/etc/kubernetes/pki/sa.key", contents: "private-key", mode: "0600", action: "write" },
            // signing key's public half first, duplicates dropped
            { path: "/etc/kubernetes/pki/sa.pub", contents: "public-keys", mode: "0644", action: "write", pem: RSA_PUB + EC_PUB },
        ]);
        assert.deepEqual(c.apiServerArgs["service-account-key-file"], ["/etc/kubernetes/pki/sa.pub"]);
        assert.equal(c.apiServerArgs["service-account-signing-key-file"], "/etc/kubernetes/pki/sa.key");
        assert.equal(c.secretYaml, undefined);
        assert.ok(!leaks(c.publicYaml + JSON.stringify(c), RSA_KEY));
    });
    it("v1beta3 writes the extraArgs map", () => {
        const c = config({ distribution: "kubeadm", kubeadmApiVersion: "v1beta3", maxTokenExpiration: 7200 });
        assert.deepEqual(parse(c.publicYaml), {
            apiVersion: "kubeadm.k8s.io/v1beta3",
            kind: "ClusterConfiguration",
            apiServer: { extraArgs: { "service-account-issuer": ISSUER, "service-account-jwks-uri": JWKS, "service-account-max-token-expiration": "7200s" } },
        });
        assert.deepEqual(c.files.map((f) => f.action), ["keep", "keep"]);
    });
});

for (const d of ["k3s", "rke2"] as const) {
    describe(d, () => {
        it("config.yaml kube-apiserver-arg lines; its own keys kept", () => {
            const c = config({ distribution: d, additionalIssuers: [OLD] });
            assert.deepEqual(parse(c.publicYaml), {
                "kube-apiserver-arg": [`service-account-issuer=${ISSUER}`, `service-account-issuer=${OLD}`, `service-account-jwks-uri=${JWKS}`],
            });
            assert.deepEqual(c.files, [
                { path: `/var/lib/rancher/${d}/server/tls/service.current.key`, contents: "private-key", mode: "0600", action: "keep" },
                { path: `/var/lib/rancher/${d}/server/tls/service.key`, contents: "public-keys", mode: "0600", action: "keep" },
            ]);
        });
        it("with a signing key: our files, and theirs still verifies", () => {
            const c = config({ distribution: d, signingKeyPem: EC_KEY });
            const own = `/etc/rancher/${d}/irsa`;
            assert.deepEqual(parse(c.publicYaml), {
                "kube-apiserver-arg": [
                    `service-account-issuer=${ISSUER}`,
                    `service-account-jwks-uri=${JWKS}`,
                    `service-account-key-file=${own}/sa.pub`,
                    `service-account-key-file=/var/lib/rancher/${d}/server/tls/service.key`,
                    `service-account-signing-key-file=${own}/sa.key`,
                ],
                ...(d === "rke2" ? { "kube-apiserver-extra-mount": [`${own}:${own}:ro`] } : {}),
            });
            assert.equal(c.files.find((f) => f.path === `${own}/sa.pub`)!.pem, EC_PUB);
            assert.ok(leaks(EC_KEY, EC_KEY) && !leaks(c.publicYaml + JSON.stringify(c), EC_KEY));
        });
    });
}

describe("eks-anywhere", () => {
    it("Cluster spec podIamConfig.serviceAccountIssuer", () => {
        const c = config({ distribution: "eks-anywhere", clusterName: "mgmt" });
        assert.deepEqual(parse(c.publicYaml), {
            apiVersion: "anywhere.eks.amazonaws.com/v1alpha1",
            kind: "Cluster",
            metadata: { name: "mgmt" },
            spec: { podIamConfig: { serviceAccountIssuer: ISSUER } },
        });
        assert.ok(c.instructions.some((s) => s.includes("secret mgmt-sa (namespace eksa-system")));
    });
});

describe("input checks", () => {
    it("is deterministic", () => {
        const args = { distribution: "kubeadm", additionalIssuers: [OLD], signingKeyPem: RSA_KEY } as const;
        assert.deepEqual(buildClusterConfig({ issuer: ISSUER, ...args }), buildClusterConfig({ issuer: ISSUER, ...args }));
    });
    const cases: Array<[string, ClusterConfigArgs, string]> = [
        ["unknown distribution", { distribution: "minikube" as never, issuer: ISSUER }, '`distribution` "minikube" is not a supported distribution. Fix: use one of talos, kubeadm, k3s, rke2, eks-anywhere'],
        ["trailing slash", { distribution: "k3s", issuer: `${ISSUER}/` }, '`issuer` "https://irsa.example.com/" must not end with a slash (the token\'s iss, the discovery document and the IAM provider URL must match exactly). Fix: use "https://irsa.example.com"'],
        ["repeated issuer", { distribution: "kubeadm", issuer: ISSUER, additionalIssuers: [ISSUER] }, '`additionalIssuers[0]` "https://irsa.example.com" is listed twice (or repeats the new issuer). Fix: list each old issuer once, without the new one'],
        ["STS audience as API audience", { distribution: "talos", issuer: ISSUER, apiAudiences: ["sts.amazonaws.com"] }, '`apiAudiences[0]` "sts.amazonaws.com" is an STS audience: the API server would accept tokens sent to AWS as its own credentials. Fix: leave apiAudiences unset (the distribution\'s default), or list only the API server\'s own audiences'],
        ["short max expiration", { distribution: "k3s", issuer: ISSUER, maxTokenExpiration: 600 }, '`maxTokenExpiration` "600" must be a whole number of seconds from 3600 to 4294967296 (kube-apiserver refuses others). Fix: use e.g. 86400, the webhook\'s default token lifetime'],
        ["v1beta3 migration", { distribution: "kubeadm", issuer: ISSUER, kubeadmApiVersion: "v1beta3", additionalIssuers: [OLD] }, '`additionalIssuers` "https://kubernetes.default.svc.cluster.local" cannot be written in kubeadm v1beta3, whose extraArgs map holds one value per flag (and --service-account-issuer does not split commas). Fix: use kubeadmApiVersion "v1beta4" (kubeadm 1.31+), or migrate without keeping the old issuer'],
        ["EKS-A own key", { distribution: "eks-anywhere", issuer: ISSUER, signingKeyPem: RSA_KEY }, "`signingKeyPem` (value redacted) is not used by eks-anywhere: EKS Anywhere generates the signing key itself. Fix: omit it and publish the cluster's key (signingKey.fromCluster.eksAnywhereClusterName)"],
        ["public key as signing key", { distribution: "talos", issuer: ISSUER, signingKeyPem: RSA_PUB }, "`signingKeyPem` (a PEM PUBLIC KEY block) is a public key where the private signing key is needed (a public key only verifies tokens). Fix: pass the private key: the API server's --service-account-signing-key-file (PKCS#1, PKCS#8 or SEC1 PEM)"],
        ["bad cluster name", { distribution: "eks-anywhere", issuer: ISSUER, clusterName: "My_Cluster" }, "`clusterName` \"My_Cluster\" is not a DNS-1123 subdomain (at most 253 lowercase letters, digits, '-' or '.', each part starting and ending with a letter or digit). Fix: use the ServiceAccount name exactly as `kubectl get serviceaccounts` shows it, e.g. \"s3-reader\""],
    ];
    for (const [name, args, message] of cases) {
        it(name, () => assert.throws(() => buildClusterConfig(args), { name: "IrsaInputError", message }));
    }
});

describe("selfhosted-irsa cluster-config", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cluster-config-"));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = (name: string, text: string) => {
        const p = path.join(dir, name);
        fs.writeFileSync(p, text, { mode: 0o600 });
        return p;
    };
    const KEY = file("sa.key", RSA_KEY);
    const PUB = file("sa.pub", RSA_PUB);
    async function cli(argv: string[]) {
        let stdout = "";
        let stderr = "";
        const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), readStdin: async () => "" };
        return { code: await runCli(["cluster-config", ...argv], io), stdout, stderr };
    }

    it("prints the public patch, and the private key only with --show-secrets", async () => {
        const plain = await cli(["--distribution", "talos", "--issuer", ISSUER, "--key", KEY]);
        assert.equal(plain.code, 0);
        assert.deepEqual(parse(plain.stdout), { cluster: { apiServer: { extraArgs: { "service-account-issuer": ISSUER, "service-account-jwks-uri": JWKS } } } });
        assert.ok(!leaks(plain.stdout, RSA_KEY));
        assert.match(plain.stdout, /Rerun with --show-secrets > irsa-patch\.yaml/);
        const secret = await cli(["--distribution", "talos", "--issuer", ISSUER, "--key", KEY, "--show-secrets"]);
        assert.equal(secret.code, 0);
        assert.ok(leaks(secret.stdout, RSA_KEY));
        const key = Buffer.from(parse(secret.stdout).cluster.serviceAccount.key, "base64").toString("utf8");
        assert.equal(readPrivateKey(key).publicKey.kid, readPublicKey(RSA_PUB).kid);
    });
    it("never prints a private key for kubeadm, even with --show-secrets; repeats issuers", async () => {
        const out = await cli(["--distribution", "kubeadm", "--issuer", ISSUER, "--key", KEY, "--previous-issuer", OLD, "--show-secrets"]);
        assert.equal(out.code, 0);
        assert.deepEqual(
            parse(out.stdout).apiServer.extraArgs.filter((a: { name: string }) => a.name === "service-account-issuer").map((a: { value: string }) => a.value),
            [ISSUER, OLD],
        );
        assert.ok(!leaks(out.stdout, RSA_KEY));
        assert.match(out.stdout, new RegExp(`# Note: the private key stays in ${KEY.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: copy it to /etc/kubernetes/pki/sa.key \\(mode 0600\\)`));
    });
    it("a public --key: refused for Talos, a verification key elsewhere", async () => {
        const talos = await cli(["--distribution", "talos", "--issuer", ISSUER, "--key", PUB]);
        assert.equal(talos.code, 2);
        assert.equal(talos.stderr, `error: \`--key\` ${JSON.stringify(PUB)} holds a public key, but Talos's patch carries the private signing key (cluster.serviceAccount.key). Fix: pass the private key, or omit --key to keep Talos's own key\n`);
        const k3s = await cli(["--distribution", "k3s", "--issuer", ISSUER, "--key", PUB]);
        assert.equal(k3s.code, 0);
        assert.deepEqual(parse(k3s.stdout), { "kube-apiserver-arg": [`service-account-issuer=${ISSUER}`, `service-account-jwks-uri=${JWKS}`] });
        assert.match(k3s.stdout, /is a public key: used as a verification key only/);
    });
    it("fails clearly: unknown distribution, missing file, bad flag values; --help", async () => {
        const bad = await cli(["--distribution", "microk8s", "--issuer", ISSUER]);
        assert.deepEqual([bad.code, bad.stdout, bad.stderr], [2, "", 'error: `--distribution` "microk8s" is not a supported distribution. Fix: use one of talos, kubeadm, k3s, rke2, eks-anywhere\n']);
        const missing = await cli(["--distribution", "kubeadm", "--issuer", ISSUER, "--key", path.join(dir, "nope.pem")]);
        assert.equal(missing.code, 2);
        assert.equal(missing.stderr, `error: \`--key\` ${JSON.stringify(path.join(dir, "nope.pem"))} does not exist. Fix: pass the path of an existing file to --key\n`);
        const slash = await cli(["--distribution", "kubeadm", "--issuer", `${ISSUER}/`]);
        assert.match(slash.stderr, /^error: `--issuer` "https:\/\/irsa\.example\.com\/" must not end with a slash/);
        const sts = await cli(["--distribution", "rke2", "--issuer", ISSUER, "--api-audience", "sts.amazonaws.com"]);
        assert.equal(sts.code, 2);
        assert.match(sts.stderr, /^error: `--api-audience` "sts\.amazonaws\.com" is an STS audience/);
        const max = await cli(["--distribution", "talos", "--issuer", ISSUER, "--max-token-expiration", "60"]);
        assert.equal(max.stderr, 'error: `--max-token-expiration` "60" must be a whole number of seconds from 3,600 to 4,294,967,296. Fix: pass e.g. --max-token-expiration 86400\n');
        const help = await cli(["--help"]);
        assert.equal(help.code, 0);
        assert.match(help.stdout, /^Usage: selfhosted-irsa cluster-config --distribution talos\|kubeadm\|k3s\|rke2\|eks-anywhere --issuer URL/);
        assert.match(help.stdout, /--show-secrets/);
    });
    it("eks-anywhere with a cluster name", async () => {
        const out = await cli(["--distribution", "eks-anywhere", "--issuer", ISSUER, "--cluster-name", "prod"]);
        assert.equal(out.code, 0);
        assert.equal(parse(out.stdout).metadata.name, "prod");
        assert.equal(parse(out.stdout).spec.podIamConfig.serviceAccountIssuer, ISSUER);
        const migrating = await cli(["--distribution", "eks-anywhere", "--issuer", ISSUER, "--previous-issuer", OLD]);
        assert.equal(migrating.code, 2);
        assert.equal(migrating.stderr, `error: \`--previous-issuer\` "${OLD}" cannot be set for eks-anywhere: spec.podIamConfig.serviceAccountIssuer holds one issuer. Fix: omit --previous-issuer\n`);
    });
});
