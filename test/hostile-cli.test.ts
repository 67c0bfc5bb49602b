// Issue 14 items 2, 10, 11, 12 and 3 on the real CLI: child processes with real files, devices and pipes. No
// error shows any part of a key (it names the flag and the file, and what was found); every read is bounded and
// fails at once, naming the flag (`/dev/zero`, `yes |`); flag values outside their documented ranges are refused
// with the flag and the range; the paper cuts a newcomer hit are gone. Every child is stopped by its PID.
import { strict as assert } from "node:assert";
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { LITERAL_AUDIENCE_RULE } from "../src/oidc/audience";
import { assertNoKeyMaterial, privateKeyForms } from "./helpers/key-material";

const MAIN = path.join(__dirname, "..", "src", "cli", "main.js");
const KEYS = path.join(__dirname, "..", "..", "test", "fixtures", "keys");
const RSA_KEY = path.join(KEYS, "rsa2048.pkcs8.pem");
const EC_KEY = path.join(KEYS, "ec-p256.sec1.pem");
const PUBLIC_KEY = path.join(KEYS, "rsa4096.spki.pem");
const ISSUER = "https://oidc.example.com";
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "irsa-hostile-cli-"));
const children = new Set<ChildProcess>();
after(() => {
    for (const c of children) {
        if (c.pid !== undefined && c.exitCode === null && c.signalCode === null) {
            process.kill(c.pid, "SIGKILL");
        }
    }
    fs.rmSync(tmp, { recursive: true, force: true });
});

interface Run {
    code: number | null;
    stdout: string;
    stderr: string;
    ms: number;
}

/** Runs the CLI as a child process; `stdin` is a text, or a program whose stdout is piped in (`yes`). */
function cli(args: string[], stdin?: string | { program: string; args: string[] }): Promise<Run> {
    return new Promise((resolve) => {
        const started = Date.now();
        const child = spawn(process.execPath, [MAIN, ...args], { stdio: ["pipe", "pipe", "pipe"] });
        children.add(child);
        let writer: ChildProcess | undefined;
        if (typeof stdin === "object") {
            writer = spawn(stdin.program, stdin.args, { stdio: ["ignore", "pipe", "ignore"] });
            children.add(writer);
            writer.stdout!.pipe(child.stdin!);
            writer.stdout!.on("error", () => undefined);
            child.stdin!.on("error", () => undefined);
        } else {
            child.stdin!.end(stdin ?? "");
        }
        let stdout = "";
        let stderr = "";
        child.stdout!.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
        child.stderr!.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
        const timer = setTimeout(() => process.kill(child.pid!, "SIGKILL"), 30_000);
        child.on("close", (code) => {
            clearTimeout(timer);
            if (writer?.pid !== undefined && writer.exitCode === null && writer.signalCode === null) {
                process.kill(writer.pid, "SIGKILL");
            }
            resolve({ code, stdout, stderr, ms: Date.now() - started });
        });
    });
}

const write = (name: string, content: string | Buffer) => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, content);
    return file;
};

describe("no part of a key in the CLI's errors: the flag, the file and what was found", () => {
    const forms = [...privateKeyForms(fs.readFileSync(RSA_KEY, "utf8")), ...privateKeyForms(fs.readFileSync(EC_KEY, "utf8"))];
    const hostile = forms.filter((f) => !f.pem);
    const commands = (file: string): Array<[string, string[]]> => [
        ["jwks --key", ["jwks", "--key", file]],
        ["discovery --key", ["discovery", "--issuer", ISSUER, "--key", file]],
        ["token --key", ["token", "--key", file, "--issuer", ISSUER, "--namespace", "a", "--service-account", "b"]],
        ["cluster-config --key", ["cluster-config", "--distribution", "kubeadm", "--issuer", ISSUER, "--key", file]],
        ["cluster-config --public-key", ["cluster-config", "--distribution", "kubeadm", "--issuer", ISSUER, "--public-key", file]],
    ];
    for (const form of hostile) {
        it(`${form.name}: every command names the file and says what it holds`, async () => {
            const file = write(`${form.id}.key`, form.text);
            for (const [name, args] of commands(file)) {
                const run = await cli(args);
                assert.equal(run.code, 2, `${name}: ${run.stderr}`);
                const flag = name.split(" ")[1];
                assert.match(run.stderr, new RegExp(`^error: \`${flag}\` ${JSON.stringify(file).replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} \\(${form.found}\\) `), name);
                assertNoKeyMaterial(run.stderr + run.stdout, forms);
            }
        });
    }

    it("a private key given as --public-key is refused, named by its file (PEM forms too)", async () => {
        for (const form of forms.filter((f) => f.pem)) {
            const file = write(`${form.id}.pem`, form.text);
            const run = await cli(["cluster-config", "--distribution", "k3s", "--issuer", ISSUER, "--public-key", file]);
            assert.equal(run.code, 2);
            assert.equal(run.stderr, `error: \`--public-key\` ${JSON.stringify(file)} (${form.found}) is a private key where only a public key belongs (it would be kept and shown in clear). Fix: pass its public half (\`openssl pkey -in KEY -pubout\`)\n`);
        }
    });

    it("token --key with a public key says a private key is needed (no `openssl pkey -pubout`)", async () => {
        const run = await cli(["token", "--key", PUBLIC_KEY, "--issuer", ISSUER, "--namespace", "a", "--service-account", "b"]);
        assert.equal(run.code, 2);
        assert.match(run.stderr, /\(a PEM PUBLIC KEY block\) is a public key where the private signing key is needed/);
        assert.doesNotMatch(run.stderr, /-pubout/);
    });
});

describe("every read is bounded: past the limit the command fails at once, naming the flag", () => {
    const cases: Array<[string, string[], RegExp]> = [
        ["jwks --key /dev/zero", ["jwks", "--key", "/dev/zero"], /^error: `--key` "\/dev\/zero" is larger than 1,048,576 bytes, the most --key reads \(reading stopped there\)\./],
        ["cluster-config --key /dev/zero", ["cluster-config", "--distribution", "kubeadm", "--issuer", ISSUER, "--key", "/dev/zero"], /^error: `--key` "\/dev\/zero" is larger than 1,048,576 bytes/],
        ["doctor --token /dev/zero", ["doctor", "--issuer", ISSUER, "--token", "/dev/zero"], /^error: `--token` "\/dev\/zero" is larger than 65,536 bytes, the most --token reads/],
        ["doctor --trust-policy /dev/zero", ["doctor", "--issuer", ISSUER, "--trust-policy", "/dev/zero"], /^error: `--trust-policy` "\/dev\/zero" is larger than 65,536 bytes/],
        ["doctor cluster --ca-file /dev/zero", ["doctor", "cluster", "--ca-file", "/dev/zero"], /^error: `--ca-file` "\/dev\/zero" is larger than 1,048,576 bytes/],
    ];
    for (const [name, args, message] of cases) {
        it(name, async () => {
            const run = await cli(args);
            assert.equal(run.code, 2, run.stderr);
            assert.match(run.stderr, message);
            console.log(`# ${name}: exit ${run.code} after ${run.ms} ms (process start included)`);
            assert.ok(run.ms < 5000, `${run.ms} ms`);
        });
    }

    it("`yes | doctor --token -` stops reading past 64 KiB and exits, the writer left with a closed pipe", async () => {
        const run = await cli(["doctor", "--issuer", ISSUER, "--token", "-"], { program: "yes", args: [] });
        assert.equal(run.code, 2, run.stderr);
        assert.equal(run.stderr, '`--token` "-" is larger than 65,536 bytes, the most --token reads (reading stopped there). Fix: pass the file itself, not a device or an endless stream (limits: README, "Security and limits")\n'.replace(/^/, "error: "));
        console.log(`# yes | doctor --token -: exit ${run.code} after ${run.ms} ms (process start included)`);
        assert.ok(run.ms < 5000, `${run.ms} ms`);
    });

    it("the in-process read of /dev/zero stops in well under a second", async () => {
        const { readFlagFile } = await import("../src/cli/files");
        const started = process.hrtime.bigint();
        assert.throws(() => readFlagFile("/dev/zero", "--key"), /is larger than 1,048,576 bytes/);
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        assert.ok(ms < 1000, `${ms} ms`);
    });
});

describe("flag values outside their documented ranges are refused with the flag and the range", () => {
    const cases: Array<[string, string[], string]> = [
        ["doctor --timeout 3000000 (Node's timer would overflow)", ["doctor", "--issuer", ISSUER, "--timeout", "3000000"], 'error: `--timeout` "3000000" must be a whole number of seconds from 1 to 300. Fix: pass e.g. --timeout 5\n'],
        ["doctor --timeout 0.0001", ["doctor", "--issuer", ISSUER, "--timeout", "0.0001"], 'error: `--timeout` "0.0001" must be a whole number of seconds from 1 to 300. Fix: pass e.g. --timeout 5\n'],
        ["doctor cluster --timeout 0", ["doctor", "cluster", "--timeout", "0"], 'error: `--timeout` "0" must be a whole number of seconds from 1 to 300. Fix: pass e.g. --timeout 5\n'],
        ["token --ttl 99999999999", ["token", "--key", RSA_KEY, "--issuer", ISSUER, "--namespace", "a", "--service-account", "b", "--ttl", "99999999999"], 'error: `--ttl` "99999999999" must be a whole number of seconds from 600 to 4,294,967,296. Fix: pass e.g. --ttl 3600\n'],
        ["token --ttl 60", ["token", "--key", RSA_KEY, "--issuer", ISSUER, "--namespace", "a", "--service-account", "b", "--ttl", "60"], 'error: `--ttl` "60" must be a whole number of seconds from 600 to 4,294,967,296. Fix: pass e.g. --ttl 3600\n'],
        ["cluster-config --max-token-expiration 1e9999", ["cluster-config", "--distribution", "kubeadm", "--issuer", ISSUER, "--max-token-expiration", "1e9999"], 'error: `--max-token-expiration` "1e9999" must be a whole number of seconds from 3,600 to 4,294,967,296. Fix: pass e.g. --max-token-expiration 86400\n'],
        ["doctor --audience ''", ["doctor", "--issuer", ISSUER, "--audience", ""], `error: \`--audience\` "" must not be empty: ${LITERAL_AUDIENCE_RULE}. Fix: use "sts.amazonaws.com" unless your workloads request another audience\n`],
        ["a flag's value is never the next flag", ["doctor", "--token", "--issuer", ISSUER], 'error: `--token` (not set) needs a value (the next word, "--issuer", is a flag). Fix: write --token VALUE, or --token=VALUE for a value that starts with --\n'],
    ];
    for (const [name, args, stderr] of cases) {
        it(name, async () => {
            const run = await cli(args);
            assert.equal(run.stderr, stderr);
            assert.equal(run.code, 2);
        });
    }
});

describe("audiences are literal everywhere the CLI takes one", () => {
    const bad = ["${www.example.com:aud}", "sts.*", "sts.amazonaws.com?", "{sts}", "sts\u001b[31m"];
    for (const audience of bad) {
        it(JSON.stringify(audience), async () => {
            for (const args of [
                ["token", "--key", RSA_KEY, "--issuer", ISSUER, "--namespace", "a", "--service-account", "b", "--audience", audience],
                ["doctor", "--issuer", ISSUER, "--audience", audience],
                ["cluster-config", "--distribution", "kubeadm", "--issuer", ISSUER, "--audience", audience],
            ]) {
                const run = await cli(args);
                assert.equal(run.code, 2, `${args[0]}: ${run.stderr}`);
                assert.ok(run.stderr.startsWith(`error: \`--audience\` ${JSON.stringify(audience)} contains `), run.stderr);
                assert.ok(run.stderr.includes(LITERAL_AUDIENCE_RULE), "the rule is in the message");
                // eslint-disable-next-line no-control-regex
                assert.doesNotMatch(run.stderr, /\u001b/, "no raw escape reaches the terminal");
            }
        });
    }
});

describe("the paper cuts a newcomer hit", () => {
    it("--version prints the package version", async () => {
        const version = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8")).version;
        const run = await cli(["--version"]);
        assert.equal(run.code, 0);
        assert.equal(run.stdout, `selfhosted-irsa ${version}\n`);
    });

    it("help jwks prints jwks's help, help doctor cluster the cluster doctor's", async () => {
        assert.match((await cli(["help", "jwks"])).stdout, /^Usage: selfhosted-irsa jwks --key FILE/);
        assert.match((await cli(["help", "doctor", "cluster"])).stdout, /^Usage: selfhosted-irsa doctor cluster /);
        const unknown = await cli(["help", "nope"]);
        assert.equal(unknown.code, 2);
        assert.match(unknown.stderr, /^error: unknown command "nope"/);
    });

    it("doctor cluster --help is not doctor --help", async () => {
        const cluster = (await cli(["doctor", "cluster", "--help"])).stdout;
        const issuer = (await cli(["doctor", "--help"])).stdout;
        assert.match(cluster, /^Usage: selfhosted-irsa doctor cluster \[--kubeconfig FILE\]/);
        assert.doesNotMatch(cluster, /Usage: selfhosted-irsa doctor --issuer/);
        assert.match(issuer, /^Usage: selfhosted-irsa doctor --issuer URL/);
        assert.match(issuer, /selfhosted-irsa doctor cluster --help\n$/);
    });

    it("doctor cluster --issuer http://... is refused, and the fix is the https issuer", async () => {
        const run = await cli(["doctor", "cluster", "--issuer", "http://oidc.example.com"]);
        assert.equal(run.code, 2);
        assert.equal(run.stderr, 'error: `--issuer` "http://oidc.example.com" must use https:// (STS fetches the discovery document over HTTPS only). Fix: use "https://oidc.example.com"\n');
    });

    it("cluster-config --previous-issuer steps name the flag, not additionalIssuers", async () => {
        const run = await cli(["cluster-config", "--distribution", "kubeadm", "--issuer", ISSUER, "--previous-issuer", "https://kubernetes.default.svc.cluster.local"]);
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stdout, /then drop --previous-issuer and apply again/);
        assert.doesNotMatch(run.stdout, /additionalIssuers/);
    });

    it("Talos --key --show-secrets: the key files are written from the patch, not Talos's own kept", async () => {
        const run = await cli(["cluster-config", "--distribution", "talos", "--issuer", ISSUER, "--key", RSA_KEY, "--show-secrets"]);
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stdout, /service-account\.key \(private-key, 0600\): written by talos from the patch's cluster\.serviceAccount\.key \(it replaces talos's own key\)/);
        assert.doesNotMatch(run.stdout, /talos's own, keep it/);
        const publicOnly = await cli(["cluster-config", "--distribution", "talos", "--issuer", ISSUER, "--key", RSA_KEY]);
        assert.match(publicOnly.stdout, /talos's own, keep it/, "without the secret patch Talos does keep its own key");
    });
});
