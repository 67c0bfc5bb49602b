#!/usr/bin/env node
// The `selfhosted-irsa` CLI. Commands load lazily and never import @pulumi/*, so startup stays fast.
import type { CliCommand, CliIo } from "./command";
import { IrsaInputError } from "../oidc/errors";

const commands: Record<string, () => CliCommand> = {
    jwks: () => require("./commands/jwks").command,
    discovery: () => require("./commands/discovery").command,
    token: () => require("./commands/token").command,
    doctor: () => require("./commands/doctor").command,
    demo: () => require("./commands/demo").command,
    "cluster-config": () => require("./commands/cluster-config").command,
};

const processIo: CliIo = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    readStdin: async () => {
        const chunks: Buffer[] = [];
        for await (const chunk of process.stdin) {
            chunks.push(chunk as Buffer);
        }
        return Buffer.concat(chunks).toString("utf8");
    },
};

function topLevelHelp(): string {
    const lines = Object.keys(commands).map((name) => `  ${name.padEnd(16)}${commands[name]().summary}`);
    return [
        "selfhosted-irsa: IAM Roles for Service Accounts for self-managed Kubernetes",
        "",
        "Usage: selfhosted-irsa <command> [flags]    (selfhosted-irsa <command> --help for its flags)",
        "",
        "Commands:",
        ...lines,
        "",
    ].join("\n");
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
    const [name, ...rest] = argv;
    if (name === undefined || name === "--help" || name === "-h" || name === "help") {
        io.stdout(topLevelHelp());
        return name === undefined ? 2 : 0;
    }
    const load = commands[name];
    if (!load) {
        io.stderr(`error: unknown command ${JSON.stringify(name)}\n\n${topLevelHelp()}`);
        return 2;
    }
    const command = load();
    if (rest.includes("--help") || rest.includes("-h")) {
        io.stdout(command.usage.endsWith("\n") ? command.usage : `${command.usage}\n`);
        return 0;
    }
    try {
        return await command.run(rest, io);
    } catch (err) {
        // Never a stack trace for bad input: the message names the argument and the fix.
        const message = err instanceof Error ? err.message : String(err);
        io.stderr(`error: ${message}\n`);
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
