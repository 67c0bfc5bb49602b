// pulumi-resource-tls, the stand-in (see README.md beside this file): real keys, certificate requests and
// certificates, made from the inputs the tls provider takes, the way it makes them (Go's crypto/x509 rules:
// 128-bit random serials, critical basic constraints and key usage, the authority key id from the CA's subject
// key id). Pure computation: no state of its own, no network.
import * as crypto from "node:crypto";
import { isUnknown, Plugin, Props, ProviderError, ResourceType, serve } from "../lib/provider-server";

type X509 = typeof import("@peculiar/x509");
let lib: X509 | undefined;
function x509(): X509 {
    if (!lib) {
        lib = require("@peculiar/x509") as X509;
        lib.cryptoProvider.set(crypto.webcrypto as unknown as Parameters<X509["cryptoProvider"]["set"]>[0]);
    }
    return lib;
}
const subtle = crypto.webcrypto.subtle;
type CryptoKey = crypto.webcrypto.CryptoKey;
type Algorithm = crypto.webcrypto.Algorithm;

const TLS_VERSION: string = (require("@pulumi/tls/package.json") as { version: string }).version;

const CURVES: Record<string, string> = { P224: "P-224", P256: "P-256", P384: "P-384", P521: "P-521" };
const CURVE_HASH: Record<string, string> = { "P-224": "SHA-256", "P-256": "SHA-256", "P-384": "SHA-384", "P-521": "SHA-512" };

const sha1Hex = (data: Buffer) => crypto.createHash("sha1").update(data).digest("hex");

function keyAlgorithmOf(key: crypto.KeyObject): "RSA" | "ECDSA" | "ED25519" {
    switch (key.asymmetricKeyType) {
        case "rsa":
            return "RSA";
        case "ec":
            return "ECDSA";
        case "ed25519":
            return "ED25519";
    }
    throw new ProviderError(`unsupported key type ${key.asymmetricKeyType}`);
}

// --- OpenSSH public key ("authorized_keys") and its fingerprints -------------------------------------------
function sshString(b: Buffer): Buffer {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    return Buffer.concat([len, b]);
}
function sshMpint(b64url: string): Buffer {
    let b = Buffer.from(b64url, "base64url");
    while (b.length > 1 && b[0] === 0 && (b[1] & 0x80) === 0) {
        b = b.subarray(1);
    }
    return sshString(b[0] & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
}
/** The OpenSSH wire blob, or undefined for keys OpenSSH has no format for (ECDSA P-224, as the provider says). */
function sshBlob(pub: crypto.KeyObject): { type: string; blob: Buffer } | undefined {
    const jwk = pub.export({ format: "jwk" }) as crypto.JsonWebKey;
    if (jwk.kty === "RSA") {
        return { type: "ssh-rsa", blob: Buffer.concat([sshString(Buffer.from("ssh-rsa")), sshMpint(jwk.e!), sshMpint(jwk.n!)]) };
    }
    if (jwk.kty === "OKP") {
        return { type: "ssh-ed25519", blob: Buffer.concat([sshString(Buffer.from("ssh-ed25519")), sshString(Buffer.from(jwk.x!, "base64url"))]) };
    }
    const curve = { "P-256": "nistp256", "P-384": "nistp384", "P-521": "nistp521" }[jwk.crv ?? ""];
    if (!curve) {
        return undefined;
    }
    const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, "base64url"), Buffer.from(jwk.y!, "base64url")]);
    const type = `ecdsa-sha2-${curve}`;
    return { type, blob: Buffer.concat([sshString(Buffer.from(type)), sshString(Buffer.from(curve)), sshString(point)]) };
}

/** Every output of tls.PrivateKey derived from the private key (also how a given key is read back). */
function keyOutputs(priv: crypto.KeyObject): Props {
    const pub = crypto.createPublicKey(priv);
    const algorithm = keyAlgorithmOf(priv);
    const spkiDer = pub.export({ type: "spki", format: "der" });
    // The provider's "private_key_pem": PKCS#1 for RSA, SEC 1 for ECDSA, PKCS#8 for ED25519.
    const privateKeyPem = algorithm === "RSA" ? priv.export({ type: "pkcs1", format: "pem" }) : algorithm === "ECDSA" ? priv.export({ type: "sec1", format: "pem" }) : priv.export({ type: "pkcs8", format: "pem" });
    const ssh = sshBlob(pub);
    return {
        id: sha1Hex(spkiDer),
        privateKeyPem: String(privateKeyPem),
        privateKeyPemPkcs8: String(priv.export({ type: "pkcs8", format: "pem" })),
        publicKeyPem: String(pub.export({ type: "spki", format: "pem" })),
        publicKeyOpenssh: ssh ? `${ssh.type} ${ssh.blob.toString("base64")}\n` : "",
        publicKeyFingerprintMd5: ssh ? crypto.createHash("md5").update(ssh.blob).digest("hex").replace(/(..)(?!$)/g, "$1:") : "",
        publicKeyFingerprintSha256: ssh ? `SHA256:${crypto.createHash("sha256").update(ssh.blob).digest("base64").replace(/=+$/, "")}` : "",
        // Not computed: nothing in this repository reads the OpenSSH private key format.
        privateKeyOpenssh: "",
    };
}

const privateKey: ResourceType = {
    // Every input of tls_private_key replaces it (the provider's schema: RequiresReplace on each).
    replaceOn: ["algorithm", "rsaBits", "ecdsaCurve"],
    check(ctx, olds, news) {
        const inputs: Props = { ...news, rsaBits: news.rsaBits ?? 2048, ecdsaCurve: news.ecdsaCurve ?? "P224" };
        const failures = [];
        if (!["RSA", "ECDSA", "ED25519"].includes(inputs.algorithm)) {
            failures.push({ property: "algorithm", reason: `must be one of RSA, ECDSA, ED25519 (got ${JSON.stringify(inputs.algorithm)})` });
        }
        if (!(inputs.ecdsaCurve in CURVES)) {
            failures.push({ property: "ecdsaCurve", reason: `must be one of ${Object.keys(CURVES).join(", ")}` });
        }
        return { inputs, failures };
    },
    create(ctx, inputs) {
        const priv =
            inputs.algorithm === "RSA"
                ? crypto.generateKeyPairSync("rsa", { modulusLength: inputs.rsaBits }).privateKey
                : inputs.algorithm === "ECDSA"
                  ? crypto.generateKeyPairSync("ec", { namedCurve: CURVES[inputs.ecdsaCurve] }).privateKey
                  : crypto.generateKeyPairSync("ed25519").privateKey;
        const outs = { ...inputs, ...keyOutputs(priv) };
        return { id: outs.id, outs };
    },
    read(ctx, id, state) {
        return { ...state };
    },
    update(ctx, id, olds, news) {
        return { ...olds, ...news };
    },
    delete() {},
};

// --- certificates ----------------------------------------------------------------------------------------
interface Subject {
    commonName?: string;
    organization?: string;
    organizationalUnit?: string;
    streetAddresses?: string[];
    locality?: string;
    province?: string;
    country?: string;
    postalCode?: string;
    serialNumber?: string;
}

/** The subject as Go's pkix.Name orders it (C, ST, L, STREET, POSTALCODE, O, OU, CN, SERIALNUMBER). */
function nameOf(subject: Subject | undefined): import("@peculiar/x509").JsonName {
    const s = subject ?? {};
    const parts: [string, string | string[] | undefined][] = [
        ["C", s.country],
        ["ST", s.province],
        ["L", s.locality],
        ["2.5.4.9", s.streetAddresses],
        ["2.5.4.17", s.postalCode],
        ["O", s.organization],
        ["OU", s.organizationalUnit],
        ["CN", s.commonName],
        ["2.5.4.5", s.serialNumber],
    ];
    return parts.filter(([, v]) => v !== undefined && v !== "" && !(Array.isArray(v) && v.length === 0)).map(([k, v]) => ({ [k]: Array.isArray(v) ? v : [v as string] }));
}

/** A Node key as a WebCrypto signing key, with the algorithm Go's x509 signs with for it. */
async function signingKeyOf(pem: string): Promise<{ key: CryptoKey; algorithm: Algorithm & { hash?: string } }> {
    const priv = crypto.createPrivateKey(pem);
    const der = priv.export({ type: "pkcs8", format: "der" });
    if (priv.asymmetricKeyType === "rsa") {
        const algorithm = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
        return { key: await subtle.importKey("pkcs8", der, algorithm, true, ["sign"]), algorithm };
    }
    if (priv.asymmetricKeyType === "ec") {
        const namedCurve = (priv.export({ format: "jwk" }) as crypto.JsonWebKey).crv!;
        const key = await subtle.importKey("pkcs8", der, { name: "ECDSA", namedCurve }, true, ["sign"]);
        return { key, algorithm: { name: "ECDSA", hash: CURVE_HASH[namedCurve] } };
    }
    throw new ProviderError(`the tls stand-in signs with RSA and ECDSA keys only (got ${priv.asymmetricKeyType})`);
}

async function publicKeyOf(pem: string): Promise<CryptoKey> {
    const pub = crypto.createPublicKey(pem);
    const der = pub.export({ type: "spki", format: "der" });
    if (pub.asymmetricKeyType === "rsa") {
        return subtle.importKey("spki", der, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, true, ["verify"]);
    }
    const namedCurve = (pub.export({ format: "jwk" }) as crypto.JsonWebKey).crv!;
    return subtle.importKey("spki", der, { name: "ECDSA", namedCurve }, true, ["verify"]);
}

const KEY_USAGES = ["digital_signature", "content_commitment", "key_encipherment", "data_encipherment", "key_agreement", "cert_signing", "crl_signing", "encipher_only", "decipher_only"];
const EXT_USAGES: Record<string, string> = {
    any_extended: "2.5.29.37.0",
    server_auth: "1.3.6.1.5.5.7.3.1",
    client_auth: "1.3.6.1.5.5.7.3.2",
    code_signing: "1.3.6.1.5.5.7.3.3",
    email_protection: "1.3.6.1.5.5.7.3.4",
    timestamping: "1.3.6.1.5.5.7.3.8",
    ocsp_signing: "1.3.6.1.5.5.7.3.9",
};

function generalNames(inputs: Props): import("@peculiar/x509").JsonGeneralName[] {
    return [
        ...(inputs.dnsNames ?? []).map((value: string) => ({ type: "dns" as const, value })),
        ...(inputs.ipAddresses ?? []).map((value: string) => ({ type: "ip" as const, value })),
        ...(inputs.uris ?? []).map((value: string) => ({ type: "url" as const, value })),
    ];
}

/** Go's x509.CreateCertificate with the template the tls provider builds (common_cert.go createCertificate). */
async function makeCertificate(inputs: Props, subject: import("@peculiar/x509").JsonName, names: import("@peculiar/x509").JsonGeneralName[], publicKey: CryptoKey, signer: { key: CryptoKey; algorithm: Algorithm }, issuer?: import("@peculiar/x509").X509Certificate): Promise<Props> {
    const x = x509();
    const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000);
    const notAfter = new Date(notBefore.getTime() + Number(inputs.validityPeriodHours) * 3_600_000);
    const serial = crypto.randomBytes(16);
    serial[0] &= 0x7f;
    const uses: string[] = inputs.allowedUses ?? [];
    let keyUsage = 0;
    KEY_USAGES.forEach((u, i) => {
        if (uses.includes(u)) {
            keyUsage |= 1 << i;
        }
    });
    const isCa = inputs.isCaCertificate === true;
    const extensions: import("@peculiar/x509").Extension[] = [];
    if (keyUsage !== 0) {
        extensions.push(new x.KeyUsagesExtension(keyUsage, true));
    }
    const ext = uses.filter((u) => u in EXT_USAGES).map((u) => EXT_USAGES[u]);
    if (ext.length > 0) {
        extensions.push(new x.ExtendedKeyUsageExtension(ext));
    }
    extensions.push(new x.BasicConstraintsExtension(isCa, isCa && typeof inputs.maxPathLength === "number" && inputs.maxPathLength >= 0 ? inputs.maxPathLength : undefined, true));
    if (isCa || inputs.setSubjectKeyId === true) {
        extensions.push(await x.SubjectKeyIdentifierExtension.create(publicKey));
    }
    const issuerSki = issuer?.getExtension(x.SubjectKeyIdentifierExtension)?.keyId;
    if (issuerSki) {
        extensions.push(new x.AuthorityKeyIdentifierExtension(issuerSki));
    }
    if (names.length > 0) {
        extensions.push(new x.SubjectAlternativeNameExtension(names));
    }
    if (isCa && subject.length === 0) {
        throw new ProviderError("Invalid Certificate Subject: Must contain at least one Distinguished Name when creating Certificate Authority (CA)");
    }
    const params = { serialNumber: serial.toString("hex"), notBefore, notAfter, signingAlgorithm: signer.algorithm, extensions };
    const cert = issuer
        ? await x.X509CertificateGenerator.create({ ...params, subject, issuer: issuer.subjectName.toJSON(), publicKey, signingKey: signer.key })
        : await x.X509CertificateGenerator.createSelfSigned({ ...params, name: subject, keys: { privateKey: signer.key, publicKey } });
    return {
        id: BigInt(`0x${serial.toString("hex")}`).toString(10),
        certPem: `${cert.toString("pem")}\n`,
        validityStartTime: notBefore.toISOString().replace(/\.000Z$/, "Z"),
        validityEndTime: notAfter.toISOString().replace(/\.000Z$/, "Z"),
        readyForRenewal: false,
    };
}

const CERT_DEFAULTS = { earlyRenewalHours: 0, isCaCertificate: false, setSubjectKeyId: false };

/** The provider plans a replacement once `validity_end_time - early_renewal_hours` has passed (ModifyPlan). */
function dueForRenewal(olds: Props, news: Props): boolean {
    const end = Date.parse(olds.validityEndTime);
    return Number.isFinite(end) && end - Number(news.earlyRenewalHours ?? 0) * 3_600_000 <= Date.now();
}

function certificateType(make: (inputs: Props) => Promise<Props>, replaceOn: string[]): ResourceType {
    return {
        replaceOn,
        replaceIf: (olds: Props, news: Props) => (dueForRenewal(olds, news) ? ["readyForRenewal"] : []),
        check(ctx, olds, news) {
            const inputs: Props = { ...CERT_DEFAULTS, ...news };
            const failures = (inputs.allowedUses ?? []).filter((u: string) => !isUnknown(u) && !KEY_USAGES.includes(u) && !(u in EXT_USAGES)).map((u: string) => ({ property: "allowedUses", reason: `${u} is not a key usage the provider knows` }));
            return { inputs, failures };
        },
        async create(ctx, inputs) {
            const outs = await make(inputs);
            return { id: outs.id, outs };
        },
        read(ctx, id, state) {
            return { ...state, readyForRenewal: dueForRenewal(state, state) };
        },
        update(ctx, id, olds, news) {
            return { ...olds, ...news };
        },
        delete() {},
    };
}

const selfSignedCert = certificateType(
    async (inputs) => {
        const signer = await signingKeyOf(inputs.privateKeyPem);
        const publicKey = await publicKeyOf(String(crypto.createPublicKey(inputs.privateKeyPem).export({ type: "spki", format: "pem" })));
        const made = await makeCertificate(inputs, nameOf(inputs.subject), generalNames(inputs), publicKey, signer);
        return { ...inputs, ...made, keyAlgorithm: keyAlgorithmOf(crypto.createPrivateKey(inputs.privateKeyPem)) };
    },
    ["privateKeyPem", "subject", "validityPeriodHours", "allowedUses", "dnsNames", "ipAddresses", "uris", "isCaCertificate", "setSubjectKeyId", "setAuthorityKeyId", "earlyRenewalHours", "maxPathLength"],
);

const locallySignedCert = certificateType(
    async (inputs) => {
        const x = x509();
        const request = new x.Pkcs10CertificateRequest(inputs.certRequestPem);
        if (!(await request.verify())) {
            throw new ProviderError("the certificate request's signature does not verify");
        }
        const ca = new x.X509Certificate(inputs.caCertPem);
        const signer = await signingKeyOf(inputs.caPrivateKeyPem);
        const sanRaw = request.getExtension("2.5.29.17");
        const san = sanRaw ? new x.SubjectAlternativeNameExtension(sanRaw.rawData) : undefined;
        const made = await makeCertificate(inputs, request.subjectName.toJSON(), san ? san.names.toJSON() : [], await request.publicKey.export(), signer, ca);
        return { ...inputs, ...made, caKeyAlgorithm: keyAlgorithmOf(crypto.createPrivateKey(inputs.caPrivateKeyPem)) };
    },
    ["certRequestPem", "caPrivateKeyPem", "caCertPem", "validityPeriodHours", "allowedUses", "isCaCertificate", "setSubjectKeyId", "earlyRenewalHours", "maxPathLength"],
);

const certRequest: ResourceType = {
    replaceOn: ["privateKeyPem", "subject", "dnsNames", "ipAddresses", "uris"],
    async create(ctx, inputs) {
        const x = x509();
        const signer = await signingKeyOf(inputs.privateKeyPem);
        const publicKey = await publicKeyOf(String(crypto.createPublicKey(inputs.privateKeyPem).export({ type: "spki", format: "pem" })));
        const names = generalNames(inputs);
        const csr = await x.Pkcs10CertificateRequestGenerator.create({
            name: nameOf(inputs.subject),
            keys: { privateKey: signer.key, publicKey },
            signingAlgorithm: signer.algorithm,
            extensions: names.length > 0 ? [new x.SubjectAlternativeNameExtension(names)] : [],
        });
        const pem = `${csr.toString("pem")}\n`;
        const id = sha1Hex(Buffer.from(pem));
        return { id, outs: { ...inputs, id, certRequestPem: pem, keyAlgorithm: keyAlgorithmOf(crypto.createPrivateKey(inputs.privateKeyPem)) } };
    },
    read(ctx, id, state) {
        return { ...state };
    },
    update(ctx, id, olds, news) {
        return { ...olds, ...news };
    },
    delete() {},
};

export const tlsStandin: Plugin = {
    name: "tls",
    version: TLS_VERSION,
    resources: {
        "tls:index/privateKey:PrivateKey": privateKey,
        "tls:index/selfSignedCert:SelfSignedCert": selfSignedCert,
        "tls:index/certRequest:CertRequest": certRequest,
        "tls:index/locallySignedCert:LocallySignedCert": locallySignedCert,
    },
    functions: {},
};

if (require.main === module) {
    serve(tlsStandin);
}
