// The package as a user gets it: `npm pack`, installed into a fresh project, used from CommonJS, ESM and
// TypeScript (three module resolutions), its CLI through npx, and the TypeScript examples type-checked against
// it the way a user who copied one out would install it. `npm test` builds dist/ before this runs.
import { strict as assert } from "node:assert";
import { execFile, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { REPO_ROOT } from "./helpers/plugin-host";

const PKG = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"));
const TARBALL = `selfhosted-irsa-${PKG.version}.tgz`;
/** The spec every TypeScript example gives, as `npm install ./selfhosted-irsa-<version>.tgz` writes it. */
export const EXAMPLE_SPEC = `file:${TARBALL}`;
const EXAMPLES = path.join(REPO_ROOT, "examples");
const TS_EXAMPLES = fs.readdirSync(EXAMPLES).filter((d) => fs.existsSync(path.join(EXAMPLES, d, "index.ts")));

function npm(args: string[], cwd: string): string {
    const r = spawnSync("npm", args, { cwd, encoding: "utf8", env: { ...process.env, npm_config_update_notifier: "false" } });
    assert.equal(r.status, 0, `npm ${args.join(" ")} failed:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
}

function run(cmd: string, args: string[], cwd: string): Run {
    const r = spawnSync(cmd, args, { cwd, encoding: "utf8" });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("npm pack → npm install into a fresh project", { timeout: 300_000 }, () => {
    let work: string;
    let app: string;
    let packed: { path: string }[];
    let typeChecks: Promise<Record<string, Run>>;

    before(() => {
        work = fs.mkdtempSync(path.join(os.tmpdir(), "irsa-install-"));
        app = path.join(work, "app");
        fs.mkdirSync(app);
        // --ignore-scripts: `prepare` would rebuild dist/ while other test files read it; npm test built it.
        const out = npm(["pack", "--ignore-scripts", "--json", "--pack-destination", work], REPO_ROOT);
        packed = JSON.parse(out)[0].files;
        fs.copyFileSync(path.join(work, TARBALL), path.join(app, TARBALL));
        fs.writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "irsa-tarball-consumer", private: true }, null, 2));
        // The dependencies are in npm's cache after `npm ci`; typescript and @types/node at the repo's own versions.
        // --ignore-scripts skips only the dependencies' own (e.g. @pulumi/kubernetes fetching its plugin with the
        // Pulumi CLI): selfhosted-irsa has no install script, and a tarball's `prepare` never runs.
        npm(
            ["install", "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund", `./${TARBALL}`, `typescript@${PKG.devDependencies.typescript}`, `@types/node@${PKG.devDependencies["@types/node"]}`],
            app,
        );
        typeChecks = startTypeChecks(app);
        typeChecks.catch(() => undefined); // awaited (and reported) by the tests
    });
    after(() => fs.rmSync(work, { recursive: true, force: true }));

    it("the tarball holds compiled JS, declarations, README, CHANGELOG, package.json and the plugin's schema.json and PulumiPlugin.yaml, nothing else", () => {
        const paths = packed.map((f) => f.path).sort();
        // schema.json and PulumiPlugin.yaml: an installed copy is a plugin `pulumi package add` can start (dist/plugin.js serves the schema).
        const unexpected = paths.filter((p) => !/^dist\/.+\.(js|d\.ts)$/.test(p) && !["package.json", "README.md", "CHANGELOG.md", "schema.json", "PulumiPlugin.yaml"].includes(p));
        assert.deepEqual(unexpected, []);
        for (const p of ["dist/index.js", "dist/index.d.ts", "dist/cli/main.js", "dist/plugin.js", "schema.json", "PulumiPlugin.yaml"]) {
            assert.ok(paths.includes(p), `${p} missing from the tarball`);
        }
        assert.ok(!paths.some((p) => /(^|\/)(test|fixtures|build|src)\//.test(p)), "no test, fixture, build or source files");
    });

    it("installs as a dependency with its bin, at package.json's version", () => {
        const installed = JSON.parse(fs.readFileSync(path.join(app, "node_modules", "selfhosted-irsa", "package.json"), "utf8"));
        assert.equal(installed.version, PKG.version);
        assert.ok(fs.existsSync(path.join(app, "node_modules", ".bin", "selfhosted-irsa")));
    });

    it("a program under Pulumi mocks constructs SelfHostedIrsa and IrsaRole; CommonJS require and ESM import agree", () => {
        fs.writeFileSync(path.join(app, "program.mjs"), PROGRAM);
        const r = run(process.execPath, ["program.mjs"], app);
        assert.equal(r.status, 0, r.stderr);
        const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
        assert.match(out.issuerUrl, /^https:\/\/irsa-demo-bucket\.s3\.eu-west-1\.amazonaws\.com$/);
        assert.equal(out.oidcProviderArn, "arn:aws:iam::123456789012:oidc-provider/irsa-demo-bucket.s3.eu-west-1.amazonaws.com");
        assert.equal(out.roleArn, "arn:aws:iam::123456789012:role/apps-reader");
        assert.equal(out.privateKeyIsSecret, true);
        assert.equal(out.packageVersion, PKG.version);
        // ESM named imports are the CommonJS exports (cjs-module-lexer found tsc's re-exports).
        assert.deepEqual(out.esmSameAsCjs, { SelfHostedIrsa: true, IrsaRole: true, buildJwks: true });
    });

    it("TypeScript type-checks a consumer with moduleResolution node, node16 and bundler; a wrong call is reported", async () => {
        const results = await typeChecks;
        // node (node10) checks the consumer together with the examples, below.
        assert.equal(results.node.status, 0, results.node.stdout);
        for (const resolution of ["node16", "bundler"]) {
            // Each of these holds the consumer and a wrong call: only the wrong call fails, so the check is real.
            const r = results[resolution];
            assert.notEqual(r.status, 0, resolution);
            const errors = r.stdout.split("\n").filter((l) => /error TS\d+/.test(l));
            assert.ok(errors.length > 0 && errors.every((l) => /(^|\/)wrong\.ts\(/.test(l)), `${resolution}:\n${r.stdout}`);
            assert.match(r.stdout, /wrong\.ts\(2,\d+\): error TS2322: Type 'number' is not assignable/, resolution);
        }
    });

    it("`npx selfhosted-irsa --help` runs the installed CLI", () => {
        const r = run("npx", ["--no-install", "selfhosted-irsa", "--help"], app);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /^selfhosted-irsa: IAM Roles for Service Accounts/);
        assert.match(r.stdout, /cluster-config/);
    });

    it("every TypeScript example depends on the package as a user installs it, and its imports are installed", () => {
        assert.ok(TS_EXAMPLES.length >= 4, `examples found: ${TS_EXAMPLES.join(", ")}`);
        const installed = new Set(fs.readdirSync(path.join(app, "node_modules")).flatMap((d) => (d.startsWith("@") ? fs.readdirSync(path.join(app, "node_modules", d)).map((s) => `${d}/${s}`) : [d])));
        for (const example of TS_EXAMPLES) {
            const manifest = JSON.parse(fs.readFileSync(path.join(EXAMPLES, example, "package.json"), "utf8"));
            assert.equal(manifest.dependencies?.["selfhosted-irsa"], EXAMPLE_SPEC, `examples/${example}/package.json`);
            for (const dep of Object.keys(manifest.dependencies)) {
                assert.ok(installed.has(dep), `examples/${example} depends on ${dep}, which selfhosted-irsa does not bring`);
            }
            const source = fs.readFileSync(path.join(EXAMPLES, example, "index.ts"), "utf8");
            for (const [, imported] of source.matchAll(/from "([^".][^"]*)"/g)) {
                const pkg = imported.startsWith("@") ? imported.split("/").slice(0, 2).join("/") : imported.split("/")[0];
                assert.ok(pkg in manifest.dependencies, `examples/${example} imports ${imported} but its package.json lacks ${pkg}`);
            }
        }
    });

    it("the TypeScript examples type-check against the installed package (no path mapping to src/)", async () => {
        const r = (await typeChecks).node;
        assert.equal(r.status, 0, r.stdout + r.stderr);
    });
});

interface Run {
    status: number | null;
    stdout: string;
    stderr: string;
}

/**
 * The type checks, started together (each tsc run loads @pulumi/aws's declarations, ~10 s): the examples plus a
 * consumer under moduleResolution node, and under node16 and bundler a consumer with a wrong file beside it.
 */
function startTypeChecks(app: string): Promise<Record<string, Run>> {
    const tsc = path.join(app, "node_modules", "typescript", "bin", "tsc");
    const project = (name: string, options: Record<string, string>, sources: Record<string, string>): [string, Promise<Run>] => {
        const dir = path.join(app, `ts-${name}`);
        for (const [file, text] of Object.entries(sources)) {
            fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
            fs.writeFileSync(path.join(dir, file), text);
        }
        writeTsconfig(dir, options, Object.keys(sources));
        return [name, runAsync(process.execPath, [tsc, "-p", dir], app)];
    };
    const examples = Object.fromEntries(TS_EXAMPLES.map((e) => [`${e}/index.ts`, fs.readFileSync(path.join(EXAMPLES, e, "index.ts"), "utf8")]));
    const node16 = { module: "node16", moduleResolution: "node16" };
    const bundler = { module: "esnext", moduleResolution: "bundler" };
    const checks = [
        project("node", { module: "commonjs", moduleResolution: "node" }, { ...examples, "consumer.ts": TS_CONSUMER }),
        project("node16", node16, { "consumer.ts": TS_CONSUMER, "wrong.ts": TS_WRONG }),
        project("bundler", bundler, { "consumer.ts": TS_CONSUMER, "wrong.ts": TS_WRONG }),
    ];
    return Promise.all(checks.map(async ([name, p]) => [name, await p] as const)).then(Object.fromEntries);
}

function runAsync(cmd: string, args: string[], cwd: string): Promise<Run> {
    return new Promise((resolve) => {
        execFile(cmd, args, { cwd, encoding: "utf8", maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
            resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
    });
}

const TS_WRONG = `import { IrsaRole } from "selfhosted-irsa";\nnew IrsaRole("r", { namespace: 42, serviceAccount: "b" });\n`;

function writeTsconfig(dir: string, options: Record<string, string>, files: string[]): void {
    const compilerOptions = { target: "ES2022", strict: true, noEmit: true, skipLibCheck: true, esModuleInterop: true, types: ["node"], ...options };
    fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions, files }, null, 2));
}

const TS_CONSUMER = `import * as pulumi from "@pulumi/pulumi";
import { IrsaRole, SelfHostedIrsa, buildJwks } from "selfhosted-irsa";
import type { IrsaRoleArgs, SelfHostedIrsaArgs } from "selfhosted-irsa";

const args: SelfHostedIrsaArgs = { hosting: { kind: "s3" }, signingKey: { algorithm: "ECDSA" } };
const irsa = new SelfHostedIrsa("irsa", args);
const roleArgs: IrsaRoleArgs = {
    oidcProviderArn: irsa.oidcProviderArn,
    issuerUrl: irsa.issuerUrl,
    namespace: "apps",
    serviceAccount: "reader",
    managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"],
};
const role = new IrsaRole("reader", roleArgs);
export const roleArn: pulumi.Output<string> = role.roleArn;
export const keys: typeof buildJwks = buildJwks;
`;

// Plain JavaScript (an ES module) as a user would write it; mocks answer like AWS would for the few outputs
// checked. The package is loaded after setMocks, both ways: require (CommonJS) and import (ESM).
const PROGRAM = `import { createRequire } from "node:module";
import { generateKeyPairSync } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
const require = createRequire(import.meta.url);
pulumi.runtime.setMocks({
    newResource(args) {
        const state = { ...args.inputs };
        if (args.type === "aws:s3/bucket:Bucket") {
            state.bucket = args.inputs.bucket;
            state.region = "eu-west-1";
            state.arn = "arn:aws:s3:::" + state.bucket;
        }
        if (args.type === "aws:iam/openIdConnectProvider:OpenIdConnectProvider") {
            state.arn = "arn:aws:iam::123456789012:oidc-provider/" + String(args.inputs.url).replace("https://", "");
        }
        if (args.type === "aws:iam/role:Role") {
            state.name = args.inputs.name ?? args.name;
            state.arn = "arn:aws:iam::123456789012:role/" + state.name;
        }
        if (args.type === "tls:index/privateKey:PrivateKey") {
            const k = generateKeyPairSync("rsa", { modulusLength: 2048 });
            state.privateKeyPem = k.privateKey.export({ type: "pkcs8", format: "pem" });
            state.privateKeyPemPkcs8 = state.privateKeyPem;
            state.publicKeyPem = k.publicKey.export({ type: "spki", format: "pem" });
        }
        return { id: args.name + "_id", state };
    },
    call(args) {
        if (args.token === "aws:index/getRegion:getRegion") return { name: "eu-west-1", region: "eu-west-1", id: "eu-west-1" };
        if (args.token === "aws:index/getCallerIdentity:getCallerIdentity") return { accountId: "123456789012", arn: "x", userId: "x", id: "123456789012" };
        if (args.token === "aws:index/getPartition:getPartition") return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
        return args.inputs;
    },
}, "consumer", "dev", false);

const { SelfHostedIrsa, IrsaRole, buildJwks } = require("selfhosted-irsa");
const esm = await import("selfhosted-irsa");
const esmSameAsCjs = { SelfHostedIrsa: esm.SelfHostedIrsa === SelfHostedIrsa, IrsaRole: esm.IrsaRole === IrsaRole, buildJwks: esm.buildJwks === buildJwks };
const irsa = new SelfHostedIrsa("demo", { bucketName: "irsa-demo-bucket", region: "eu-west-1", webhook: { enabled: false } });
const role = new IrsaRole("reader", {
    oidcProviderArn: irsa.oidcProviderArn,
    issuerUrl: irsa.issuerUrl,
    namespace: "apps",
    serviceAccount: "reader",
    roleName: "apps-reader",
    managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"],
});
pulumi.all([irsa.issuerUrl, irsa.oidcProviderArn, role.roleArn, pulumi.isSecret(irsa.privateKeyPem)]).apply(([issuerUrl, oidcProviderArn, roleArn, privateKeyIsSecret]) => {
    const packageVersion = require("selfhosted-irsa/package.json").version;
    console.log(JSON.stringify({ issuerUrl, oidcProviderArn, roleArn, privateKeyIsSecret, packageVersion, esmSameAsCjs }));
});
`;
