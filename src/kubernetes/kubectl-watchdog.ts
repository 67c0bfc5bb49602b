// The process-level bound of `signingKey.fromCluster`: @pulumi/command's local provider runs
//   node kubectl-watchdog.js <timeout ms> <max output bytes> kubectl <args...>
// which runs kubectl in its own process group (bounded-run.ts), passes its stdout and stderr through, and on a
// failure ends stderr with the marker line the component reads (kubectl.ts, parseShellRun). It always exits 0,
// so the invoke reaches the component's message instead of the provider's generic one.
import { runBounded } from "./bounded-run";
import { KUBECTL_EXIT_MARKER } from "./kubectl";

async function main(argv: string[]): Promise<void> {
    const [timeoutMs, maxOutputBytes, file, ...args] = argv;
    const run = await runBounded(file, args, { timeoutMs: Number(timeoutMs), maxOutputBytes: Number(maxOutputBytes) });
    process.stdout.write(run.stdout);
    const failed = run.exitCode !== 0 || run.spawnError !== undefined;
    const status = run.spawnError === "not-found" ? "127" : run.spawnError ?? String(run.exitCode ?? "killed");
    process.stderr.write(failed ? `${run.stderr}${run.stderr.endsWith("\n") || run.stderr === "" ? "" : "\n"}${KUBECTL_EXIT_MARKER} ${status}\n` : run.stderr);
}

main(process.argv.slice(2)).then(
    () => process.exit(0),
    (err) => {
        process.stderr.write(`${KUBECTL_EXIT_MARKER} ${String((err as Error)?.message ?? err).replace(/\s+/g, "-")}\n`);
        process.exit(0);
    },
);
