// Where the lab's real binaries are: lab/build.sh --print names each part's directory (keyed by version).
// Lab tests may skip only when CI is unset and a part is missing; in CI a missing part fails the test file.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export const REPO = path.join(__dirname, "..", "..", "..");

/** The parts the lab suite runs, by lab/build.sh part name. */
export type LabPart = "etcd" | "kubernetes" | "kubectl-1.37" | "webhook";

const BINARY: Record<LabPart, string[]> = {
    etcd: ["etcd"],
    kubernetes: ["kube-apiserver", "kubectl"],
    "kubectl-1.37": ["kubectl"],
    webhook: ["amazon-eks-pod-identity-webhook"],
};

let printed: Record<string, string> | undefined;

/** lab/build.sh --print, parsed: part name → directory. */
export function partDirs(): Record<string, string> {
    if (!printed) {
        const out = execFileSync("bash", [path.join(REPO, "lab", "build.sh"), "--print"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
        printed = Object.fromEntries(out.trim().split("\n").map((line) => line.split("\t") as [string, string]));
    }
    return printed;
}

/** Absolute path of one binary of a part (whether or not it is built). */
export function binary(part: LabPart, name = BINARY[part][0]): string {
    return path.join(partDirs()[part], name);
}

export const bin = {
    etcd: () => binary("etcd"),
    apiserver: () => binary("kubernetes", "kube-apiserver"),
    kubectl: () => binary("kubernetes", "kubectl"),
    kubectlNew: () => binary("kubectl-1.37"),
    webhook: () => binary("webhook"),
};

/** The parts among `parts` whose binaries are not there. */
export function missingParts(parts: readonly LabPart[]): LabPart[] {
    return parts.filter((part) => BINARY[part].some((name) => !fs.existsSync(binary(part, name))));
}

/**
 * `{ skip }` for describe(): false when every part is built; a reason when one is missing and CI is unset.
 * With CI set a missing part throws, so the suite fails instead of passing without running.
 */
export function labParts(...parts: LabPart[]): { skip: string | false } {
    const missing = missingParts(parts);
    if (missing.length === 0) {
        return { skip: false };
    }
    const how = `build them with lab/build.sh ${missing.join(" ")}`;
    if (process.env.CI) {
        throw new Error(`lab parts missing in CI: ${missing.join(", ")} (${missing.map((p) => partDirs()[p]).join(", ")}); ${how}`);
    }
    return { skip: `lab parts not built: ${missing.join(", ")} (${how})` };
}

/** `<binary> --version` (first line), for the suite's report of what it ran. */
export function versionOf(file: string, args: string[] = ["--version"]): string {
    try {
        return execFileSync(file, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 20_000 }).trim().split("\n")[0];
    } catch (e) {
        const err = e as { stdout?: string; stderr?: string };
        return (err.stdout || err.stderr || "(no version)").trim().split("\n")[0];
    }
}
