// `doctor cluster` with bad input and broken access: no kubectl, a missing kubeconfig, an unknown context, an
// unreachable or silent cluster. Each gives a clear finding, the checks that need no cluster still run, and
// nothing hangs or prints a stack trace. Runs the real kubectl on PATH.
import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli } from "../src/cli/main";
import type { CliIo } from "../src/cli/command";
import { startLoopbackIssuer, LoopbackIssuer } from "../src/cli/loopback-issuer";
import { runDoctorCluster } from "../src/cli/commands/doctor-cluster";
import { execFileKubectl, KubectlRunner } from "../src/cli/cluster-doctor/kubectl-runner";
import { buildDiscoveryDocument, buildJwks, DISCOVERY_PATH, serializeDiscoveryDocument, serializeJwks } from "../src/oidc";
import type { ClusterFinding } from "../src/cli/cluster-doctor/findings";
import { refusedPort, startFakeApiServer, FakeApiServer } from "./helpers/fake-apiserver";
import { RSA } from "./helpers/irsa-cluster";

let api: FakeApiServer;
let published: LoopbackIssuer;
let caFile: string;
let silent: net.Server;
let silentPort: number;

interface Run {
    code: number;
    findings: ClusterFinding[];
    calls: string[][];
    ms: number;
}

/** Runs `doctor cluster --json` with a runner that records each kubectl argv (the real kubectl still runs). */
async function doctor(flags: string[], runner: KubectlRunner = execFileKubectl): Promise<Run> {
    let stdout = "";
    let stderr = "";
    const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), readStdin: async () => "" };
    const calls: string[][] = [];
    const counting: KubectlRunner = (args, timeoutMs) => {
        calls.push(args);
        return runner(args, timeoutMs);
    };
    const started = Date.now();
    const code = await runDoctorCluster([...flags, "--issuer", published.url, "--ca-file", caFile, "--namespace", "apps", "--service-account", "s3-reader", "--json"], io, counting);
    assert.equal(stderr, "");
    return { code, findings: (JSON.parse(stdout) as { findings: ClusterFinding[] }).findings, calls, ms: Date.now() - started };
}

const find = (run: Run, id: string) => run.findings.find((f) => f.id === id)!;

/** The cluster could not be read at all: the cluster's checks fail with one reason, the published ones still run. */
function assertClusterUnreadable(run: Run, reason: RegExp, fix: RegExp): void {
    assert.equal(run.code, 1);
    const discovery = find(run, "cluster.discovery");
    assert.equal(discovery.level, "FAIL");
    assert.match(discovery.message, reason);
    assert.match(discovery.fix!, fix);
    for (const id of ["cluster.jwks", "webhook.configuration", "injection.pods", "token.request"]) {
        assert.equal(find(run, id)?.level, "FAIL", `${id} fails too`);
    }
    assert.ok(
        run.findings.filter((f) => f.id.startsWith("published.")).every((f) => f.level === "PASS"),
        "the published issuer is still checked",
    );
    // After a failure every call would repeat, later calls are not made (the first batch runs side by side).
    assert.ok(run.calls.length <= 6, `at most the first batch of kubectl calls ran: ${run.calls.length}`);
}

describe("doctor cluster when the cluster cannot be read", () => {
    before(async () => {
        published = await startLoopbackIssuer();
        const jwks = buildJwks([RSA]);
        published.routes.set(`/${DISCOVERY_PATH}`, { body: serializeDiscoveryDocument(buildDiscoveryDocument({ issuer: published.url, jwks })) });
        published.routes.set("/openid/v1/jwks", { body: serializeJwks(jwks) });
        api = await startFakeApiServer({ objects: [] });
        caFile = path.join(api.dir, "issuer-ca.pem");
        fs.writeFileSync(caFile, published.caPem);
        // Accepts connections and never answers: only the timeouts end kubectl's wait.
        silent = net.createServer(() => undefined);
        await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
        silentPort = (silent.address() as net.AddressInfo).port;
    });
    after(async () => {
        await api.close();
        await published.close();
        silent.close();
    });

    it("no kubectl on PATH", async () => {
        const saved = process.env.PATH;
        process.env.PATH = path.join(api.dir, "empty-bin");
        try {
            const run = await doctor(["--kubeconfig", api.kubeconfig]);
            assertClusterUnreadable(run, /could not read the API server's \/\.well-known\/openid-configuration \(kubectl is not on PATH\)/, /install kubectl 1\.24 or later/);
        } finally {
            process.env.PATH = saved;
        }
    });

    it("a kubeconfig that does not exist, and one that is a directory", async () => {
        const missing = path.join(api.dir, "nope.yaml");
        assertClusterUnreadable(await doctor(["--kubeconfig", missing]), new RegExp(`error: stat ${missing}: no such file or directory`), /pass a kubeconfig file that exists and is readable/);
        assertClusterUnreadable(await doctor(["--kubeconfig", api.dir]), /is a directory/, /pass a kubeconfig file that exists and is readable/);
    });

    it("an unknown context", async () => {
        const run = await doctor(["--kubeconfig", api.kubeconfig, "--context", "prod"]);
        assertClusterUnreadable(run, /error: context "prod" does not exist/, /use a context the kubeconfig defines \(`kubectl config get-contexts` --kubeconfig /);
    });

    it("a cluster that refuses connections", async () => {
        const port = await refusedPort();
        const kubeconfig = api.writeKubeconfig("refused.yaml", `https://127.0.0.1:${port}`);
        const run = await doctor(["--kubeconfig", kubeconfig]);
        assertClusterUnreadable(run, new RegExp(`The connection to the server 127\\.0\\.0\\.1:${port} was refused`), /check that the cluster is reachable with --kubeconfig .*refused\.yaml and its current context \(`kubectl --kubeconfig .* get --raw \/readyz`\)/);
    });

    it("a cluster that never answers is bounded by --timeout", async () => {
        const kubeconfig = api.writeKubeconfig("silent.yaml", `https://127.0.0.1:${silentPort}`);
        const run = await doctor(["--kubeconfig", kubeconfig, "--timeout", "1"]);
        assertClusterUnreadable(run, /context deadline exceeded|Client\.Timeout|i\/o timeout|TLS handshake timeout/, /check that the cluster is reachable/);
        assert.ok(run.calls.every((args) => args.includes("--request-timeout=1s")));
        // Two bounded requests per kubectl run (gcloud's dispatcher asks /version first), runs side by side.
        assert.ok(run.ms < 15_000, `finished in ${run.ms} ms`);
        console.log(`# doctor cluster against a silent server with --timeout 1: ${run.ms} ms`);
    });

    it("a kubectl that hangs is killed after the child-process bound", async () => {
        // The real bound is 2 x --timeout + 5 s (15 s by default); the test shortens the kill to keep the suite fast.
        const hanging: KubectlRunner = (args, timeoutMs) => execFileKubectl(args, Math.min(timeoutMs, 300));
        const sleeper = path.join(api.dir, "sleepy-bin");
        fs.mkdirSync(sleeper, { recursive: true });
        fs.writeFileSync(path.join(sleeper, "kubectl"), "#!/bin/sh\nexec sleep 30\n", { mode: 0o755 });
        const saved = process.env.PATH;
        process.env.PATH = `${sleeper}${path.delimiter}${saved}`;
        try {
            const run = await doctor(["--kubeconfig", api.kubeconfig], hanging);
            assert.match(find(run, "cluster.discovery").message, /kubectl did not finish within 15 s/);
            assert.ok(run.ms < 5000, `finished in ${run.ms} ms`);
        } finally {
            process.env.PATH = saved;
        }
    });

    it("refuses a ServiceAccount without its namespace, and stray arguments, before running kubectl", async () => {
        const io: CliIo = { stdout: () => undefined, stderr: (t) => void (err += t), readStdin: async () => "" };
        let err = "";
        assert.equal(await runCli(["doctor", "cluster", "--service-account", "s3-reader"], io), 2);
        assert.equal(err, "error: `--namespace` (not set) is required with --service-account. Fix: name the ServiceAccount with both --namespace NS and --service-account SA\n");
        err = "";
        assert.equal(await runCli(["doctor", "cluster", "prod"], io), 2);
        assert.match(err, /^error: `prod` "prod" is not an argument of `doctor cluster`\. Fix: see selfhosted-irsa doctor cluster --help\n$/);
    });

    it("`doctor cluster --help` shows its own form, `doctor --help` points to it", async () => {
        let out = "";
        const io = { stdout: (t: string) => void (out += t), stderr: () => undefined, readStdin: async () => "" };
        assert.equal(await runCli(["doctor", "cluster", "--help"], io), 0);
        assert.match(out, /^Usage: selfhosted-irsa doctor cluster \[--kubeconfig FILE\]/);
        out = "";
        assert.equal(await runCli(["doctor", "--help"], io), 0);
        assert.match(out, /^Usage: selfhosted-irsa doctor --issuer URL/);
        assert.match(out, /A live cluster, end to end with kubectl: selfhosted-irsa doctor cluster --help\n$/);
    });

    it("never loads @pulumi/* (nor the x509 library)", async () => {
        const main = path.join(__dirname, "..", "src", "cli", "main.js");
        const record = path.join(api.dir, "loaded.json");
        const hook = path.join(api.dir, "hook.js");
        fs.writeFileSync(hook, `process.on("exit", () => require("fs").writeFileSync(${JSON.stringify(record)}, JSON.stringify(Object.keys(require.cache))));\n`);
        // Asynchronously: the fake servers in this process must keep answering while the child runs.
        const status = await new Promise<number | null>((resolve) => {
            const child = execFile(process.execPath, ["--require", hook, main, "doctor", "cluster", "--kubeconfig", api.kubeconfig, "--issuer", published.url, "--ca-file", caFile, "--timeout", "3"], { timeout: 30_000 }, () => resolve(child.exitCode));
        });
        assert.equal(status, 1, "the fake cluster serves no discovery document: the doctor finds it");
        const loaded: string[] = JSON.parse(fs.readFileSync(record, "utf8"));
        assert.ok(loaded.some((p) => p.endsWith(path.join("cluster-doctor", "diagnose.js"))), "the record is real: it lists the doctor's module");
        assert.deepEqual(loaded.filter((p) => p.includes(`node_modules${path.sep}@pulumi`) || p.includes(`node_modules${path.sep}@peculiar`)), []);
    });
});
