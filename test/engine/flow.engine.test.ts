// The mission under the real engine, from a YAML program on the file backend: preview, up, a second preview
// that must find nothing to do, refresh then preview, what the state holds (no private key in clear, exactly
// the secret outputs secret), the published documents checked by the doctor and by a real kube-apiserver
// started with the stack's outputs, a rename with aliases, the edits that must replace (and what protect does
// with them), a refused destroy and a teardown on purpose.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { AwsHttps, startAwsHttps } from "./helpers/aws-https";
import { doctor, plaintextKeyInText, plaintextKeyProblems, secretOutputs, stateResource } from "./helpers/checks";
import { changes, createWorkspace, engineParts, Stack, Workspace, YamlProgram } from "./helpers/engine";
import { DEFAULT_ACCOUNT_ID, loadAccount } from "./standins/aws/store";
import { missingParts } from "../lab/binaries";
import { startCluster } from "../lab/cluster";

const COMPONENT = "selfhosted-irsa:index:SelfHostedIrsa";
const ROLE = "selfhosted-irsa:index:IrsaRole";

function program(name: string, extra: Record<string, unknown> = {}, options?: Record<string, unknown>): YamlProgram {
    return {
        resources: {
            [name]: { type: COMPONENT, properties: { webhook: { enabled: false }, tags: { cluster: "dev" }, ...extra }, ...(options ? { options } : {}) },
            reader: {
                type: ROLE,
                properties: {
                    oidcProviderArn: `\${${name}.oidcProviderArn}`,
                    issuerUrl: `\${${name}.issuerUrl}`,
                    namespace: "apps",
                    serviceAccount: "reader",
                    managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"],
                },
            },
        },
        outputs: Object.fromEntries([
            ...["issuerUrl", "issuerHost", "jwksUri", "jwks", "discoveryDocument", "keyIds", "oidcProviderArn", "bucketName", "publicKeyPems", "privateKeyPem", "apiServerArgs", "talosSecretPatch", "clusterConfigs"].map((k) => [k, `\${${name}.${k}}`]),
            ["readerRoleArn", "${reader.roleArn}"],
            ["readerTrustPolicy", "${reader.trustPolicy}"],
        ]),
    };
}

describe("the mission's flow under the real engine (YAML, file backend, S3 hosting, generated key)", { ...engineParts("pulumi", "pulumi-yaml"), timeout: 1_800_000 }, () => {
    let ws: Workspace;
    let https: AwsHttps;
    let stack: Stack;
    let out: Record<string, any>;

    before(async () => {
        ws = await createWorkspace("flow");
        https = await startAwsHttps(ws.awsDir);
        stack = await ws.stack("irsa-flow", program("irsa"));
    });
    after(async () => {
        await https?.close();
        ws?.close();
    });

    it("preview plans the component, its AWS and TLS children and the role, and creates nothing", async () => {
        const plan = await stack.preview();
        const created = plan.steps.filter((s) => s.op === "create").map((s) => s.urn.split("::")[2].split("$").pop());
        for (const type of [COMPONENT, ROLE, "aws:s3/bucket:Bucket", "aws:s3/bucketObjectv2:BucketObjectv2", "aws:s3/bucketPolicy:BucketPolicy", "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "aws:iam/role:Role", "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "tls:index/privateKey:PrivateKey"]) {
            assert.ok(created.includes(type), `the plan creates no ${type}: ${created.join(", ")}`);
        }
        assert.deepEqual(loadAccount(ws.awsDir).buckets, {}, "a preview created a bucket");
    });

    it("up creates them; what it published passes the doctor as STS would check it", async () => {
        await stack.up();
        out = await stack.outputs();
        assert.match(out.issuerUrl, /^https:\/\/[a-z0-9.-]+\.s3\.us-west-2\.amazonaws\.com$/);
        const account = loadAccount(ws.awsDir);
        assert.equal(out.oidcProviderArn, `arn:aws:iam::${account.accountId}:oidc-provider/${out.issuerHost}`);
        assert.ok(account.oidcProviders[out.oidcProviderArn], "no OIDC provider in the account");
        const published = await https.get(`${out.issuerUrl}/.well-known/openid-configuration`);
        assert.equal(published.status, 200);
        assert.equal(published.body, out.discoveryDocument, "the uploaded discovery document differs from the output");
        assert.equal((await https.get(out.jwksUri)).body, out.jwks);
        const check = await doctor(https, ws.dir, { issuer: out.issuerUrl });
        assert.equal(check.code, 0, check.report);
    });

    it("the role trusts exactly apps/reader through the stack's provider, pinned to sts.amazonaws.com", () => {
        const statement = JSON.parse(out.readerTrustPolicy).Statement[0];
        assert.equal(statement.Principal.Federated, out.oidcProviderArn);
        assert.deepEqual(statement.Condition.StringEquals, { [`${out.issuerHost}:sub`]: "system:serviceaccount:apps:reader", [`${out.issuerHost}:aud`]: "sts.amazonaws.com" });
        const roleName = out.readerRoleArn.split("/").pop();
        assert.equal(loadAccount(ws.awsDir).roles[roleName].assumeRolePolicy, out.readerTrustPolicy);
    });

    it("a second `preview --expect-no-changes` passes: same inputs, byte-identical documents, same graph", async () => {
        const result = await stack.pulumi(["preview", "--expect-no-changes"], { allowFail: true });
        assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
    });

    it("`preview --debug` prints no line of the private key: the plugin sends the engine none of the SDK's debug messages (its RPC echoes hold outputs in clear)", async () => {
        const result = await stack.pulumi(["preview", "--debug"]);
        const text = result.stdout + result.stderr;
        // --debug was on: the YAML host's own debug messages are there.
        assert.match(text, /debug: Registering resource \[irsa\]/, "no debug output at all");
        assert.deepEqual(plaintextKeyInText(text, [out.privateKeyPem]), []);
        assert.doesNotMatch(text, / RPC (prepared|finished):/, "an RPC echo of the SDK reached the engine");
        assert.doesNotMatch(text, /debug: Registering resource: t=/, "the plugin's SDK sent its debug messages");
    });

    it("refresh, then preview: nothing drifted and nothing to do", async () => {
        await stack.pulumi(["refresh", "--yes", "--skip-preview"]);
        const plan = await stack.preview();
        assert.deepEqual(changes(plan), []);
    });

    it("`pulumi stack export` holds no private key in clear, and exactly privateKeyPem and talosSecretPatch are secret", async () => {
        const { text, deployment } = await stack.exportState();
        assert.deepEqual(plaintextKeyProblems(text, [out.privateKeyPem]), []);
        const component = stateResource(deployment.resources, COMPONENT, "irsa");
        assert.deepEqual(secretOutputs(component), ["privateKeyPem", "talosSecretPatch"]);
        const stackOutputs = deployment.resources.find((r) => r.type === "pulumi:pulumi:Stack")!;
        assert.deepEqual(secretOutputs(stackOutputs), ["privateKeyPem", "talosSecretPatch"]);
        // The key's own resource: its private outputs are secret, its public ones are not.
        const key = stateResource(deployment.resources, "tls:index/privateKey:PrivateKey", "irsa-signing-key");
        assert.deepEqual(secretOutputs(key), ["privateKeyOpenssh", "privateKeyPem", "privateKeyPemPkcs8"]);
        assert.equal(key.protect, true, "the generated key is not protected");
    });

    it("a kube-apiserver started with apiServerArgs and the stack's keys serves the published documents byte for byte, and its tokens pass the doctor against them", { skip: missingParts(["etcd", "kubernetes"]).length > 0 && !process.env.CI ? "lab parts etcd, kubernetes not built" : false }, async () => {
        const args = out.apiServerArgs as Record<string, string[]>;
        const cluster = await startCluster({
            flags: (file) => [
                ...Object.entries(args).flatMap(([flag, values]) => values.map((v) => `--${flag}=${v}`)),
                `--service-account-signing-key-file=${file("sa.key", out.privateKeyPem)}`,
                ...(out.publicKeyPems as string[]).map((pem, i) => `--service-account-key-file=${file(`sa-${i}.pub`, pem)}`),
            ],
        });
        try {
            const jwks = await cluster.request("GET", "/openid/v1/jwks");
            assert.equal(jwks.body, out.jwks, "the API server's JWKS differs from the published one");
            const discovery = await cluster.request("GET", "/.well-known/openid-configuration");
            assert.equal(discovery.body, out.discoveryDocument, "the API server's discovery document differs from the published one");
            await cluster.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "apps" } }, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "reader", namespace: "apps" } });
            const token = (await cluster.kubectl(["create", "token", "reader", "-n", "apps", "--audience", "sts.amazonaws.com"])).stdout.trim();
            const check = await doctor(https, ws.dir, { issuer: out.issuerUrl, token, trustPolicy: out.readerTrustPolicy });
            assert.equal(check.code, 0, check.report);
            // And a token for another ServiceAccount is refused by the role's trust policy.
            await cluster.apply({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "writer", namespace: "apps" } });
            const other = (await cluster.kubectl(["create", "token", "writer", "-n", "apps", "--audience", "sts.amazonaws.com"])).stdout.trim();
            const refused = await doctor(https, ws.dir, { issuer: out.issuerUrl, token: other, trustPolicy: out.readerTrustPolicy });
            assert.equal(refused.code, 1, refused.report);
            assert.match(refused.report, /FAIL.*sub/i);
        } finally {
            await cluster.stop();
        }
    });

    it("renaming the component with aliases plans no replace, no create, no delete (without them protect refuses the deletes)", async () => {
        const oldUrn = `urn:pulumi:${stack.name}::${stack.project}::${COMPONENT}::irsa`;
        // Without aliases the new name is a new component and the old one's resources are to be deleted: the
        // protected provider stops that preview (the drift this test exists to catch).
        stack.writeProgram(program("prod-irsa"));
        const unaliased = await stack.pulumi(["preview"], { allowFail: true });
        assert.notEqual(unaliased.code, 0, "a rename without aliases previewed cleanly");
        assert.match(unaliased.stdout + unaliased.stderr, /irsa-oidc-provider" cannot be deleted/);
        stack.writeProgram(program("prod-irsa", {}, { aliases: [oldUrn] }));
        const plan = await stack.preview();
        const changed = changes(plan).filter((c) => !c.startsWith("update pulumi:pulumi:Stack"));
        assert.deepEqual(changed, [], "the aliased rename plans changes");
        await stack.up();
        assert.deepEqual(changes(await stack.preview()), []);
    });

    it("a new issuer (another bucketName) must replace the bucket and the OIDC provider: protect stops the preview and names them", async () => {
        // A whole account-regional name (the stand-in account and the stack's region), as a given bucketName must be.
        stack.writeProgram(program("prod-irsa", { bucketName: `another-issuer-${DEFAULT_ACCOUNT_ID}-us-west-2-an` }));
        const result = await stack.pulumi(["preview"], { allowFail: true });
        assert.notEqual(result.code, 0, "a preview that replaces the protected bucket succeeded");
        const text = result.stdout + result.stderr;
        assert.match(text, /protect/i);
        assert.match(text, /prod-irsa-bucket/);
        assert.equal(Object.keys(loadAccount(ws.awsDir).buckets).length, 1, "the account's buckets changed");
    });

    it("another key algorithm keeps the generated key and warns that it was kept (key changes go through rotation)", async () => {
        stack.writeProgram(program("prod-irsa", { signingKey: { algorithm: "ECDSA" } }));
        const plan = await stack.preview();
        // The component's own inputs change (it records the new argument); none of its resources does.
        assert.deepEqual(changes(plan).filter((c) => !c.startsWith("update pulumi:pulumi:Stack") && !c.startsWith(`update ${COMPONENT} `)), []);
        assert.ok(plan.diagnostics.some((d) => d.severity === "warning" && /was kept/.test(d.message)), `no warning: ${plan.diagnostics.map((d) => d.message).join("\n")}`);
        stack.writeProgram(program("prod-irsa"));
    });

    it("destroy is refused: it deletes the roles and keeps the key, the bucket, the documents and the provider", async () => {
        const result = await stack.pulumi(["destroy", "--yes", "--skip-preview"], { allowFail: true });
        assert.notEqual(result.code, 0, "destroy of a protected stack succeeded");
        const { deployment } = await stack.exportState();
        const left = new Set(deployment.resources.map((r) => `${r.type} ${r.urn.split("::").pop()}`));
        for (const kept of ["tls:index/privateKey:PrivateKey prod-irsa-signing-key", "aws:s3/bucket:Bucket prod-irsa-bucket", "aws:iam/openIdConnectProvider:OpenIdConnectProvider prod-irsa-oidc-provider", "aws:s3/bucketObjectv2:BucketObjectv2 prod-irsa-discovery", "aws:s3/bucketObjectv2:BucketObjectv2 prod-irsa-jwks"]) {
            assert.ok(left.has(kept), `destroy removed ${kept}; left: ${[...left].join(", ")}`);
        }
        for (const gone of ["aws:iam/role:Role reader-role", `${ROLE} reader`]) {
            assert.ok(!left.has(gone), `destroy kept ${gone}`);
        }
        const account = loadAccount(ws.awsDir);
        assert.equal(Object.keys(account.roles).length, 0, "the role is still in the account");
        assert.equal(Object.keys(account.oidcProviders).length, 1);
        assert.equal((await https.get(`${out.issuerUrl}/.well-known/openid-configuration`)).status, 200, "the issuer stopped serving its documents");
        fs.writeFileSync(path.join(ws.dir, "refused-destroy.txt"), [...left].sort().join("\n"));
    });

    it("teardown on purpose: protectIdentity false and forceDestroy, up, destroy: the stack and the account are empty", async () => {
        stack.writeProgram(program("prod-irsa", { protectIdentity: false, forceDestroy: true }));
        await stack.up();
        await stack.pulumi(["destroy", "--yes", "--skip-preview"]);
        const { deployment } = await stack.exportState();
        assert.deepEqual(deployment.resources ?? [], []);
        const account = loadAccount(ws.awsDir);
        assert.deepEqual([account.buckets, account.roles, account.oidcProviders, account.objects], [{}, {}, {}, {}]);
    });
});
