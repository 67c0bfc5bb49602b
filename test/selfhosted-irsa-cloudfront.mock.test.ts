import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { ACCOUNT_ID, promiseOf, resources, setupMocks } from "./helpers/pulumi-mocks";

setupMocks();
// Required after setMocks, as the mocks must be in place before resource modules load.
const { SelfHostedIrsa } = require("../src/components/selfhosted-irsa") as typeof import("../src/components/selfhosted-irsa");
const { key, outputsOf } = require("./helpers/irsa-program") as typeof import("./helpers/irsa-program");

describe("SelfHostedIrsa with hosting.kind cloudfront and a custom domain", () => {
    const dependsOn = new Map<string, pulumi.Resource[]>();
    let out: import("./helpers/irsa-program").ResolvedOutputs;
    before(async () => {
        const c = new SelfHostedIrsa(
            "cf",
            { signingKey: { privateKeyPem: key("rsa2048.pkcs8.pem") }, hosting: { kind: "cloudfront", domainName: "oidc.example.com", hostedZoneId: "Z123" }, webhook: { enabled: false } },
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
        out = await outputsOf(c);
    });

    it("uses https://oidc.example.com for the documents, the provider and the API server flags", () => {
        assert.equal(out.issuerUrl, "https://oidc.example.com");
        assert.equal(out.issuerHost, "oidc.example.com");
        assert.equal(JSON.parse(out.discoveryDocument).issuer, "https://oidc.example.com");
        assert.equal(out.jwksUri, "https://oidc.example.com/openid/v1/jwks");
        assert.equal(out.oidcProviderArn, `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/oidc.example.com`);
        assert.deepEqual(out.apiServerArgs["service-account-issuer"], ["https://oidc.example.com"]);
        const provider = resources.find((r) => r.type === "aws:iam/openIdConnectProvider:OpenIdConnectProvider" && r.name === "cf-oidc-provider")!;
        assert.equal(provider.inputs.url, "https://oidc.example.com");
    });

    it("creates the OIDC provider only after the documents, the policy, the distribution, the validation and the alias records", async () => {
        const names = await Promise.all((dependsOn.get("cf-oidc-provider") ?? []).map(async (r) => (await promiseOf(r.urn)).split("::")[3]));
        assert.deepEqual(names.sort(), ["cf-alias-a", "cf-alias-aaaa", "cf-cert-validation", "cf-discovery", "cf-distribution", "cf-jwks", "cf-policy"]);
    });

    it("creates no public bucket policy", () => {
        const policy = resources.find((r) => r.type === "aws:s3/bucketPolicy:BucketPolicy" && r.name === "cf-policy")!;
        assert.deepEqual(JSON.parse(policy.inputs.policy).Statement[0].Principal, { Service: "cloudfront.amazonaws.com" });
    });
});
