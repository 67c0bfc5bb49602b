// `selfhosted-irsa doctor cluster` as users run it: the built CLI in a child process, with a given kubectl first
// on PATH (nothing else of the machine's PATH but /usr/bin and /bin), its JSON report parsed.
import { execFile } from "node:child_process";
import * as path from "node:path";
import { REPO } from "./binaries";

const CLI = path.join(REPO, "dist", "cli", "main.js");

export interface Finding {
    id: string;
    level: "PASS" | "WARN" | "FAIL";
    message: string;
    fix?: string;
}
export interface Report {
    code: number | null;
    findings: Finding[];
    stderr: string;
}

/** Runs the CLI's `doctor cluster --json` with `kubectl` (that binary's directory first on PATH). */
export function doctorCluster(args: string[], kubectl: string, home: string): Promise<Report> {
    return new Promise((resolve) => {
        execFile(process.execPath, [CLI, "doctor", "cluster", "--json", "--timeout", "15", ...args], { env: { PATH: `${path.dirname(kubectl)}:/usr/bin:/bin`, HOME: home }, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
            let findings: Finding[] = [];
            try {
                findings = JSON.parse(stdout).findings;
            } catch {
                findings = [{ id: "(not JSON)", level: "FAIL", message: `${stdout}\n${stderr}` }];
            }
            resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, findings, stderr });
        });
    });
}
