// Issue 14 items 8 and 9 with the real kubectl: no flag value and no name from the API server can become a kubectl
// flag or an API path of its choosing; `signingKey.fromCluster` and `doctor cluster` bound the whole kubectl run,
// exec credential plugins included (a kubeconfig whose plugin sleeps), and kill the plugin too.
import { strict as assert } from "node:assert";
import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { setupMocks } from "./helpers/pulumi-mocks";

setupMocks();
// Required after setMocks, as the mocks must be in place before resource modules load.
const { kubectlCommand, kubectlResult, validateFromClusterArgs } = require("../src/kubernetes/cluster-keys") as typeof import("../src/kubernetes/cluster-keys");
const { runDoctorCluster } = require("../src/cli/commands/doctor-cluster") as typeof import("../src/cli/commands/doctor-cluster");
const { execFileKubectl } = require("../src/cli/cluster-doctor/kubectl-runner") as typeof import("../src/cli/cluster-doctor/kubectl-runner");
const { startFakeApiServer } = require("./helpers/fake-apiserver") as typeof import("./helpers/fake-apiserver");
const { healthyCluster, makeWebhookPki, replaceObject, RSA, webhookConfiguration } = require("./helpers/irsa-cluster") as typeof import("./helpers/irsa-cluster");
type FakeApiServer = import("./helpers/fake-apiserver").FakeApiServer;
type CliIo = import("../src/cli/command").CliIo;
type ClusterFinding = import("../src/cli/cluster-doctor/findings").ClusterFinding;

const MAIN = path.join(__dirname, "..", "src", "cli", "main.js");
let api: FakeApiServer;
let pidFile: string;
let sleepyKubeconfig: string;

/** Whether a process of this PID is alive (a zombie, killed and not yet reaped by PID 1, is not). */
const alive = (pid: number) => {
    try {
        return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
    } catch {
        if (fs.existsSync("/proc/self")) {
            return false;
        }
        try {
            process.kill(pid, 0);
            return true;
        } catch {
            return false;
        }
    }
};

/** PIDs the sleeping exec plugin wrote, one per run. */
const pluginPids = () => (fs.existsSync(pidFile) ? fs.readFileSync(pidFile, "utf8").trim().split("\n").filter(Boolean).map(Number) : []);

before(async () => {
    api = await startFakeApiServer(healthyCluster({ clusterIssuer: "https://irsa.example.com", servedKeys: [RSA], pki: await makeWebhookPki() }));
    // An exec credential plugin that never answers (a browser login nobody completes): it records its PID, then sleeps.
    pidFile = path.join(api.dir, "plugin.pids");
    const plugin = path.join(api.dir, "sleepy-plugin.sh");
    fs.writeFileSync(plugin, `#!/bin/sh\necho $$ >> ${JSON.stringify(pidFile)}\nexec sleep 120\n`, { mode: 0o755 });
    sleepyKubeconfig = path.join(api.dir, "sleepy.yaml");
    const base = fs.readFileSync(api.kubeconfig, "utf8");
    fs.writeFileSync(
        sleepyKubeconfig,
        base.replace(
            /users:\n- name: tester\n {2}user:\n {4}token: fake-bearer-token\n/,
            `users:\n- name: tester\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: ${plugin}\n      interactiveMode: Never\n`,
        ),
    );
    assert.match(fs.readFileSync(sleepyKubeconfig, "utf8"), /exec:/);
});
after(async () => {
    pluginPids().filter(alive).forEach((pid) => process.kill(pid, "SIGKILL"));
    await api.close();
});

/** Runs a command as the command provider does: /bin/sh -c, stdout and stderr apart; stopped by its PID. */
function sh(command: string): Promise<{ stdout: string; stderr: string; ms: number }> {
    const started = Date.now();
    return new Promise((resolve) => {
        const child = execFile("/bin/sh", ["-c", command], { timeout: 60_000, killSignal: "SIGKILL" }, (_err, stdout, stderr) => resolve({ stdout, stderr, ms: Date.now() - started }));
        void child;
    });
}

describe("kubectl argument injection is refused before any kubectl runs", () => {
    const injected: Array<[string, string[], RegExp]> = [
        ["--service-account=--kubeconfig=EVIL", ["--namespace", "apps", "--service-account=--kubeconfig=EVIL"], /^`--service-account` "--kubeconfig=EVIL" is not a DNS-1123 subdomain/],
        ["--service-account ../secrets/NAME", ["--namespace", "apps", "--service-account", "../secrets/NAME"], /^`--service-account` "\.\.\/secrets\/NAME" is not a DNS-1123 subdomain/],
        ["--namespace=-n", ["--namespace=-n", "--service-account", "app"], /^`--namespace` "-n" is not a DNS-1123 label/],
        ["--namespace kube-system/../x", ["--namespace", "kube-system/../x", "--service-account", "app"], /^`--namespace` "kube-system\/\.\.\/x" is not a DNS-1123 label/],
        ["--webhook ../../api/v1/secrets", ["--webhook", "../../api/v1/secrets"], /^`--webhook` "\.\.\/\.\.\/api\/v1\/secrets" is not a DNS-1123 subdomain/],
        ["--context=--kubeconfig=EVIL", ["--context=--kubeconfig=EVIL"], /^`--context` "--kubeconfig=EVIL" must be non-empty, must not start with '-'/],
        ["--kubeconfig=-", ["--kubeconfig=-"], /^`--kubeconfig` "-" must be non-empty, must not start with '-'/],
    ];
    for (const [name, flags, message] of injected) {
        it(name, async () => {
            const calls: string[][] = [];
            const io: CliIo = { stdout: () => undefined, stderr: () => undefined, readStdin: async () => "" };
            await assert.rejects(
                runDoctorCluster(flags, io, async (args, ms) => {
                    calls.push(args);
                    return execFileKubectl(args, ms);
                }),
                (err: Error) => {
                    assert.equal(err.name, "IrsaInputError");
                    assert.match(err.message, message);
                    return true;
                },
            );
            assert.deepEqual(calls, [], "kubectl never ran");
        });
    }

    it("through the real CLI: a kubectl on PATH that records its arguments is never started", async () => {
        const bin = path.join(api.dir, "recording-bin");
        const record = path.join(api.dir, "kubectl-argv.txt");
        fs.mkdirSync(bin, { recursive: true });
        fs.writeFileSync(path.join(bin, "kubectl"), `#!/bin/sh\necho "$@" >> ${JSON.stringify(record)}\nexit 1\n`, { mode: 0o755 });
        const code = await new Promise<number | null>((resolve) => {
            const child = spawn(process.execPath, [MAIN, "doctor", "cluster", "--namespace", "apps", "--service-account=--kubeconfig=/tmp/evil"], { env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` }, stdio: "ignore" });
            const timer = setTimeout(() => process.kill(child.pid!, "SIGKILL"), 30_000);
            child.on("close", (c) => (clearTimeout(timer), resolve(c)));
        });
        assert.equal(code, 2);
        assert.equal(fs.existsSync(record), false, "kubectl was never run");
    });

    it("--webhook nope fails, naming the configuration it did find, instead of checking that one and passing", async () => {
        let stdout = "";
        const io: CliIo = { stdout: (t) => void (stdout += t), stderr: () => undefined, readStdin: async () => "" };
        await runDoctorCluster(["--kubeconfig", api.kubeconfig, "--webhook", "nope", "--timeout", "10", "--json"], io);
        const findings = (JSON.parse(stdout) as { findings: ClusterFinding[] }).findings;
        const webhook = findings.filter((f) => f.id.startsWith("webhook."));
        assert.deepEqual(webhook.map((f) => f.level), ["FAIL"], "nothing of another configuration is reported");
        assert.equal(webhook[0].message, "no MutatingWebhookConfiguration nope, the one --webhook names (the pod identity webhook's is amazon-eks-pod-identity-webhook)");
        assert.equal(webhook[0].fix, "pass --webhook amazon-eks-pod-identity-webhook, or leave --webhook out to find it by its webhook's name");
    });

    it("names from the API server never become API paths: a webhook Service named ../secrets/... is reported, not read", async () => {
        const hostile = webhookConfiguration("");
        hostile.webhooks[0].clientConfig.service = { name: "../../../api/v1/namespaces/kube-system/secrets/admin", namespace: "kube-system" };
        replaceObject(api.cluster, hostile);
        const before = api.requests.length;
        let stdout = "";
        const io: CliIo = { stdout: (t) => void (stdout += t), stderr: () => undefined, readStdin: async () => "" };
        await runDoctorCluster(["--kubeconfig", api.kubeconfig, "--timeout", "10", "--json"], io);
        const findings = (JSON.parse(stdout) as { findings: ClusterFinding[] }).findings;
        const configuration = findings.find((f) => f.id === "webhook.configuration")!;
        assert.equal(configuration.level, "FAIL");
        assert.match(configuration.message, /sends pods to Service "\.\.\/\.\.\/\.\.\/api\/v1\/namespaces\/kube-system\/secrets\/admin" in namespace kube-system, which are not Kubernetes names: the doctor does not read them$/);
        const made = api.requests.slice(before);
        assert.ok(made.length > 0, "the doctor did run kubectl");
        assert.deepEqual(made.filter((r) => /secrets|\.\./.test(r)), [], "no Secret was requested");
    });

    it("signingKey.fromCluster: a kubeconfig, context or EKS Anywhere name that kubectl would misread is refused", () => {
        assert.throws(() => validateFromClusterArgs({ context: "--kubeconfig=/tmp/evil" }), /^IrsaInputError: `signingKey\.fromCluster\.context` "--kubeconfig=\/tmp\/evil" must be non-empty, must not start with '-'/);
        assert.throws(() => validateFromClusterArgs({ kubeconfig: "-" }), /^IrsaInputError: `signingKey\.fromCluster\.kubeconfig` "-" must be non-empty/);
        assert.throws(() => validateFromClusterArgs({ eksAnywhereClusterName: "x -n kube-system" }), /^IrsaInputError: `signingKey\.fromCluster\.eksAnywhereClusterName` "x -n kube-system" is not a DNS-1123 subdomain/);
        assert.throws(() => validateFromClusterArgs({ timeoutSeconds: 0 }), /^IrsaInputError: `signingKey\.fromCluster\.timeoutSeconds` "0" must be a whole number of seconds from 1 to 3600/);
        // Even if one got through, its value is joined to the flag: kubectl reads it as the value, never as a flag.
        assert.ok(kubectlCommand(["version"], undefined, "--kubeconfig=/tmp/evil").includes("'--context=--kubeconfig=/tmp/evil'"));
    });
});

describe("the whole kubectl run is bounded, exec credential plugins included", () => {
    it("signingKey.fromCluster: the command the component runs stops at timeoutSeconds and kills the plugin", async () => {
        const before = pluginPids().length;
        const run = await sh(kubectlCommand(["get", "--raw", "/openid/v1/jwks"], sleepyKubeconfig, "fake", 2));
        console.log(`# fromCluster with a sleeping exec plugin, timeoutSeconds 2: ${run.ms} ms`);
        assert.ok(run.ms < 10_000, `${run.ms} ms`);
        assert.equal(run.stdout, "");
        assert.throws(
            () => kubectlResult(run.stdout, run.stderr.replace(/\n$/, ""), "/openid/v1/jwks", { kubeconfig: sleepyKubeconfig, context: "fake" }, 2),
            (err: Error) => {
                assert.equal(
                    err.message,
                    `\`signingKey.fromCluster\` "/openid/v1/jwks" could not be read from the cluster (kubectl did not finish within 2 s, the bound on the whole run (\`signingKey.fromCluster.timeoutSeconds\`; exec credential plugins included) with --kubeconfig ${sleepyKubeconfig} and --context fake). ` +
                        `Fix: check that the cluster answers (\`kubectl --kubeconfig ${sleepyKubeconfig} --context fake get --raw /readyz\`) and that the kubeconfig's credential plugin does not wait for input; raise \`signingKey.fromCluster.timeoutSeconds\` if the cluster is slow`,
                );
                return true;
            },
        );
        const started = pluginPids().slice(before);
        assert.ok(started.length >= 1, "the plugin did start (kubectl ran it)");
        await new Promise((r) => setTimeout(r, 200));
        assert.deepEqual(started.filter(alive), [], "the plugin was killed with kubectl's process group");
    });

    it("signingKey.fromCluster through the component's invoke (mocked engine, the real command through /bin/sh): the preview fails, it does not hang", async () => {
        const program = path.join(__dirname, "helpers", "from-cluster-program.js");
        const out = await new Promise<string>((resolve) => execFile(process.execPath, [program, sleepyKubeconfig, "fake", "2"], { timeout: 60_000, killSignal: "SIGKILL" }, (_e, stdout) => resolve(stdout)));
        const result = JSON.parse(out) as { error: string; ms: number };
        console.log(`# readClusterPublicKeys with a sleeping exec plugin, timeoutSeconds 2: ${result.ms} ms`);
        assert.match(result.error, /^`signingKey\.fromCluster` "(\/openid\/v1\/jwks|\/\.well-known\/openid-configuration)" could not be read from the cluster \(kubectl did not finish within 2 s, the bound on the whole run/);
        assert.ok(result.error.includes(`with --kubeconfig ${sleepyKubeconfig} and --context fake`), "names the kubeconfig and the context");
        assert.ok(result.ms < 15_000, `${result.ms} ms`);
    });

    it("doctor cluster: a sleeping plugin ends at 2 x --timeout + 5 s, with the plugin killed", async () => {
        const before = pluginPids().length;
        let stdout = "";
        const io: CliIo = { stdout: (t) => void (stdout += t), stderr: () => undefined, readStdin: async () => "" };
        const started = Date.now();
        const code = await runDoctorCluster(["--kubeconfig", sleepyKubeconfig, "--timeout", "1", "--json"], io);
        const ms = Date.now() - started;
        console.log(`# doctor cluster with a sleeping exec plugin, --timeout 1: ${ms} ms`);
        assert.equal(code, 1);
        assert.ok(ms < 20_000, `${ms} ms`);
        const discovery = (JSON.parse(stdout) as { findings: ClusterFinding[] }).findings.find((f) => f.id === "cluster.discovery")!;
        assert.match(discovery.message, /kubectl did not finish within 7 s, the bound on the whole run \(--timeout; exec credential plugins included\)/);
        await new Promise((r) => setTimeout(r, 200));
        const started2 = pluginPids().slice(before);
        assert.ok(started2.length >= 1);
        assert.deepEqual(started2.filter(alive), [], "every plugin was killed");
    });
});
