/** One check of the doctor, as STS would see it. `id` is stable ("discovery.issuer", "token.exp", ...). */
export interface Finding {
    id: string;
    ok: boolean;
    message: string;
    /** What to change when the check fails. */
    fix?: string;
}

export function pass(id: string, message: string): Finding {
    return { id, ok: true, message };
}

export function fail(id: string, message: string, fix: string): Finding {
    return { id, ok: false, message, fix };
}
