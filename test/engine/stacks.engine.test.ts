// Stacks that consume stacks: a cluster stack publishes the issuer (a key of its own, the cluster's old issuer
// kept as a previous one), an app stack reads its outputs through `pulumi:pulumi:StackReference` and makes an
// IrsaRole; then the cluster stack rotates its signing key (publish, switch) with `up` of both stacks after each
// phase. The app's role must stay valid throughout: its plan stays empty, and tokens signed by the old and by
// the new key both pass the doctor against what is published and the role's trust policy.
import { strict as assert } from "node:assert";
import * as crypto from "node:crypto";
import { after, before, describe, it } from "node:test";
import { AwsHttps, startAwsHttps } from "./helpers/aws-https";
import { doctor } from "./helpers/checks";
import { changes, createWorkspace, engineParts, Stack, Workspace, YamlProgram } from "./helpers/engine";
import { mintServiceAccountToken, readPublicKey } from "../../src/oidc";

const OLD_ISSUER = "https://kubernetes.default.svc.cluster.local";

function rsaKey(): { privateKeyPem: string; publicKeyPem: string } {
    const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
    return { privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(), publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString() };
}

/** The cluster stack: its signing key from secret config, extra published keys, the old issuer kept. */
function clusterProgram(additionalPublicKeyPems: string[]): YamlProgram {
    return {
        config: { saKey: { type: "string", secret: true } },
        resources: {
            irsa: {
                type: "selfhosted-irsa:index:SelfHostedIrsa",
                properties: { signingKey: { privateKeyPem: "${saKey}" }, additionalPublicKeyPems, previousIssuers: [OLD_ISSUER], webhook: { enabled: false }, protectIdentity: false, forceDestroy: true },
            },
        },
        outputs: { issuerUrl: "${irsa.issuerUrl}", oidcProviderArn: "${irsa.oidcProviderArn}", audience: "sts.amazonaws.com", keyIds: "${irsa.keyIds}", apiServerArgs: "${irsa.apiServerArgs}" },
    };
}

/** The app stack: an IrsaRole trusting whatever cluster the reference names. */
function appProgram(clusterStack: string): YamlProgram {
    return {
        resources: {
            cluster: { type: "pulumi:pulumi:StackReference", properties: { name: clusterStack } },
            reader: {
                type: "selfhosted-irsa:index:IrsaRole",
                properties: {
                    oidcProviderArn: "${cluster.outputs[\"oidcProviderArn\"]}",
                    issuerUrl: "${cluster.outputs[\"issuerUrl\"]}",
                    audience: "${cluster.outputs[\"audience\"]}",
                    namespace: "apps",
                    serviceAccount: "reader",
                    managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"],
                },
            },
        },
        outputs: { roleArn: "${reader.roleArn}", trustPolicy: "${reader.trustPolicy}" },
    };
}

describe("a stack consumes a cluster stack through StackReference, through a key rotation", { ...engineParts("pulumi", "pulumi-yaml"), timeout: 1_800_000 }, () => {
    let ws: Workspace;
    let https: AwsHttps;
    let cluster: Stack;
    let app: Stack;
    const current = rsaKey();
    const next = rsaKey();
    const kidOf = (pem: string) => readPublicKey(pem).kid;

    before(async () => {
        ws = await createWorkspace("stacks");
        https = await startAwsHttps(ws.awsDir);
        cluster = await ws.stack("irsa-cluster", clusterProgram([]));
        await cluster.setConfig("saKey", current.privateKeyPem, true);
        await cluster.up();
        app = await ws.stack("irsa-app", appProgram("organization/irsa-cluster/dev"));
        await app.up();
    });
    after(async () => {
        await https?.close();
        ws?.close();
    });

    /** `up` of both stacks, then: the app's plan is empty and each key's token passes the doctor. */
    async function upBothAndCheck(keys: { privateKeyPem: string; publicKeyPem: string }[]): Promise<void> {
        await cluster.up();
        await app.up();
        assert.deepEqual(changes(await app.preview()), [], "the app stack would change after the cluster's up");
        const c = await cluster.outputs();
        const a = await app.outputs();
        assert.deepEqual(c.apiServerArgs["service-account-issuer"], [c.issuerUrl, OLD_ISSUER], "the old issuer is not kept after the new one");
        for (const key of keys) {
            // A token as the cluster's API server signs it with that key, for apps/reader.
            const token = await mintServiceAccountToken({ privateKeyPem: key.privateKeyPem, issuer: c.issuerUrl, namespace: "apps", serviceAccount: "reader" });
            const check = await doctor(https, ws.dir, { issuer: c.issuerUrl, token, trustPolicy: a.trustPolicy });
            assert.equal(check.code, 0, check.report);
        }
    }

    it("the app's role trusts the cluster stack's provider and issuer, with its audience", async () => {
        const c = await cluster.outputs();
        const a = await app.outputs();
        const statement = JSON.parse(a.trustPolicy).Statement[0];
        assert.equal(statement.Principal.Federated, c.oidcProviderArn);
        const host = c.issuerUrl.replace(/^https:\/\//, "");
        assert.deepEqual(statement.Condition.StringEquals, { [`${host}:sub`]: "system:serviceaccount:apps:reader", [`${host}:aud`]: c.audience });
        await upBothAndCheck([current]);
    });

    it("rotation, publish: the next key is published beside the current one; both stacks up; old tokens and new keys verify", async () => {
        cluster.writeProgram(clusterProgram([next.publicKeyPem]));
        await upBothAndCheck([current, next]);
        assert.equal((await cluster.outputs()).keyIds.length, 2);
    });

    it("rotation, switch: the next key signs, the current one stays published; both stacks up; both still verify", async () => {
        cluster.writeProgram(clusterProgram([current.publicKeyPem]));
        await cluster.setConfig("saKey", next.privateKeyPem, true);
        await upBothAndCheck([next, current]);
        assert.equal((await cluster.outputs()).keyIds[0], kidOf(next.publicKeyPem), "the signing key is not listed first");
    });
});
