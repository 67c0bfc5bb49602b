// The Kubernetes side under the engine: the real kubernetes provider (built from its module, lab/build.sh) against
// the lab's real kube-apiserver. IrsaRole's ServiceAccount created by the stack and the annotations patched onto
// a ServiceAccount an app's chart owns (server-side apply), a second preview with nothing to do, and a destroy that
// deletes the created ServiceAccount but leaves the patched one with only the stack's annotations removed. The
// webhook's Helm release is not run: its chart cannot be fetched here (README, Testing).
import { strict as assert } from "node:assert";
import * as crypto from "node:crypto";
import { after, before, describe, it } from "node:test";
import { changes, createWorkspace, engineParts, Stack, Workspace, YamlProgram } from "./helpers/engine";
import { labParts } from "../lab/binaries";
import { createNamespace, LabCluster, startCluster } from "../lab/cluster";

const ROLE = "selfhosted-irsa:index:IrsaRole";

function program(): YamlProgram {
    const role = (sa: string, extra: Record<string, unknown>) => ({
        type: ROLE,
        properties: { oidcProviderArn: "${irsa.oidcProviderArn}", issuerUrl: "${irsa.issuerUrl}", namespace: "apps", serviceAccount: sa, managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"], ...extra },
    });
    return {
        resources: {
            irsa: { type: "selfhosted-irsa:index:SelfHostedIrsa", properties: { webhook: { enabled: false }, protectIdentity: false, forceDestroy: true } },
            reader: role("reader", { createServiceAccount: true }),
            chartOwned: role("chart-owned", { annotateServiceAccount: true }),
        },
        outputs: { readerRoleArn: "${reader.roleArn}", chartOwnedRoleArn: "${chartOwned.roleArn}" },
    };
}

const skip = (() => {
    const engine = engineParts("pulumi", "pulumi-yaml", "kubernetes-provider").skip;
    return engine || labParts("etcd", "kubernetes").skip;
})();

describe("IrsaRole's ServiceAccounts through the real kubernetes provider on the lab API server", { skip, timeout: 1_200_000 }, () => {
    let ws: Workspace;
    let cluster: LabCluster;
    let stack: Stack;

    const serviceAccount = async (name: string) => JSON.parse((await cluster.kubectl(["get", "serviceaccount", name, "-n", "apps", "-o", "json"])).stdout);

    before(async () => {
        const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
        cluster = await startCluster({
            flags: (file) => [
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                `--service-account-signing-key-file=${file("sa.key", privateKey.export({ type: "pkcs8", format: "pem" }).toString())}`,
                `--service-account-key-file=${file("sa.pub", publicKey.export({ type: "spki", format: "pem" }).toString())}`,
            ],
        });
        // The app's chart made this one, with a label of its own.
        await createNamespace(cluster, "apps");
        await cluster.apply({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "chart-owned", namespace: "apps", labels: { "app.kubernetes.io/managed-by": "Helm" } } });
        ws = await createWorkspace("kubernetes");
        stack = await ws.stack("irsa-kubernetes", program(), { config: { "kubernetes:kubeconfig": cluster.kubeconfig } });
    });
    after(async () => {
        ws?.close();
        await cluster?.stop();
    });

    it("up: the created ServiceAccount and the patched one carry the role ARN and the audience", async () => {
        await stack.up();
        const out = await stack.outputs();
        const reader = await serviceAccount("reader");
        assert.equal(reader.metadata.annotations["eks.amazonaws.com/role-arn"], out.readerRoleArn);
        assert.equal(reader.metadata.annotations["eks.amazonaws.com/audience"], "sts.amazonaws.com");
        const owned = await serviceAccount("chart-owned");
        assert.equal(owned.metadata.annotations["eks.amazonaws.com/role-arn"], out.chartOwnedRoleArn);
        assert.equal(owned.metadata.labels["app.kubernetes.io/managed-by"], "Helm", "the patch took the chart's label");
    });

    it("a second preview has nothing to do", async () => {
        assert.deepEqual(changes(await stack.preview()), []);
    });

    it("destroy deletes the ServiceAccount the stack created and only the stack's annotations of the chart's one", async () => {
        // The provider deletes with foreground propagation: the object waits, with the foregroundDeletion
        // finalizer, for the garbage collector of kube-controller-manager, which the lab does not run. Act as it
        // does for an object without dependents: drop the finalizer once the deletion has started.
        let destroying = true;
        const collector = (async () => {
            while (destroying) {
                const sa = await cluster.kubectl(["get", "serviceaccount", "reader", "-n", "apps", "-o", "json"], { allowFail: true });
                if (sa.code === 0 && JSON.parse(sa.stdout).metadata.deletionTimestamp) {
                    await cluster.kubectl(["patch", "serviceaccount", "reader", "-n", "apps", "--type=json", "-p", '[{"op":"remove","path":"/metadata/finalizers"}]'], { allowFail: true });
                }
                await new Promise((r) => setTimeout(r, 500));
            }
        })();
        try {
            await stack.pulumi(["destroy", "--yes", "--skip-preview"]);
        } finally {
            destroying = false;
            await collector;
        }
        const gone = await cluster.kubectl(["get", "serviceaccount", "reader", "-n", "apps"], { allowFail: true });
        assert.notEqual(gone.code, 0, "the created ServiceAccount survived the destroy");
        const owned = await serviceAccount("chart-owned");
        assert.equal(owned.metadata.annotations?.["eks.amazonaws.com/role-arn"], undefined, JSON.stringify(owned.metadata.annotations));
        assert.equal(owned.metadata.labels["app.kubernetes.io/managed-by"], "Helm");
    });
});
