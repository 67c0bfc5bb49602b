// signingKey.fromCluster's kubectl path for real: the exact command string the component builds runs through
// /bin/sh -c (as @pulumi/command's local provider runs it) with the real kubectl against the fake API server.
import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { callResults, calls, promiseOf, setupMocks } from "./helpers/pulumi-mocks";

setupMocks();
// Required after setMocks, as the mocks must be in place before resource modules load.
const { kubectlCommand, kubectlResult } = require("../src/kubernetes/cluster-keys") as typeof import("../src/kubernetes/cluster-keys");
const { readClusterPublicKeys } = require("../src/components/kubernetes/cluster-keys") as typeof import("../src/components/kubernetes/cluster-keys");
const { buildDiscoveryDocument, buildJwks, serializeDiscoveryDocument, serializeJwks } = require("../src/oidc") as typeof import("../src/oidc");
const { refusedPort, startFakeApiServer } = require("./helpers/fake-apiserver") as typeof import("./helpers/fake-apiserver");
const { OTHER, RSA } = require("./helpers/irsa-cluster") as typeof import("./helpers/irsa-cluster");

const ISSUER = "https://irsa.example.com";

interface ShellRun {
    stdout: string;
    stderr: string;
    status: number | null;
}

/** Runs a command as the command provider does: /bin/sh -c, stdout and stderr apart, trailing newline trimmed. */
function sh(command: string, env: NodeJS.ProcessEnv = process.env): Promise<ShellRun> {
    return new Promise((resolve) => {
        const child = execFile("/bin/sh", ["-c", command], { env, timeout: 60_000 }, (_err, stdout, stderr) =>
            resolve({ stdout: stdout.replace(/\n$/, ""), stderr: stderr.replace(/\n$/, ""), status: child.exitCode }),
        );
    });
}

describe("signingKey.fromCluster with the real kubectl against a fake API server", () => {
    let api: import("./helpers/fake-apiserver").FakeApiServer;
    before(async () => {
        const jwks = buildJwks([RSA, OTHER]);
        api = await startFakeApiServer({ objects: [], discovery: serializeDiscoveryDocument(buildDiscoveryDocument({ issuer: ISSUER, jwks })), jwks: serializeJwks(jwks) });
        // The mocked invoke runs the real command, asynchronously so the fake server keeps answering.
        callResults["command:local:run"] = (inputs) => sh(String(inputs.command)) as unknown as Record<string, unknown>;
    });
    after(() => api.close());

    it("reads the keys and the issuer through the component, with kubectl warnings on stderr", async () => {
        api.cluster.warnings = ["the kubeconfig's exec plugin is deprecated", "client-side throttling"];
        try {
            const pems = (await promiseOf(readClusterPublicKeys({ kubeconfig: api.kubeconfig, context: "fake" }, ISSUER, {}))).map((k) => k.pem);
            assert.equal(serializeJwks(buildJwks(pems)), serializeJwks(buildJwks([RSA, OTHER])));
            const commands = calls.filter((c) => c.token === "command:local:run").map((c) => String(c.inputs.command));
            assert.ok(commands.some((c) => c.includes("'get' '--raw' '/openid/v1/jwks' '--request-timeout=30s'")));
        } finally {
            api.cluster.warnings = [];
        }
    });

    it("keeps stdout clean of warnings: they stay on stderr and the command exits 0", async () => {
        api.cluster.warnings = ["v1 Endpoints is deprecated in v1.33+"];
        try {
            const run = await sh(kubectlCommand(["get", "--raw", "/openid/v1/jwks"], api.kubeconfig));
            assert.equal(run.status, 0);
            assert.match(run.stderr, /^Warning: v1 Endpoints is deprecated in v1\.33\+/m);
            assert.equal(kubectlResult(run.stdout, run.stderr, "/openid/v1/jwks"), serializeJwks(buildJwks([RSA, OTHER])));
        } finally {
            api.cluster.warnings = [];
        }
    });

    it("expands ~/ in the kubeconfig to the home directory", async () => {
        const saved = process.env.HOME;
        process.env.HOME = api.dir;
        try {
            const command = kubectlCommand(["get", "--raw", "/.well-known/openid-configuration"], "~/kubeconfig.yaml");
            assert.ok(command.includes(`'--kubeconfig=${path.join(api.dir, "kubeconfig.yaml")}'`), command);
            const run = await sh(command);
            assert.equal(JSON.parse(kubectlResult(run.stdout, run.stderr, "discovery")).issuer, ISSUER);
        } finally {
            process.env.HOME = saved;
        }
    });

    it("fails an unreachable cluster with kubectl's words, its exit status, the kubeconfig and the fix", async () => {
        const port = await refusedPort();
        const kubeconfig = api.writeKubeconfig("down.yaml", `https://127.0.0.1:${port}`);
        const run = await sh(kubectlCommand(["get", "--raw", "/openid/v1/jwks"], kubeconfig, "fake"));
        assert.equal(run.status, 0, "the shell command itself succeeds, so the invoke reaches our message");
        assert.equal(run.stdout, "");
        assert.throws(
            () => kubectlResult(run.stdout, run.stderr, "/openid/v1/jwks", { kubeconfig, context: "fake" }),
            (err: Error) => {
                assert.equal(
                    err.message,
                    `\`signingKey.fromCluster\` "/openid/v1/jwks" could not be read from the cluster (kubectl exited with status 1: The connection to the server 127.0.0.1:${port} was refused - did you specify the right host or port?). ` +
                        `Fix: check that the cluster is reachable with --kubeconfig ${kubeconfig} and --context fake (\`kubectl --kubeconfig ${kubeconfig} --context fake get --raw /readyz\`)`,
                );
                return true;
            },
        );
    });

    it("says so when kubectl is not on PATH", async () => {
        const run = await sh(kubectlCommand(["get", "--raw", "/openid/v1/jwks"], api.kubeconfig), { ...process.env, PATH: path.join(api.dir, "empty-bin") });
        assert.equal(run.status, 0);
        assert.throws(() => kubectlResult(run.stdout, run.stderr, "/openid/v1/jwks"), /could not be read from the cluster \(kubectl exited with status 127: kubectl is not on PATH\)\. Fix: install kubectl 1\.24 or later/);
    });
});
