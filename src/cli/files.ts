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
