/** One check of the doctor, as STS would see it. `id` is stable ("discovery.issuer", "token.exp", ...). */
export interface Finding {
    id: string;
    /** Whether the check passed. False for a failure and for a warning. */
    ok: boolean;
    message: string;
    /** What to change when the check fails (or what to check by hand when it warns). */
    fix?: string;
    /**
     * Set when the doctor cannot decide the check here (a policy variable, an operator it does not evaluate):
     * never a pass (`ok` is false), and not counted as a failure in the exit status. Printed as WARN.
     */
    warning?: boolean;
}

export function pass(id: string, message: string): Finding {
    return { id, ok: true, message };
}

export function fail(id: string, message: string, fix: string): Finding {
    return { id, ok: false, message, fix };
}

/** A check the doctor could not decide: the message says why, the fix what to check instead. */
export function warn(id: string, message: string, fix: string): Finding {
    return { id, ok: false, warning: true, message, fix };
}

/** Whether a finding fails the run (warnings do not). */
export const isFailure = (finding: Finding): boolean => !finding.ok && !finding.warning;
