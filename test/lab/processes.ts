// Child processes of the lab (etcd, kube-apiserver, the webhook): started with their output in a log file,
// stopped by their PID (SIGTERM, then SIGKILL), and killed by PID if the test process exits first.
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";

export interface LabProcess {
    readonly name: string;
    readonly pid: number;
    /** stdout and stderr of the process. */
    readonly logFile: string;
    /** Set once the process has exited. */
    readonly exited: Promise<number | null>;
    hasExited(): boolean;
    /** The last lines of the log (for error messages). */
    tail(lines?: number): string;
    /** SIGTERM to the PID, then SIGKILL after `graceMs`; resolves once it has exited. */
    stop(graceMs?: number): Promise<void>;
}

const running = new Map<number, ChildProcess>();
let hooked = false;

/** Kills whatever is still running when the test process exits (a failed assertion, a crash). */
function hookExit(): void {
    if (hooked) {
        return;
    }
    hooked = true;
    process.on("exit", () => {
        for (const pid of running.keys()) {
            try {
                process.kill(pid, "SIGKILL");
            } catch {
                // already gone
            }
        }
    });
}

/** Starts `binary args` with stdin closed and stdout/stderr appended to `logFile`. */
export function startProcess(name: string, binary: string, args: readonly string[], logFile: string, env: NodeJS.ProcessEnv = process.env): LabProcess {
    hookExit();
    const fd = fs.openSync(logFile, "a");
    const child = spawn(binary, args, { stdio: ["ignore", fd, fd], env });
    fs.closeSync(fd);
    if (child.pid === undefined) {
        throw new Error(`${name}: could not start ${binary}`);
    }
    const pid = child.pid;
    running.set(pid, child);
    let done = false;
    const exited = new Promise<number | null>((resolve) => {
        child.once("exit", (code) => {
            done = true;
            running.delete(pid);
            resolve(code);
        });
        child.once("error", () => {
            done = true;
            running.delete(pid);
            resolve(null);
        });
    });
    return {
        name,
        pid,
        logFile,
        exited,
        hasExited: () => done,
        tail(lines = 30) {
            try {
                return fs.readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
            } catch {
                return "(no log)";
            }
        },
        async stop(graceMs = 10_000) {
            if (done) {
                return;
            }
            process.kill(pid, "SIGTERM");
            const timer = setTimeout(() => {
                if (!done) {
                    process.kill(pid, "SIGKILL");
                }
            }, graceMs);
            await exited;
            clearTimeout(timer);
        },
    };
}

/** PIDs of lab processes still running in this test process (tests assert it is empty after stopping). */
export function runningPids(): number[] {
    return [...running.keys()];
}

/** Polls `probe` until it resolves true, the process exits, or `timeoutMs` passes. */
export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number, proc?: LabProcess): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        if (proc?.hasExited()) {
            throw new Error(`${proc.name} exited before ${what}:\n${proc.tail()}`);
        }
        if (await probe().catch(() => false)) {
            return;
        }
        if (Date.now() > deadline) {
            throw new Error(`${what}: not within ${timeoutMs / 1000} s${proc ? `; ${proc.name}'s log ends:\n${proc.tail()}` : ""}`);
        }
        await new Promise((r) => setTimeout(r, 150));
    }
}
