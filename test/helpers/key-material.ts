// Private keys in every form a user may paste, and the check that a text holds no part of any of them.
import { strict as assert } from "node:assert";
import * as crypto from "node:crypto";

export interface PrivateKeyForm {
    /** Short, for resource names. */
    id: string;
    name: string;
    text: string;
    /** Whether the text is PEM (readPrivateKey accepts it). */
    pem: boolean;
    /** A regex source matching how error messages describe it. */
    found: string;
    /** Chunks of secret text (no white space), to look for in outputs. */
    secrets: string[];
    /** Text that is public (the key's SPKI and public JWK members): windows found there are not secrets. */
    publicCorpus: string;
}

const b64url = (b64: string) => b64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

/** The private key in its PEM, traditional PEM, Talos (base64 of PEM), base64 DER and JWK forms. */
export function privateKeyForms(pem: string): PrivateKeyForm[] {
    const key = crypto.createPrivateKey(pem);
    const kind = key.asymmetricKeyType === "ec" ? "ec" : "rsa";
    const traditional = key.export({ type: kind === "ec" ? "sec1" : "pkcs1", format: "pem" }).toString();
    const pkcs8 = key.export({ type: "pkcs8", format: "pem" }).toString();
    const der = key.export({ type: "pkcs8", format: "der" }).toString("base64");
    const jwk = key.export({ format: "jwk" }) as Record<string, string>;
    const spki = crypto.createPublicKey(key);
    const publicJwk = spki.export({ format: "jwk" }) as Record<string, string>;
    const publicCorpus = [
        spki.export({ type: "spki", format: "pem" }).toString().replace(/\s+/g, ""),
        spki.export({ type: "spki", format: "der" }).toString("base64"),
        ...Object.values(publicJwk).flatMap((v) => [v, Buffer.from(v, "base64url").toString("base64")]),
    ].join(" ");
    const privateMembers = ["d", "p", "q", "dp", "dq", "qi"].filter((m) => jwk[m] !== undefined).flatMap((m) => [jwk[m], Buffer.from(jwk[m], "base64url").toString("base64")]);
    const body = (text: string) => text.split(/\s+/).filter((l) => l !== "" && !l.startsWith("-----"));
    const talos = Buffer.from(traditional).toString("base64");
    const upper = kind === "ec" ? "EC" : "RSA";
    return [
        { id: `${kind}-pkcs8`, name: `${upper} PKCS#8 PEM`, text: pkcs8, pem: true, found: "a PEM PRIVATE KEY block", secrets: [...body(pkcs8), ...privateMembers], publicCorpus },
        { id: `${kind}-trad`, name: `${upper} ${kind === "ec" ? "SEC1" : "PKCS#1"} PEM`, text: traditional, pem: true, found: `a PEM ${upper} PRIVATE KEY block`, secrets: [...body(traditional), ...privateMembers], publicCorpus },
        { id: `${kind}-talos`, name: `${upper} Talos form (base64 of PEM)`, text: talos, pem: false, found: `not PEM: [\\d,]+ bytes of base64 that decode to a PEM ${upper} PRIVATE KEY block \\(the Talos form\\)`, secrets: [talos, ...privateMembers], publicCorpus },
        { id: `${kind}-der`, name: `${upper} base64 DER`, text: der, pem: false, found: "not PEM: [\\d,]+ bytes of base64-encoded DER \\(a binary key\\?\\)", secrets: [der, ...privateMembers], publicCorpus },
        { id: `${kind}-jwk`, name: `${upper} JWK with d`, text: JSON.stringify(jwk), pem: false, found: 'a JWK with private members \\("d"\\): a private key', secrets: [...privateMembers, ...privateMembers.map(b64url)], publicCorpus },
    ];
}

/** Asserts that no 20-character piece of any form's secret text (that is not also public) appears in `text`. */
export function assertNoKeyMaterial(text: string, forms: readonly PrivateKeyForm[]): void {
    const flat = text.replace(/\\n|\s+/g, "");
    for (const form of forms) {
        for (const secret of form.secrets) {
            for (let i = 0; i + 20 <= secret.length; i += 4) {
                const window = secret.slice(i, i + 20);
                if (form.publicCorpus.includes(window)) {
                    continue;
                }
                assert.ok(!text.includes(window) && !flat.includes(window), `${form.name}: the text holds ${JSON.stringify(window)} of the private key`);
            }
        }
    }
}
