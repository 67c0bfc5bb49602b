#!/usr/bin/env node
// The `selfhosted-irsa` CLI. Commands load lazily and never import @pulumi/*, so startup stays fast.
import * as fs from "node:fs";
import * as path from "node:path";
import type { CliCommand, CliIo } from "./command";
import { escapeControls } from "../oidc/display";
import { IrsaInputError } from "../oidc/errors";

// One-line summaries live here (not in the modules) so `--help` loads no command module.
const commands: Record<string, { summary: string; load: () => CliCommand }> = {
    jwks: { summary: "print the JWKS kube-apiserver would serve for these keys", load: () => require("./commands/jwks").command },
    discovery: { summary: "print the OIDC discovery document for an issuer", load: () => require("./commands/discovery").command },
    token: { summary: "mint a token shaped like a projected service-account token", load: () => require("./commands/token").command },
    doctor: { summary: "check an issuer the way STS does; `doctor cluster`: a live cluster with kubectl", load: () => require("./commands/doctor").command },
    demo: { summary: "the whole flow offline: key, loopback HTTPS issuer, token, doctor", load: () => require("./commands/demo").command },
    "cluster-config": { summary: "API-server settings for talos, kubeadm, k3s, rke2 or eks-anywhere", load: () => require("./commands/cluster-config").command },
};

const processIo: CliIo = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    readStdin: (maxBytes) =>
        new Promise((resolve, reject) => {
            const chunks: Buffer[] = [];
            let size = 0;
            const done = () => {
                process.stdin.off("data", onData).off("end", done).off("error", reject);
                resolve(Buffer.concat(chunks).toString("utf8"));
            };
            const onData = (chunk: Buffer) => {
                chunks.push(chunk);
                size += chunk.length;
                if (size > maxBytes) {
                    // Stop reading: the writer (`yes |`) gets EPIPE once this process exits.
                    process.stdin.pause();
                    process.stdin.destroy();
                    done();
                }
            };
            process.stdin.on("data", onData).on("end", done).on("error", reject);
        }),
};

/** The package's version, from the package.json above this file (dist/cli or the tests' build/src/cli). */
export function packageVersion(): string {
    for (let dir = __dirname; ; dir = path.dirname(dir)) {
        try {
            const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
            if (pkg.name === "selfhosted-irsa" && typeof pkg.version === "string") {
                return pkg.version;
            }
        } catch {
            // Not here: look one directory up.
        }
        if (path.dirname(dir) === dir) {
            return "unknown";
        }
    }
}

function topLevelHelp(): string {
    const lines = Object.keys(commands).map((name) => `  ${name.padEnd(16)}${commands[name].summary}`);
    return [
        "selfhosted-irsa: IAM Roles for Service Accounts for self-managed Kubernetes",
        "",
        "Usage: selfhosted-irsa <command> [flags]    (selfhosted-irsa <command> --help, or help <command>, for its flags)",
        "       selfhosted-irsa --version",
        "",
        "Commands:",
        ...lines,
        "",
    ].join("\n");
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
    if (argv[0] === "--version" || argv[0] === "-V" || argv[0] === "version") {
        io.stdout(`selfhosted-irsa ${packageVersion()}\n`);
        return 0;
    }
    // `help jwks` is `jwks --help`; `help doctor cluster` is `doctor cluster --help`.
    const [name, ...rest] = argv[0] === "help" && argv.length > 1 ? [argv[1], ...argv.slice(2), "--help"] : argv;
    if (name === undefined || name === "--help" || name === "-h" || name === "help") {
        io.stdout(topLevelHelp());
        return name === undefined ? 2 : 0;
    }
    const entry = Object.prototype.hasOwnProperty.call(commands, name) ? commands[name] : undefined;
    if (!entry) {
        io.stderr(`error: unknown command ${escapeControls(JSON.stringify(name))}\n\n${topLevelHelp()}`);
        return 2;
    }
    const command = entry.load();
    if (rest.includes("--help") || rest.includes("-h")) {
        // A subcommand has its own help (`doctor cluster --help`).
        const usage = (rest[0] !== undefined && command.subcommands?.[rest[0]]) || command.usage;
        io.stdout(usage.endsWith("\n") ? usage : `${usage}\n`);
        return 0;
    }
    try {
        return await command.run(rest, io);
    } catch (err) {
        // Never a stack trace for bad input: the message names the argument and the fix.
        const message = err instanceof Error ? err.message : String(err);
        io.stderr(`error: ${escapeControls(message)}\n`);
        return err instanceof IrsaInputError ? 2 : 1;
    }
}

if (require.main === module) {
    runCli(process.argv.slice(2)).then(
        (code) => {
            process.exitCode = code;
        },
        (err) => {
            process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
            process.exitCode = 1;
        },
    );
}
