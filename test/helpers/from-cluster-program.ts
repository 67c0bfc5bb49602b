// signingKey.fromCluster under mocks, its invoke running the component's own command through /bin/sh (as the
// command provider would): run as a child process by hostile-kubectl.e2e.test.ts, because a refused Output leaves
// rejections a test process would report. Prints the error and the time taken, as JSON.
//   node from-cluster-program.js <kubeconfig> <context> <timeoutSeconds>
import { execFile } from "node:child_process";
import { callResults, setupMocks } from "./pulumi-mocks";

setupMocks();
// Required after setMocks, as the mocks must be in place before resource modules load.
const { readClusterPublicKeys } = require("../../src/components/kubernetes/cluster-keys") as typeof import("../../src/components/kubernetes/cluster-keys");

callResults["command:local:run"] = (inputs) =>
    new Promise((resolve) => execFile("/bin/sh", ["-c", String(inputs.command)], { timeout: 120_000, killSignal: "SIGKILL" }, (_e, stdout, stderr) => resolve({ stdout, stderr }))) as unknown as Record<string, unknown>;

async function main(kubeconfig: string, context: string, timeoutSeconds: number): Promise<void> {
    process.on("unhandledRejection", () => undefined);
    const started = Date.now();
    const output = readClusterPublicKeys({ kubeconfig, context, timeoutSeconds }, "https://irsa.example.com", {});
    const error = await (output as unknown as { promise(): Promise<unknown> }).promise().then(
        () => "",
        (e: Error) => e.message,
    );
    // Exit once the pipe took it all: a large write to a pipe may still be queued when write() returns.
    process.stdout.write(JSON.stringify({ error, ms: Date.now() - started }), () => process.exit(0));
}

main(process.argv[2], process.argv[3], Number(process.argv[4])).catch((err) => {
    process.stderr.write(String(err?.stack ?? err));
    process.exit(1);
});
