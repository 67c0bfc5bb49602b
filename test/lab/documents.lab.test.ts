// Documents byte for byte: for RSA 2048, 3072, 4096 and EC P-256 keys, alone and mixed, in PKCS#1, PKCS#8,
// SEC1 and SPKI, the JWKS and discovery document the component uploads (under mocks) and the CLI prints equal
// what the real kube-apiserver serves at /openid/v1/jwks and /.well-known/openid-configuration, given the same
// keys as --service-account-key-file and the component's apiServerArgs.
import { runComponent, SelfHostedIrsaArgs } from "./component";
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { labParts, REPO } from "./binaries";
import { LabCluster, signingKeyFlags, startCluster, toFlags } from "./cluster";
import { key } from "./keys";

const CLI = path.join(REPO, "dist", "cli", "main.js");
const cli = (args: string[]) => execFileSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
const spkiOf = (file: string) => crypto.createPublicKey(key(file)).export({ type: "spki", format: "pem" }).toString();

interface KeySet {
    title: string;
    /** The API server's --service-account-key-file files (fixture names; "+" joins several PEM blocks in one file). */
    keyFiles: string[];
    /** The API server's signing key (private) */
    signing: string;
    /** Ways to give the same keys to the component (each must publish the same bytes). */
    inputs: Array<{ how: string; args: SelfHostedIrsaArgs }>;
}

const SETS: KeySet[] = [
    {
        title: "RSA 2048 alone (PKCS#1 key file)",
        keyFiles: ["rsa2048.pkcs1.pem"],
        signing: "rsa2048.pkcs1.pem",
        inputs: [
            { how: "privateKeyPem PKCS#1", args: { signingKey: { privateKeyPem: key("rsa2048.pkcs1.pem") } } },
            { how: "privateKeyPem PKCS#8", args: { signingKey: { privateKeyPem: key("rsa2048.pkcs8.pem") } } },
        ],
    },
    {
        title: "RSA 3072 alone (PKCS#8 key file)",
        keyFiles: ["rsa3072.pkcs8.pem"],
        signing: "rsa3072.pkcs8.pem",
        inputs: [
            { how: "privateKeyPem PKCS#8", args: { signingKey: { privateKeyPem: key("rsa3072.pkcs8.pem") } } },
            { how: "publicKeyPems SPKI", args: { signingKey: { publicKeyPems: [spkiOf("rsa3072.pkcs8.pem")] } } },
        ],
    },
    {
        title: "RSA 4096 alone (SPKI key file)",
        keyFiles: ["rsa4096.spki.pem"],
        signing: "rsa4096.pkcs8.pem",
        inputs: [
            { how: "publicKeyPems SPKI", args: { signingKey: { publicKeyPems: [key("rsa4096.spki.pem")] } } },
            { how: "publicKeyPems PKCS#1 public", args: { signingKey: { publicKeyPems: [key("rsa4096.pkcs1-public.pem")] } } },
            { how: "privateKeyPem PKCS#8", args: { signingKey: { privateKeyPem: key("rsa4096.pkcs8.pem") } } },
        ],
    },
    {
        title: "EC P-256 alone (SEC1 key file)",
        keyFiles: ["ec-p256.sec1.pem"],
        signing: "ec-p256.sec1.pem",
        inputs: [
            { how: "privateKeyPem SEC1", args: { signingKey: { privateKeyPem: key("ec-p256.sec1.pem") } } },
            { how: "publicKeyPems SPKI", args: { signingKey: { publicKeyPems: [key("ec-p256.spki.pem")] } } },
        ],
    },
    {
        title: "mixed: RSA 2048 signing, EC P-256 and RSA 4096 verifying (three key files)",
        keyFiles: ["rsa2048.pkcs1.pem", "ec-p256.spki.pem", "rsa4096.spki.pem"],
        signing: "rsa2048.pkcs1.pem",
        inputs: [
            { how: "privateKeyPem + additionalPublicKeyPems", args: { signingKey: { privateKeyPem: key("rsa2048.pkcs8.pem") }, additionalPublicKeyPems: [key("ec-p256.spki.pem"), key("rsa4096.spki.pem")] } },
            { how: "privateKeyPem PKCS#1 + additionalPublicKeyPems PKCS#1 public", args: { signingKey: { privateKeyPem: key("rsa2048.pkcs1.pem") }, additionalPublicKeyPems: [key("ec-p256.spki.pem"), key("rsa4096.pkcs1-public.pem")] } },
            // Public halves only: a private key in a public-key argument is refused (issue 14 item 1).
            { how: "publicKeyPems as SPKI and PKCS#1 RSA PUBLIC KEY", args: { signingKey: { publicKeyPems: [spkiOf("rsa2048.pkcs1.pem"), key("ec-p256.spki.pem"), key("rsa4096.pkcs1-public.pem")] } } },
        ],
    },
    {
        title: "mixed: EC P-256 signing and RSA 3072 in one key file (two PEM blocks)",
        keyFiles: ["ec-p256.spki.pem+rsa3072.pkcs8.pem"],
        signing: "ec-p256.sec1.pem",
        inputs: [
            { how: "publicKeyPems", args: { signingKey: { publicKeyPems: [key("ec-p256.spki.pem"), spkiOf("rsa3072.pkcs8.pem")] } } },
            { how: "privateKeyPem + additionalPublicKeyPems", args: { signingKey: { privateKeyPem: key("ec-p256.sec1.pem") }, additionalPublicKeyPems: [spkiOf("rsa3072.pkcs8.pem")] } },
            { how: "publicKeyPems as one text of two blocks (a key file's contents)", args: { signingKey: { publicKeyPems: [key("ec-p256.spki.pem") + spkiOf("rsa3072.pkcs8.pem")] } } },
        ],
    },
];

describe("JWKS and discovery byte for byte with the real kube-apiserver", labParts("etcd", "kubernetes"), () => {
    let cluster: LabCluster;
    before(async () => {
        cluster = await startCluster({ flags: signingKeyFlags("https://boot.lab.invalid", key("ec-p256.sec1.pem")) });
    });
    after(() => cluster?.stop());

    it("does not read PKCS#1 public keys (RSA PUBLIC KEY) in a key file: alone it refuses to start, beside others it skips them", async () => {
        // k8s.io/client-go/util/keyutil ParsePublicKeysPEM: PKIX public keys, certificates, PKCS#1/PKCS#8/SEC1
        // private keys; other PEM blocks are skipped. The component writes SPKI (publicKeyPems) for this reason.
        const signing = cluster.file("pkcs1/signing.pem", key("rsa2048.pkcs8.pem"));
        const alone = cluster.file("pkcs1/alone.pem", key("rsa4096.pkcs1-public.pem"));
        await assert.rejects(cluster.restart(toFlags({ "service-account-issuer": "https://boot.lab.invalid", "service-account-key-file": [alone], "service-account-signing-key-file": signing })), /data does not contain any valid RSA or ECDSA public keys/);
        const beside = cluster.file("pkcs1/beside.pem", key("rsa2048.pkcs8.pem") + key("rsa4096.pkcs1-public.pem"));
        await cluster.restart(toFlags({ "service-account-issuer": "https://boot.lab.invalid", "service-account-key-file": [beside], "service-account-signing-key-file": signing }));
        const served = (await cluster.kubectl(["get", "--raw", "/openid/v1/jwks"])).stdout;
        assert.equal(JSON.parse(served).keys.length, 1, "the RSA PUBLIC KEY block is skipped without a word");
    });

    SETS.forEach((set, n) => {
        it(set.title, async () => {
            const runs = [];
            for (const input of set.inputs) {
                runs.push({ how: input.how, run: await runComponent(`docs${n}`, input.args) });
            }
            const { outputs } = runs[0].run;
            // The key files as the API server reads them (several PEM blocks in a file where "+" says so).
            const files = set.keyFiles.map((spec, i) => cluster.file(`docs${n}/key-${i}.pem`, spec.split("+").map(key).join("")));
            const signing = cluster.file(`docs${n}/signing.pem`, key(set.signing));
            await cluster.restart([...toFlags(outputs.apiServerArgs), ...toFlags({ "service-account-key-file": files, "service-account-signing-key-file": signing })]);
            const servedJwks = (await cluster.kubectl(["get", "--raw", "/openid/v1/jwks"])).stdout;
            const servedDiscovery = (await cluster.kubectl(["get", "--raw", "/.well-known/openid-configuration"])).stdout;

            for (const { how, run } of runs) {
                assert.equal(run.uploaded["openid/v1/jwks"], servedJwks, `uploaded JWKS (${how})`);
                assert.equal(run.uploaded[".well-known/openid-configuration"], servedDiscovery, `uploaded discovery (${how})`);
                assert.equal(run.outputs.jwks, servedJwks, `jwks output (${how})`);
            }
            const keyArgs = files.flatMap((f) => ["--key", f]);
            assert.equal(cli(["jwks", ...keyArgs]), `${servedJwks}\n`, "selfhosted-irsa jwks");
            assert.equal(cli(["discovery", "--issuer", outputs.issuerUrl, "--jwks-uri", outputs.jwksUri, ...keyArgs]), `${servedDiscovery}\n`, "selfhosted-irsa discovery");
            // The kids tokens carry are the kids published.
            const token = (await cluster.kubectl(["create", "token", "default", "-n", "default"])).stdout.trim();
            const kid = JSON.parse(Buffer.from(token.split(".")[0], "base64url").toString()).kid;
            assert.equal(kid, outputs.keyIds[0], "the API server signs with the first published kid");
        });
    });

});
