// A whole program under mocks, run as a child process by selfhosted-irsa-determinism.test.ts: it prints every
// registered resource (type, name, inputs) and the outputs as JSON, so two runs can be compared.
import { readPrivateKey } from "../../src/oidc/keys";
import { resources, setupMocks, tlsPrivateKeys } from "./pulumi-mocks";

setupMocks();
// Required after setMocks, as the mocks must be in place before resource modules load.
const { SelfHostedIrsa } = require("../../src/components/selfhosted-irsa") as typeof import("../../src/components/selfhosted-irsa");
const { key, outputsOf, settleAll } = require("./irsa-program") as typeof import("./irsa-program");

async function main(): Promise<void> {
    const generated = key("rsa3072.pkcs8.pem");
    tlsPrivateKeys["det-gen-signing-key"] = { privateKeyPem: generated, publicKeyPem: readPrivateKey(generated).publicKey.spkiPem };
    const gen = new SelfHostedIrsa("det-gen", { tags: { env: "test" } });
    const own = new SelfHostedIrsa("det-own", {
        signingKey: { privateKeyPem: key("rsa2048.pkcs8.pem") },
        additionalPublicKeyPems: [key("ec-p256.spki.pem")],
        bucketName: "det-own-oidc-123456789012-eu-west-1-an",
        region: "eu-west-1",
        audiences: ["sts.amazonaws.com"],
    });
    own.roleFor("team-a", "reader", JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:ListBucket", Resource: "*" }] }));
    const outputs = { gen: await outputsOf(gen), own: await outputsOf(own) };
    await settleAll();
    const recorded = resources
        .map((r) => ({ type: r.type, name: r.name, inputs: r.inputs }))
        .sort((a, b) => `${a.type}::${a.name}`.localeCompare(`${b.type}::${b.name}`));
    process.stdout.write(JSON.stringify({ resources: recorded, outputs }));
}

main().catch((err) => {
    process.stderr.write(String(err?.stack ?? err));
    process.exit(1);
});
