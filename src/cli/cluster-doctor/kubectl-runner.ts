// Runs kubectl for the CLI: execFile (no shell), stdout and stderr apart, every call bounded twice
// (kubectl's --request-timeout per request, and a child-process timeout for the whole run).
import { execFile } from "node:child_process";
import { CLUSTER_WIDE_FAILURES, describeKubectlFailure, KubectlFailure, kubectlArgv, KubectlRun, KubectlTarget } from "../../kubernetes/kubectl";

/** Runs kubectl with these arguments; never rejects. */
export type KubectlRunner = (args: string[], timeoutMs: number) => Promise<KubectlRun>;

/** Large enough for `kubectl get --raw /api/v1/pods` on a big cluster. */
const MAX_OUTPUT_BYTES = 512 * 1024 * 1024;

/** Runs `binary` (found on PATH) with execFile. */
export const kubectlRunner =
    (binary = "kubectl"): KubectlRunner =>
    (args, timeoutMs) =>
        new Promise((resolve) => {
            execFile(binary, args, { timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: MAX_OUTPUT_BYTES, encoding: "utf8", windowsHide: true }, (err, stdout, stderr) => {
                if (!err) {
                    resolve({ stdout, stderr, exitCode: 0 });
                    return;
                }
                const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
                if (e.code === "ENOENT") {
                    resolve({ stdout: "", stderr: "", exitCode: null, spawnError: "not-found" });
                } else if (e.killed) {
                    resolve({ stdout, stderr, exitCode: null, spawnError: "timeout" });
                } else {
                    resolve({ stdout, stderr: stderr || e.message, exitCode: typeof e.code === "number" ? e.code : null });
                }
            });
        });

export const execFileKubectl = kubectlRunner();

export type ReadResult = { ok: true; stdout: string } | { ok: false; failure: KubectlFailure };

/**
 * One doctor run's access to the cluster. After a failure every later call would repeat (no kubectl, bad
 * kubeconfig or context, unreachable cluster), later calls return it at once instead of waiting again.
 */
export class ClusterReader {
    private clusterWide?: KubectlFailure;

    constructor(
        private readonly target: KubectlTarget,
        private readonly timeoutSeconds: number,
        private readonly runner: KubectlRunner = execFileKubectl,
    ) {}

    async read(words: string[]): Promise<ReadResult> {
        if (this.clusterWide) {
            return { ok: false, failure: this.clusterWide };
        }
        // kubectl may make two requests (the gcloud dispatcher asks /version first) and run a credential plugin.
        const limitSeconds = 2 * this.timeoutSeconds + 5;
        const run = await this.runner(kubectlArgv(words, { ...this.target, requestTimeoutSeconds: this.timeoutSeconds }), limitSeconds * 1000);
        if (run.exitCode === 0 && !run.spawnError) {
            return { ok: true, stdout: run.stdout };
        }
        const failure = describeKubectlFailure(run, this.target, limitSeconds);
        if (CLUSTER_WIDE_FAILURES.has(failure.kind) || failure.kind === "timeout") {
            this.clusterWide = failure;
        }
        return { ok: false, failure };
    }

    /** `kubectl get --raw PATH`, parsed as JSON; a body that is not JSON is a failure of kind "other". */
    async getJson<T>(apiPath: string): Promise<{ ok: true; value: T } | { ok: false; failure: KubectlFailure }> {
        const result = await this.read(["get", "--raw", apiPath]);
        if (!result.ok) {
            return result;
        }
        try {
            return { ok: true, value: JSON.parse(result.stdout) as T };
        } catch {
            return { ok: false, failure: { kind: "other", reason: `the answer to ${apiPath} is not JSON (it starts with ${JSON.stringify(result.stdout.slice(0, 40))})`, fix: `run \`kubectl get --raw ${apiPath}\` to see what the API server answers` } };
        }
    }
}
