// What a text that should hold a key holds, said without any of its content (pure). Error messages use these
// descriptions instead of the value, so no part of a private key (PEM, base64 DER, the Talos base64-of-PEM
// form, a JWK's `d`) can reach a terminal, a log or the engine's diagnostics.

const PEM_BEGIN = /-----BEGIN ([A-Z0-9 ]+)-----/g;
/** JWK members that exist only in private keys (RFC 7518 §6.2.2, §6.3.2, §6.4). */
const PRIVATE_JWK_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] as const;
const BASE64 = /^[A-Za-z0-9+/_=\s-]+$/;

const count = (n: number) => n.toLocaleString("en-US");

/** Whether bytes are exactly one DER SEQUENCE (every key encoding is one: SPKI, PKCS#1, PKCS#8, SEC1). */
function isDerSequence(der: Buffer): boolean {
    if (der.length < 2 || der[0] !== 0x30) {
        return false;
    }
    const first = der[1];
    if (first < 0x80) {
        return der.length === 2 + first;
    }
    const octets = first & 0x7f;
    if (octets === 0 || octets > 3 || der.length < 2 + octets) {
        return false;
    }
    let length = 0;
    for (let i = 0; i < octets; i++) {
        length = length * 256 + der[2 + i];
    }
    return der.length === 2 + octets + length;
}

function decodeBase64(text: string): Buffer {
    return Buffer.from(text.replace(/\s+/g, "").replace(/-/g, "+").replace(/_/g, "/"), "base64");
}

/** Whether a parsed JSON value is a JWK (or a JWKS) carrying private members. */
export function hasPrivateJwkMembers(value: unknown): boolean {
    if (Array.isArray(value)) {
        return value.some(hasPrivateJwkMembers);
    }
    if (value === null || typeof value !== "object") {
        return false;
    }
    const record = value as Record<string, unknown>;
    return PRIVATE_JWK_MEMBERS.some((m) => record[m] !== undefined) || (Array.isArray(record.keys) && record.keys.some(hasPrivateJwkMembers));
}

function parseJson(text: string): unknown {
    const trimmed = text.trim();
    if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) {
        return undefined;
    }
    try {
        return JSON.parse(trimmed);
    } catch {
        return undefined;
    }
}

/** The PEM block types in a text, in order ("PRIVATE KEY", "CERTIFICATE", ...). */
function pemTypes(text: string): string[] {
    return [...text.matchAll(PEM_BEGIN)].map((m) => m[1]);
}

function describeJson(value: unknown): string {
    if (hasPrivateJwkMembers(value)) {
        return "a JWK with private members (\"d\"): a private key";
    }
    const record = value as Record<string, unknown>;
    if (record && Array.isArray(record.keys)) {
        return `a JWKS with ${record.keys.length} key(s)`;
    }
    if (record && typeof record.kty === "string") {
        return `a public JWK (kty ${JSON.stringify(record.kty)}${typeof record.kid === "string" ? `, kid ${JSON.stringify(record.kid)}` : ""})`;
    }
    return Array.isArray(value) ? "a JSON array" : "a JSON object";
}

/**
 * Describes a key-like text by its shape only: "a PEM PRIVATE KEY block", "not PEM: 1,234 bytes of base64
 * (DER?)", "base64 of a PEM EC PRIVATE KEY block (the Talos form)", "a JWK with private members", ... It never
 * quotes the text. A public JWK's kid is the most it repeats.
 */
export function describeKeyText(value: unknown, expecting: "PEM" | "JSON" = "PEM"): string {
    const not = expecting === "PEM" ? "not PEM: " : "";
    if (value === undefined || value === null) {
        return "nothing";
    }
    if (typeof value !== "string") {
        return typeof value === "object" ? describeJson(value) : `a ${typeof value}, not text`;
    }
    const bytes = Buffer.byteLength(value, "utf8");
    if (value.trim() === "") {
        return bytes === 0 ? "empty" : `only ${count(bytes)} bytes of white space`;
    }
    const types = pemTypes(value);
    if (types.length > 0) {
        const complete = types.filter((t) => value.includes(`-----END ${t}-----`));
        if (complete.length < types.length) {
            return `a PEM ${types[0]} block without its END line`;
        }
        return types.length === 1 ? `a PEM ${types[0]} block` : `${types.length} PEM blocks (${types.join(", ")})`;
    }
    const json = parseJson(value);
    if (json !== undefined) {
        return describeJson(json);
    }
    if (BASE64.test(value) && value.replace(/\s+/g, "").length >= 16) {
        const decoded = decodeBase64(value);
        const inner = pemTypes(decoded.toString("latin1"));
        if (inner.length > 0) {
            return `${not}${count(bytes)} bytes of base64 that decode to a PEM ${inner[0]} block (the Talos form)`;
        }
        return `${not}${count(bytes)} bytes of base64${isDerSequence(decoded) ? "-encoded DER (a binary key?)" : ""}`;
    }
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u0008\u000e-\u001f\u007f\ufffd]/.test(value)) {
        return `${not}${count(bytes)} bytes of binary data`;
    }
    return `${not}${count(bytes)} bytes of text`;
}

/**
 * Whether a value may hold key material and must be described rather than quoted: PEM armor, "PRIVATE KEY",
 * a JWK with private members, or base64 that decodes to PEM or to DER (a SEQUENCE, as every key encoding is).
 */
export function looksLikeKeyMaterial(value: unknown, depth = 0): boolean {
    if (typeof value === "object" && value !== null) {
        // Lists and records of keys too (`publicKeyPems: [...]`); shallow, as argument values are.
        return hasPrivateJwkMembers(value) || (depth < 3 && Object.values(value).some((v) => looksLikeKeyMaterial(v, depth + 1)));
    }
    if (typeof value !== "string") {
        return false;
    }
    if (/-----(BEGIN|END) |PRIVATE KEY/.test(value)) {
        return true;
    }
    const json = parseJson(value);
    if (json !== undefined) {
        return hasPrivateJwkMembers(json);
    }
    // A JWK cut short (or otherwise broken JSON) still shows its private members by name.
    if (/"(d|p|q|dp|dq|qi|k)"\s*:/.test(value)) {
        return true;
    }
    const compact = value.replace(/\s+/g, "");
    if (compact.length >= 40 && BASE64.test(value)) {
        const decoded = decodeBase64(compact);
        return isDerSequence(decoded) || decoded.toString("latin1").includes("-----BEGIN ");
    }
    return false;
}
