// Hostings and keys under the real engine: CloudFront hosting on its own *.cloudfront.net name with a private key
// a YAML program passes as a plain string; CloudFront with a custom domain (ACM certificate in us-east-1, its DNS
// validation, alias records); S3 hosting that publishes only public keys of several API servers; and one IrsaRole
// trusted by all three clusters. Each issuer passes the doctor; a CloudFront bucket is unreadable on S3 itself;
// nothing drifts after a refresh; no private key in clear; exactly the secret outputs secret.
import { strict as assert } from "node:assert";
import * as crypto from "node:crypto";
import { after, before, describe, it } from "node:test";
import { AwsHttps, startAwsHttps } from "./helpers/aws-https";
import { doctor, plaintextKeyProblems, secretOutputs, stateResource } from "./helpers/checks";
import { changes, createWorkspace, engineParts, Stack, Workspace, YamlProgram } from "./helpers/engine";
import { loadAccount } from "./standins/aws/store";

const COMPONENT = "selfhosted-irsa:index:SelfHostedIrsa";
const DOMAIN = "oidc.engine-suite.example";
const ZONE = "Z0ENGINESUITE0001";

const pems = (n: number) =>
    Array.from({ length: n }, () => {
        const { privateKey, publicKey } = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
        return { privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(), publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString() };
    });

describe("hostings and keys under the real engine: CloudFront (own name, custom domain), given and public-only keys, one role for three clusters", { ...engineParts("pulumi", "pulumi-yaml"), timeout: 1_800_000 }, () => {
    let ws: Workspace;
    let https: AwsHttps;
    let stack: Stack;
    let out: Record<string, any>;
    const [given] = pems(1);
    const apiServers = pems(2);

    const program: YamlProgram = {
        resources: {
            // A plain string in the program, as a YAML user would paste it: the component must keep it secret.
            edge: { type: COMPONENT, properties: { hosting: { kind: "cloudfront" }, signingKey: { privateKeyPem: given.privateKeyPem }, webhook: { enabled: false }, protectIdentity: false, forceDestroy: true } },
            branded: { type: COMPONENT, properties: { hosting: { kind: "cloudfront", domainName: DOMAIN, hostedZoneId: ZONE }, webhook: { enabled: false }, protectIdentity: false, forceDestroy: true } },
            keys: { type: COMPONENT, properties: { signingKey: { publicKeyPems: apiServers.map((k) => k.publicKeyPem) }, webhook: { enabled: false }, protectIdentity: false, forceDestroy: true } },
            shared: {
                type: "selfhosted-irsa:index:IrsaRole",
                properties: {
                    clusters: ["edge", "branded", "keys"].map((c) => ({ oidcProviderArn: `\${${c}.oidcProviderArn}`, issuerUrl: `\${${c}.issuerUrl}` })),
                    namespace: "apps",
                    serviceAccount: "shared",
                    managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"],
                },
            },
        },
        outputs: Object.fromEntries([
            ...["edge", "branded", "keys"].flatMap((c) => [
                [`${c}Issuer`, `\${${c}.issuerUrl}`],
                [`${c}Provider`, `\${${c}.oidcProviderArn}`],
                [`${c}Bucket`, `\${${c}.bucketName}`],
                [`${c}KeyIds`, `\${${c}.keyIds}`],
            ]),
            ["edgeKey", "${edge.privateKeyPem}"],
            ["brandedKey", "${branded.privateKeyPem}"],
            ["sharedTrust", "${shared.trustPolicy}"],
        ]),
    };

    before(async () => {
        ws = await createWorkspace("hosting");
        https = await startAwsHttps(ws.awsDir);
        stack = await ws.stack("irsa-hosting", program);
        await stack.up();
        out = await stack.outputs();
    });
    after(async () => {
        await https?.close();
        ws?.close();
    });

    it("CloudFront on its own name: the issuer is the distribution's *.cloudfront.net name and passes the doctor; the bucket itself is not readable", async () => {
        assert.match(out.edgeIssuer, /^https:\/\/d[a-z0-9]{13}\.cloudfront\.net$/);
        const check = await doctor(https, ws.dir, { issuer: out.edgeIssuer });
        assert.equal(check.code, 0, check.report);
        const region = loadAccount(ws.awsDir).buckets[out.edgeBucket].region;
        const direct = await https.get(`https://${out.edgeBucket}.s3.${region}.amazonaws.com/.well-known/openid-configuration`);
        assert.equal(direct.status, 403, "the CloudFront hosting's bucket answers on S3 directly");
    });

    it("CloudFront with a custom domain: an issued certificate in us-east-1, alias records, and the domain as issuer passes the doctor", async () => {
        assert.equal(out.brandedIssuer, `https://${DOMAIN}`);
        const account = loadAccount(ws.awsDir);
        const certificate = Object.entries(account.certificates).find(([, c]) => c.domainName === DOMAIN);
        assert.ok(certificate && certificate[0].startsWith(`arn:aws:acm:us-east-1:${account.accountId}:certificate/`) && certificate[1].status === "ISSUED", JSON.stringify(certificate));
        assert.deepEqual(Object.values(account.recordSets).filter((r) => r.name === DOMAIN).map((r) => r.type).sort(), ["A", "AAAA"]);
        const check = await doctor(https, ws.dir, { issuer: out.brandedIssuer, extraHosts: [DOMAIN] });
        assert.equal(check.code, 0, check.report);
    });

    it("public keys only: both API servers' keys are published, signing key first, and no private key output exists", async () => {
        assert.equal(out.keysKeyIds.length, 2);
        const check = await doctor(https, ws.dir, { issuer: out.keysIssuer });
        assert.equal(check.code, 0, check.report);
        assert.match(check.report, new RegExp(out.keysKeyIds[1]));
    });

    it("one IrsaRole for three clusters: its trust policy names each provider with that cluster's sub and aud, and IAM has it", () => {
        const statements = JSON.parse(out.sharedTrust).Statement as { Principal: { Federated: string }; Condition: { StringEquals: Record<string, string> } }[];
        assert.deepEqual(statements.map((s) => s.Principal.Federated).sort(), [out.edgeProvider, out.brandedProvider, out.keysProvider].sort());
        for (const s of statements) {
            const host = s.Principal.Federated.split("oidc-provider/")[1];
            assert.equal(s.Condition.StringEquals[`${host}:sub`], "system:serviceaccount:apps:shared");
        }
        assert.ok(Object.values(loadAccount(ws.awsDir).roles).some((r) => r.assumeRolePolicy === out.sharedTrust));
    });

    it("refresh, then preview: nothing drifted", async () => {
        await stack.pulumi(["refresh", "--yes", "--skip-preview"]);
        assert.deepEqual(changes(await stack.preview()), []);
    });

    it("the export holds neither the given nor the generated private key in clear; exactly privateKeyPem and talosSecretPatch are secret", async () => {
        const { text, deployment } = await stack.exportState();
        assert.deepEqual(plaintextKeyProblems(text, [given.privateKeyPem, out.brandedKey]), []);
        assert.equal(out.edgeKey, given.privateKeyPem, "the given key did not come back as the privateKeyPem output");
        for (const name of ["edge", "branded"]) {
            assert.deepEqual(secretOutputs(stateResource(deployment.resources, COMPONENT, name)), ["privateKeyPem", "talosSecretPatch"], name);
        }
        // The given key is an input of the component: stored as a secret, not as the program wrote it.
        const edgeInputs = stateResource(deployment.resources, COMPONENT, "edge").inputs!;
        assert.ok(JSON.stringify(edgeInputs.signingKey).includes("ciphertext"), `signingKey stored as ${JSON.stringify(edgeInputs.signingKey).slice(0, 80)}`);
        const publicOnly = secretOutputs(stateResource(deployment.resources, COMPONENT, "keys"));
        assert.ok(publicOnly.every((k) => ["privateKeyPem", "talosSecretPatch"].includes(k)), publicOnly.join(", "));
    });
});
