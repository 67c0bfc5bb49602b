// `npm run test:engine`: prints the versions of the real engine parts (the Pulumi CLI and engine, the YAML
// language host, the kubernetes provider, the code generators), then runs the engine suite with node --test,
// one file at a time (2 cores). Where this process may (root, unshare, iproute2), the suite runs in a network
// namespace holding only loopback, as the lab suite does: the engine and every plugin can reach 127.0.0.1 only.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { versionOf } from "../lab/binaries";
import { enginePath, EnginePart } from "./helpers/engine";

const ENGINE_DIR = __dirname;

function main(): number {
    const files = process.argv.slice(2);
    const pick = (suffix: string) => (files.length > 0 ? files.filter((f) => f.endsWith(suffix)) : fs.readdirSync(ENGINE_DIR).filter((f) => f.endsWith(suffix)).sort().map((f) => path.join(ENGINE_DIR, f)));
    const tests = pick(".engine.test.js");
    // The generated SDKs' toolchains fetch from the Go module proxy and PyPI: outside the namespace, no engine.
    const toolchainTests = pick(".toolchain.test.js");
    console.log("# engine suite: the real Pulumi engine and code generators");
    const parts: [EnginePart, string, string[]][] = [
        ["pulumi", "Pulumi CLI and engine", ["version"]],
        // These two print no version; their directories are named by the pinned version (lab/build.sh).
        ["pulumi-yaml", "YAML language host", []],
        ["kubernetes-provider", "kubernetes provider", []],
        ["codegen", "code generators (pkg/v3/codegen at the CLI's version)", []],
    ];
    for (const [part, what, args] of parts) {
        const file = enginePath(part);
        const version = !fs.existsSync(file) ? "not built" : args.length > 0 ? versionOf(file, args) : `built: ${path.basename(path.dirname(file))}`;
        console.log(`#   ${what}: ${file} (${version})`);
    }
    const started = Date.now();
    let status = 0;
    if (toolchainTests.length > 0) {
        status = spawnSync(process.execPath, ["--test", "--test-reporter=spec", "--test-concurrency=1", ...toolchainTests], { stdio: "inherit" }).status ?? 1;
    }
    if (tests.length === 0) {
        return status;
    }
    const node = [process.execPath, "--test", "--test-reporter=spec", "--test-concurrency=1", ...tests];
    const isolate = process.env.SELFHOSTED_IRSA_ENGINE_NO_NETNS === undefined && spawnSync("unshare", ["--net", "sh", "-c", "ip link set lo up"], { stdio: "ignore", timeout: 10_000 }).status === 0;
    console.log(isolate ? "#   network: a namespace of its own with loopback only (unshare --net)" : "#   network: the machine's (no network namespace could be made); the engine runs with plugin acquisition off");
    const run = isolate ? spawnSync("unshare", ["--net", "sh", "-c", 'ip link set lo up && exec "$@"', "engine", ...node], { stdio: "inherit" }) : spawnSync(node[0], node.slice(1), { stdio: "inherit" });
    console.log(`# engine suite: ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return status !== 0 ? status : run.status ?? 1;
}

process.exitCode = main();
