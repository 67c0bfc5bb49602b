// The real Pulumi engine for the engine suite: the CLI and the YAML language host that lab/build.sh built, the
// package itself as the plugin the engine starts (`pulumi-resource-selfhosted-irsa`, what the nodejs host runs
// for a `runtime: nodejs` plugin), and the stand-in aws, tls and command plugins, all found on PATH as ambient
// plugins. Offline: automatic plugin acquisition and the update check are off, PULUMI_HOME and the file backend
// live in the workspace's directory. Every command is bounded in time and its process group killed on timeout.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify as toYaml } from "yaml";
import { partDirs, REPO } from "../../lab/binaries";

export { REPO };

/** The engine's parts, by lab/build.sh part name, and the executable in each. */
const PARTS = {
    pulumi: "pulumi",
    "pulumi-yaml": "pulumi-language-yaml",
    "kubernetes-provider": "pulumi-resource-kubernetes",
    codegen: "selfhosted-irsa-codegen",
} as const;
export type EnginePart = keyof typeof PARTS;

export function enginePath(part: EnginePart): string {
    return path.join(partDirs()[part], PARTS[part]);
}

/**
 * `{ skip }` for describe(): false when the parts are built; a reason when one is missing and CI is unset.
 * With CI set a missing part throws, so the suite fails instead of passing without running.
 */
export function engineParts(...parts: EnginePart[]): { skip: string | false } {
    const missing = parts.filter((p) => !fs.existsSync(enginePath(p)));
    if (missing.length === 0) {
        return { skip: false };
    }
    if (process.env.CI) {
        throw new Error(`engine parts missing in CI: ${missing.join(", ")}; build them with lab/build.sh ${missing.join(" ")}`);
    }
    return { skip: `engine parts not built: ${missing.join(", ")} (lab/build.sh ${missing.join(" ")})` };
}

const STANDINS = path.join(REPO, "build", "test", "engine", "standins");
export const PASSPHRASE = "engine-suite-passphrase";

export interface CommandResult {
    code: number | null;
    stdout: string;
    stderr: string;
    /** Wall time, ms. */
    ms: number;
}

export interface RunOptions {
    /** @default 300 s */
    timeoutMs?: number;
    /** Resolve on a non-zero exit instead of rejecting. @default false */
    allowFail?: boolean;
    env?: NodeJS.ProcessEnv;
    input?: string;
}

/** Runs a program in its own process group; on timeout the group is killed by its id. */
export function runCommand(file: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv, options: RunOptions = {}): Promise<CommandResult> {
    const timeoutMs = options.timeoutMs ?? 300_000;
    const started = Date.now();
    return new Promise((resolve, reject) => {
        const child = spawn(file, args, { cwd, env, detached: true, stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.stdin.end(options.input ?? "");
        let timedOut = false;
        const timer = setTimeout(() => {
            timedOut = true;
            try {
                process.kill(-child.pid!, "SIGKILL");
            } catch {
                // already gone
            }
        }, timeoutMs);
        child.on("error", (e) => {
            clearTimeout(timer);
            reject(e);
        });
        child.on("close", (code) => {
            clearTimeout(timer);
            const result = { code, stdout, stderr, ms: Date.now() - started };
            const label = `${path.basename(file)} ${args.join(" ")}`;
            if (timedOut) {
                reject(new Error(`${label}: no exit within ${timeoutMs / 1000} s (killed)\n${stdout.slice(-4000)}\n${stderr.slice(-4000)}`));
            } else if (code !== 0 && !options.allowFail) {
                reject(new Error(`${label} exited ${code}\n--- stdout\n${stdout.slice(-6000)}\n--- stderr\n${stderr.slice(-6000)}`));
            } else {
                resolve(result);
            }
        });
    });
}

/** A YAML program: the Pulumi.yaml body beyond name and runtime. */
export interface YamlProgram {
    resources?: Record<string, unknown>;
    variables?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
    config?: Record<string, unknown>;
}

export interface PreviewStep {
    op: string;
    urn: string;
    /** Property names the provider said changed. */
    diffs?: string[];
    replaceReasons?: string[];
    detailedDiff?: Record<string, { kind: string }>;
}

export interface Preview {
    steps: PreviewStep[];
    changeSummary: Record<string, number>;
    /** The warnings and errors the engine printed. */
    diagnostics: { message: string; severity: string; urn?: string }[];
}

/** One stack of one project in the workspace. */
export interface Stack {
    project: string;
    name: string;
    dir: string;
    /** `organization/<project>/<stack>`, as StackReference names it on the file backend. */
    fullName: string;
    pulumi(args: readonly string[], options?: RunOptions): Promise<CommandResult>;
    /** `pulumi preview --json`, parsed (fails on an engine error unless allowFail). */
    preview(extra?: readonly string[], options?: RunOptions): Promise<Preview>;
    up(extra?: readonly string[], options?: RunOptions): Promise<CommandResult>;
    /** Rewrites Pulumi.yaml (the next command runs the new program). */
    writeProgram(program: YamlProgram): void;
    setConfig(key: string, value: string, secret?: boolean): Promise<void>;
    /** `pulumi stack output --json --show-secrets`. */
    outputs(): Promise<Record<string, any>>;
    /** `pulumi stack export` (the state file's deployment). */
    exportState(): Promise<{ text: string; deployment: { resources: StateResource[] } }>;
}

export interface StateResource {
    urn: string;
    type: string;
    id?: string;
    protect?: boolean;
    parent?: string;
    inputs?: Record<string, any>;
    outputs?: Record<string, any>;
    additionalSecretOutputs?: string[];
    retainOnDelete?: boolean;
}

export interface Workspace {
    dir: string;
    /** The stand-in aws account of this workspace (what "AWS" holds). */
    awsDir: string;
    env: NodeJS.ProcessEnv;
    /** A new project (one directory, one Pulumi.yaml) with one stack, `aws:region` set. */
    stack(project: string, program: YamlProgram, options?: { stack?: string; region?: string; config?: Record<string, string> }): Promise<Stack>;
    close(): void;
}

const wrapper = (target: string) => `#!/bin/sh\nexec "${process.execPath}" ${target} "$@"\n`;

/** A fresh directory with PULUMI_HOME, the file backend, the plugins on PATH and the aws account. */
export async function createWorkspace(name: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<Workspace> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `irsa-engine-${name}-`));
    const bin = path.join(dir, "bin");
    const awsDir = path.join(dir, "aws");
    fs.mkdirSync(bin);
    fs.mkdirSync(awsDir);
    fs.mkdirSync(path.join(dir, "state"));
    const write = (file: string, text: string) => fs.writeFileSync(path.join(bin, file), text, { mode: 0o755 });
    // The package as the nodejs language host starts a `runtime: nodejs` plugin: run-plugin found from the
    // plugin's directory, the plugin's directory as the program.
    const runPlugin = require.resolve("@pulumi/pulumi/cmd/run-plugin", { paths: [REPO] });
    write("pulumi-resource-selfhosted-irsa", wrapper(`"${runPlugin}" "${REPO}"`));
    for (const standin of ["aws", "tls", "command"]) {
        write(`pulumi-resource-${standin}`, wrapper(`"${path.join(STANDINS, standin, "main.js")}"`));
    }
    for (const part of ["pulumi", "pulumi-yaml", "kubernetes-provider"] as const) {
        if (fs.existsSync(enginePath(part))) {
            fs.symlinkSync(enginePath(part), path.join(bin, PARTS[part]));
        }
    }
    const env: NodeJS.ProcessEnv = {
        PATH: `${bin}:${process.env.PATH}`,
        HOME: dir,
        PULUMI_HOME: path.join(dir, "home"),
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_SKIP_UPDATE_CHECK: "1",
        PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
        PULUMI_SKIP_CONFIRMATIONS: "1",
        PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "1",
        SELFHOSTED_IRSA_STANDIN_AWS: awsDir,
        NO_COLOR: "1",
        ...extraEnv,
    };
    const pulumiBin = path.join(bin, "pulumi");
    await runCommand(pulumiBin, ["login", `file://${path.join(dir, "state")}`], dir, env, { timeoutMs: 60_000 });

    const workspace: Workspace = {
        dir,
        awsDir,
        env,
        async stack(project, program, options = {}) {
            const stackName = options.stack ?? "dev";
            const projectDir = path.join(dir, project);
            fs.mkdirSync(projectDir, { recursive: true });
            const run = (args: readonly string[], o: RunOptions = {}) => runCommand(pulumiBin, ["--non-interactive", "--color", "never", ...args], projectDir, { ...env, ...o.env }, o);
            // --stack first: a value after `--` (config set) must stay the last argument.
            const pulumi = (args: readonly string[], o: RunOptions = {}) => run(["--stack", stackName, ...args], o);
            const stack: Stack = {
                project,
                name: stackName,
                dir: projectDir,
                fullName: `organization/${project}/${stackName}`,
                pulumi,
                writeProgram(p) {
                    fs.writeFileSync(path.join(projectDir, "Pulumi.yaml"), toYaml({ name: project, runtime: "yaml", ...p }));
                },
                async preview(extra = [], o = {}) {
                    const result = await pulumi(["preview", "--json", ...extra], { ...o, allowFail: true });
                    let parsed: Preview;
                    try {
                        parsed = JSON.parse(result.stdout) as Preview;
                    } catch {
                        throw new Error(`pulumi preview --json printed no JSON (exit ${result.code}):\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`);
                    }
                    parsed.steps ??= [];
                    parsed.diagnostics ??= [];
                    if (result.code !== 0 && !o.allowFail) {
                        throw new Error(`pulumi preview exited ${result.code}:\n${parsed.diagnostics.map((d) => d.message).join("\n")}\n${result.stderr.slice(-4000)}`);
                    }
                    return parsed;
                },
                up: (extra = [], o = {}) => pulumi(["up", "--yes", "--skip-preview", ...extra], o),
                async setConfig(key, value, secret = false) {
                    await pulumi(["config", "set", ...(secret ? ["--secret"] : ["--plaintext"]), key, "--", value], { timeoutMs: 60_000 });
                },
                async outputs() {
                    return JSON.parse((await pulumi(["stack", "output", "--json", "--show-secrets"], { timeoutMs: 60_000 })).stdout);
                },
                async exportState() {
                    const text = (await pulumi(["stack", "export"], { timeoutMs: 60_000 })).stdout;
                    return { text, deployment: JSON.parse(text).deployment };
                },
            };
            stack.writeProgram(program);
            await run(["stack", "init", stackName, "--secrets-provider", "passphrase"], { timeoutMs: 60_000 });
            await stack.setConfig("aws:region", options.region ?? "us-west-2");
            for (const [k, v] of Object.entries(options.config ?? {})) {
                await stack.setConfig(k, v);
            }
            return stack;
        },
        close() {
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
    return workspace;
}

/** The steps of a plan that change something (not `same`, nor the `read` of a StackReference), as "op type name". */
export function changes(preview: Preview): string[] {
    return preview.steps.filter((s) => s.op !== "same" && s.op !== "read").map((s) => `${s.op} ${s.urn.split("::")[2]?.split("$").pop()} ${s.urn.split("::").pop()}`);
}

/** The value of a state property with its secret wrapper, or undefined. */
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export function isSecretInState(v: unknown): boolean {
    return typeof v === "object" && v !== null && (v as Record<string, unknown>)["4dabf18193072939515e22adb298388d"] === SECRET_SIG;
}
