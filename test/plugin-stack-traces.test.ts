// The plugin process formats stack traces as V8 does and captures none unless asked (src/plugin-stack-traces.ts):
// the Node SDK formats one for every promise it makes, and run-plugin's source-map-support mapped each of them.
// The plugin is started exactly as the nodejs host starts it (startPlugin: run-plugin), with a probe (`--require`)
// that reports the process's trace settings when it is stopped, after it has served its schema.
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { stackTraceLimitFor } from "../src/plugin-stack-traces";
import { REPO_ROOT, startPlugin } from "./helpers/plugin-host";

interface Probe {
    prepareStackTrace: string;
    stackTraceLimit: number;
    stack: string;
    /** Which SDK debug messages the plugin drops (src/components/sdk-debug.ts), null for none. */
    sdkDebug: string | null;
}

const SDK_LOG = require.resolve("@pulumi/pulumi/log", { paths: [REPO_ROOT] });
const SDK_DEBUG_MARK = 'Symbol.for("selfhosted-irsa.sdk-debug")';

const PROBE = `
process.on("SIGTERM", () => {
    const sdkDebug = require(${JSON.stringify(SDK_LOG)})[${SDK_DEBUG_MARK}] ?? null;
    const seen = { prepareStackTrace: typeof Error.prepareStackTrace, stackTraceLimit: Error.stackTraceLimit, stack: new Error("probe").stack, sdkDebug };
    process.stderr.write("PROBE " + JSON.stringify(seen) + "\\n", () => process.exit(0));
});
`;

/** Starts the plugin as the engine does, with the probe, asks for its schema, stops it and returns what the probe saw. */
async function probePlugin(env: NodeJS.ProcessEnv): Promise<Probe> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "irsa-traces-"));
    const probe = path.join(dir, "probe.js");
    fs.writeFileSync(probe, PROBE);
    try {
        const plugin = await startPlugin(REPO_ROOT, dir, { nodeArgs: ["--require", probe], env });
        try {
            await plugin.getSchemaText();
        } finally {
            await plugin.stop();
        }
        const line = /^PROBE (.*)$/m.exec(plugin.stderr());
        assert.ok(line, `the plugin stopped without a probe report; stderr:\n${plugin.stderr()}`);
        return JSON.parse(line[1]) as Probe;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("stack traces in the plugin process", { timeout: 180_000 }, () => {
    it("are V8's own format and not captured by default", async () => {
        const seen = await probePlugin({ NODE_OPTIONS: "", PULUMI_DEBUG_PROMISE_LEAKS: "" });
        assert.equal(seen.prepareStackTrace, "undefined", "source-map-support's formatter is still installed");
        assert.equal(seen.stackTraceLimit, 0);
        assert.equal(seen.stack, "Error: probe");
        // The same process sends the engine none of the SDK's debug messages (one RPC each; the RPC echoes hold outputs in clear).
        assert.equal(seen.sdkDebug, "all");
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

    it("are left alone in a program that imports the package (and so is the SDK's debug log, until a SelfHostedIrsa is made)", () => {
        const script = `require(${JSON.stringify(path.join(REPO_ROOT, "dist", "index.js"))}); process.stdout.write(String(Error.stackTraceLimit) + " " + String(require(${JSON.stringify(SDK_LOG)})[${SDK_DEBUG_MARK}]));`;
        const out = execFileSync(process.execPath, ["-e", script], { env: { ...process.env, NODE_OPTIONS: "" } }).toString();
        assert.equal(out, "10 undefined");
    });

    it("choice: a --stack-trace-limit flag (argv or NODE_OPTIONS, either spelling) or leak debugging keeps Node's limit", () => {
        assert.equal(stackTraceLimitFor({}, []), 0);
        assert.equal(stackTraceLimitFor({ NODE_OPTIONS: "--max-old-space-size=4096" }, []), 0);
        assert.equal(stackTraceLimitFor({ NODE_OPTIONS: "--max-old-space-size=4096 --stack-trace-limit=20" }, []), undefined);
        assert.equal(stackTraceLimitFor({ NODE_OPTIONS: "--stack_trace_limit=20" }, []), undefined);
        assert.equal(stackTraceLimitFor({}, ["--stack-trace-limit=3"]), undefined);
        assert.equal(stackTraceLimitFor({ PULUMI_DEBUG_PROMISE_LEAKS: "true" }, []), undefined);
    });
});
