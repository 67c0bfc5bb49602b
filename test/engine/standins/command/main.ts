// pulumi-resource-command, the stand-in (see README.md beside this file): `command:local:run`, the one function
// the component calls (signingKey.fromCluster reads the cluster's keys with kubectl). It runs the command for
// real, as the command provider does: the interpreter (default /bin/sh -c) with the command as last argument,
// the provider's environment plus `environment`, stdout and stderr with one trailing newline trimmed, and a
// failure that quotes the exit status and the output.
import { spawnSync } from "node:child_process";
import { Plugin, Props, ProviderError, serve } from "../lib/provider-server";

const COMMAND_VERSION: string = (require("@pulumi/command/package.json") as { version: string }).version;

/** A bound on one command (the component bounds kubectl itself; this keeps a stuck test from hanging). */
const TIMEOUT_MS = 120_000;

function run(args: Props): Props {
    const interpreter: string[] = Array.isArray(args.interpreter) && args.interpreter.length > 0 ? args.interpreter : ["/bin/sh", "-c"];
    const result = spawnSync(interpreter[0], [...interpreter.slice(1), args.command], {
        cwd: args.dir,
        env: { ...process.env, ...(args.environment ?? {}) },
        input: args.stdin,
        encoding: "utf8",
        timeout: TIMEOUT_MS,
        maxBuffer: 64 * 1024 * 1024,
    });
    if (result.error) {
        throw new ProviderError(`${result.error.message}: running ${JSON.stringify(args.command)}`);
    }
    if (result.status !== 0) {
        const why = result.signal ? `signal: ${result.signal}` : `exit status ${result.status}`;
        throw new ProviderError(`${why}: running ${JSON.stringify(args.command)}:\n${result.stdout}${result.stderr}`);
    }
    return { ...args, stdout: result.stdout.replace(/\n$/, ""), stderr: result.stderr.replace(/\n$/, "") };
}

export const commandStandin: Plugin = {
    name: "command",
    version: COMMAND_VERSION,
    resources: {},
    functions: { "command:local:run": (ctx, args) => run(args) },
};

if (require.main === module) {
    serve(commandStandin);
}
