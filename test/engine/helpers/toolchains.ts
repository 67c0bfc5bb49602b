// The toolchains the generated SDKs are compiled with: a Python venv with `pulumi` and mypy from PyPI, Go with
// sdk/v3 at the CLI's version from the module cache, and the repository's own TypeScript. The venv is made once
// per pinned version, before the suite enters its loopback-only network namespace (test/engine/run.ts).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** pulumi on PyPI at the newest release the index serves here (the CLI is v3.274.1; 3.272.0 is the newest wheel). */
export const PYTHON_PULUMI = "3.272.0";
export const MYPY = "2.4.1";
/** What pip needs to build the generated SDK's wheel offline (setup.py). */
export const WHEEL = "0.48.0";
/** The Go SDK the generated Go SDK must build against: the CLI's own version. */
export const GO_PULUMI_SDK = "v3.274.1";

const CACHE = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "selfhosted-irsa", "engine");

export function pythonVenv(): string {
    return path.join(CACHE, `venv-pulumi-${PYTHON_PULUMI}-mypy-${MYPY}-wheel-${WHEEL}`);
}

export function venvPython(): string {
    return path.join(pythonVenv(), "bin", "python");
}

/** Makes the venv when it is missing (needs PyPI); returns an error message, or undefined when it is there. */
export function ensurePythonVenv(): string | undefined {
    const venv = pythonVenv();
    const done = path.join(venv, ".complete");
    if (fs.existsSync(done)) {
        return undefined;
    }
    // Made in place (a venv's scripts name its path); `.complete` marks a finished one.
    fs.rmSync(venv, { recursive: true, force: true });
    fs.mkdirSync(CACHE, { recursive: true });
    const steps: [string, string[]][] = [
        ["python3", ["-m", "venv", venv]],
        [venvPython(), ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", `pulumi==${PYTHON_PULUMI}`, `mypy==${MYPY}`, `wheel==${WHEEL}`]],
    ];
    for (const [cmd, args] of steps) {
        const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 600_000 });
        if (r.status !== 0) {
            return `${cmd} ${args.join(" ")} failed: ${r.stderr || r.error?.message}`;
        }
    }
    fs.writeFileSync(done, `pulumi==${PYTHON_PULUMI} mypy==${MYPY} wheel==${WHEEL}\n`);
    return undefined;
}
