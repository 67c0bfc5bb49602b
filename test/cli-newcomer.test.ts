// The CLI as a newcomer meets it: errors name the flags they typed, flags that would be ignored are refused,
// the Talos output never points at a key it does not hold, key files are named when unreadable as PEM, and
// the demo says what it proves, what comes next, and fits a 100-column terminal.
import { strict as assert } from "node:assert";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { runCli } from "../src/cli/main";
import type { CliIo } from "../src/cli/command";
import { DEMO_WIDTH, wrapLines } from "../src/cli/commands/demo";

const KEYS = path.join(__dirname, "..", "..", "test", "fixtures", "keys");
const RSA_KEY = path.join(KEYS, "rsa2048.pkcs8.pem");
const ISSUER = "https://oidc.example.com";
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "irsa-cli-newcomer-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = "";
    let stderr = "";
    const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), readStdin: async () => "" };
    const code = await runCli(argv, io);
    return { code, stdout, stderr };
}

async function fails(argv: string[], message: string): Promise<void> {
    const run = await cli(argv);
    assert.equal(run.code, 2, run.stdout);
    assert.equal(run.stderr, `error: ${message}\n`);
}

describe("cluster-config errors name the flags, not the library's arguments", () => {
    const config = (...flags: string[]) => ["cluster-config", "--issuer", ISSUER, ...flags];

    it("--previous-issuer repeating the issuer", () =>
        fails(config("--distribution", "kubeadm", "--previous-issuer", ISSUER), '`--previous-issuer` "https://oidc.example.com" is listed twice (or repeats the new issuer). Fix: list each old issuer once, without the new one'));

    it("--api-audience empty, and an STS audience (the fix names the flag too)", async () => {
        await fails(config("--distribution", "kubeadm", "--api-audience", ""), '`--api-audience` "" must be a non-empty string without commas (the flag is a comma list). Fix: give one audience per entry');
        await fails(
            config("--distribution", "talos", "--api-audience", "sts.amazonaws.com"),
            "`--api-audience` \"sts.amazonaws.com\" is an STS audience: the API server would accept tokens sent to AWS as its own credentials. Fix: leave --api-audience unset (the distribution's default), or list only the API server's own audiences",
        );
    });

    it("--kubeadm-api-version unknown, and v1beta3 with --previous-issuer", async () => {
        await fails(config("--distribution", "kubeadm", "--kubeadm-api-version", "v2"), '`--kubeadm-api-version` "v2" is not a kubeadm config API version this package writes. Fix: use one of v1beta4, v1beta3');
        await fails(
            config("--distribution", "kubeadm", "--kubeadm-api-version", "v1beta3", "--previous-issuer", "https://old.example.com"),
            '`--previous-issuer` "https://old.example.com" cannot be written in kubeadm v1beta3, whose extraArgs map holds one value per flag (and --service-account-issuer does not split commas). Fix: use --kubeadm-api-version "v1beta4" (kubeadm 1.31+), or migrate without keeping the old issuer',
        );
    });

    it("--cluster-name Foo_Bar answers with a cluster-name fix, not a ServiceAccount one", () =>
        fails(
            config("--distribution", "eks-anywhere", "--cluster-name", "Foo_Bar"),
            "`--cluster-name` \"Foo_Bar\" is not a DNS-1123 subdomain (at most 253 lowercase letters, digits, '-' or '.', each part starting and ending with a letter or digit). Fix: use the EKS Anywhere Cluster's metadata.name (lowercase letters, digits, '-', '.'), e.g. \"foo-bar\"",
        ));

    it("a public --key that is not a key is reported as --key", async () => {
        const notKey = path.join(tmp, "not-a-key.pem");
        fs.writeFileSync(notKey, "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
        const run = await cli(config("--distribution", "k3s", "--public-key", path.join(KEYS, "rsa4096.spki.pem"), "--key", notKey));
        assert.equal(run.code, 2);
        assert.match(run.stderr, /^error: `--key` /);
    });
});

describe("cluster-config refuses flags its distribution would ignore", () => {
    it("--cluster-name outside eks-anywhere", () =>
        fails(["cluster-config", "--distribution", "kubeadm", "--issuer", ISSUER, "--cluster-name", "prod"], '`--cluster-name` "prod" only applies to --distribution eks-anywhere, not kubeadm. Fix: omit --cluster-name'));

    it("--kubeadm-api-version outside kubeadm", () =>
        fails(["cluster-config", "--distribution", "k3s", "--issuer", ISSUER, "--kubeadm-api-version", "v1beta3"], '`--kubeadm-api-version` "v1beta3" only applies to --distribution kubeadm, not k3s. Fix: omit --kubeadm-api-version'));

    it("--cluster-name with eks-anywhere is used", async () => {
        const run = await cli(["cluster-config", "--distribution", "eks-anywhere", "--issuer", ISSUER, "--cluster-name", "prod"]);
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stdout, /^ {2}name: prod$/m);
    });
});

describe("Talos with --key: the steps match the output", () => {
    const talos = ["cluster-config", "--distribution", "talos", "--issuer", ISSUER, "--key", RSA_KEY];

    it("without --show-secrets: no key in the output, and no step telling to save one", async () => {
        const run = await cli(talos);
        assert.equal(run.code, 0, run.stderr);
        assert.doesNotMatch(run.stdout, /serviceAccount:|PRIVATE KEY/);
        assert.doesNotMatch(run.stdout, /save the secret patch/);
        assert.match(run.stdout, /^# {3}1\. this output leaves the signing key out \(no --show-secrets\).*Rerun with --show-secrets > irsa-patch\.yaml/m);
    });

    it("with --show-secrets: the key is in the patch and the step says to save it", async () => {
        const run = await cli([...talos, "--show-secrets"]);
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stdout, /^ {2}serviceAccount:\n {4}key: \S+$/m);
        assert.match(run.stdout, /^# {3}1\. save the secret patch/m);
        assert.doesNotMatch(run.stdout, /leaves the signing key out/);
    });
});

describe("jwks and cluster-config name a key file that is empty or binary", () => {
    const empty = path.join(tmp, "empty.pem");
    const der = path.join(tmp, "key.der");
    fs.writeFileSync(empty, "");
    fs.writeFileSync(der, crypto.createPublicKey(fs.readFileSync(RSA_KEY, "utf8")).export({ type: "spki", format: "der" }));

    it("jwks --key on an empty file", () => fails(["jwks", "--key", empty], `\`--key\` ${JSON.stringify(empty)} is empty. Fix: pass a PEM key file to --key`));

    it("jwks --key on a DER (binary) file", () =>
        fails(["jwks", "--key", der], `\`--key\` ${JSON.stringify(der)} is binary (DER?), not a PEM text file. Fix: convert it first: openssl pkey -inform DER -in ${der} -out key.pem (add -pubin for a public key)`));

    it("the second --key is named by its file, not by an index", () =>
        fails(["jwks", "--key", RSA_KEY, "--key", empty], `\`--key\` ${JSON.stringify(empty)} is empty. Fix: pass a PEM key file to --key`));

    it("cluster-config --public-key on an empty file", () =>
        fails(["cluster-config", "--distribution", "k3s", "--issuer", ISSUER, "--public-key", empty], `\`--public-key\` ${JSON.stringify(empty)} is empty. Fix: pass a PEM key file to --public-key`));
});

describe("demo: what it proves, what next, 100 columns", () => {
    it("opens with one sentence saying what it proves, ends with what to do next, every line within 100 columns", async () => {
        const run = await cli(["demo", "--namespace", "team-a", "--service-account", "reader"]);
        assert.equal(run.code, 0, run.stdout + run.stderr);
        assert.match(run.stdout, /^This demo proves, offline, that a pod's service-account token passes every check STS makes/);
        const lines = run.stdout.trimEnd().split("\n");
        const tooLong = lines.filter((l) => l.length > DEMO_WIDTH);
        assert.deepEqual(tooLong, []);
        const next = lines.indexOf("What next, with your cluster:");
        assert.ok(next > 0 && lines.length - next <= 8, "the demo ends with the what-next block");
        assert.match(lines.slice(next).join("\n"), /selfhosted-irsa cluster-config --distribution/);
        assert.match(lines.slice(next).join("\n"), /selfhosted-irsa doctor --issuer <issuerUrl> --token token\.jwt/);
        assert.match(run.stdout, /^All 27 checks passed/m);
    });

    it("wrapLines breaks at spaces under the text after the marker, and leaves an unbreakable word whole", () => {
        const line = `PASS x.y: ${"word ".repeat(30).trim()}`;
        const wrapped = wrapLines(line, 40).split("\n");
        assert.ok(wrapped.every((l) => l.length <= 40), wrapped.join("\n"));
        assert.ok(wrapped.slice(1).every((l) => l.startsWith("     word")), wrapped.join("\n"));
        assert.equal(wrapped.join(" ").replace(/\s+/g, " "), line);
        assert.equal(wrapLines("x".repeat(50), 40), "x".repeat(50));
    });
});
