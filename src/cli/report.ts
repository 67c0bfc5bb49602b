import { escapeControls } from "../oidc/display";
import { Finding, isFailure } from "../oidc/findings";

/**
 * One line per finding: `PASS id: message`, `WARN id: message — fix: ...` or `FAIL id: message — fix: ...`.
 * Every message is one printable line: remote text cannot add a line or an escape sequence (display.ts).
 */
export function formatFinding(finding: Finding): string {
    const level = finding.ok ? "PASS" : finding.warning ? "WARN" : "FAIL";
    const line = finding.ok ? `${level} ${finding.id}: ${finding.message}` : `${level} ${finding.id}: ${finding.message} — fix: ${finding.fix ?? "see the message"}`;
    return escapeControls(line);
}

/** The findings, then a summary line. */
export function formatReport(findings: readonly Finding[]): string {
    const failed = findings.filter(isFailure).length;
    const warned = findings.filter((f) => f.warning).length;
    const summary =
        failed > 0
            ? `${failed} of ${findings.length} checks failed${warned > 0 ? ` (${warned} more could not be decided here: WARN)` : ""}.`
            : warned > 0
              ? `No check failed, but ${warned} of ${findings.length} could not be decided here (WARN): STS may still refuse; check those by hand.`
              : `All ${findings.length} checks passed: STS would accept this issuer${findings.some((f) => f.id.startsWith("token.")) ? " and token" : ""}.`;
    return `${findings.map(formatFinding).join("\n")}\n${summary}\n`;
}
