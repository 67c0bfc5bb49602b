// The harness itself: etcd and kube-apiserver start on loopback with a fresh PKI, answer /readyz, restart with
// other flags, refuse a flag the binary does not know with its own words, and leave nothing behind.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import { after, before, describe, it } from "node:test";
import { labParts } from "./binaries";
import { FileWriter, LabCluster, startCluster, toFlags } from "./cluster";
import { key } from "./keys";
import { runningPids } from "./processes";

describe("lab harness: etcd and kube-apiserver on loopback", labParts("etcd", "kubernetes"), () => {
    let cluster: LabCluster;
    let flags: readonly string[];
    const saFlags = (file: FileWriter, issuer: string, pem: string) => {
        const signing = file("sa.key", pem);
        return toFlags({ "service-account-issuer": issuer, "service-account-key-file": signing, "service-account-signing-key-file": signing });
    };
    before(async () => {
        cluster = await startCluster({ flags: (file) => saFlags(file, "https://issuer.lab.invalid", key("rsa2048.pkcs8.pem")) });
        flags = cluster.flags;
    });
    after(() => cluster?.stop());

    it("serves /readyz, authenticates the admin and refuses a client it does not know", async () => {
        assert.equal((await cluster.request("GET", "/readyz")).body, "ok");
        const who = await cluster.kubectl(["auth", "whoami", "-o", "json"]);
        assert.equal(JSON.parse(who.stdout).status.userInfo.username, "lab-admin");
        const sa = await cluster.kubectl(["get", "serviceaccount", "default", "-n", "kube-system", "-o", "name"]);
        assert.equal(sa.stdout.trim(), "serviceaccount/default");
        const stranger = await cluster.kubectl(["get", "namespaces"], { kubeconfig: cluster.tokenKubeconfig("stranger", "not-a-token"), allowFail: true });
        assert.equal(stranger.code, 1);
        assert.match(stranger.stderr, /Unauthorized|must be logged in/);
    });

    it("restarts with other flags and keeps its objects", async () => {
        await cluster.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "kept", namespace: "default" }, data: { a: "1" } });
        const before = cluster.apiserver().pid;
        await cluster.restart(toFlags({ ...Object.fromEntries(flags.map((f) => f.slice(2).split("="))), "service-account-issuer": "https://other.lab.invalid" }));
        assert.notEqual(cluster.apiserver().pid, before);
        const discovery = JSON.parse((await cluster.request("GET", "/.well-known/openid-configuration")).body);
        assert.equal(discovery.issuer, "https://other.lab.invalid");
        assert.equal((await cluster.kubectl(["get", "configmap", "kept", "-o", "jsonpath={.data.a}"])).stdout, "1");
    });

    it("fails with the API server's own words when it refuses a flag", async () => {
        await assert.rejects(startCluster({ flags: (file) => [...saFlags(file, "https://typo.lab.invalid", key("rsa2048.pkcs8.pem")), "--service-account-isuer=https://typo.invalid"], readyTimeoutMs: 60_000 }), /kube-apiserver exited before .*readyz[\s\S]*unknown flag: --service-account-isuer/);
    });

    it("stops every process by its PID and removes its directory", async () => {
        const other = await startCluster({ flags: (file) => saFlags(file, "https://x.lab.invalid", key("ec-p256.sec1.pem")) });
        const pid = other.apiserver().pid;
        const runDir = other.dir;
        await other.stop();
        assert.throws(() => process.kill(pid, 0), /ESRCH/, "the API server's PID is gone");
        assert.equal(fs.existsSync(runDir), false);
        assert.equal(runningPids().length, 2, "only the shared cluster's etcd and API server are left");
    });
});
