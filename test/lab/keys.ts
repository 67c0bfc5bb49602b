// The committed key fixtures (test/fixtures/keys, vectors by OpenSSL in vectors.json).
import * as fs from "node:fs";
import * as path from "node:path";

export const KEYS = path.join(__dirname, "..", "..", "..", "test", "fixtures", "keys");
export const key = (file: string): string => fs.readFileSync(path.join(KEYS, file), "utf8");
