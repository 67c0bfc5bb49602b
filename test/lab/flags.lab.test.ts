// Our flags on the real kube-apiserver 1.33.13: what `selfhosted-irsa cluster-config` prints for kubeadm
// (v1beta4 and v1beta3), k3s, rke2 and talos, read as each distribution reads it (extraArgs, kube-apiserver-arg)
// and merged over the flags the distribution passes itself, key paths mapped into the run; previous issuers,
// extra public keys, the max token lifetime and API audiences; and the component's apiServerArgs under mocks.
// The API server must start with them (a flag it refuses fails the test with its own words), serve the issuer
// and JWKS they name, and issue tokens they bound.
import { runComponent } from "./component";
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { buildJwks, readPublicKey, serializeJwks } from "../../src/oidc";
import { labParts, REPO } from "./binaries";
import { LabCluster, signingKeyFlags, startCluster, toFlags } from "./cluster";
import { key, KEYS } from "./keys";

const ISSUER = "https://oidc.lab.invalid";
const OLD_ISSUER = "https://kubernetes.default.svc.cluster.local";
const CLI = path.join(REPO, "dist", "cli", "main.js");

type Distribution = "kubeadm" | "k3s" | "rke2" | "talos";
type Flags = Record<string, string[]>;

/** Flags each distribution passes kube-apiserver itself; a flag named in the user's config replaces its default. */
const OWN: Record<Distribution, Flags> = {
    kubeadm: { "service-account-issuer": [OLD_ISSUER], "service-account-key-file": ["/etc/kubernetes/pki/sa.pub"], "service-account-signing-key-file": ["/etc/kubernetes/pki/sa.key"] },
    talos: { "service-account-issuer": ["https://talos.lab.invalid:6443"], "service-account-key-file": ["/system/secrets/kubernetes/kube-apiserver/service-account.pub"], "service-account-signing-key-file": ["/system/secrets/kubernetes/kube-apiserver/service-account.key"] },
    k3s: { "service-account-issuer": [OLD_ISSUER], "service-account-key-file": ["/var/lib/rancher/k3s/server/tls/service.key"], "service-account-signing-key-file": ["/var/lib/rancher/k3s/server/tls/service.current.key"] },
    rke2: { "service-account-issuer": [OLD_ISSUER], "service-account-key-file": ["/var/lib/rancher/rke2/server/tls/service.key"], "service-account-signing-key-file": ["/var/lib/rancher/rke2/server/tls/service.current.key"] },
};

/** The CLI, as a user runs it: YAML, then comment lines (key files, steps). */
function clusterConfig(args: string[]): { yaml: string; doc: any; comments: string[] } {
    const out = execFileSync(process.execPath, [CLI, "cluster-config", ...args], { encoding: "utf8" });
    const yaml = out.split("\n").filter((l) => !l.startsWith("#")).join("\n");
    return { yaml, doc: parse(yaml), comments: out.split("\n").filter((l) => l.startsWith("#")) };
}

/** The user's flags as the distribution reads its config. */
function userFlags(distribution: Distribution, doc: any): Flags {
    const flags: Flags = {};
    const add = (name: string, value: string) => (flags[name] ??= []).push(value);
    switch (distribution) {
        case "kubeadm": {
            const extra = doc.apiServer.extraArgs;
            // v1beta4: a list of {name, value} (a flag may repeat); v1beta3: a map, one value per flag.
            if (Array.isArray(extra)) {
                extra.forEach((e: { name: string; value: string }) => add(e.name, e.value));
            } else {
                Object.entries(extra).forEach(([n, v]) => add(n, v as string));
            }
            break;
        }
        case "k3s":
        case "rke2":
            (doc["kube-apiserver-arg"] as string[]).forEach((line) => add(line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)));
            break;
        case "talos":
            // Talos 1.13+: a list value repeats the flag.
            Object.entries(doc.cluster.apiServer.extraArgs).forEach(([n, v]) => (Array.isArray(v) ? v : [v]).forEach((x) => add(n, x as string)));
            break;
    }
    return flags;
}

const merged = (distribution: Distribution, user: Flags): Flags => ({ ...OWN[distribution], ...user });

describe("our flags on the real kube-apiserver", labParts("etcd", "kubernetes"), () => {
    let cluster: LabCluster;
    before(async () => {
        // One etcd for every start below; each case restarts the API server with its flags.
        cluster = await startCluster({ flags: signingKeyFlags(ISSUER, key("rsa2048.pkcs8.pem")) });
        await cluster.apply({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "probe", namespace: "default" } });
    });
    after(() => cluster?.stop());

    /**
     * Starts the API server with these flags, every absolute key path written into the run with `contents(path)`,
     * and returns what it serves.
     */
    async function serve(flags: Flags, contents: (p: string) => string): Promise<{ issuer: string; jwksUri: string; jwks: string; served: Flags }> {
        const served: Flags = {};
        for (const [name, values] of Object.entries(flags)) {
            served[name] = values.map((v) => (v.startsWith("/") ? cluster.file(`keys${v}`, contents(v)) : v));
        }
        await cluster.restart(toFlags(served));
        const discovery = JSON.parse((await cluster.kubectl(["get", "--raw", "/.well-known/openid-configuration"])).stdout);
        const jwks = (await cluster.kubectl(["get", "--raw", "/openid/v1/jwks"])).stdout;
        return { issuer: discovery.issuer, jwksUri: discovery.jwks_uri, jwks, served };
    }

    const tokenClaims = async (args: string[] = []) => {
        const token = (await cluster.kubectl(["create", "token", "probe", "-n", "default", ...args])).stdout.trim();
        return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString());
    };

    const keyFile = (name: string) => path.join(KEYS, name);
    const publicOf = (pem: string) => readPublicKey(pem).spkiPem;

    it("kubeadm v1beta4: issuer, previous issuer, extra public key and max token lifetime", async () => {
        const { doc } = clusterConfig(["--distribution", "kubeadm", "--issuer", ISSUER, "--key", keyFile("rsa2048.pkcs1.pem"), "--public-key", keyFile("ec-p256.spki.pem"), "--previous-issuer", OLD_ISSUER, "--max-token-expiration", "86400"]);
        const user = userFlags("kubeadm", doc);
        assert.deepEqual(user["service-account-issuer"], [ISSUER, OLD_ISSUER]);
        const sa = { "/etc/kubernetes/pki/sa.key": key("rsa2048.pkcs1.pem"), "/etc/kubernetes/pki/sa.pub": publicOf(key("rsa2048.pkcs1.pem")) + key("ec-p256.spki.pem") };
        const got = await serve(merged("kubeadm", user), (p) => sa[p as keyof typeof sa]);
        assert.equal(got.issuer, ISSUER);
        assert.equal(got.jwksUri, `${ISSUER}/openid/v1/jwks`);
        assert.equal(got.jwks, serializeJwks(buildJwks([key("rsa2048.pkcs1.pem"), key("ec-p256.spki.pem")])));
        const claims = await tokenClaims(["--duration=172800s"]);
        assert.equal(claims.iss, ISSUER);
        assert.equal(claims.exp - claims.iat, 86400, "--service-account-max-token-expiration=86400s caps a 2-day request");
    });

    it("kubeadm v1beta3 (one value per flag) and an API audience", async () => {
        const { doc } = clusterConfig(["--distribution", "kubeadm", "--kubeadm-api-version", "v1beta3", "--issuer", ISSUER, "--key", keyFile("rsa3072.pkcs8.pem"), "--api-audience", "https://kubernetes.lab.invalid"]);
        assert.equal(Array.isArray(doc.apiServer.extraArgs), false);
        const user = userFlags("kubeadm", doc);
        const got = await serve(merged("kubeadm", user), (p) => (p.endsWith("sa.key") ? key("rsa3072.pkcs8.pem") : publicOf(key("rsa3072.pkcs8.pem"))));
        assert.equal(got.issuer, ISSUER);
        const claims = await tokenClaims();
        assert.deepEqual(claims.aud, ["https://kubernetes.lab.invalid"]);
    });

    for (const distribution of ["k3s", "rke2"] as const) {
        it(`${distribution}: with our key (its own service.key still verifies) and without (it keeps signing with its own)`, async () => {
            const own = key("rsa2048.pkcs8.pem");
            const ours = key(distribution === "k3s" ? "rsa4096.pkcs8.pem" : "ec-p256.sec1.pem");
            const withKey = clusterConfig(["--distribution", distribution, "--issuer", ISSUER, "--key", keyFile(distribution === "k3s" ? "rsa4096.pkcs8.pem" : "ec-p256.sec1.pem"), "--previous-issuer", OLD_ISSUER]);
            const files = (p: string) => (p.endsWith("/irsa/sa.key") ? ours : p.endsWith("/irsa/sa.pub") ? publicOf(ours) : own);
            const got = await serve(merged(distribution, userFlags(distribution, withKey.doc)), files);
            assert.equal(got.issuer, ISSUER);
            // The distribution's own key stays a verification key, so the API server serves it too; the
            // instructions say to publish it, and the component then publishes exactly what is served.
            assert.equal(got.jwks, serializeJwks(buildJwks([ours, own])));
            assert.ok(withKey.comments.some((l) => l.includes(`publish it too (additionalPublicKeyPems`)), withKey.comments.join("\n"));
            const published = await runComponent(`flags-${distribution}`, { signingKey: { privateKeyPem: ours }, additionalPublicKeyPems: [publicOf(own)] });
            assert.equal(published.outputs.jwks, got.jwks);
            if (distribution === "rke2") {
                assert.deepEqual(withKey.doc["kube-apiserver-extra-mount"], ["/etc/rancher/rke2/irsa:/etc/rancher/rke2/irsa:ro"]);
            }
            const claims = await tokenClaims();
            assert.equal(claims.iss, ISSUER);

            const without = clusterConfig(["--distribution", distribution, "--issuer", ISSUER]);
            const kept = await serve(merged(distribution, userFlags(distribution, without.doc)), () => own);
            assert.equal(kept.issuer, ISSUER);
            assert.equal(kept.jwks, serializeJwks(buildJwks([own])));
        });
    }

    it("talos: the extraArgs patch, with the key Talos writes from cluster.serviceAccount.key", async () => {
        const { doc } = clusterConfig(["--distribution", "talos", "--issuer", ISSUER, "--key", keyFile("rsa4096.pkcs8.pem"), "--previous-issuer", OLD_ISSUER, "--show-secrets"]);
        const written = Buffer.from(doc.cluster.serviceAccount.key, "base64").toString();
        assert.match(written, /^-----BEGIN RSA PRIVATE KEY-----/);
        const got = await serve(merged("talos", userFlags("talos", doc)), (p) => (p.endsWith(".key") ? written : publicOf(written)));
        assert.equal(got.issuer, ISSUER);
        assert.equal(got.jwks, serializeJwks(buildJwks([key("rsa4096.pkcs8.pem")])));
    });

    it("the component's apiServerArgs (previous issuers) with its key outputs", async () => {
        const run = await runComponent("flags", { signingKey: { privateKeyPem: key("rsa2048.pkcs8.pem") }, additionalPublicKeyPems: [key("ec-p256.spki.pem")], previousIssuers: [OLD_ISSUER] });
        const args = run.outputs.apiServerArgs;
        assert.deepEqual(args["service-account-issuer"], [run.outputs.issuerUrl, OLD_ISSUER]);
        const flags: Flags = { ...args, "service-account-key-file": ["/out/publicKeyPems"], "service-account-signing-key-file": ["/out/privateKeyPem"] };
        const got = await serve(flags, (p) => (p === "/out/privateKeyPem" ? run.outputs.privateKeyPem! : run.outputs.publicKeyPems.join("")));
        assert.equal(got.issuer, run.outputs.issuerUrl);
        assert.equal(got.jwksUri, run.outputs.jwksUri);
        assert.equal(got.jwks, run.outputs.jwks);
    });

    it("fails on a flag name the binary does not know (the drift these tests catch)", async () => {
        const { doc } = clusterConfig(["--distribution", "kubeadm", "--issuer", ISSUER, "--key", keyFile("rsa2048.pkcs8.pem")]);
        const user = userFlags("kubeadm", doc);
        const drifted = { ...merged("kubeadm", user), "service-account-jwks-url": user["service-account-jwks-uri"] };
        delete (drifted as Flags)["service-account-jwks-uri"];
        await assert.rejects(serve(drifted, () => key("rsa2048.pkcs8.pem")), /unknown flag: --service-account-jwks-url/);
        // Back to a running API server for what follows.
        await cluster.restart(toFlags({ "service-account-issuer": ISSUER, "service-account-key-file": cluster.file("keys/boot.key", key("rsa2048.pkcs8.pem")), "service-account-signing-key-file": path.join(cluster.dir, "keys/boot.key") }));
        assert.equal(crypto.createHash("sha256").update((await cluster.kubectl(["get", "--raw", "/readyz"])).stdout).digest("hex").length, 64);
    });
});
