// Pure kubectl plumbing shared by `signingKey.fromCluster` (through @pulumi/command's /bin/sh) and the CLI's
// `doctor cluster` (through execFile, no shell): argv building, `~` expansion, and reading the result.
// No @pulumi import here: the CLI loads this file.
import * as os from "node:os";
import { IrsaInputError } from "../oidc/errors";
import * as path from "node:path";

/** Which cluster kubectl talks to. */
export interface KubectlTarget {
    /** Path of the kubeconfig; a leading `~/` is expanded. @default kubectl's own ($KUBECONFIG, ~/.kube/config) */
    kubeconfig?: string;
    /** The kubeconfig context. @default the current context */
    context?: string;
    /** Bound on each API request (kubectl --request-timeout, in whole seconds). @default 30 */
    requestTimeoutSeconds?: number;
}

/** What one kubectl run gave: stdout and stderr kept apart, and the exit status. */
export interface KubectlRun {
    stdout: string;
    stderr: string;
    /** 0 on success; null when kubectl could not be started or was killed. */
    exitCode: number | null;
    /** Set when kubectl did not run or did not finish: "not-found" (no kubectl on PATH), "timeout" or "too-large" (output bound). */
    spawnError?: "not-found" | "timeout" | "too-large";
}

export const DEFAULT_REQUEST_TIMEOUT_SECONDS = 30;

/** Marker the shell command prints on stderr when kubectl fails, so a failure is seen without mixing streams. */
export const KUBECTL_EXIT_MARKER = "__SELFHOSTED_IRSA_KUBECTL_EXIT__";

/**
 * Expands a leading `~` or `~/` to the home directory. kubectl expands `~` only where a shell would, and a
 * quoted word never reaches the shell's tilde expansion (`stat ~/.kube/k3s.yaml: no such file or directory`).
 */
export function expandHome(file: string, home: string = os.homedir()): string {
    if (file === "~") {
        return home;
    }
    return file.startsWith("~/") ? path.join(home, file.slice(2)) : file;
}

/**
 * kubectl's arguments (without `kubectl` itself): the target's flags, then `words`. Only flags of kubectl 1.24+.
 * Values are joined to their flag (`--context=VALUE`), so no value, whatever it starts with, is read as a flag.
 */
export function kubectlArgv(words: readonly string[], target: KubectlTarget = {}): string[] {
    const timeout = Math.max(1, Math.ceil(target.requestTimeoutSeconds ?? DEFAULT_REQUEST_TIMEOUT_SECONDS));
    return [
        ...(target.kubeconfig ? [`--kubeconfig=${expandHome(target.kubeconfig)}`] : []),
        ...(target.context ? [`--context=${target.context}`] : []),
        ...words,
        `--request-timeout=${timeout}s`,
    ];
}

/**
 * The rule for a value kubectl gets as a flag's value (`--context`, `--kubeconfig`): non-empty, no leading '-'
 * (it would read as a flag) and no control characters. The CLI's flags and `signingKey.fromCluster` share it.
 */
export function validateKubectlValue(value: unknown, argument: string, fix: string): string {
    // eslint-disable-next-line no-control-regex
    if (typeof value !== "string" || value === "" || value.startsWith("-") || /[\u0000-\u001f\u007f]/.test(value)) {
        throw new IrsaInputError(argument, value, "must be non-empty, must not start with '-' and must hold no control characters", fix);
    }
    return value;
}

/** Quotes one word for /bin/sh. */
export function shellQuote(word: string): string {
    return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A word as a command printed for the operator to paste shows it: bare when it is plainly safe, else quoted for /bin/sh. */
export function shellWord(word: string): string {
    return /^[A-Za-z0-9_./:=@%+,][A-Za-z0-9_./:=@%+,-]*$/.test(word) ? word : shellQuote(word);
}

/** The whole-run bound of one kubectl command line (kubectlShellCommand). */
export interface RunBound {
    /** Seconds until kubectl and every process it started (exec credential plugins) are killed. */
    timeoutSeconds: number;
    /** stdout and stderr together, bytes. */
    maxOutputBytes: number;
}

/** Where the watchdog script lives next to this file (dist/kubernetes or build/src/kubernetes). */
export const KUBECTL_WATCHDOG = path.join(__dirname, "kubectl-watchdog.js");

/**
 * The kubectl command line for /bin/sh: Node runs kubectl-watchdog.js, which runs kubectl in its own process
 * group and kills the group at the bound (kubectl's --request-timeout covers API requests only, not an exec
 * credential plugin). The command itself always exits 0 so the invoke never fails with the command provider's
 * generic message: when kubectl fails, a marker with its exit status (or "timeout", "too-large") ends stderr,
 * and stdout holds only what kubectl printed there.
 */
export function kubectlShellCommand(words: readonly string[], target: KubectlTarget, bound: RunBound, node: string = process.execPath): string {
    const watchdog = [node, KUBECTL_WATCHDOG, String(Math.round(bound.timeoutSeconds * 1000)), String(bound.maxOutputBytes), "kubectl"];
    return [...watchdog, ...kubectlArgv(words, target)].map(shellQuote).join(" ");
}

/** Reads what the shell command printed (stdout, stderr) into a run result. */
export function parseShellRun(stdout: string | undefined, stderr: string | undefined): KubectlRun {
    const err = stderr ?? "";
    const marker = new RegExp(`${KUBECTL_EXIT_MARKER} (\\d+|timeout|too-large|killed)\\s*$`).exec(err);
    if (!marker) {
        return { stdout: stdout ?? "", stderr: err, exitCode: 0 };
    }
    const rest = { stdout: stdout ?? "", stderr: err.slice(0, marker.index).trimEnd() };
    if (!/^\d+$/.test(marker[1])) {
        return { ...rest, exitCode: null, ...(marker[1] === "killed" ? {} : { spawnError: marker[1] as "timeout" | "too-large" }) };
    }
    const exitCode = Number(marker[1]);
    // 127 is the shell's (and the watchdog's) "command not found".
    return { ...rest, exitCode, ...(exitCode === 127 ? { spawnError: "not-found" as const } : {}) };
}

/** Why a kubectl run failed, in words an operator acts on. `kind` groups failures that affect every call. */
export interface KubectlFailure {
    kind: "no-kubectl" | "timeout" | "kubeconfig" | "context" | "unreachable" | "tls" | "unauthorized" | "forbidden" | "not-found" | "other";
    /** kubectl's own words (last lines of stderr), or what went wrong starting it. */
    reason: string;
    fix: string;
}

/** Failures that every later kubectl call would repeat: the doctor stops calling kubectl after one. */
export const CLUSTER_WIDE_FAILURES: ReadonlySet<KubectlFailure["kind"]> = new Set(["no-kubectl", "kubeconfig", "context", "unreachable", "tls", "unauthorized"]);

function targetWords(target: KubectlTarget): string {
    const words = [target.kubeconfig ? `--kubeconfig ${expandHome(target.kubeconfig)}` : "the default kubeconfig", target.context ? `--context ${target.context}` : "its current context"];
    return words.join(" and ");
}

/** Classifies a failed run (pure: kubectl's messages are stable across 1.24 to 1.33). */
export function describeKubectlFailure(run: KubectlRun, target: KubectlTarget = {}, bound?: { seconds: number; setting: string }): KubectlFailure {
    const text = run.stderr.trim();
    const reason = text.split("\n").filter((l) => l.trim() !== "" && !/^(Warning|W\d{4} |I\d{4} )/.test(l)).slice(-3).join(" ") || `kubectl exited with status ${run.exitCode}`;
    const which = targetWords(target);
    const probe = `kubectl${target.kubeconfig ? ` --kubeconfig ${expandHome(target.kubeconfig)}` : ""}${target.context ? ` --context ${target.context}` : ""} get --raw /readyz`;
    if (run.spawnError === "not-found") {
        return { kind: "no-kubectl", reason: "kubectl is not on PATH", fix: "install kubectl 1.24 or later on this machine (https://kubernetes.io/docs/tasks/tools/) and put it on PATH" };
    }
    if (run.spawnError === "timeout") {
        return {
            kind: "timeout",
            reason: `kubectl did not finish within ${bound?.seconds ?? "the allotted"} s, the bound on the whole run (${bound ? `${bound.setting}; ` : ""}exec credential plugins included) with ${which}`,
            fix: `check that the cluster answers (\`${probe}\`) and that the kubeconfig's credential plugin does not wait for input; raise ${bound?.setting ?? "the bound"} if the cluster is slow`,
        };
    }
    if (run.spawnError === "too-large") {
        return { kind: "other", reason: `kubectl printed more than the output bound with ${which}; it was stopped`, fix: `run \`${probe.replace("/readyz", "/version")}\` and check what the API server answers` };
    }
    if (/context "[^"]*" does not exist|context was not found for specified context|no context exists with the name/i.test(text)) {
        return { kind: "context", reason, fix: `use a context the kubeconfig defines (\`kubectl config get-contexts\`${target.kubeconfig ? ` --kubeconfig ${expandHome(target.kubeconfig)}` : ""})` };
    }
    if (/error loading config file|stat .*: no such file|couldn't get current server API group list.*no such file|permission denied/i.test(text) && !/Error from server/.test(text)) {
        return { kind: "kubeconfig", reason, fix: `pass a kubeconfig file that exists and is readable (${which})` };
    }
    if (/Error from server \(Forbidden\)|\bforbidden\b/i.test(text)) {
        return { kind: "forbidden", reason, fix: "grant this kubeconfig's identity get and list on that resource (RBAC), or run with a kubeconfig that has them" };
    }
    if (/Unauthorized|must be logged in/i.test(text)) {
        return { kind: "unauthorized", reason, fix: `renew the credentials in the kubeconfig (${which}); the API server refused them` };
    }
    if (/x509:|certificate|tls:/i.test(text)) {
        return { kind: "tls", reason, fix: `check the kubeconfig's certificate-authority for this cluster (${which})` };
    }
    if (/Error from server \(NotFound\)|\bnot found\b/i.test(text) && !/server could not find the requested resource/i.test(text)) {
        return { kind: "not-found", reason, fix: "check the name and namespace" };
    }
    if (/connection refused|Unable to connect to the server|no such host|i\/o timeout|deadline exceeded|Client\.Timeout|dial tcp|EOF|was refused|connection reset|did you specify the right host/i.test(text)) {
        return { kind: "unreachable", reason, fix: `check that the cluster is reachable with ${which} (\`${probe}\`)` };
    }
    return { kind: "other", reason, fix: `run \`${probe}\` to see what kubectl says` };
}
