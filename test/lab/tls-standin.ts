// A stand-in for the @pulumi/tls provider under mocks (its plugin does not run on this machine): real keys and
// certificates made from exactly the inputs the component gives each tls resource, the way the provider makes
// them (hashicorp/terraform-provider-tls internal/provider/common_cert.go createCertificate and
// resource_locally_signed_cert.go Create: NotBefore now, NotAfter + validity_period_hours, a random 128-bit
// serial, allowed_uses mapped to key usages and extended key usages, a CA's subject key id the SHA-1 of its
// public key bits; a locally signed certificate takes subject and DNS names from the CSR and has
// basicConstraints CA:false; Go's x509 adds the authority key id from the CA's subject key id).
//
// Like the engine, it keeps each resource's outputs while its inputs stay the same (a later "up" in the same
// process changes nothing), makes new ones when they change (every tls input forces replacement), and
// `renew(name)` replaces one as `earlyRenewalHours` or `pulumi up --replace` would.
import * as crypto from "node:crypto";
import * as x509 from "@peculiar/x509";
import type * as pulumi from "@pulumi/pulumi";
import { resourceStandIns, reveal } from "../helpers/pulumi-mocks";

x509.cryptoProvider.set(crypto.webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const subtle = crypto.webcrypto.subtle;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Inputs = Record<string, any>;

const KEY_USAGES: Record<string, number> = {
    digital_signature: x509.KeyUsageFlags.digitalSignature,
    content_commitment: x509.KeyUsageFlags.nonRepudiation,
    key_encipherment: x509.KeyUsageFlags.keyEncipherment,
    data_encipherment: x509.KeyUsageFlags.dataEncipherment,
    key_agreement: x509.KeyUsageFlags.keyAgreement,
    cert_signing: x509.KeyUsageFlags.keyCertSign,
    crl_signing: x509.KeyUsageFlags.cRLSign,
    encipher_only: x509.KeyUsageFlags.encipherOnly,
    decipher_only: x509.KeyUsageFlags.decipherOnly,
};
const EXT_KEY_USAGES: Record<string, string> = {
    server_auth: x509.ExtendedKeyUsage.serverAuth,
    client_auth: x509.ExtendedKeyUsage.clientAuth,
    code_signing: x509.ExtendedKeyUsage.codeSigning,
    email_protection: x509.ExtendedKeyUsage.emailProtection,
    timestamping: x509.ExtendedKeyUsage.timeStamping,
    ocsp_signing: x509.ExtendedKeyUsage.ocspSigning,
};

interface Made {
    inputs: string;
    outputs: Inputs;
}

const state = new Map<string, Made>();
const renewals = new Set<string>();
let clock: () => Date = () => new Date();

/** Replace this tls resource (by name) the next time it is registered. */
export function renew(name: string): void {
    renewals.add(name);
}

/** The clock certificates are made with (a renewal far in the future, a certificate already expired). */
export function setClock(now: () => Date): void {
    clock = now;
}

/** Forget every resource (a fresh stack). */
export function resetTlsState(): void {
    state.clear();
    renewals.clear();
}

function algorithmOf(key: crypto.KeyObject): { sign: EcKeyImportParams | RsaHashedImportParams; signing: Algorithm & { hash?: string } } {
    if (key.asymmetricKeyType === "ec") {
        const curve = key.asymmetricKeyDetails?.namedCurve === "secp384r1" ? "P-384" : "P-256";
        const hash = curve === "P-384" ? "SHA-384" : "SHA-256";
        return { sign: { name: "ECDSA", namedCurve: curve } as EcKeyImportParams, signing: { name: "ECDSA", hash } };
    }
    return { sign: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as RsaHashedImportParams, signing: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } };
}

type EcKeyImportParams = { name: string; namedCurve: string };
type RsaHashedImportParams = { name: string; hash: string };
type Algorithm = { name: string };

async function cryptoKeys(privatePem: string) {
    const key = crypto.createPrivateKey(privatePem);
    const alg = algorithmOf(key);
    const privateKey = await subtle.importKey("pkcs8", key.export({ type: "pkcs8", format: "der" }), alg.sign, true, ["sign"]);
    const publicKey = await subtle.importKey("spki", crypto.createPublicKey(key).export({ type: "spki", format: "der" }), alg.sign, true, ["verify"]);
    return { privateKey, publicKey, signing: alg.signing };
}

function subjectName(subject: Inputs | undefined): x509.JsonName {
    const s = subject ?? {};
    const parts: x509.JsonName = [];
    const add = (type: string, value: unknown) => {
        if (typeof value === "string" && value !== "") {
            parts.push({ [type]: [value] });
        }
    };
    add("C", s.country);
    add("O", s.organization);
    add("OU", s.organizationalUnit);
    add("L", s.locality);
    add("ST", s.province);
    add("CN", s.commonName);
    return parts;
}

async function certificateExtensions(inputs: Inputs, publicKey: crypto.webcrypto.CryptoKey, isCa: boolean, dnsNames: string[], authorityKeyId?: string): Promise<x509.Extension[]> {
    const uses: string[] = inputs.allowedUses ?? [];
    const keyUsage = uses.reduce((flags, u) => flags | (KEY_USAGES[u] ?? 0), 0);
    const ext = uses.map((u) => EXT_KEY_USAGES[u]).filter(Boolean);
    const extensions: x509.Extension[] = [];
    if (keyUsage) {
        extensions.push(new x509.KeyUsagesExtension(keyUsage, true));
    }
    if (ext.length > 0) {
        extensions.push(new x509.ExtendedKeyUsageExtension(ext, false));
    }
    extensions.push(new x509.BasicConstraintsExtension(isCa, undefined, true));
    if (isCa) {
        extensions.push(await x509.SubjectKeyIdentifierExtension.create(publicKey));
    }
    if (authorityKeyId) {
        extensions.push(new x509.AuthorityKeyIdentifierExtension(authorityKeyId));
    }
    if (dnsNames.length > 0) {
        extensions.push(new x509.SubjectAlternativeNameExtension(dnsNames.map((value) => ({ type: "dns" as const, value }))));
    }
    return extensions;
}

const serial = () => crypto.randomBytes(16).toString("hex").replace(/^[89a-f]/, "7");

function validity(inputs: Inputs): Inputs {
    const notBefore = new Date(Math.floor(clock().getTime() / 1000) * 1000);
    const notAfter = new Date(notBefore.getTime() + Number(inputs.validityPeriodHours) * 3_600_000);
    return { notBefore, notAfter, validityStartTime: notBefore.toISOString().replace(".000Z", "Z"), validityEndTime: notAfter.toISOString().replace(".000Z", "Z") };
}

async function privateKey(inputs: Inputs): Promise<Inputs> {
    let key: crypto.KeyObject;
    if (inputs.algorithm === "ECDSA") {
        const curve = { P224: "P-224", P256: "prime256v1", P384: "secp384r1", P521: "secp521r1" }[String(inputs.ecdsaCurve ?? "P224")] ?? "prime256v1";
        key = crypto.generateKeyPairSync("ec", { namedCurve: curve }).privateKey;
    } else if (inputs.algorithm === "RSA") {
        key = crypto.generateKeyPairSync("rsa", { modulusLength: Number(inputs.rsaBits ?? 2048) }).privateKey;
    } else {
        throw new Error(`tls stand-in: algorithm ${inputs.algorithm} is not made here`);
    }
    const traditional = key.export({ type: key.asymmetricKeyType === "ec" ? "sec1" : "pkcs1", format: "pem" }).toString();
    return {
        privateKeyPem: traditional,
        privateKeyPemPkcs8: key.export({ type: "pkcs8", format: "pem" }).toString(),
        publicKeyPem: crypto.createPublicKey(key).export({ type: "spki", format: "pem" }).toString(),
    };
}

async function selfSignedCert(inputs: Inputs): Promise<Inputs> {
    const keys = await cryptoKeys(inputs.privateKeyPem);
    const v = validity(inputs);
    const isCa = inputs.isCaCertificate === true;
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
        serialNumber: serial(),
        name: subjectName(inputs.subject),
        notBefore: v.notBefore,
        notAfter: v.notAfter,
        keys: { privateKey: keys.privateKey, publicKey: keys.publicKey },
        signingAlgorithm: keys.signing,
        extensions: await certificateExtensions(inputs, keys.publicKey, isCa, inputs.dnsNames ?? []),
    });
    return { certPem: `${cert.toString("pem")}\n`, validityStartTime: v.validityStartTime, validityEndTime: v.validityEndTime, readyForRenewal: false };
}

async function certRequest(inputs: Inputs): Promise<Inputs> {
    const keys = await cryptoKeys(inputs.privateKeyPem);
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
        name: subjectName(inputs.subject),
        keys: { privateKey: keys.privateKey, publicKey: keys.publicKey },
        signingAlgorithm: keys.signing,
        extensions: (inputs.dnsNames ?? []).length > 0 ? [new x509.SubjectAlternativeNameExtension((inputs.dnsNames as string[]).map((value) => ({ type: "dns" as const, value })))] : [],
    });
    return { certRequestPem: `${csr.toString("pem")}\n` };
}

async function locallySignedCert(inputs: Inputs): Promise<Inputs> {
    const csr = new x509.Pkcs10CertificateRequest(inputs.certRequestPem);
    const ca = new x509.X509Certificate(inputs.caCertPem);
    const caKeys = await cryptoKeys(inputs.caPrivateKeyPem);
    const publicKey = await csr.publicKey.export();
    const san = csr.extensions.find((e): e is x509.SubjectAlternativeNameExtension => e instanceof x509.SubjectAlternativeNameExtension);
    const dnsNames = san ? san.names.items.filter((n) => n.type === "dns").map((n) => n.value) : [];
    const caSkid = ca.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
    const v = validity(inputs);
    const cert = await x509.X509CertificateGenerator.create({
        serialNumber: serial(),
        subject: csr.subject,
        issuer: ca.subject,
        notBefore: v.notBefore,
        notAfter: v.notAfter,
        publicKey,
        signingKey: caKeys.privateKey,
        signingAlgorithm: caKeys.signing,
        extensions: await certificateExtensions(inputs, publicKey, false, dnsNames, caSkid),
    });
    return { certPem: `${cert.toString("pem")}\n`, validityStartTime: v.validityStartTime, validityEndTime: v.validityEndTime, readyForRenewal: false, caKeyAlgorithm: ca.publicKey.algorithm.name === "ECDSA" ? "ECDSA" : "RSA" };
}

const MAKERS: Record<string, (inputs: Inputs) => Promise<Inputs>> = {
    "tls:index/privateKey:PrivateKey": privateKey,
    "tls:index/selfSignedCert:SelfSignedCert": selfSignedCert,
    "tls:index/certRequest:CertRequest": certRequest,
    "tls:index/locallySignedCert:LocallySignedCert": locallySignedCert,
};

/** Makes the tls resource types real under the shared mocks (call after setupMocks). */
export function installTlsStandIn(): void {
    for (const [type, make] of Object.entries(MAKERS)) {
        resourceStandIns[type] = async (args: pulumi.runtime.MockResourceArgs) => {
            const inputs = reveal(args.inputs) as Inputs;
            const id = `${type}::${args.name}`;
            const key = JSON.stringify(inputs);
            const known = state.get(id);
            if (known && known.inputs === key && !renewals.has(args.name)) {
                return known.outputs;
            }
            renewals.delete(args.name);
            const outputs = await make(inputs);
            state.set(id, { inputs: key, outputs });
            return outputs;
        };
    }
}
