// Runs kubectl for the CLI: no shell, stdout and stderr apart, every call bounded twice (kubectl's
// --request-timeout per request, and a bound on the whole run that kills kubectl's process group, exec
// credential plugins included), and its output bounded.
import { runBounded } from "../../kubernetes/bounded-run";
import { CLUSTER_WIDE_FAILURES, describeKubectlFailure, KubectlFailure, kubectlArgv, KubectlRun, KubectlTarget } from "../../kubernetes/kubectl";

/** Runs kubectl with these arguments; never rejects. */
export type KubectlRunner = (args: string[], timeoutMs: number) => Promise<KubectlRun>;

/**
 * Output bound of one kubectl run. `kubectl get --raw /api/v1/pods` on a cluster of several thousand pods fits;
 * a hostile or broken API server streaming without end does not fill memory.
 */
export const MAX_OUTPUT_BYTES = 128 * 1024 * 1024;

/** Runs `binary` (found on PATH) in its own process group, bounded as a whole (exec credential plugins included). */
export const kubectlRunner =
    (binary = "kubectl"): KubectlRunner =>
    (args, timeoutMs) =>
        runBounded(binary, args, { timeoutMs, maxOutputBytes: MAX_OUTPUT_BYTES });

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
        const failure = describeKubectlFailure(run, this.target, { seconds: limitSeconds, setting: "--timeout" });
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
