// Verifies the webhook's serving certificate the way the API server does: Go's crypto/x509 `Verify` with the
// caBundle as roots, the rest of tls.crt as intermediates, the Service name as DNSName and server auth as the
// key usage (docs/facts.md, "Go crypto/x509"). Pure; reads the few DER fields Node's X509Certificate does not
// expose (version, basic constraints, key usage bits, EKU, SANs, name constraints, critical extensions).
import * as crypto from "node:crypto";

interface Tlv {
    tag: number;
    /** Offset of the tag byte. */
    start: number;
    /** Offset of the content. */
    content: number;
    end: number;
}

function tlv(buf: Buffer, at: number): Tlv {
    const tag = buf[at];
    let length = buf[at + 1];
    let content = at + 2;
    if (length & 0x80) {
        const octets = length & 0x7f;
        if (octets === 0 || octets > 4) {
            throw new Error("unsupported DER length");
        }
        length = 0;
        for (let i = 0; i < octets; i++) {
            length = length * 256 + buf[content + i];
        }
        content += octets;
    }
    if (tag === undefined || content + length > buf.length) {
        throw new Error("truncated DER");
    }
    return { tag, start: at, content, end: content + length };
}

function children(buf: Buffer, parent: Tlv): Tlv[] {
    const out: Tlv[] = [];
    for (let at = parent.content; at < parent.end; ) {
        const child = tlv(buf, at);
        out.push(child);
        at = child.end;
    }
    return out;
}

function oid(buf: Buffer, t: Tlv): string {
    const bytes = buf.subarray(t.content, t.end);
    const parts = [Math.floor(bytes[0] / 40), bytes[0] % 40];
    let value = 0;
    for (const b of bytes.subarray(1)) {
        value = value * 128 + (b & 0x7f);
        if (!(b & 0x80)) {
            parts.push(value);
            value = 0;
        }
    }
    return parts.join(".");
}

function time(buf: Buffer, t: Tlv): Date {
    const s = buf.toString("latin1", t.content, t.end);
    const m = t.tag === 0x17 ? /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s) : /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s);
    if (!m) {
        throw new Error(`unsupported time ${JSON.stringify(s)}`);
    }
    // UTCTime: years 50-99 are 19xx (RFC 5280 4.1.2.5.1).
    const year = t.tag === 0x17 ? (Number(m[1]) < 50 ? 2000 : 1900) + Number(m[1]) : Number(m[1]);
    return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}

/** What verification needs of one certificate. */
export interface CertFacts {
    cert: crypto.X509Certificate;
    version: number;
    rawIssuer: Buffer;
    rawSubject: Buffer;
    notBefore: Date;
    notAfter: Date;
    signatureAlgorithm: string;
    /** Basic constraints: undefined when the extension is absent. */
    basicConstraints?: { ca: boolean; pathLen?: number };
    /** Key usage bits (keyCertSign = 5); undefined when absent. */
    keyUsage?: Set<number>;
    /** Extended key usage OIDs; undefined when absent. */
    extKeyUsage?: string[];
    dnsNames: string[];
    hasNameConstraints: boolean;
    /** Critical extensions Go does not handle (it refuses such certificates). */
    unhandledCritical: string[];
}

/** A certificate's facts, or undefined when its DER cannot be read. */
export function tryCertFacts(cert: crypto.X509Certificate): CertFacts | undefined {
    try {
        return certFacts(cert);
    } catch {
        return undefined;
    }
}

/** The 2.5.29.x extensions Go's parser handles (crypto/x509 parser.go processExtensions). */
const HANDLED = new Set(["2.5.29.14", "2.5.29.15", "2.5.29.17", "2.5.29.19", "2.5.29.30", "2.5.29.31", "2.5.29.32", "2.5.29.33", "2.5.29.35", "2.5.29.36", "2.5.29.37", "2.5.29.54"]);

/** Reads the facts of a certificate from its DER. */
export function certFacts(cert: crypto.X509Certificate): CertFacts {
    const der = cert.raw;
    const top = tlv(der, 0);
    const [tbs, sigAlg] = children(der, top);
    const fields = children(der, tbs);
    let i = 0;
    let version = 1;
    if (fields[0].tag === 0xa0) {
        const inner = tlv(der, fields[0].content);
        version = der[inner.content] + 1;
        i = 1;
    }
    const [, , issuer, validity, subject] = fields.slice(i);
    const [from, to] = children(der, validity);
    const facts: CertFacts = {
        cert,
        version,
        rawIssuer: der.subarray(issuer.start, issuer.end),
        rawSubject: der.subarray(subject.start, subject.end),
        notBefore: time(der, from),
        notAfter: time(der, to),
        signatureAlgorithm: oid(der, children(der, sigAlg)[0]),
        dnsNames: [],
        hasNameConstraints: false,
        unhandledCritical: [],
    };
    const extensions = fields.find((f) => f.tag === 0xa3);
    for (const ext of extensions ? children(der, children(der, extensions)[0]) : []) {
        const parts = children(der, ext);
        const id = oid(der, parts[0]);
        const critical = parts.length === 3 && der[parts[1].content] !== 0;
        const value = tlv(der, parts[parts.length - 1].content);
        let handled = HANDLED.has(id) || id === "1.3.6.1.5.5.7.1.1";
        if (id === "2.5.29.19") {
            const [first, second] = children(der, value);
            const ca = first?.tag === 0x01 && der[first.content] !== 0;
            const lenTlv = first?.tag === 0x02 ? first : second;
            facts.basicConstraints = { ca, pathLen: lenTlv ? der.readUIntBE(lenTlv.content, Math.min(6, lenTlv.end - lenTlv.content)) : undefined };
        } else if (id === "2.5.29.15") {
            const bits = der.subarray(value.content + 1, value.end);
            facts.keyUsage = new Set([...Array(bits.length * 8).keys()].filter((n) => bits[n >> 3] & (0x80 >> (n & 7))));
        } else if (id === "2.5.29.37") {
            facts.extKeyUsage = children(der, value).map((o) => oid(der, o));
        } else if (id === "2.5.29.17") {
            const names = children(der, value);
            facts.dnsNames = names.filter((n) => n.tag === 0x82).map((n) => der.toString("latin1", n.content, n.end));
            // Go treats a SAN extension it finds nothing in as unhandled.
            handled = names.some((n) => n.tag === 0x82 || n.tag === 0x87 || n.tag === 0x81 || n.tag === 0x86);
        } else if (id === "2.5.29.30") {
            facts.hasNameConstraints = true;
        }
        if (critical && !handled) {
            facts.unhandledCritical.push(id);
        }
    }
    return facts;
}

/** Signature algorithms Go refuses (MD2, MD5, SHA-1; crypto/x509 checkSignature without allowSHA1). */
const INSECURE: Record<string, string> = {
    "1.2.840.113549.1.1.2": "MD2-RSA",
    "1.2.840.113549.1.1.4": "MD5-RSA",
    "1.2.840.113549.1.1.5": "SHA1-RSA",
    "1.3.14.3.2.29": "SHA1-RSA",
    "1.2.840.10045.4.1": "ECDSA-SHA1",
    "1.2.840.10040.4.3": "DSA-SHA1",
};
const SERVER_AUTH = ["1.3.6.1.5.5.7.3.1", "2.5.29.37.0", "2.16.840.1.113730.4.1", "1.3.6.1.4.1.311.10.3.3"];
const KEY_CERT_SIGN = 5;
/** Go's bound on signature checks while building chains (maxChainSignatureChecks). */
const MAX_SIGNATURE_CHECKS = 100;

const label = (f: CertFacts) => JSON.stringify(f.cert.subject.replace(/\n/g, ", "));

/** Go's isValid: what any certificate must be, and a CA besides. */
function validity(f: CertFacts, now: Date, role: "leaf" | "intermediate" | "root", chainLength: number): string | undefined {
    if (f.unhandledCritical.length > 0) {
        return `${role} ${label(f)} has critical extension(s) Go does not handle (${f.unhandledCritical.join(", ")})`;
    }
    if (now < f.notBefore) {
        return `${role} ${label(f)} is not valid before ${f.notBefore.toISOString()} (x509: certificate has expired or is not yet valid)`;
    }
    if (now > f.notAfter) {
        return `${role} ${label(f)} expired on ${f.notAfter.toISOString()} (x509: certificate has expired or is not yet valid)`;
    }
    if (role === "intermediate" && !f.basicConstraints?.ca) {
        return `intermediate ${label(f)} is not a CA (basic constraints ${f.basicConstraints ? "CA:FALSE" : "absent"}; x509: certificate is not authorized to sign other certificates)`;
    }
    if (f.basicConstraints?.pathLen !== undefined && role !== "leaf" && chainLength - 1 > f.basicConstraints.pathLen) {
        return `${role} ${label(f)} allows ${f.basicConstraints.pathLen} intermediate(s) below it, the chain has ${chainLength - 1} (x509: too many intermediates for path length constraint)`;
    }
    return undefined;
}

/** Go's CheckSignatureFrom: the parent may sign certificates, and its signature on the child is sound. */
function signedBy(child: CertFacts, parent: CertFacts): string | undefined {
    if ((parent.version === 3 && !parent.basicConstraints) || (parent.basicConstraints && !parent.basicConstraints.ca)) {
        return `${label(parent)} cannot sign certificates: it is not a CA (basic constraints ${parent.basicConstraints ? "CA:FALSE" : "absent"})`;
    }
    if (parent.keyUsage !== undefined && !parent.keyUsage.has(KEY_CERT_SIGN)) {
        return `${label(parent)} cannot sign certificates: its key usage lacks keyCertSign`;
    }
    const insecure = INSECURE[child.signatureAlgorithm];
    if (insecure) {
        return `${label(child)} is signed with ${insecure}, which Go refuses (x509: insecure algorithm)`;
    }
    const bits = parent.cert.publicKey.asymmetricKeyDetails?.modulusLength;
    if (parent.cert.publicKey.asymmetricKeyType === "rsa" && bits !== undefined && bits < 1024) {
        return `${label(parent)} has a ${bits}-bit RSA key; Go refuses RSA keys under 1024 bits`;
    }
    try {
        return child.cert.verify(parent.cert.publicKey) ? undefined : `the signature of ${label(child)} does not verify with the key of ${label(parent)}`;
    } catch (err) {
        return `the signature of ${label(child)} cannot be checked (${(err as Error).message})`;
    }
}

/** Go's validHostname: non-empty labels of [A-Za-z0-9_-] (no leading '-'); a pattern may start with a whole `*` label. */
function validHostname(name: string, pattern: boolean): boolean {
    const labels = (pattern ? name : name.replace(/\.$/, "")).split(".");
    return name !== "*" && name !== "" && labels.every((l, i) => (pattern && i === 0 && l === "*") || /^[A-Za-z0-9_][A-Za-z0-9_-]*$/.test(l));
}

/** Go's VerifyHostname for a DNS name: DNS SANs only (no Common Name), `*` only as the whole leftmost label. */
export function matchesHost(names: readonly string[], host: string): boolean {
    const wanted = host.toLowerCase();
    const parts = wanted.replace(/\.$/, "").split(".");
    return names.some((name) => {
        if (!validHostname(wanted, false) || !validHostname(name, true)) {
            return name !== "" && name !== "." && name.toLowerCase() === wanted;
        }
        const pattern = name.toLowerCase().split(".");
        return pattern.length === parts.length && pattern.every((part, i) => (i === 0 && part === "*") || part === parts[i]);
    });
}

/** Go's checkChainForKeyUsage for server auth: every certificate with an EKU must allow it. */
function allowsServerAuth(chain: CertFacts[]): CertFacts | undefined {
    return chain.find((f) => f.extKeyUsage !== undefined && f.extKeyUsage.length > 0 && !f.extKeyUsage.some((u) => SERVER_AUTH.includes(u)));
}

export type ChainResult = { ok: true; chain: CertFacts[]; notes: string[] } | { ok: false; reason: string };

/**
 * Builds and checks a chain from the leaf (tls.crt's first certificate; the rest are intermediates) to one of
 * the roots (the caBundle), as Go's Verify does: validity of every certificate, roots included; a CA's basic
 * constraints and keyCertSign; path length; signatures (no SHA-1 or MD5); server-auth EKU along the chain; the
 * host in DNS SANs only. Name constraints and certificate policies are not evaluated (`notes` says so).
 */
export function verifyLikeGo(leafAndIntermediates: crypto.X509Certificate[], roots: crypto.X509Certificate[], host: string | undefined, now: Date): ChainResult {
    let leaf: CertFacts;
    let intermediates: CertFacts[];
    let rootFacts: CertFacts[];
    try {
        [leaf, ...intermediates] = leafAndIntermediates.map(certFacts);
        rootFacts = roots.map(certFacts);
    } catch (err) {
        return { ok: false, reason: `a certificate could not be parsed (${(err as Error).message})` };
    }
    const leafProblem = validity(leaf, now, "leaf", 1);
    if (leafProblem) {
        return { ok: false, reason: leafProblem };
    }
    if (host !== undefined && !matchesHost(leaf.dnsNames, host)) {
        return { ok: false, reason: `the serving certificate's DNS names (${leaf.dnsNames.length > 0 ? leaf.dnsNames.map((n) => JSON.stringify(n)).join(", ") : "none"}) do not include ${host}; Go ignores the Common Name (x509: certificate is not valid for ${host})` };
    }
    let checks = 0;
    let hint: string | undefined;
    const build = (current: CertFacts[]): CertFacts[][] => {
        const child = current[current.length - 1];
        const found: CertFacts[][] = [];
        const candidates: Array<[CertFacts, "root" | "intermediate"]> = [...rootFacts.map((r) => [r, "root"] as [CertFacts, "root"]), ...intermediates.map((c) => [c, "intermediate"] as [CertFacts, "intermediate"])];
        for (const [candidate, role] of candidates) {
            if (!candidate.rawSubject.equals(child.rawIssuer) || current.includes(candidate)) {
                continue;
            }
            if (++checks > MAX_SIGNATURE_CHECKS) {
                hint ??= "more than 100 signature checks while building the chain";
                return found;
            }
            const problem = signedBy(child, candidate) ?? validity(candidate, now, role, current.length);
            if (problem) {
                hint ??= problem;
                continue;
            }
            if (role === "root") {
                found.push([...current, candidate]);
            } else {
                found.push(...build([...current, candidate]));
            }
        }
        return found;
    };
    const chains = rootFacts.some((r) => r.cert.raw.equals(leaf.cert.raw)) ? [[leaf]] : build([leaf]);
    if (chains.length === 0) {
        return { ok: false, reason: hint ?? `no certificate of the caBundle issued ${label(leaf)} (x509: certificate signed by unknown authority)` };
    }
    const usable = chains.filter((c) => allowsServerAuth(c) === undefined);
    if (usable.length === 0) {
        const blocker = allowsServerAuth(chains[0])!;
        return { ok: false, reason: `${label(blocker)} limits its extended key usage to ${blocker.extKeyUsage!.join(", ")}, without server auth (x509: certificate specifies an incompatible key usage)` };
    }
    const notes = usable[0].some((f) => f.hasNameConstraints) ? ["a CA in the chain has name constraints, which the doctor does not evaluate"] : [];
    return { ok: true, chain: usable[0], notes };
}
