// The findings of `doctor cluster`: like the issuer doctor's, plus WARN for what works today but will not
// (stale keys, a certificate near expiry) or could not be checked (RBAC).
import type { Finding } from "../../oidc/findings";
import type { KubectlFailure } from "../../kubernetes/kubectl";
import { escapeControls } from "../../oidc/display";

export const Level = { Pass: "PASS", Warn: "WARN", Fail: "FAIL" } as const;
export type Level = (typeof Level)[keyof typeof Level];

export interface ClusterFinding {
    /** Stable id: "cluster.issuer", "webhook.ca-bundle", ... */
    id: string;
    level: Level;
    message: string;
    /** What to do; set for WARN and FAIL. */
    fix?: string;
}

export const passed = (id: string, message: string): ClusterFinding => ({ id, level: Level.Pass, message });
export const warned = (id: string, message: string, fix: string): ClusterFinding => ({ id, level: Level.Warn, message, fix });
export const failed = (id: string, message: string, fix: string): ClusterFinding => ({ id, level: Level.Fail, message, fix });

/** An issuer-doctor finding, optionally under a prefix ("published."). */
export function fromIssuerFinding(finding: Finding, prefix = ""): ClusterFinding {
    if (finding.ok) {
        return passed(prefix + finding.id, finding.message);
    }
    return (finding.warning ? warned : failed)(prefix + finding.id, finding.message, finding.fix ?? "see the message");
}

/**
 * A check kubectl could not run. RBAC refusing one read is a gap in what the doctor saw, not a fault of
 * IRSA: WARN, so a least-privilege operator still gets an exit status from the checks that did run.
 */
export function fromKubectlFailure(id: string, what: string, failure: KubectlFailure): ClusterFinding {
    const message = `could not read ${what} (${failure.reason})`;
    return failure.kind === "forbidden" ? warned(id, `${message}: not checked`, failure.fix) : failed(id, message, failure.fix);
}

/** One line per finding: `LEVEL id: message` and, unless it passed, ` — fix: ...`. */
export function formatClusterFinding(finding: ClusterFinding): string {
    // One printable line whatever the API server or the issuer sent (display.ts).
    return escapeControls(finding.level === Level.Pass ? `PASS ${finding.id}: ${finding.message}` : `${finding.level} ${finding.id}: ${finding.message} — fix: ${finding.fix ?? "see the message"}`);
}

export function formatClusterReport(findings: readonly ClusterFinding[]): string {
    const count = (level: Level) => findings.filter((f) => f.level === level).length;
    const fails = count(Level.Fail);
    const warns = count(Level.Warn);
    const summary = fails === 0 ? `No check failed (${findings.length} checks, ${warns} warning(s)).` : `${fails} of ${findings.length} checks failed (${warns} warning(s)).`;
    return `${findings.map(formatClusterFinding).join("\n")}\n${summary}\n`;
}
