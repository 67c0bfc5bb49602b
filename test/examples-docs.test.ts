// What the docs tell a user to read from a stack exists in the examples, and the examples' comments about
// apiServerArgs list exactly the flags the component puts there.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { parse as parseYaml } from "yaml";
import { buildApiServerArgs } from "../src/kubernetes/api-server-args";
import { REPO_ROOT } from "./helpers/plugin-host";

const EXAMPLES = path.join(REPO_ROOT, "examples");
const read = (...p: string[]) => fs.readFileSync(path.join(...p), "utf8");
const examples = fs.readdirSync(EXAMPLES).filter((d) => fs.statSync(path.join(EXAMPLES, d)).isDirectory());

/** The stack outputs an example program exports, whatever its language. */
function exportsOf(example: string): Set<string> {
    const dir = path.join(EXAMPLES, example);
    if (fs.existsSync(path.join(dir, "index.ts"))) {
        return new Set([...read(dir, "index.ts").matchAll(/^export const (\w+)/gm)].map((m) => m[1]));
    }
    if (fs.existsSync(path.join(dir, "__main__.py"))) {
        return new Set([...read(dir, "__main__.py").matchAll(/^pulumi\.export\("(\w+)"/gm)].map((m) => m[1]));
    }
    return new Set(Object.keys(parseYaml(read(dir, "Pulumi.yaml")).outputs ?? {}));
}

const stackOutputsNamed = (text: string) => [...text.matchAll(/pulumi stack output (\w+)/g)].map((m) => m[1]);

describe("examples and the docs that point at them", () => {
    it("every `pulumi stack output X` in the README is exported by the TypeScript example the README follows (s3-basic)", () => {
        const named = stackOutputsNamed(read(REPO_ROOT, "README.md"));
        assert.ok(named.includes("talosSecretPatch"), "the README's Talos steps read talosSecretPatch");
        const exported = exportsOf("s3-basic");
        assert.deepEqual(named.filter((n) => !exported.has(n)), []);
    });

    it("every `pulumi stack output X` in an example (program or README) is exported by that example", () => {
        for (const example of examples) {
            const dir = path.join(EXAMPLES, example);
            const texts = fs.readdirSync(dir).filter((f) => /\.(ts|py|yaml|md)$/.test(f)).map((f) => read(dir, f));
            const missing = texts.flatMap(stackOutputsNamed).filter((n) => !exportsOf(example).has(n));
            assert.deepEqual(missing, [], `examples/${example}`);
        }
    });

    it("comments on apiServerArgs list exactly the flags it holds (no --api-audiences)", () => {
        const flags = Object.keys(buildApiServerArgs({ issuerUrl: "https://oidc.example.com", jwksUri: "https://oidc.example.com/openid/v1/jwks" })).map((k) => `--${k}`);
        let checked = 0;
        for (const example of examples.filter((e) => fs.existsSync(path.join(EXAMPLES, e, "index.ts")))) {
            const source = read(EXAMPLES, example, "index.ts");
            const claim = /Give these to kube-apiserver \(([^)]*)\)/.exec(source);
            if (claim) {
                checked++;
                assert.deepEqual([...claim[1].matchAll(/--[\w-]+/g)].map((m) => m[0]), flags, `examples/${example}`);
            }
            assert.doesNotMatch(source, /apiServerArgs[^\n]*(includes|holds|with)[^\n]*--api-audiences/, `examples/${example}`);
        }
        assert.ok(checked >= 2, "the s3-basic and cloudfront examples carry the comment");
    });
});
