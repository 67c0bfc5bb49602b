// What the engine tests check beyond the engine's own exit codes: the published documents with the real
// doctor (over the loopback issuer), private keys nowhere in a state export, and which outputs are secret.
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { AwsHttps } from "./aws-https";
import { isSecretInState, REPO, runCommand, StateResource } from "./engine";

export interface DoctorResult {
    code: number | null;
    report: string;
}

/** `selfhosted-irsa doctor --issuer <issuer>` (and a token, trust policy, audience) against the loopback issuer. */
export async function doctor(https: AwsHttps, dir: string, args: { issuer: string; token?: string; trustPolicy?: string; audience?: string; extraHosts?: string[] }): Promise<DoctorResult> {
    const ca = path.join(dir, "aws-ca.pem");
    fs.writeFileSync(ca, https.caPem);
    const argv = [path.join(REPO, "dist", "cli", "main.js"), "doctor", "--issuer", args.issuer, "--ca-file", ca];
    if (args.trustPolicy !== undefined) {
        const file = path.join(dir, "trust-policy.json");
        fs.writeFileSync(file, args.trustPolicy);
        argv.push("--trust-policy", file);
    }
    if (args.audience !== undefined) {
        argv.push("--audience", args.audience);
    }
    if (args.token !== undefined) {
        argv.push("--token", "-");
    }
    const result = await runCommand(process.execPath, argv, dir, { PATH: process.env.PATH, ...https.clientEnv(args.extraHosts) }, { allowFail: true, timeoutMs: 60_000, input: args.token });
    return { code: result.code, report: result.stdout + result.stderr };
}

/** A PEM private key's header, of any kind (PKCS#8, PKCS#1, SEC 1, encrypted). */
const PEM_PRIVATE_KEY_HEADER = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/**
 * The 40-character lines of `privateKeyPems` that only the private key holds. A private key's PEM also encodes its
 * public half (the RSA modulus, the EC point), which public outputs carry too (OpenSSH, SPKI, JWKS): a line lying
 * wholly inside a public component, at any byte alignment, proves nothing, so only the other lines count.
 */
function privateKeyLines(privateKeyPems: readonly string[]): string[] {
    return privateKeyPems.flatMap((pem) => {
        const jwk = crypto.createPublicKey(pem).export({ format: "jwk" }) as Record<string, string>;
        const publicRuns = ["n", "x", "y"].filter((k) => jwk[k]).flatMap((k) => [0, 1, 2].map((i) => Buffer.from(jwk[k], "base64url").subarray(i).toString("base64")));
        return pem.split("\n").filter((l) => l.length >= 40 && !l.startsWith("-----") && !publicRuns.some((run) => run.includes(l.slice(4, -4))));
    });
}

/** Where a private key stands in clear in a command's output: a PEM private key header, or a line of one of `privateKeyPems`. */
export function plaintextKeyInText(text: string, privateKeyPems: readonly string[]): string[] {
    const problems = text.split("\n").filter((line) => PEM_PRIVATE_KEY_HEADER.test(line)).map((line) => `a PEM private key header after: ${line.slice(0, line.search(/-----BEGIN/)).slice(-100)}`);
    const lines = privateKeyLines(privateKeyPems).filter((needle) => text.includes(needle));
    return lines.length > 0 ? [...problems, `${lines.length} line(s) of the private key`] : problems;
}

/**
 * Where a private key stands in clear in a state export: a PEM private key header, or any 40-character line of
 * one of `privateKeyPems` (also inside base64 or escaped text), reported with the resource and property path.
 */
export function plaintextKeyProblems(exportText: string, privateKeyPems: readonly string[]): string[] {
    const needles = privateKeyLines(privateKeyPems);
    const problems: string[] = [];
    const walk = (v: unknown, where: string) => {
        if (typeof v === "string") {
            if (PEM_PRIVATE_KEY_HEADER.test(v)) {
                problems.push(`${where}: a PEM private key in clear`);
            } else if (needles.some((n) => v.includes(n))) {
                problems.push(`${where}: a line of a private key in clear`);
            }
        } else if (Array.isArray(v)) {
            v.forEach((x, i) => walk(x, `${where}[${i}]`));
        } else if (v && typeof v === "object") {
            for (const [k, x] of Object.entries(v)) {
                walk(x, `${where}.${k}`);
            }
        }
    };
    const deployment = JSON.parse(exportText).deployment as { resources?: StateResource[] };
    for (const r of deployment.resources ?? []) {
        walk(r, r.urn.split("::").slice(-2).join(" "));
    }
    if (problems.length === 0 && needles.some((n) => exportText.includes(n))) {
        problems.push("a line of a private key in clear outside the resources");
    }
    return problems;
}

/** The names of a resource's outputs the state stores as secrets. */
export function secretOutputs(resource: StateResource): string[] {
    return Object.entries(resource.outputs ?? {})
        .filter(([, v]) => isSecretInState(v))
        .map(([k]) => k)
        .sort();
}

/** Resources of the state by type and name (the last part of the URN). */
export function stateResource(resources: StateResource[], type: string, name: string): StateResource {
    const found = resources.find((r) => r.type === type && r.urn.endsWith(`::${name}`));
    if (!found) {
        throw new Error(`no ${type} named ${name} in the state; it has: ${resources.map((r) => `${r.type} ${r.urn.split("::").pop()}`).join(", ")}`);
    }
    return found;
}
