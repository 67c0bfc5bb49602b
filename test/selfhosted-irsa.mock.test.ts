import { strict as assert } from "node:assert";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { ACCOUNT_ID, REGION, calls, isSecret, promiseOf, registeredUrns, setupMocks } from "./helpers/pulumi-mocks";

setupMocks();
// Required after setMocks, as the mocks must be in place before resource modules load.
const { SelfHostedIrsa } = require("../src/components/selfhosted-irsa") as typeof import("../src/components/selfhosted-irsa");
const { buildJwks, serializeJwks, buildDiscoveryDocument, serializeDiscoveryDocument, readPrivateKey } = require("../src/oidc") as typeof import("../src/oidc");
const { command: jwksCli } = require("../src/cli/commands/jwks") as typeof import("../src/cli/commands/jwks");
const { command: discoveryCli } = require("../src/cli/commands/discovery") as typeof import("../src/cli/commands/discovery");
const { KEYS, T, childrenOf, key, only, outputsOf, reveal } = require("./helpers/irsa-program") as typeof import("./helpers/irsa-program");

type Outputs = import("./helpers/irsa-program").ResolvedOutputs;

const NAME = "irsa";
const PRIVATE_PEM = key("rsa2048.pkcs8.pem");
// The bucket's name in the account-regional namespace (the default): the component name, 8 hex digits of
// sha256("selfhosted-irsa/test/irsa") (project/stack/name), the mocks' account and region (us-west-2), "-an".
// A literal: a change of the derivation would move every deployed bucket and issuer.
const BUCKET = "irsa-969967c2-123456789012-us-west-2-an";
const ISSUER = `https://${BUCKET}.s3.${REGION}.amazonaws.com`;

async function cli(command: typeof jwksCli, argv: string[]): Promise<string> {
    let out = "";
    const code = await command.run(argv, { stdout: (t) => (out += t), stderr: () => undefined, readStdin: async () => "" });
    assert.equal(code, 0);
    return out.replace(/\n$/, "");
}

describe("SelfHostedIrsa with the user's private key (S3 hosting)", () => {
    let component: InstanceType<typeof SelfHostedIrsa>;
    let out: Outputs;
    // Explicit dependencies of each child, seen through a transformation (children inherit it).
    const dependsOn = new Map<string, pulumi.Resource[]>();
    before(async () => {
        component = new SelfHostedIrsa(
            NAME,
            { signingKey: { privateKeyPem: PRIVATE_PEM }, tags: { team: "platform" } },
            {
                transformations: [
                    (a) => {
                        const deps = a.opts.dependsOn;
                        dependsOn.set(a.name, deps === undefined ? [] : Array.isArray(deps) ? (deps as pulumi.Resource[]) : [deps as pulumi.Resource]);
                        return undefined;
                    },
                ],
            },
        );
        out = await outputsOf(component);
    });
    const dependencyNames = async (child: string) => Promise.all((dependsOn.get(child) ?? []).map(async (r) => (await promiseOf(r.urn)).split("::")[3]));

    it("registers the component under its type token", () => {
        only(T.component, NAME);
    });

    it("creates a bucket in the account-regional namespace, named for the account and region, forceDestroy off, tagged, in the provider's region", () => {
        const bucket = only(T.bucket, `${NAME}-bucket`);
        assert.equal(bucket.inputs.bucket, BUCKET);
        assert.equal(bucket.inputs.bucketNamespace, "account-regional");
        assert.ok(calls.some((c) => c.token === "aws:index/getCallerIdentity:getCallerIdentity"), "the account comes from the provider");
        assert.equal(bucket.inputs.forceDestroy, false);
        assert.deepEqual(bucket.inputs.tags, { team: "platform" });
        assert.equal(bucket.inputs.region, undefined, "no per-resource region unless `region` is given");
        assert.ok(calls.some((c) => c.token === "aws:index/getRegion:getRegion"), "the region comes from the provider");
    });

    it("disables ACLs (BucketOwnerEnforced) and blocks ACLs but not the bucket policy", () => {
        const ownership = only(T.ownership, `${NAME}-ownership`);
        assert.equal(ownership.inputs.bucket, BUCKET);
        assert.deepEqual(ownership.inputs.rule, { objectOwnership: "BucketOwnerEnforced" });
        const block = only(T.accessBlock, `${NAME}-public-access`);
        assert.deepEqual(
            { ...block.inputs },
            { bucket: BUCKET, blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: false, restrictPublicBuckets: false },
        );
    });

    it("lets anyone s3:GetObject the two documents and nothing else", () => {
        const policy = only(T.policy, `${NAME}-policy`);
        assert.equal(policy.inputs.bucket, BUCKET);
        assert.equal(
            policy.inputs.policy,
            JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "PublicReadOidcDocuments",
                        Effect: "Allow",
                        Principal: "*",
                        Action: "s3:GetObject",
                        Resource: [`arn:aws:s3:::${BUCKET}/.well-known/openid-configuration`, `arn:aws:s3:::${BUCKET}/openid/v1/jwks`],
                    },
                ],
            }),
        );
    });

    it("publishes the core's documents, byte for byte, as application/json", () => {
        const jwks = buildJwks([PRIVATE_PEM]);
        const expectedJwks = serializeJwks(jwks);
        const expectedDiscovery = serializeDiscoveryDocument(buildDiscoveryDocument({ issuer: ISSUER, jwks }));
        const discovery = only(T.object, `${NAME}-discovery`);
        const jwksObject = only(T.object, `${NAME}-jwks`);
        assert.deepEqual(
            { ...discovery.inputs },
            { bucket: BUCKET, key: ".well-known/openid-configuration", content: expectedDiscovery, contentType: "application/json", cacheControl: "public, max-age=300" },
        );
        assert.deepEqual(
            { ...jwksObject.inputs },
            { bucket: BUCKET, key: "openid/v1/jwks", content: expectedJwks, contentType: "application/json", cacheControl: "public, max-age=300" },
        );
        assert.equal(out.jwks, expectedJwks);
        assert.equal(out.discoveryDocument, expectedDiscovery);
        assert.equal(JSON.parse(expectedDiscovery).jwks_uri, `${ISSUER}/openid/v1/jwks`);
    });

    it("publishes what the CLI prints for the same key", async () => {
        const file = path.join(KEYS, "rsa2048.pkcs8.pem");
        assert.equal(out.jwks, await cli(jwksCli, ["--key", file]));
        assert.equal(out.discoveryDocument, await cli(discoveryCli, ["--issuer", ISSUER, "--key", file]));
    });

    it("registers the IAM OIDC provider for the issuer, STS audience, no thumbprints", () => {
        const provider = only(T.provider, `${NAME}-oidc-provider`);
        assert.deepEqual({ ...provider.inputs }, { url: ISSUER, clientIdLists: ["sts.amazonaws.com"], tags: { team: "platform" } });
        assert.equal(out.oidcProviderArn, `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/${BUCKET}.s3.${REGION}.amazonaws.com`);
    });

    it("creates the provider only once AWS can read the documents, and the policy after the access block", async () => {
        assert.deepEqual((await dependencyNames(`${NAME}-oidc-provider`)).sort(), [`${NAME}-discovery`, `${NAME}-jwks`, `${NAME}-policy`]);
        assert.deepEqual((await dependencyNames(`${NAME}-policy`)).sort(), [`${NAME}-ownership`, `${NAME}-public-access`]);
    });

    it("installs the webhook with the stack's region and the first audience", () => {
        const release = only(T.release, `${NAME}-webhook`);
        assert.equal(release.inputs.chart, "amazon-eks-pod-identity-webhook");
        const values = reveal(release.inputs.values);
        assert.equal(values.config.defaultAwsRegion, REGION);
        assert.equal(values.config.tokenAudience, "sts.amazonaws.com");
    });

    it("parents every child on the component", () => {
        const children = registeredUrns().filter((u) => u.split("::")[3]?.startsWith(`${NAME}-`));
        assert.ok(children.length >= 8, children.join("\n"));
        for (const urn of children) {
            assert.match(urn.split("::")[2], /^selfhosted-irsa:index:SelfHostedIrsa\$/, urn);
        }
        // The component makes nothing outside its own name.
        assert.deepEqual(childrenOf(NAME, T.provider).map((r) => r.name), [`${NAME}-oidc-provider`]);
    });

    it("outputs the issuer, its host, the JWKS URI, the key IDs and the API server flags", () => {
        const kid = readPrivateKey(PRIVATE_PEM).publicKey.kid;
        assert.equal(kid, "RPTwuSSaBIxZ_xHGxWTviC4uVbAg8jGYcU9K-Vknk_E", "the OpenSSL vector");
        assert.equal(out.issuerUrl, ISSUER);
        assert.equal(out.issuerHost, `${BUCKET}.s3.${REGION}.amazonaws.com`);
        assert.equal(out.jwksUri, `${ISSUER}/openid/v1/jwks`);
        assert.deepEqual(out.keyIds, [kid]);
        assert.equal(out.bucketName, BUCKET);
        assert.deepEqual(out.publicKeyPems, [readPrivateKey(PRIVATE_PEM).publicKey.spkiPem]);
        assert.deepEqual(out.apiServerArgs, {
            "service-account-issuer": [ISSUER],
            "service-account-jwks-uri": [`${ISSUER}/openid/v1/jwks`],
        });
    });

    it("keeps the private key as a secret output and the documents public", async () => {
        assert.equal(out.privateKeyPem, PRIVATE_PEM);
        assert.equal(await isSecret(component.privateKeyPem), true);
        assert.equal(await isSecret(component.jwks), false);
        assert.equal(await isSecret(component.publicKeyPems), false);
        assert.equal(await isSecret(component.issuerUrl), false);
    });
});
