import type { Finding } from "../oidc/findings";

/** One line per finding: `PASS id: message` or `FAIL id: message — fix: ...`. */
export function formatFinding(finding: Finding): string {
    return finding.ok ? `PASS ${finding.id}: ${finding.message}` : `FAIL ${finding.id}: ${finding.message} — fix: ${finding.fix ?? "see the message"}`;
}

/** The findings, then a summary line. */
export function formatReport(findings: readonly Finding[]): string {
    const failed = findings.filter((f) => !f.ok).length;
    const summary =
        failed === 0
            ? `All ${findings.length} checks passed: STS would accept this issuer${findings.some((f) => f.id.startsWith("token.")) ? " and token" : ""}.`
            : `${failed} of ${findings.length} checks failed.`;
    return `${findings.map(formatFinding).join("\n")}\n${summary}\n`;
}
