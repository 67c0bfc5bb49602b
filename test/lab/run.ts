// `npm run test:lab`: prints the versions of the real binaries the lab suite runs, then runs it with
// node --test. Where this process may (root, util-linux unshare, iproute2), the suite runs in a network
// namespace of its own holding only loopback: nothing it starts (the API server, the webhook, which listens on
// every interface, kubectl) can reach or be reached at any other address.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { bin, missingParts, partDirs, versionOf } from "./binaries";

const LAB_DIR = __dirname;

function versions(): string[] {
    const lines = [`etcd: ${bin.etcd()} (${versionOf(bin.etcd())})`];
    for (const [name, file, args] of [
        ["kube-apiserver", bin.apiserver(), ["--version"]],
        ["kubectl", bin.kubectl(), ["version", "--client"]],
        ["kubectl (new)", bin.kubectlNew(), ["version", "--client"]],
        ["pod identity webhook", bin.webhook(), ["--version"]],
    ] as const) {
        lines.push(`${name}: ${file} (${fs.existsSync(file) ? versionOf(file, [...args]) : "not built"})`);
    }
    return lines;
}

/** Whether a loopback-only network namespace can be made here. */
function canIsolate(): boolean {
    const probe = spawnSync("unshare", ["--net", "sh", "-c", "ip link set lo up"], { stdio: "ignore", timeout: 10_000 });
    return probe.status === 0;
}

function main(): number {
    const files = process.argv.slice(2);
    const tests = files.length > 0 ? files : fs.readdirSync(LAB_DIR).filter((f) => f.endsWith(".lab.test.js")).sort().map((f) => path.join(LAB_DIR, f));
    partDirs();
    console.log("# lab suite: real binaries");
    for (const line of versions()) {
        console.log(`#   ${line}`);
    }
    const missing = missingParts(["etcd", "kubernetes", "kubectl-1.37", "webhook"]);
    if (missing.length > 0) {
        console.log(`#   missing: ${missing.join(", ")} (lab/build.sh ${missing.join(" ")})${process.env.CI ? "" : "; their tests skip (CI unset)"}`);
    }
    const node = [process.execPath, "--test", "--test-reporter=spec", "--test-concurrency=1", ...tests];
    const isolate = process.env.SELFHOSTED_IRSA_LAB_NO_NETNS === undefined && canIsolate();
    console.log(isolate ? "#   network: a namespace of its own with loopback only (unshare --net)" : "#   network: the machine's (no network namespace could be made); every part binds or dials 127.0.0.1");
    const started = Date.now();
    const run = isolate
        ? spawnSync("unshare", ["--net", "sh", "-c", 'ip link set lo up && exec "$@"', "lab", ...node], { stdio: "inherit" })
        : spawnSync(node[0], node.slice(1), { stdio: "inherit" });
    console.log(`# lab suite: ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return run.status ?? 1;
}

process.exitCode = main();
