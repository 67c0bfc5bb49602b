// The folder layout is the architecture (README, "Development"): each folder of src/ is a layer, and a file
// imports only from its own layer or from lower ones. The pure layers never load @pulumi/* at run time, so the
// CLI (which may import them) stays fast; only src/components/ registers resources.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";

const SRC = path.join(__dirname, "..", "..", "src");

/** Layers, lowest first. A file may import from its own layer and from layers of a lower rank. */
const RANK: Record<string, number> = { oidc: 0, common: 0, aws: 1, kubernetes: 1, webhook: 2, plans: 3, components: 4, "(root)": 5 };
/** Folders whose files may be loaded without the Pulumi runtime (type imports only). */
const PURE = ["oidc", "common", "aws", "kubernetes", "webhook", "plans"];
/** What the CLI may import besides itself: only pure layers. */
const CLI_MAY_IMPORT = ["oidc", "common", "aws", "kubernetes", "webhook"];

function sourceFiles(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []));
}

/** The layer of a file under src/: its top folder, or "(root)". */
function layerOf(file: string): string {
    const parts = path.relative(SRC, file).split(path.sep);
    return parts.length === 1 ? "(root)" : parts[0];
}

interface Import {
    specifier: string;
    typeOnly: boolean;
}

/** Every static import, export-from and require of a file (comments are stripped first). */
function importsOf(file: string): Import[] {
    const text = fs.readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
    const found: Import[] = [];
    for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^"';]*?from\s+"([^"]+)"/gm)) {
        found.push({ specifier: m[3], typeOnly: m[2] !== undefined });
    }
    for (const m of text.matchAll(/^\s*import\s+"([^"]+)"/gm)) {
        found.push({ specifier: m[1], typeOnly: false });
    }
    for (const m of text.matchAll(/require\("([^"]+)"\)/g)) {
        found.push({ specifier: m[1], typeOnly: false });
    }
    return found;
}

const files = sourceFiles(SRC);

describe("src/ layout: layers, purity", () => {
    it("has the layers the README names, and nothing else at the top", () => {
        const top = fs.readdirSync(SRC, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
        assert.deepEqual(top, ["aws", "cli", "common", "components", "kubernetes", "oidc", "plans", "webhook"]);
    });

    it("never imports from a higher layer, and aws/ and kubernetes/ never import each other", () => {
        const upward: string[] = [];
        for (const file of files) {
            const from = layerOf(file);
            for (const { specifier } of importsOf(file)) {
                if (!specifier.startsWith(".")) continue;
                const to = layerOf(path.resolve(path.dirname(file), specifier));
                if (to === from) continue;
                const rel = path.relative(SRC, file);
                if (from === "cli") {
                    if (!CLI_MAY_IMPORT.includes(to)) upward.push(`${rel} -> ${specifier} (the CLI may import only ${CLI_MAY_IMPORT.join(", ")})`);
                    continue;
                }
                if (to === "cli" || RANK[to] > RANK[from] || (RANK[to] === RANK[from] && to !== from)) {
                    upward.push(`${rel} (${from}) -> ${specifier} (${to})`);
                }
            }
        }
        assert.deepEqual(upward, []);
    });

    it("loads @pulumi/* at run time only in src/components/ and the root (the pure layers import its types only)", () => {
        const impure: string[] = [];
        for (const file of files) {
            if (!PURE.includes(layerOf(file)) && layerOf(file) !== "cli") continue;
            for (const { specifier, typeOnly } of importsOf(file)) {
                if (specifier.startsWith("@pulumi/") && !typeOnly) impure.push(`${path.relative(SRC, file)} -> ${specifier}`);
            }
        }
        assert.deepEqual(impure, []);
    });
});
