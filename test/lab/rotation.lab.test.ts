// Migration and rotation with restarts of the real kube-apiserver.
// Migration: tokens minted under the old issuer; restart with the new issuer plus the old one as cluster-config
// renders them (and the component's apiServerArgs name them); TokenReview accepts old and new tokens, and the
// doctor verifies each against its issuer's published documents; dropping the old issuer ends the old tokens.
// Rotation: every phase of planKeyRotation, the component publishing what the plan says and the API server
// restarted with the plan's keys; at each phase every live token verifies (TokenReview and doctor) and the
// published JWKS equals the API server's.
import { runComponent, ComponentRun } from "./component";
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { buildDiscoveryDocument, buildJwks, readPublicKey, serializeDiscoveryDocument, serializeJwks } from "../../src/oidc";
import { planKeyRotation, RotationPhase } from "../../src/kubernetes/key-rotation";
import { labParts, REPO } from "./binaries";
import { createNamespace, LabCluster, signingKeyFlags, startCluster, toFlags } from "./cluster";
import { createToken, failures, LabBucket, publishRun, startBucket, tokenReview } from "./issuer";
import { key, KEYS } from "./keys";

const CLI = path.join(REPO, "dist", "cli", "main.js");
const OLD = key("rsa2048.pkcs8.pem");
const NEW = key("ec-p256.sec1.pem");

describe("migration and rotation with API server restarts", labParts("etcd", "kubernetes"), () => {
    let cluster: LabCluster;
    /** The old issuer's own published documents (a previous hosting), and the component's bucket. */
    let oldBucket: LabBucket;
    let bucket: LabBucket;
    const keyFlags = (signing: string, verifying: string[], tag: string) =>
        toFlags({
            "service-account-signing-key-file": cluster.file(`${tag}/signing.pem`, signing),
            "service-account-key-file": verifying.map((pem, i) => cluster.file(`${tag}/verify-${i}.pem`, readPublicKey(pem).spkiPem)),
        });

    before(async () => {
        oldBucket = await startBucket();
        bucket = await startBucket();
        cluster = await startCluster({ flags: signingKeyFlags(oldBucket.server.url, OLD) });
        await createNamespace(cluster, "apps", [{ name: "s3-reader" }]);
    });
    after(async () => {
        await Promise.all([oldBucket?.close(), bucket?.close()]);
        await cluster?.stop();
    });

    it("migration: old and new issuer side by side, then the old one dropped", async () => {
        // Before: the cluster's old issuer, published at its own (loopback) URL.
        const oldIssuer = oldBucket.server.url;
        const oldJwks = buildJwks([OLD]);
        oldBucket.publish({ ".well-known/openid-configuration": serializeDiscoveryDocument(buildDiscoveryDocument({ issuer: oldIssuer, jwks: oldJwks })), "openid/v1/jwks": serializeJwks(oldJwks) });
        const oldToken = await createToken(cluster, "apps", "s3-reader");
        assert.deepEqual(failures(await oldBucket.doctor({ issuer: oldIssuer, token: oldToken, audience: "sts.amazonaws.com" })), []);

        // The component takes over, keeping the old issuer; the API server gets cluster-config's kubeadm flags.
        const run = await runComponent("migrate", { signingKey: { privateKeyPem: OLD }, previousIssuers: [oldIssuer] });
        publishRun(bucket, run);
        const rendered = parse(execFileSync(process.execPath, [CLI, "cluster-config", "--distribution", "kubeadm", "--issuer", run.outputs.issuerUrl, "--key", path.join(KEYS, "rsa2048.pkcs8.pem"), "--previous-issuer", oldIssuer], { encoding: "utf8" }));
        const issuers = (rendered.apiServer.extraArgs as Array<{ name: string; value: string }>).filter((a) => a.name === "service-account-issuer").map((a) => a.value);
        assert.deepEqual(issuers, run.outputs.apiServerArgs["service-account-issuer"], "cluster-config and the component name the same issuers, new first");
        assert.deepEqual(issuers, [run.outputs.issuerUrl, oldIssuer]);
        await cluster.restart([...toFlags({ "service-account-issuer": issuers, "service-account-jwks-uri": run.outputs.apiServerArgs["service-account-jwks-uri"] }), ...keyFlags(OLD, [OLD], "migrate")]);

        const newToken = await createToken(cluster, "apps", "s3-reader");
        for (const [name, token] of [["old", oldToken], ["new", newToken]]) {
            assert.equal((await tokenReview(cluster, token)).authenticated, true, `TokenReview accepts the ${name} issuer's token`);
        }
        assert.deepEqual(failures(await bucket.doctor({ issuer: run.outputs.issuerUrl, token: newToken, audience: "sts.amazonaws.com" })), []);
        assert.deepEqual(failures(await oldBucket.doctor({ issuer: oldIssuer, token: oldToken, audience: "sts.amazonaws.com" })), [], "the old token still verifies against the old issuer's documents");
        assert.ok(failures(await bucket.doctor({ issuer: run.outputs.issuerUrl, token: oldToken, audience: "sts.amazonaws.com" })).includes("token.iss"), "but not as a token of the new issuer");

        // Done: the old issuer is dropped; its tokens stop authenticating, the new ones keep working.
        const done = await runComponent("migrate", { signingKey: { privateKeyPem: OLD } });
        assert.deepEqual(done.outputs.apiServerArgs["service-account-issuer"], [run.outputs.issuerUrl]);
        await cluster.restart([...toFlags(done.outputs.apiServerArgs), ...keyFlags(OLD, [OLD], "migrated")]);
        assert.equal((await tokenReview(cluster, oldToken)).authenticated, false);
        assert.equal((await tokenReview(cluster, newToken)).authenticated, true);
    });

    it("rotation: publish, switch, retire, with a restart per phase and every live token verifying", async () => {
        const switchedAt = new Date();
        const runs: ComponentRun[] = [];
        const live: Array<{ name: string; token: string; kid: string }> = [];
        const kidOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[0], "base64url").toString()).kid as string;

        const phase = async (name: RotationPhase | "before") => {
            const plan =
                name === "before"
                    ? { signingKey: "current" as const, publishedPublicKeyPems: [readPublicKey(OLD).spkiPem], apiServerVerificationKeys: [readPublicKey(OLD).spkiPem], publishedKeyIds: [readPublicKey(OLD).kid] }
                    : planKeyRotation({ phase: name, currentPublicKeyPem: OLD, nextPublicKeyPem: NEW, switchedAt, maxTokenLifetimeSeconds: 3600, now: new Date(switchedAt.getTime() + 3600_000) });
            const signing = plan.signingKey === "current" ? OLD : NEW;
            // The component, as the plan's steps say: signingKey and additionalPublicKeyPems.
            const run = await runComponent("rotate", { signingKey: { privateKeyPem: signing }, additionalPublicKeyPems: plan.publishedPublicKeyPems.slice(1) });
            runs.push(run);
            assert.deepEqual(run.outputs.keyIds, plan.publishedKeyIds, `${name}: the component publishes the plan's kids`);
            publishRun(bucket, run);
            await cluster.restart([...toFlags(run.outputs.apiServerArgs), ...keyFlags(signing, plan.apiServerVerificationKeys, `rotate-${name}`)]);
            assert.equal((await cluster.kubectl(["get", "--raw", "/openid/v1/jwks"])).stdout, run.uploaded["openid/v1/jwks"], `${name}: published JWKS = the API server's`);
            const token = await createToken(cluster, "apps", "s3-reader");
            assert.equal(kidOf(token), readPublicKey(signing).kid, `${name}: signed by the plan's signing key`);
            live.push({ name, token, kid: kidOf(token) });
            return { run, plan };
        };
        const verifyAll = async (tokens: typeof live, issuer: string) => {
            for (const t of tokens) {
                assert.equal((await tokenReview(cluster, t.token)).authenticated, true, `TokenReview: the ${t.name} token`);
                assert.deepEqual(failures(await bucket.doctor({ issuer, token: t.token, audience: "sts.amazonaws.com" })), [], `doctor: the ${t.name} token`);
            }
        };

        const before = await phase("before");
        await verifyAll(live, before.run.outputs.issuerUrl);
        await phase("publish");
        await verifyAll(live, before.run.outputs.issuerUrl);
        await phase("switch");
        await verifyAll(live, before.run.outputs.issuerUrl);

        // Retire (allowed once the longest token lifetime has passed since the switch): only tokens of the new
        // key are live by then. The old key's tokens, still unexpired here, are refused by both sides, as they
        // would be had they lived on.
        await phase("retire");
        const newOnly = live.filter((t) => t.kid === readPublicKey(NEW).kid);
        assert.deepEqual(newOnly.map((t) => t.name), ["switch", "retire"]);
        await verifyAll(newOnly, before.run.outputs.issuerUrl);
        for (const t of live.filter((x) => x.kid === readPublicKey(OLD).kid)) {
            assert.equal((await tokenReview(cluster, t.token)).authenticated, false, `retired: the ${t.name} token`);
            assert.ok(failures(await bucket.doctor({ issuer: before.run.outputs.issuerUrl, token: t.token, audience: "sts.amazonaws.com" })).includes("token.kid"), `retired: the ${t.name} token's kid`);
        }
        assert.equal(new Set(runs.map((r) => r.outputs.issuerUrl)).size, 1, "the issuer never moves");
    });
});
