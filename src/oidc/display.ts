// Printing strings that came from the network (a discovery document, a JWKS, Kubernetes objects, kubectl's or a
// server's error text) without letting them steer the terminal: no newline can start a forged `PASS` line, no
// escape sequence can move the cursor or recolour the report, no bidi control can reorder what is read (pure).

/**
 * Characters never printed raw: C0 controls (newline, ESC, ...), DEL, C1 controls (0x80-0x9f: a lone 0x9b is a
 * CSI on some terminals), the line and paragraph separators, bidi embeddings, overrides and isolates, the byte
 * order mark and zero-width characters.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

const RAW_IN_JSON = /[\u007f-\u009f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

const escape = (c: string) => {
    switch (c) {
        case "\n":
            return "\\n";
        case "\r":
            return "\\r";
        case "\t":
            return "\\t";
        default:
            return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
    }
};

/** The text with every unsafe character written as an escape (`\n`, `\u001b`): one printable line. */
export function escapeControls(text: string): string {
    return text.replace(UNSAFE, escape);
}

/** A name-like string (DNS names, ARNs, URLs, kids) that reads the same bare as quoted. */
const PLAIN = /^[A-Za-z0-9][A-Za-z0-9._:/@=+%~,-]*$/;

/**
 * A remote string as a report shows it: bare when it is name-like (a Kubernetes name, a URL, a kid), otherwise
 * JSON-quoted with every unsafe character escaped, so the reader sees exactly where it starts and ends.
 */
export function shown(value: unknown): string {
    if (typeof value === "string" && PLAIN.test(value)) {
        return value;
    }
    return quoted(value);
}

/** Always JSON-quoted (undefined as null), with every unsafe character escaped. */
export function quoted(value: unknown): string {
    return escapeControls(JSON.stringify(value === undefined ? null : value) ?? "null");
}

/**
 * JSON text that is safe on a terminal and still exact: characters JSON.stringify leaves raw (C1 controls, the
 * line separators, bidi controls) become \u escapes, which every JSON parser reads back as the same string.
 */
export function terminalSafeJson(value: unknown, space?: number): string {
    // C0 controls are already escaped inside JSON strings; the raw newlines left are the layout's own.
    return JSON.stringify(value, null, space).replace(RAW_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
