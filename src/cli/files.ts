import * as fs from "node:fs";
import { IrsaInputError, restate } from "../oidc/errors";
import { readPrivateKey, readPublicKey, refusePrivateKey, splitPemBlocks } from "../oidc/keys";
import type { CliIo } from "./command";

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * The most the CLI reads from a file or standard input, per flag (README, "Security and limits"). Past it the
 * read stops and the command fails at once, naming the flag: `/dev/zero` or `yes |` can neither hang it nor
 * fill its memory.
 */
export const READ_LIMITS: Readonly<Record<string, number>> = {
    // --service-account-key-file may hold many keys: 1 MiB is hundreds of RSA-4096 keys.
    "--key": MiB,
    "--public-key": MiB,
    // STS takes tokens up to 20,000 characters; reading up to 64 KiB lets the doctor say how much longer one is.
    "--token": 64 * KiB,
    // IAM's largest trust policy quota is 8,192 characters without white space; 64 KiB leaves room for indenting.
    "--trust-policy": 64 * KiB,
    // A whole system CA bundle is about 220 KiB.
    "--ca-file": MiB,
};
const DEFAULT_READ_LIMIT = MiB;

/** The read limit of a flag, in bytes. */
export function readLimit(flag: string): number {
    return READ_LIMITS[flag] ?? DEFAULT_READ_LIMIT;
}

const bytes = (n: number) => `${n.toLocaleString("en-US")} bytes`;

function tooLarge(flag: string, shown: string, limit: number): IrsaInputError {
    return new IrsaInputError(flag, shown, `is larger than ${bytes(limit)}, the most ${flag} reads (reading stopped there)`, `pass the file itself, not a device or an endless stream (limits: README, "Security and limits")`);
}

function unreadable(err: unknown, path: string, flag: string): IrsaInputError {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "does not exist" : code === "EISDIR" ? "is a directory" : code === "EACCES" ? "is not readable (permission denied)" : `cannot be read (${(err as Error).message})`;
    return new IrsaInputError(flag, path, reason, `pass the path of an existing file to ${flag}`);
}

/** Reads the file a flag names, at most `readLimit(flag)` bytes; a missing, unreadable or larger file is an input error naming the flag. */
export function readFlagFile(path: string, flag: string, limit = readLimit(flag)): string {
    let fd: number;
    try {
        fd = fs.openSync(path, "r");
    } catch (err) {
        throw unreadable(err, path, flag);
    }
    try {
        const buffer = Buffer.alloc(limit + 1);
        let total = 0;
        for (;;) {
            const n = fs.readSync(fd, buffer, total, buffer.length - total, null);
            if (n === 0) {
                break;
            }
            total += n;
            if (total > limit) {
                throw tooLarge(flag, path, limit);
            }
        }
        return buffer.toString("utf8", 0, total);
    } catch (err) {
        throw err instanceof IrsaInputError ? err : unreadable(err, path, flag);
    } finally {
        fs.closeSync(fd);
    }
}

/** Reads a flag's file, or standard input when the value is "-"; both bounded by the flag's read limit. */
export async function readFlagFileOrStdin(path: string, flag: string, io: CliIo): Promise<string> {
    if (path !== "-") {
        return readFlagFile(path, flag);
    }
    const limit = readLimit(flag);
    const text = await io.readStdin(limit);
    if (Buffer.byteLength(text, "utf8") > limit) {
        throw tooLarge(flag, "-", limit);
    }
    return text;
}

/** What a key flag must hold: a private signing key, public keys only, or either (only the public half is used). */
export type KeyFileKind = "private" | "public" | "any";

/**
 * Reads a flag's key file and checks every key in it with the core, so that an error names the flag and the
 * file (`--key` "sa.key"), says what was found ("not PEM: 1,234 bytes of base64"), and never shows any part of
 * the content. "public" refuses private keys; "private" needs one private key.
 */
export function readKeyFile(path: string, flag: string, kind: KeyFileKind): string {
    const text = readFlagFile(path, flag);
    if (text.trim() === "") {
        throw new IrsaInputError(flag, path, "is empty", `pass a PEM key file to ${flag}`);
    }
    // eslint-disable-next-line no-control-regex
    if (!text.includes("-----BEGIN ") && /[\u0000-\u0008\u000e-\u001f\ufffd]/.test(text)) {
        throw new IrsaInputError(flag, path, "is binary (DER?), not a PEM text file", `convert it first: openssl pkey -inform DER -in ${path} -out key.pem (add -pubin for a public key)`);
    }
    return checkKeyText(text, path, flag, kind);
}

/** Checks the text of a key file already read (see readKeyFile); returns it. */
export function checkKeyText(text: string, path: string, flag: string, kind: KeyFileKind): string {
    try {
        if (kind === "private") {
            readPrivateKey(text, flag);
        } else {
            if (kind === "public") {
                refusePrivateKey(text, flag);
            }
            const blocks = splitPemBlocks(text);
            for (const block of blocks.length > 0 ? blocks : [text]) {
                readPublicKey(block, flag, { acceptPrivate: kind === "any" });
            }
        }
    } catch (err) {
        throw err instanceof IrsaInputError ? restate(err, flag, path) : err;
    }
    return text;
}
