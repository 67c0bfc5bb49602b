// selfhosted-irsa/testing (src/testing.ts) as a user's test uses it, each program in a process of its own (mocks are
// per process): its mocks answer every child and invoke of the components, and a user's own incomplete mocks get a
// message naming the invoke or output they lack, not "`webhook.region` (not set) is required" or a TypeError from a
// PEM parser (issue 15, item 13).
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, it } from "node:test";

const BUILD_SRC = path.join(__dirname, "..", "src");

/** Runs a CommonJS program (with `src` = build/src) under Node, bounded; returns its exit status and output. */
function runProgram(body: string): { status: number | null; stdout: string; stderr: string } {
    const script = `const src = ${JSON.stringify(BUILD_SRC)};\n${body}`;
    const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 60_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// A user's own mocks as the Pulumi docs' first example writes them: every resource and invoke echoes its inputs.
const PLAIN_MOCKS = `
const pulumi = require("@pulumi/pulumi");
pulumi.runtime.setMocks({
    newResource: (args) => ({ id: args.name + "_id", state: { ...args.inputs, ...(OVERRIDES[args.type] ?? {}) } }),
    call: (args) => ({ ...args.inputs, ...(ANSWERS[args.token] ?? {}) }),
}, "project", "stack", false);
`;

function plainMocksProgram(overrides: Record<string, object>, answers: Record<string, object>, args: string): string {
    return `const OVERRIDES = ${JSON.stringify(overrides)}; const ANSWERS = ${JSON.stringify(answers)};
${PLAIN_MOCKS}
const { SelfHostedIrsa } = require(src + "/index.js");
new SelfHostedIrsa("irsa", ${args});`;
}

const REGION = { "aws:index/getRegion:getRegion": { region: "eu-west-1" } };
const ACCOUNT = { "aws:index/getCallerIdentity:getCallerIdentity": { accountId: "111122223333" } };

describe("a user's own mocks that lack an answer: the error names it", { timeout: 120_000 }, () => {
    it("no region from aws.getRegion (was: `webhook.region` (not set) is required)", () => {
        const r = runProgram(plainMocksProgram({}, ACCOUNT, "{ protectIdentity: false }"));
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, /The invoke aws:index\/getRegion:getRegion returned no `region`\. A real provider always returns it, so this is a Pulumi mock that does not \(pulumi\.runtime\.setMocks\): answer it from your mocks' `call`, e.g\. \{ region: "us-west-2" \}, or use the mocks of "selfhosted-irsa\/testing"/);
        assert.doesNotMatch(r.stderr, /webhook\.region|TypeError/);
    });
    it("no account from aws.getCallerIdentity (the account-regional bucket name needs it)", () => {
        const r = runProgram(plainMocksProgram({}, REGION, "{ protectIdentity: false, webhook: { enabled: false } }"));
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, /The invoke aws:index\/getCallerIdentity:getCallerIdentity returned no `accountId`/);
        assert.doesNotMatch(r.stderr, /TypeError/);
    });
    it("no key from the generated tls.PrivateKey (was: a TypeError reading 'matchAll' in splitPemBlocks)", () => {
        const r = runProgram(plainMocksProgram({}, { ...REGION, ...ACCOUNT }, "{ protectIdentity: false, webhook: { enabled: false } }"));
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, /The resource tls:index\/privateKey:PrivateKey "irsa-signing-key" returned no `(publicKeyPem|privateKeyPemPkcs8)`\. .* return it from your mocks' `newResource` in `state`/);
        assert.doesNotMatch(r.stderr, /TypeError|matchAll/);
    });
    it("no ARN from the bucket (the bucket policy names it)", () => {
        const key = require("node:fs").readFileSync(path.join(__dirname, "..", "..", "test", "fixtures", "keys", "rsa2048.pkcs8.pem"), "utf8");
        const r = runProgram(plainMocksProgram({}, { ...REGION, ...ACCOUNT }, `{ protectIdentity: false, webhook: { enabled: false }, signingKey: { privateKeyPem: ${JSON.stringify(key)} } }`));
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, /The resource aws:s3\/bucket:Bucket "irsa-bucket" returned no `arn`/);
    });
});

describe("setIrsaMocks: the components under mocks that answer everything", { timeout: 120_000 }, () => {
    it("a generated key, the webhook, a role: the outputs a real provider would give, nothing missing", () => {
        const r = runProgram(`
const { reveal, setIrsaMocks, valueOf } = require(src + "/testing.js");
const mocks = setIrsaMocks({ accountId: "111122223333", config: { "aws:region": "eu-west-1" }, project: "irsa", stack: "prod" });
const { SelfHostedIrsa } = require(src + "/index.js");
const irsa = new SelfHostedIrsa("cluster-irsa", {});
const role = irsa.roleFor("apps", "reader", "arn:aws:iam::aws:policy/ReadOnlyAccess", { createServiceAccount: true });
(async () => {
    const out = { issuerUrl: await valueOf(irsa.issuerUrl), oidcProviderArn: await valueOf(irsa.oidcProviderArn), roleArn: await valueOf(role.roleArn), keyIds: await valueOf(irsa.keyIds) };
    await mocks.settled();
    const release = mocks.ofType("kubernetes:helm.sh/v3:Release")[0];
    console.log(JSON.stringify({ ...out, region: reveal(release.inputs.values).config.defaultAwsRegion, types: [...new Set(mocks.resources.map((x) => x.type))].sort(), invokes: [...new Set(mocks.invokes.map((x) => x.token))].sort() }));
})();`);
        assert.equal(r.status, 0, r.stderr);
        const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
        assert.match(out.issuerUrl, /^https:\/\/cluster-irsa-[0-9a-f]{8}-111122223333-eu-west-1-an\.s3\.eu-west-1\.amazonaws\.com$/);
        assert.equal(out.oidcProviderArn, `arn:aws:iam::111122223333:oidc-provider/${out.issuerUrl.slice("https://".length)}`);
        assert.match(out.roleArn, /^arn:aws:iam::111122223333:role\/cluster-irsa_apps_reader-role-[0-9a-f]{7}$/);
        assert.equal(out.keyIds.length, 1, "a real key was generated: its kid is in the JWKS");
        assert.equal(out.region, "eu-west-1", "the webhook's region is the provider's");
        assert.deepEqual(out.invokes, ["aws:index/getCallerIdentity:getCallerIdentity", "aws:index/getRegion:getRegion"]);
        for (const type of ["aws:s3/bucket:Bucket", "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "tls:index/privateKey:PrivateKey", "kubernetes:helm.sh/v3:Release", "kubernetes:core/v1:ServiceAccount", "aws:iam/role:Role"]) {
            assert.ok(out.types.includes(type), type);
        }
    });
    it("CloudFront with a custom domain, fromCluster and a StackReference are answered too", () => {
        const r = runProgram(`
const { setIrsaMocks, valueOf } = require(src + "/testing.js");
const { buildJwks, serializeJwks, buildDiscoveryDocument, serializeDiscoveryDocument } = require(src + "/index.js");
const fs = require("node:fs");
const key = fs.readFileSync(${JSON.stringify(path.join(__dirname, "..", "..", "test", "fixtures", "keys", "rsa2048.pkcs8.pem"))}, "utf8");
const jwks = buildJwks([key]);
const issuer = "https://oidc.example.com";
const mocks = setIrsaMocks({
    cluster: { jwks: serializeJwks(jwks), discovery: serializeDiscoveryDocument(buildDiscoveryDocument({ issuer, jwks })) },
    stackOutputs: { "org/irsa/prod": { oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.example.com", issuerUrl: issuer } },
});
const pulumi = require("@pulumi/pulumi");
const aws = require("@pulumi/aws");
const { SelfHostedIrsa, IrsaRole } = require(src + "/index.js");
const zone = aws.route53.getZoneOutput({ name: "example.com" });
const irsa = new SelfHostedIrsa("edge", { hosting: { kind: "cloudfront", domainName: "oidc.example.com", hostedZoneId: zone.zoneId }, signingKey: { fromCluster: {} }, webhook: { enabled: false } });
const platform = new pulumi.StackReference("org/irsa/prod");
const role = new IrsaRole("reader", { oidcProviderArn: platform.requireOutput("oidcProviderArn"), issuerUrl: platform.requireOutput("issuerUrl"), namespace: "apps", serviceAccount: "reader" });
(async () => {
    console.log(JSON.stringify({ issuerUrl: await valueOf(irsa.issuerUrl), keyIds: await valueOf(irsa.keyIds), trust: JSON.parse(await valueOf(role.trustPolicy)).Statement[0].Principal.Federated }));
})();`);
        assert.equal(r.status, 0, r.stderr);
        const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
        assert.equal(out.issuerUrl, "https://oidc.example.com");
        assert.equal(out.keyIds.length, 1);
        assert.equal(out.trust, "arn:aws:iam::123456789012:oidc-provider/oidc.example.com");
    });
    it("a StackReference without outputs, and fromCluster without a cluster, say what to give the mocks", () => {
        const r = runProgram(`
require(src + "/testing.js").setIrsaMocks();
const pulumi = require("@pulumi/pulumi");
new pulumi.StackReference("org/irsa/dev").getOutput("issuerUrl").apply(() => undefined);`);
        assert.match(r.stderr, /the program reads the stack "org\/irsa\/dev" \(new pulumi\.StackReference\), but the mocks have no outputs for it: pass setIrsaMocks\(\{ stackOutputs: \{ "org\/irsa\/dev": \{ \.\.\. \} \} \}\)/);
        const k = runProgram(`
require(src + "/testing.js").setIrsaMocks({ region: "eu-west-1" });
const { SelfHostedIrsa } = require(src + "/index.js");
new SelfHostedIrsa("live", { signingKey: { fromCluster: {} }, webhook: { enabled: false } });`);
        assert.match(k.stderr, /`signingKey\.fromCluster` ".*" could not be read from the cluster \(kubectl exited with status 1: selfhosted-irsa\/testing: signingKey\.fromCluster runs kubectl \(the invoke command:local:run\), and the mocks have no cluster to answer it: pass setIrsaMocks\(\{ cluster: \{ jwks, discovery \} \}\)/);
    });
});
