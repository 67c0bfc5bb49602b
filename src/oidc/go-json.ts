/**
 * JSON exactly as Go's encoding/json.Marshal writes it, which is what kube-apiserver serves: compact, fields
 * in the order given, and `<`, `>`, `&`, U+2028, U+2029 escaped as \u00xx (Go's HTML-safe default).
 * Byte-identical output is what lets a published document be compared with the API server's own.
 */
export function goJsonMarshal(value: unknown): string {
    return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
