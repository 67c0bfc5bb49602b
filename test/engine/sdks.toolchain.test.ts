// The SDKs `pulumi package add` generates for other languages, from Pulumi's own generators (pkg/v3/codegen at
// the CLI's version, lab/codegen) on the committed schema.json, each compiled by its own toolchain with a small
// consumer program that uses the names a user writes: Go builds and vets against sdk/v3 v3.274.1 under the
// import path the schema gives; Python installs into a venv with `pulumi` from PyPI, imports, and passes mypy
// (examples/python included); Node.js compiles with tsc. In each: the secret outputs are secret, and no type is
// named `...ArgsArgs`. It needs the Go module proxy and PyPI, so test/engine/run.ts runs it outside the
// loopback-only namespace of the engine tests (it starts no engine and no plugin).
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { enginePath, engineParts, REPO, runCommand } from "./helpers/engine";
import { ensurePythonVenv, GO_PULUMI_SDK, venvPython } from "./helpers/toolchains";

const SCHEMA = JSON.parse(fs.readFileSync(path.join(REPO, "schema.json"), "utf8"));
const GO_IMPORT: string = SCHEMA.language.go.importBasePath;
const SECRET_OUTPUTS = ["privateKeyPem", "talosSecretPatch"];

function files(dir: string): string[] {
    return fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).map((f) => path.join(dir, f)).filter((f) => fs.statSync(f).isFile());
}

const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: os.homedir(), ...extra });

describe("generated SDKs (Python, Go, Node.js) from the committed schema compile and tell the truth", { ...engineParts("codegen"), timeout: 1_200_000 }, () => {
    let dir: string;
    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "irsa-sdks-"));
        await runCommand(enginePath("codegen"), [path.join(REPO, "schema.json"), path.join(dir, "sdk"), "python", "go", "nodejs"], dir, env());
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("no generated type is named ...ArgsArgs, in any language", () => {
        const doubled = files(path.join(dir, "sdk")).filter((f) => /ArgsArgs/.test(fs.readFileSync(f, "utf8")));
        assert.deepEqual(doubled, []);
    });

    it("each SDK marks privateKeyPem and talosSecretPatch, and only those, as secret outputs of SelfHostedIrsa", () => {
        const read = (f: string) => fs.readFileSync(path.join(dir, "sdk", f), "utf8");
        const python = /additional_secret_outputs=\[([^\]]*)\]/.exec(read("python/pulumi_selfhosted_irsa/self_hosted_irsa.py"))?.[1];
        const go = /pulumi\.AdditionalSecretOutputs\(\[\]string\{([^}]*)\}/.exec(read("go/selfhostedirsa/selfHostedIrsa.go"))?.[1];
        const node = /additionalSecretOutputs: \[([^\]]*)\]/.exec(read("nodejs/selfHostedIrsa.ts"))?.[1];
        for (const [language, list] of [["python", python], ["go", go], ["nodejs", node]]) {
            const names = (list ?? "").split(",").map((s) => s.trim().replace(/^"|"$/g, "")).filter((s) => s !== "").sort();
            assert.deepEqual(names, SECRET_OUTPUTS, `${language}: ${list}`);
        }
        // IrsaRole has no secret: its generated code declares none.
        assert.doesNotMatch(read("python/pulumi_selfhosted_irsa/irsa_role.py"), /additional_secret_outputs/);
    });

    it("Go: the SDK's module is under the schema's import path, and it builds and vets against sdk/v3 v3.274.1 with a consumer", async () => {
        const sdk = path.join(dir, "sdk", "go");
        // The modules sdk/v3 needs at its own versions come from the Go module proxy (exact versions only).
        const goEnv = env({ GOFLAGS: "-mod=mod -trimpath", GOTOOLCHAIN: "local", ...(process.env.GOPROXY ? { GOPROXY: process.env.GOPROXY } : {}), GOCACHE: process.env.GOCACHE ?? path.join(os.homedir(), ".cache", "go-build"), GOPATH: process.env.GOPATH ?? path.join(os.homedir(), "go") });
        const gomod = fs.readFileSync(path.join(sdk, "go.mod"), "utf8");
        assert.equal(/^module (\S+)/m.exec(gomod)?.[1], path.dirname(GO_IMPORT));
        assert.ok(!GO_IMPORT.startsWith("example.com/"), GO_IMPORT);
        // The generator pins an older sdk/v3; build against the CLI's own.
        await runCommand("go", ["mod", "edit", `-require=github.com/pulumi/pulumi/sdk/v3@${GO_PULUMI_SDK}`], sdk, goEnv);
        await runCommand("go", ["mod", "tidy"], sdk, goEnv, { timeoutMs: 600_000 });
        await runCommand("go", ["build", "./..."], sdk, goEnv, { timeoutMs: 900_000 });
        await runCommand("go", ["vet", "./..."], sdk, goEnv, { timeoutMs: 900_000 });
        const consumer = path.join(dir, "go-consumer");
        fs.mkdirSync(consumer);
        fs.writeFileSync(
            path.join(consumer, "go.mod"),
            `module example.com/consumer\n\ngo 1.25\n\nrequire (\n\tgithub.com/pulumi/pulumi/sdk/v3 ${GO_PULUMI_SDK}\n\t${path.dirname(GO_IMPORT)} v0.0.0\n)\n\nreplace ${path.dirname(GO_IMPORT)} => ${sdk}\n`,
        );
        fs.writeFileSync(
            path.join(consumer, "main.go"),
            `package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	irsa "${GO_IMPORT}"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		kind := irsa.HostingKindS3
		enabled := false
		cluster, err := irsa.NewSelfHostedIrsa(ctx, "cluster", &irsa.SelfHostedIrsaArgs{
			Hosting:    &irsa.HostingArgs{Kind: &kind},
			SigningKey: &irsa.SigningKeyArgs{PrivateKeyPem: pulumi.StringPtr("PEM")},
			Webhook:    &irsa.WebhookArgs{Enabled: &enabled},
		})
		if err != nil {
			return err
		}
		role, err := irsa.NewIrsaRole(ctx, "reader", &irsa.IrsaRoleArgs{
			OidcProviderArn: cluster.OidcProviderArn,
			IssuerUrl:       cluster.IssuerUrl,
			Namespace:       pulumi.StringPtr("apps"),
			ServiceAccount:  pulumi.StringPtr("reader"),
		})
		if err != nil {
			return err
		}
		var key pulumi.StringPtrOutput = cluster.PrivateKeyPem
		ctx.Export("key", key)
		ctx.Export("roleArn", role.RoleArn)
		return nil
	})
}
`,
        );
        await runCommand("go", ["mod", "tidy"], consumer, goEnv, { timeoutMs: 600_000 });
        await runCommand("go", ["build", "./..."], consumer, goEnv, { timeoutMs: 900_000 });
        await runCommand("go", ["vet", "./..."], consumer, goEnv, { timeoutMs: 900_000 });
    });

    it("Python: installs into a venv with pulumi from PyPI, imports, and passes mypy with a consumer and examples/python", async (t) => {
        const problem = ensurePythonVenv();
        if (problem !== undefined) {
            if (process.env.CI) {
                assert.fail(problem);
            }
            t.skip(`no Python venv with pulumi and mypy: ${problem}`);
            return;
        }
        const python = venvPython();
        const target = path.join(dir, "site");
        await runCommand(python, ["-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--no-build-isolation", "--disable-pip-version-check", "--target", target, path.join(dir, "sdk", "python")], dir, env(), { timeoutMs: 300_000 });
        const pyEnv = env({ PYTHONPATH: target, MYPYPATH: target });
        const imported = await runCommand(python, ["-c", "import pulumi_selfhosted_irsa as m; print(m.SelfHostedIrsa.__name__, m.IrsaRole.__name__, m.HostingArgs.__name__, m.SigningKeyArgs.__name__, m.WebhookArgs.__name__)"], dir, pyEnv);
        assert.equal(imported.stdout.trim(), "SelfHostedIrsa IrsaRole HostingArgs SigningKeyArgs WebhookArgs");
        const consumer = path.join(dir, "consumer.py");
        fs.writeFileSync(
            consumer,
            `import pulumi
import pulumi_selfhosted_irsa as irsa

cluster = irsa.SelfHostedIrsa(
    "cluster",
    hosting=irsa.HostingArgs(kind=irsa.HostingKind.S3),
    signing_key=irsa.SigningKeyArgs(private_key_pem="PEM"),
    webhook=irsa.WebhookArgs(enabled=False),
)
role = irsa.IrsaRole("reader", oidc_provider_arn=cluster.oidc_provider_arn, issuer_url=cluster.issuer_url, namespace="apps", service_account="reader")
key: pulumi.Output[str | None] = cluster.private_key_pem
pulumi.export("roleArn", role.role_arn)
`,
        );
        // The programs are checked against the SDK's types; the SDK's own modules are followed silently: the
        // generator's _utilities.py (Pulumi's code, the same in every generated SDK) does not pass mypy itself.
        const mypy = (...f: string[]) => runCommand(python, ["-m", "mypy", "--no-incremental", "--python-version", "3.11", "--follow-imports=silent", ...f], dir, pyEnv, { allowFail: true, timeoutMs: 600_000 });
        const checked = await mypy(consumer, path.join(REPO, "examples", "python", "__main__.py"));
        assert.equal(checked.code, 0, checked.stdout + checked.stderr);
        // Not vacuous: the old doubled name and a wrong argument type are type errors.
        fs.writeFileSync(path.join(dir, "wrong.py"), `import pulumi_selfhosted_irsa as irsa\nirsa.SelfHostedIrsa("c", hosting=irsa.HostingArgsArgs(kind="s3"))\nirsa.IrsaRole("r", namespace=3)\n`);
        const wrong = await mypy(path.join(dir, "wrong.py"));
        assert.notEqual(wrong.code, 0);
        assert.match(wrong.stdout, /HostingArgsArgs/);
        assert.match(wrong.stdout, /namespace/);
    });

    it("Node.js: the SDK compiles with tsc, and a consumer type-checks against it", async () => {
        const sdk = path.join(dir, "sdk", "nodejs");
        fs.symlinkSync(path.join(REPO, "node_modules"), path.join(sdk, "node_modules"));
        const tsc = path.join(REPO, "node_modules", "typescript", "bin", "tsc");
        await runCommand(process.execPath, [tsc, "-p", sdk], sdk, env(), { timeoutMs: 300_000 });
        fs.writeFileSync(
            path.join(sdk, "consumer.ts"),
            `import * as pulumi from "@pulumi/pulumi";
import * as irsa from "./index";

const cluster = new irsa.SelfHostedIrsa("cluster", {
    hosting: { kind: irsa.types.enums.HostingKind.S3 },
    signingKey: { privateKeyPem: pulumi.secret("PEM") },
    webhook: { enabled: false },
});
const hosting: irsa.types.input.HostingArgs = { kind: "cloudfront" };
new irsa.IrsaRole("reader", { oidcProviderArn: cluster.oidcProviderArn, issuerUrl: cluster.issuerUrl, namespace: "apps", serviceAccount: "reader" });
export const key: pulumi.Output<string | undefined> = cluster.privateKeyPem;
export const kind = hosting.kind;
`,
        );
        await runCommand(process.execPath, [tsc, "--noEmit", "--strict", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "ES2022", "--skipLibCheck", "--types", "node", path.join(sdk, "consumer.ts")], sdk, env(), { timeoutMs: 300_000 });
    });
});
