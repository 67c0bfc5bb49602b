// The package as a user gets it: `npm pack`, installed into a fresh project, used from CommonJS, ESM and
// TypeScript (three module resolutions), its CLI through npx, and the TypeScript examples type-checked against
// it the way a user who copied one out would install it. `npm test` builds dist/ before this runs.
import { strict as assert } from "node:assert";
import { execFile, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { createPublicKey } from "node:crypto";
import { parse as parseYaml } from "yaml";
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
    let readmeTest: Promise<Run>;
    let exampleRuns: Promise<Record<string, Run>>;
    let userInstall: Promise<{ dir: string; install: Run }>;

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
        // README "Testing your own stack": its test file and command, against examples/s3-basic as the program.
        readmeTest = startReadmeTest(app);
        readmeTest.catch(() => undefined);
        // Every TypeScript example compiled as its README's `npm install` leaves it, then run under the testing mocks.
        exampleRuns = startExampleRuns(app);
        exampleRuns.catch(() => undefined);
        // One example installed exactly as its README says: the tarball copied beside it, `npm install`.
        userInstall = startUserInstall(work);
        userInstall.catch(() => undefined);
    });
    after(() => fs.rmSync(work, { recursive: true, force: true }));

    it("the tarball holds compiled JS, declarations, README, CHANGELOG, package.json, the plugin's schema.json and PulumiPlugin.yaml, and the doctor's RBAC, nothing else", () => {
        const paths = packed.map((f) => f.path).sort();
        // schema.json and PulumiPlugin.yaml: an installed copy is a plugin `pulumi package add` can start (dist/plugin.js serves the schema).
        const unexpected = paths.filter((p) => !/^dist\/.+\.(js|d\.ts)$/.test(p) && !["package.json", "README.md", "CHANGELOG.md", "schema.json", "PulumiPlugin.yaml", "rbac/doctor-cluster.yaml"].includes(p));
        assert.deepEqual(unexpected, []);
        for (const p of ["dist/index.js", "dist/index.d.ts", "dist/cli/main.js", "dist/plugin.js", "schema.json", "PulumiPlugin.yaml", "rbac/doctor-cluster.yaml"]) {
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
        assert.match(out.issuerUrl, /^https:\/\/irsa-demo-bucket-123456789012-eu-west-1-an\.s3\.eu-west-1\.amazonaws\.com$/);
        assert.equal(out.oidcProviderArn, "arn:aws:iam::123456789012:oidc-provider/irsa-demo-bucket-123456789012-eu-west-1-an.s3.eu-west-1.amazonaws.com");
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

    it("one copy of @pulumi/pulumi in the user's tree (a peer dependency): npm ls, and on disk", async () => {
        for (const dir of [app, (await userInstall).dir]) {
            const ls = spawnSync("npm", ["ls", "@pulumi/pulumi", "--all", "--parseable"], { cwd: dir, encoding: "utf8" });
            assert.equal(ls.status, 0, ls.stdout + ls.stderr);
            const paths = [...new Set(ls.stdout.split("\n").filter((l) => l.trim() !== ""))];
            assert.deepEqual(paths, [path.join(dir, "node_modules", "@pulumi", "pulumi")], dir);
            assert.deepEqual(copiesOnDisk(path.join(dir, "node_modules"), "@pulumi/pulumi"), [path.join(dir, "node_modules", "@pulumi", "pulumi")]);
        }
        const installed = JSON.parse(fs.readFileSync(path.join(app, "node_modules", "selfhosted-irsa", "package.json"), "utf8"));
        assert.equal(installed.peerDependencies["@pulumi/pulumi"], PKG.peerDependencies["@pulumi/pulumi"]);
        assert.equal(installed.dependencies["@pulumi/pulumi"], undefined, "not a dependency: npm would nest a second copy beside an older one");
    });

    it("an example installs exactly as its README says (the tarball beside it, npm install)", async () => {
        const { dir, install } = await userInstall;
        assert.equal(install.status, 0, install.stdout + install.stderr);
        const installed = JSON.parse(fs.readFileSync(path.join(dir, "node_modules", "selfhosted-irsa", "package.json"), "utf8"));
        assert.equal(installed.version, PKG.version);
    });

    it("README \"Testing your own stack\": its test, with its command, passes against the installed package", async () => {
        const r = await readmeTest;
        assert.equal(r.status, 0, r.stdout + r.stderr);
        // node --test's summary: TAP to a pipe on Node 20 and 22 ("# pass 3"), the spec reporter on Node 24 ("ℹ pass 3").
        assert.match(r.stdout, /^(?:# |ℹ )pass 3$/m, r.stdout);
        assert.match(r.stdout, /^(?:# |ℹ )fail 0$/m);
    });

    it("every TypeScript example has a README with the exact commands and every setting its program requires", () => {
        for (const example of TS_EXAMPLES) {
            const dir = path.join(EXAMPLES, example);
            const readme = fs.readFileSync(path.join(dir, "README.md"), "utf8");
            for (const command of [
                `git clone ${PKG.repository.url.replace(/^git\+/, "")}`,
                "npm ci && npm pack",
                `cp ${TARBALL} examples/${example}/ && cd examples/${example}`,
                "npm install\n",
                "pulumi stack init ",
                "pulumi up\n",
            ]) {
                assert.ok(readme.includes(command), `examples/${example}/README.md lacks \`${command.trim()}\``);
            }
            const settings = exampleSettings(example);
            assert.ok("aws:region" in settings.config, `examples/${example}: no aws:region set`);
            const source = fs.readFileSync(path.join(dir, "index.ts"), "utf8");
            for (const [, key] of source.matchAll(/config\.require(?:Secret|Object|Number|Boolean)?\("([^"]+)"\)/g)) {
                assert.ok(`${settings.project}:${key}` in settings.config, `examples/${example} requires ${key}, which its README does not set`);
            }
        }
    });

    it("every TypeScript example runs under the testing mocks with its README's settings, and gives what it says", async () => {
        const runs = await exampleRuns;
        const out = (example: string) => {
            const r = runs[example];
            assert.equal(r.status, 0, `examples/${example}:\n${r.stdout}\n${r.stderr}`);
            return JSON.parse(r.stdout.trim().split("\n").pop()!) as { exports: Record<string, any>; trustStatements: Record<string, number> };
        };
        assert.deepEqual(Object.keys(runs).sort(), [...TS_EXAMPLES].sort());
        const basic = out("s3-basic").exports;
        assert.match(basic.issuerUrl, /^https:\/\/cluster-irsa-[0-9a-f]{8}-123456789012-eu-west-1-an\.s3\.eu-west-1\.amazonaws\.com$/);
        assert.deepEqual(basic.apiServerArgs["service-account-issuer"], [basic.issuerUrl]);
        assert.match(basic.talosSecretPatch, /serviceAccount:/);
        assert.equal(out("cloudfront-custom-domain").exports.issuerUrl, "https://oidc.example.com");
        const multi = out("multi-cluster");
        assert.equal(multi.exports.roleArns.length, 1);
        assert.equal(multi.trustStatements["ledger-role"], 2, "the ledger role trusts both clusters");
        const consumer = out("consumer").exports;
        assert.match(consumer.readerRoleArn, /^arn:aws:iam::123456789012:role\/billing-reader-role-/);
        assert.equal(consumer.readerServiceAccount, "billing/reader");
        const cross = out("cross-account").exports;
        assert.match(cross.billingOidcProviderArn, /^arn:aws:iam::222233334444:oidc-provider\/prod-oidc\.s3\.eu-west-1\.amazonaws\.com$/);
        assert.match(cross.costExporterRoleArn, /^arn:aws:iam::222233334444:role\/cost-exporter-role-/);
        assert.match(cross.reportsRoleArn, /^arn:aws:iam::123456789012:role\/reports-writer-role-/);
    });

    it("the CLI's start-up: the bin run directly costs about what `node -e 0` does; through npx, npx's own start-up comes on top", (t) => {
        const pub = path.join(work, "sa.pub");
        fs.writeFileSync(pub, createPublicKey(fs.readFileSync(path.join(REPO_ROOT, "test", "fixtures", "keys", "rsa2048.pkcs8.pem"))).export({ type: "spki", format: "pem" }));
        const commands: Record<string, [string, string[]]> = {
            "node -e 0": [process.execPath, ["-e", "0"]],
            "node_modules/.bin/selfhosted-irsa jwks": [path.join(app, "node_modules", ".bin", "selfhosted-irsa"), ["jwks", "--key", pub]],
            "npx selfhosted-irsa jwks": ["npx", ["--no-install", "selfhosted-irsa", "jwks", "--key", pub]],
        };
        const times: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
        // Alternating rounds, so a change of load on the machine hits all three alike.
        for (let round = 0; round < 5; round++) {
            for (const [label, [cmd, args]] of Object.entries(commands)) {
                const start = process.hrtime.bigint();
                const r = spawnSync(cmd, args, { cwd: app, encoding: "utf8", env: { ...process.env, npm_config_update_notifier: "false" } });
                times[label].push(Number(process.hrtime.bigint() - start) / 1e9);
                assert.equal(r.status, 0, `${label}: ${r.stderr}`);
            }
        }
        const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
        const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
        t.diagnostic(`medians of 5 alternating rounds (s): ${JSON.stringify(m)}`);
        assert.ok(m["node_modules/.bin/selfhosted-irsa jwks"] < m["npx selfhosted-irsa jwks"], "npx adds its own start-up");
        assert.ok(m["node_modules/.bin/selfhosted-irsa jwks"] < 3 * m["node -e 0"] + 0.3, "the direct bin stays close to a bare node start");
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

function runAsync(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<Run> {
    return new Promise((resolve) => {
        execFile(cmd, args, { cwd, env, encoding: "utf8", maxBuffer: 16 << 20, timeout: 240_000 }, (err, stdout, stderr) =>
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
import { setIrsaMocks, valueOf } from "selfhosted-irsa/testing";
import type { IrsaMocks } from "selfhosted-irsa/testing";
export const mocks: () => IrsaMocks = () => setIrsaMocks({ region: "eu-west-1" });
export const value: Promise<string> = valueOf(pulumi.output("x"));

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
const irsa = new SelfHostedIrsa("demo", { bucketName: "irsa-demo-bucket-123456789012-eu-west-1-an", region: "eu-west-1", webhook: { enabled: false } });
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

/** Every installed copy of a package under a node_modules tree (nested ones included). */
function copiesOnDisk(nodeModules: string, pkg: string): string[] {
    const found: string[] = [];
    const walk = (dir: string) => {
        if (fs.existsSync(path.join(dir, pkg, "package.json"))) found.push(path.join(dir, pkg));
        for (const entry of fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : []) {
            if (!entry.isDirectory() || entry.name === ".bin") continue;
            const inner = entry.name.startsWith("@") ? fs.readdirSync(path.join(dir, entry.name)).map((n) => path.join(dir, entry.name, n)) : [path.join(dir, entry.name)];
            for (const p of inner) walk(path.join(p, "node_modules"));
        }
    };
    walk(nodeModules);
    return found;
}

/** The first ```ts block of a README section. */
function readmeBlock(heading: string): string {
    const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf(`## ${heading}\n`));
    const block = /```ts\n([\s\S]*?)```/.exec(section);
    assert.ok(block, `README "${heading}" has no ts block`);
    return block[1];
}

/** README "Testing your own stack": its file next to examples/s3-basic's program, run with the command it gives. */
async function startReadmeTest(app: string): Promise<Run> {
    const dir = path.join(app, "readme-test");
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(path.join(EXAMPLES, "s3-basic", "index.ts"), path.join(dir, "index.ts"));
    const test = readmeBlock("Testing your own stack");
    fs.writeFileSync(path.join(dir, "index.test.ts"), test);
    const command = /^\/\/\s+(npx tsc .*)$/m.exec(test);
    assert.ok(command, "the README's test names its command");
    // Not as a child of this test run: node --test reports to a parent runner instead of stdout when it sees one.
    const { NODE_TEST_CONTEXT: _parent, ...env } = process.env;
    return runAsync("sh", ["-c", command[1]], dir, env);
}

interface ExampleSettings {
    project: string;
    stack: string;
    config: Record<string, string>;
}

/** The settings an example's README gives: `pulumi stack init`, its Pulumi.<stack>.yaml, `pulumi config set` lines. */
function exampleSettings(example: string): ExampleSettings {
    const dir = path.join(EXAMPLES, example);
    const readme = fs.readFileSync(path.join(dir, "README.md"), "utf8");
    const project = String(parseYaml(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8")).name);
    const stack = /pulumi stack init (\S+)/.exec(readme)?.[1] ?? "dev";
    const key = (k: string) => (k.includes(":") ? k : `${project}:${k}`);
    const config: Record<string, string> = {};
    const stackFile = path.join(dir, `Pulumi.${stack}.yaml`);
    if (fs.existsSync(stackFile)) {
        for (const [k, v] of Object.entries(parseYaml(fs.readFileSync(stackFile, "utf8")).config ?? {})) config[key(k)] = typeof v === "string" ? v : JSON.stringify(v);
    }
    for (const [, k, raw] of readme.matchAll(/^pulumi config set (?:--secret )?(\S+) (.+?)(?:\s+#.*)?$/gm)) {
        // A kubeconfig read from a file ("$(cat ...)") stands in as a minimal one: nothing connects under mocks.
        config[key(k)] = raw.startsWith('"$(') ? "apiVersion: v1\nkind: Config\n" : raw.replace(/^'(.*)'$/, "$1").replace(/^"(.*)"$/, "$1");
    }
    return { project, stack, config };
}

// Runs a compiled example under selfhosted-irsa/testing, with the outputs of every stack its settings name.
const EXAMPLE_RUNNER = `
const { setIrsaMocks, valueOf } = require("selfhosted-irsa/testing");
const settings = JSON.parse(process.env.IRSA_EXAMPLE);
const stackOutputs = {};
for (const value of Object.values(settings.config)) {
    for (const [name] of value.matchAll(/[\\w-]+\\/[\\w-]+\\/[\\w-]+/g)) {
        const host = name.split("/").pop() + "-oidc.s3.eu-west-1.amazonaws.com";
        stackOutputs[name] = { oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/" + host, issuerUrl: "https://" + host, tokenAudience: "sts.amazonaws.com", webhookExemptNamespaces: [] };
    }
}
const mocks = setIrsaMocks({ ...settings, stackOutputs });
const program = require(process.argv[2]);
(async () => {
    const exports = {};
    for (const [name, value] of Object.entries(program)) exports[name] = await valueOf(value);
    await mocks.settled();
    const trustStatements = Object.fromEntries(mocks.ofType("aws:iam/role:Role").map((r) => [r.name, JSON.parse(r.inputs.assumeRolePolicy).Statement.length]));
    console.log(JSON.stringify({ exports, trustStatements }));
})();
`;

/** Compiles every TypeScript example (CommonJS) inside the app, then runs each under the mocks in its own process. */
async function startExampleRuns(app: string): Promise<Record<string, Run>> {
    const dir = path.join(app, "examples-run");
    for (const example of TS_EXAMPLES) {
        fs.mkdirSync(path.join(dir, example), { recursive: true });
        fs.copyFileSync(path.join(EXAMPLES, example, "index.ts"), path.join(dir, example, "index.ts"));
    }
    const tsc = path.join(app, "node_modules", "typescript", "bin", "tsc");
    const compiled = await runAsync(process.execPath, [tsc, "--outDir", path.join(dir, "build"), "--rootDir", dir, "--module", "commonjs", "--target", "es2022", "--esModuleInterop", "--skipLibCheck", "--types", "node", ...TS_EXAMPLES.map((e) => path.join(dir, e, "index.ts"))], app);
    assert.equal(compiled.status, 0, compiled.stdout + compiled.stderr);
    fs.writeFileSync(path.join(dir, "runner.js"), EXAMPLE_RUNNER);
    const runs = await Promise.all(
        TS_EXAMPLES.map(async (example) => {
            const env = { ...process.env, IRSA_EXAMPLE: JSON.stringify(exampleSettings(example)) };
            return [example, await runAsync(process.execPath, [path.join(dir, "runner.js"), path.join(dir, "build", example, "index.js")], app, env)] as const;
        }),
    );
    return Object.fromEntries(runs);
}

/** examples/s3-basic copied out with the tarball beside it, and `npm install` as its README says. */
async function startUserInstall(work: string): Promise<{ dir: string; install: Run }> {
    const dir = path.join(work, "s3-basic");
    fs.mkdirSync(dir);
    for (const file of ["index.ts", "package.json", "Pulumi.yaml"]) fs.copyFileSync(path.join(EXAMPLES, "s3-basic", file), path.join(dir, file));
    fs.copyFileSync(path.join(work, TARBALL), path.join(dir, TARBALL));
    // --ignore-scripts: @pulumi/kubernetes' install script would fetch its plugin with the Pulumi CLI (not here).
    const install = await runAsync("npm", ["install", "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund"], dir, { ...process.env, npm_config_update_notifier: "false" });
    return { dir, install };
}
