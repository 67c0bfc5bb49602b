import * as fs from "node:fs";
import { IrsaInputError } from "../oidc/errors";
import type { CliIo } from "./command";

/** Reads the file a flag names; a missing or unreadable file is an input error naming the flag. */
export function readFlagFile(path: string, flag: string): string {
    try {
        return fs.readFileSync(path, "utf8");
    } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const reason = code === "ENOENT" ? "does not exist" : code === "EISDIR" ? "is a directory" : code === "EACCES" ? "is not readable (permission denied)" : `cannot be read (${(err as Error).message})`;
        throw new IrsaInputError(flag, path, reason, `pass the path of an existing file to ${flag}`);
    }
}

/** Reads a flag's file, or standard input when the value is "-". */
export async function readFlagFileOrStdin(path: string, flag: string, io: CliIo): Promise<string> {
    return path === "-" ? io.readStdin() : readFlagFile(path, flag);
}

/**
 * Reads a flag's PEM file. An empty or binary (DER) file fails here, naming the flag and the file, rather
 * than later as "`--key[0]` "" is not a PEM key" with the file's bytes as the value.
 */
export function readPemFlagFile(path: string, flag: string): string {
    const text = readFlagFile(path, flag);
    if (text.trim() === "") {
        throw new IrsaInputError(flag, path, "is empty", `pass a PEM key file to ${flag}`);
    }
    if (!text.includes("-----BEGIN ") && /[\u0000-\u0008\u000e-\u001f\ufffd]/.test(text)) {
        throw new IrsaInputError(flag, path, "is binary (DER?), not a PEM text file", `convert it first: openssl pkey -inform DER -in ${path} -out key.pem (add -pubin for a public key)`);
    }
    return text;
}
