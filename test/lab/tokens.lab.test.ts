// Real tokens: the API server signs with the component's key for the component's issuer (its apiServerArgs);
// tokens from the real TokenRequest (`kubectl create token --audience sts.amazonaws.com`) pass the doctor
// against a loopback HTTPS server holding exactly what the component uploads, and the trust policies roleFor
// and IrsaRole build admit exactly that ServiceAccount's token in the IAM policy simulator (the token's own
// claims as context keys), refusing another ServiceAccount's and another audience's.
import { runComponent, ComponentRun } from "./component";
import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { settleAll } from "../helpers/irsa-program";
import { resources, reveal } from "../helpers/pulumi-mocks";
import { simulateWebIdentity, trustPolicyErrors } from "../helpers/iam-simulator";
import { labParts } from "./binaries";
import { createNamespace, LabCluster, startCluster, toFlags } from "./cluster";
import { claimsOf, createToken, failures, LabBucket, publishRun, startBucket, tokenReview } from "./issuer";
import { key } from "./keys";

const { IrsaRole } = require("../../src/components/irsa-role") as typeof import("../../src/components/irsa-role");
const POLICY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";

describe("real tokens against the component's documents and trust policies", labParts("etcd", "kubernetes"), () => {
    let cluster: LabCluster;
    let bucket: LabBucket;
    let run: ComponentRun;
    const trust: Record<string, string> = {};
    let tokens: Record<"reader" | "other" | "audience", string>;

    before(async () => {
        run = await runComponent("tokens", { signingKey: { privateKeyPem: key("rsa3072.pkcs8.pem") }, additionalPublicKeyPems: [key("ec-p256.spki.pem")] });
        run.component.roleFor("apps", "s3-reader", POLICY);
        new IrsaRole("standalone", { oidcProviderArn: run.outputs.oidcProviderArn, issuerUrl: run.outputs.issuerUrl, namespace: "apps", serviceAccount: "s3-reader", managedPolicyArns: [POLICY] });
        await settleAll();
        for (const role of resources.filter((r) => r.type === "aws:iam/role:Role")) {
            trust[role.name] = reveal(role.inputs).assumeRolePolicy;
        }
        const { outputs } = run;
        cluster = await startCluster({
            flags: (file) => [...toFlags(outputs.apiServerArgs), ...toFlags({ "service-account-key-file": file("public.pem", outputs.publicKeyPems.join("")), "service-account-signing-key-file": file("signing.pem", outputs.privateKeyPem!) })],
        });
        bucket = await startBucket();
        publishRun(bucket, run);
        await createNamespace(cluster, "apps", [{ name: "s3-reader" }, { name: "s3-writer" }]);
        tokens = {
            reader: await createToken(cluster, "apps", "s3-reader"),
            other: await createToken(cluster, "apps", "s3-writer"),
            audience: await createToken(cluster, "apps", "s3-reader", "vault.lab.invalid"),
        };
    });
    after(async () => {
        await bucket?.close();
        await cluster?.stop();
    });

    it("the API server authenticates its token for the STS audience (TokenReview with spec.audiences)", async () => {
        const review = await tokenReview(cluster, tokens.reader);
        assert.deepEqual(review, { authenticated: true, username: "system:serviceaccount:apps:s3-reader", error: undefined });
        assert.equal((await tokenReview(cluster, tokens.reader, ["https://kubernetes.default.svc"])).authenticated, false, "not for another audience");
        const claims = claimsOf(tokens.reader);
        assert.equal(claims.iss, run.outputs.issuerUrl);
        assert.deepEqual(claims.aud, ["sts.amazonaws.com"]);
    });

    it("passes every check of the doctor against the uploaded documents, the roleFor trust policy included", async () => {
        const findings = await bucket.doctor({ issuer: run.outputs.issuerUrl, token: tokens.reader, audience: "sts.amazonaws.com", trustPolicy: trust["tokens_apps_s3-reader-role"] });
        assert.deepEqual(failures(findings), []);
        for (const id of ["discovery.fetch", "jwks.fetch", "token.kid", "token.signature", "token.iss", "token.aud", "trust.sub", "trust.aud"]) {
            assert.ok(findings.some((f) => f.id === id && f.ok), `${id} in ${findings.map((f) => f.id).join(", ")}`);
        }
    });

    it("the doctor refuses another ServiceAccount's token (trust.sub) and another audience's (token.aud, trust.aud)", async () => {
        const policy = trust["tokens_apps_s3-reader-role"];
        assert.deepEqual(failures(await bucket.doctor({ issuer: run.outputs.issuerUrl, token: tokens.other, audience: "sts.amazonaws.com", trustPolicy: policy })), ["trust.sub"]);
        const wrongAudience = failures(await bucket.doctor({ issuer: run.outputs.issuerUrl, token: tokens.audience, audience: "sts.amazonaws.com", trustPolicy: policy }));
        assert.ok(wrongAudience.includes("token.aud") && wrongAudience.includes("trust.aud"), wrongAudience.join(", "));
    });

    it("in the IAM policy simulator both trust policies admit exactly the ServiceAccount's own token", () => {
        assert.deepEqual(Object.keys(trust).sort(), ["standalone-role", "tokens_apps_s3-reader-role"]);
        const host = run.outputs.issuerHost;
        const context = (token: string) => {
            const c = claimsOf(token);
            return { [`${host}:sub`]: c.sub as string, [`${host}:aud`]: (c.aud as string[]).length === 1 ? (c.aud as string[])[0] : (c.aud as string[]) };
        };
        for (const [name, text] of Object.entries(trust)) {
            const policy = JSON.parse(text);
            assert.deepEqual(trustPolicyErrors(policy), [], name);
            assert.equal(simulateWebIdentity(policy, run.outputs.oidcProviderArn, context(tokens.reader)), "Allowed", `${name}: its own token`);
            assert.equal(simulateWebIdentity(policy, run.outputs.oidcProviderArn, context(tokens.other)), "ImplicitlyDenied", `${name}: another ServiceAccount's`);
            assert.equal(simulateWebIdentity(policy, run.outputs.oidcProviderArn, context(tokens.audience)), "ImplicitlyDenied", `${name}: another audience's`);
            assert.equal(simulateWebIdentity(policy, `${run.outputs.oidcProviderArn}-other`, context(tokens.reader)), "ImplicitlyDenied", `${name}: another provider`);
        }
    });

    it("a token the published JWKS cannot verify fails the doctor (a wrong kid published)", async () => {
        const jwks = run.uploaded["openid/v1/jwks"];
        const kid = run.outputs.keyIds[0];
        bucket.publish({ ...run.uploaded, "openid/v1/jwks": jwks.replace(kid, `${kid.slice(0, -1)}${kid.endsWith("A") ? "B" : "A"}`) });
        try {
            const ids = failures(await bucket.doctor({ issuer: run.outputs.issuerUrl, token: tokens.reader, audience: "sts.amazonaws.com" }));
            assert.ok(ids.includes("token.kid"), ids.join(", "));
        } finally {
            publishRun(bucket, run);
        }
    });
});
