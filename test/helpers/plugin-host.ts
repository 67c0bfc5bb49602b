// Starts this package as a Pulumi plugin exactly as the nodejs language host does for `pulumi package add`
// (pulumi sdk/nodejs/cmd/pulumi-language-nodejs, RunPlugin): `node <@pulumi/pulumi/cmd/run-plugin> <plugin dir>`,
// run-plugin resolved from the plugin directory, the working directory being the consumer's. The plugin
// prints its gRPC port on stdout; we then talk to it with the stubs that ship inside @pulumi/pulumi/proto.
import { spawn, ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** The repository root (this file compiles to build/test/helpers/). */
export const REPO_ROOT = path.join(__dirname, "..", "..", "..");

/** The parts of a Pulumi package schema the tests read. */
export interface SchemaProperty {
    type?: string;
    $ref?: string;
    items?: SchemaProperty;
    additionalProperties?: SchemaProperty;
    description?: string;
    secret?: boolean;
}
export interface SchemaObject {
    type?: string;
    description?: string;
    properties?: Record<string, SchemaProperty>;
    required?: string[];
    enum?: { name?: string; value: string | number; description?: string }[];
}
export interface SchemaResource extends SchemaObject {
    isComponent?: boolean;
    inputProperties?: Record<string, SchemaProperty>;
    requiredInputs?: string[];
}
export interface PackageSchema {
    name: string;
    version: string;
    description?: string;
    resources: Record<string, SchemaResource>;
    types?: Record<string, SchemaObject>;
    [key: string]: unknown;
}

// Every gRPC piece comes from @pulumi/pulumi's own dependency tree, so the stubs and grpc-js match.
function pulumiRequire(pluginDir: string, id: string): any {
    const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [pluginDir] }));
    return require(require.resolve(id, { paths: [pulumiDir] }));
}

export interface RunningPlugin {
    port: number;
    /** Everything the plugin wrote on stderr so far (the analyzer's and run-plugin's messages). */
    stderr(): string;
    getPluginInfo(): Promise<string>;
    /** The schema JSON text; rejects with the plugin's error (e.g. the analyzer's) as message. */
    getSchemaText(): Promise<string>;
    stop(): Promise<void>;
}

export interface StartOptions {
    /** How long the plugin may take to print its port. Default: 60000 */
    timeoutMs?: number;
    /** Node.js arguments before run-plugin's (e.g. `--require <probe>`). Default: none */
    nodeArgs?: string[];
    /** Variables added to this process's environment. Default: none */
    env?: NodeJS.ProcessEnv;
}

/** Starts the plugin in `pluginDir` from `cwd` (the consumer's directory) and waits for its port. */
export async function startPlugin(pluginDir: string, cwd: string, options: StartOptions = {}): Promise<RunningPlugin> {
    const { timeoutMs = 60_000, nodeArgs = [], env = {} } = options;
    const runPlugin = require.resolve("@pulumi/pulumi/cmd/run-plugin", { paths: [pluginDir] });
    const child: ChildProcess = spawn(process.execPath, [...nodeArgs, runPlugin, pluginDir], { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    // Closed: exited, and everything it wrote read.
    const closed = new Promise((resolve) => child.once("close", resolve));
    let stdout = "";
    let stderr = "";
    child.stderr!.on("data", (d) => void (stderr += d));
    const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => {
            child.kill("SIGKILL");
            reject(new Error(`the plugin printed no port within ${timeoutMs} ms; stderr:\n${stderr}`));
        }, timeoutMs);
        child.stdout!.on("data", (d) => {
            stdout += d;
            const m = /^(\d+)\r?\n/.exec(stdout);
            if (m) {
                clearTimeout(timer);
                resolve(Number(m[1]));
            }
        });
        child.on("exit", (code) => {
            clearTimeout(timer);
            reject(new Error(`the plugin exited with code ${code} before printing its port; stderr:\n${stderr}`));
        });
    });
    const grpc = pulumiRequire(pluginDir, "@grpc/grpc-js");
    const provrpc = pulumiRequire(pluginDir, "@pulumi/pulumi/proto/provider_grpc_pb.js");
    const provproto = pulumiRequire(pluginDir, "@pulumi/pulumi/proto/provider_pb.js");
    const emptyproto = pulumiRequire(pluginDir, "google-protobuf/google/protobuf/empty_pb.js");
    const client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const unary = <T>(method: string, request: unknown, pick: (r: any) => T) =>
        new Promise<T>((resolve, reject) =>
            client[method](request, (err: Error | null, res: unknown) => (err ? reject(new Error(`${method}: ${(err as { details?: string }).details ?? err.message}`)) : resolve(pick(res)))),
        );
    return {
        port,
        stderr: () => stderr,
        getPluginInfo: () => unary("getPluginInfo", new emptyproto.Empty(), (r) => r.getVersion() as string),
        getSchemaText: () => unary("getSchema", new provproto.GetSchemaRequest(), (r) => r.getSchema() as string),
        async stop() {
            client.close();
            if (child.exitCode === null && child.signalCode === null) {
                child.kill();
            }
            await closed;
        },
    };
}

/** Canonical text of a schema: keys sorted at every level, two-space indent, final newline. */
export function canonicalSchemaText(schema: unknown): string {
    const sort = (v: unknown): unknown =>
        Array.isArray(v) ? v.map(sort) : v && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])])) : v;
    return `${JSON.stringify(sort(schema), null, 2)}\n`;
}

export const SCHEMA_SNAPSHOT = path.join(REPO_ROOT, "schema.json");
