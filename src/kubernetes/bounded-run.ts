// Runs a program with a bound on the whole run, not only on each request: the program gets its own process
// group, and when the time or the output bound is reached the whole group is killed (kubectl and whatever it
// started: an exec credential plugin waiting for a browser login, `gcloud`, `aws eks get-token`). No @pulumi
// import: the CLI and the fromCluster watchdog both load this file.
import { ChildProcess, spawn } from "node:child_process";

/** What one bounded run gave. */
export interface BoundedRun {
    stdout: string;
    stderr: string;
    /** 0 on success; null when the program could not be started or was killed. */
    exitCode: number | null;
    /** Set when the program did not run or did not finish: not on PATH, over the time bound, or over the output bound. */
    spawnError?: "not-found" | "timeout" | "too-large";
}

export interface BoundedRunOptions {
    /** The whole run's bound, child processes included. */
    timeoutMs: number;
    /** stdout and stderr together; past it the group is killed. */
    maxOutputBytes: number;
    env?: NodeJS.ProcessEnv;
}

/** Process groups still running, killed if this process is interrupted (they would not get the terminal's SIGINT). */
const live = new Set<ChildProcess>();

function killGroup(child: ChildProcess): void {
    try {
        // The negative pid names the group: the program and every process it started that did not leave it.
        process.kill(-child.pid!, "SIGKILL");
    } catch {
        try {
            child.kill("SIGKILL");
        } catch {
            // Already gone.
        }
    }
}

function onInterrupt(signal: NodeJS.Signals): void {
    live.forEach(killGroup);
    process.exit(signal === "SIGINT" ? 130 : 143);
}

function track(child: ChildProcess): void {
    if (live.size === 0) {
        process.once("SIGINT", onInterrupt).once("SIGTERM", onInterrupt);
    }
    live.add(child);
}

function untrack(child: ChildProcess): void {
    live.delete(child);
    if (live.size === 0) {
        process.off("SIGINT", onInterrupt).off("SIGTERM", onInterrupt);
    }
}

/** Runs `file` (found on PATH) with `args`, no shell; never rejects. */
export function runBounded(file: string, args: readonly string[], options: BoundedRunOptions): Promise<BoundedRun> {
    return new Promise((resolve) => {
        const group = process.platform !== "win32";
        let child: ChildProcess;
        try {
            child = spawn(file, args, { detached: group, stdio: ["ignore", "pipe", "pipe"], env: options.env ?? process.env, windowsHide: true });
        } catch (err) {
            resolve({ stdout: "", stderr: (err as Error).message, exitCode: null });
            return;
        }
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        let size = 0;
        let settled = false;
        const text = () => ({ stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
        const finish = (run: BoundedRun) => {
            if (settled) {
                return;
            }
            settled = true;
            clearTimeout(timer);
            untrack(child);
            resolve(run);
        };
        // Stops at once: a killed plugin's pipes need not close before the answer is given.
        const stop = (spawnError: "timeout" | "too-large") => {
            killGroup(child);
            child.stdout?.destroy();
            child.stderr?.destroy();
            finish({ ...text(), exitCode: null, spawnError });
        };
        const timer = setTimeout(() => stop("timeout"), options.timeoutMs);
        const collect = (list: Buffer[]) => (chunk: Buffer) => {
            size += chunk.length;
            if (size > options.maxOutputBytes) {
                stop("too-large");
                return;
            }
            list.push(chunk);
        };
        track(child);
        child.stdout!.on("data", collect(out));
        child.stderr!.on("data", collect(err));
        child.on("error", (e: NodeJS.ErrnoException) => {
            finish(e.code === "ENOENT" ? { stdout: "", stderr: "", exitCode: null, spawnError: "not-found" } : { stdout: "", stderr: e.message, exitCode: null });
        });
        // Whatever the program left running in its group goes with it.
        child.on("exit", () => killGroup(child));
        child.on("close", (code) => finish({ ...text(), exitCode: code }));
    });
}
