// The plugin process formats stack traces as V8 does and captures none unless asked (src/plugin-stack-traces.ts):
// the Node SDK formats one for every promise it makes, and run-plugin's source-map-support mapped each of them.
// The plugin is started exactly as the nodejs host starts it (run-plugin), with a probe (`--require`) that reports
// the process's trace settings once the plugin has printed its port, that is after serve() and main() ran.
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { stackTraceChoice } from "../src/plugin-stack-traces";
import { REPO_ROOT } from "./helpers/plugin-host";

interface Probe {
    prepareStackTrace: string;
    stackTraceLimit: number;
    stack: string;
}

const PROBE = `
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
    if (/^\\d+\\n/.test(String(chunk))) {
        setImmediate(() => {
            process.stderr.write("PROBE " + JSON.stringify({ prepareStackTrace: typeof Error.prepareStackTrace, stackTraceLimit: Error.stackTraceLimit, stack: new Error("probe").stack }) + "\\n", () => process.exit(0));
        });
    }
    return write(chunk, ...rest);
};
`;

/** Starts the plugin as the engine does, with the probe, and returns what the probe saw. */
function probePlugin(env: NodeJS.ProcessEnv): Promise<Probe> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "irsa-traces-"));
    const probe = path.join(dir, "probe.js");
    fs.writeFileSync(probe, PROBE);
    const runPlugin = require.resolve("@pulumi/pulumi/cmd/run-plugin", { paths: [REPO_ROOT] });
    const child = spawn(process.execPath, ["--require", probe, runPlugin, REPO_ROOT], { cwd: dir, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stdout.resume();
    child.stderr.on("data", (d) => void (stderr += d));
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
            child.kill("SIGKILL");
            reject(new Error(`no probe report within 60 s; stderr:\n${stderr}`));
        }, 60_000);
        child.on("exit", () => {
            clearTimeout(timer);
            fs.rmSync(dir, { recursive: true, force: true });
            const line = /^PROBE (.*)$/m.exec(stderr);
            line ? resolve(JSON.parse(line[1]) as Probe) : reject(new Error(`the plugin exited without a probe report; stderr:\n${stderr}`));
        });
    });
}

describe("stack traces in the plugin process", { timeout: 180_000 }, () => {
    it("are V8's own format and not captured by default", async () => {
        const seen = await probePlugin({ NODE_OPTIONS: "", PULUMI_DEBUG_PROMISE_LEAKS: "" });
        assert.equal(seen.prepareStackTrace, "undefined", "source-map-support's formatter is still installed");
        assert.equal(seen.stackTraceLimit, 0);
        assert.equal(seen.stack, "Error: probe");
    });

    it("come back with NODE_OPTIONS=--stack-trace-limit=N, still unmapped", async () => {
        const seen = await probePlugin({ NODE_OPTIONS: "--stack-trace-limit=5", PULUMI_DEBUG_PROMISE_LEAKS: "" });
        assert.equal(seen.prepareStackTrace, "undefined");
        assert.equal(seen.stackTraceLimit, 5);
        const frames = seen.stack.split("\n").slice(1);
        assert.ok(frames.length >= 1 && frames.length <= 5, seen.stack);
        assert.ok(frames.every((f) => f.startsWith("    at ") && !/\.ts:\d+/.test(f)), seen.stack);
    });

    it("keep Node's default when PULUMI_DEBUG_PROMISE_LEAKS asks the SDK for leak traces", async () => {
        const seen = await probePlugin({ NODE_OPTIONS: "", PULUMI_DEBUG_PROMISE_LEAKS: "1" });
        assert.equal(seen.stackTraceLimit, 10);
        assert.ok(seen.stack.split("\n").length > 1, seen.stack);
    });

    it("are left alone in a program that imports the package", () => {
        const script = `require(${JSON.stringify(path.join(REPO_ROOT, "dist", "index.js"))}); process.stdout.write(String(Error.stackTraceLimit));`;
        const out = require("node:child_process").execFileSync(process.execPath, ["-e", script], { env: { ...process.env, NODE_OPTIONS: "" } }).toString();
        assert.equal(out, "10");
    });

    it("choice: a --stack-trace-limit flag (argv or NODE_OPTIONS) or leak debugging keeps Node's limit", () => {
        assert.deepEqual(stackTraceChoice({}, []), { limit: 0 });
        assert.deepEqual(stackTraceChoice({ NODE_OPTIONS: "--max-old-space-size=4096" }, []), { limit: 0 });
        assert.deepEqual(stackTraceChoice({ NODE_OPTIONS: "--max-old-space-size=4096 --stack-trace-limit=20" }, []), { limit: undefined });
        assert.deepEqual(stackTraceChoice({}, ["--stack-trace-limit=3"]), { limit: undefined });
        assert.deepEqual(stackTraceChoice({ PULUMI_DEBUG_PROMISE_LEAKS: "true" }, []), { limit: undefined });
    });
});
