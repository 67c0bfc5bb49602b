// SelfHostedIrsa with a private key arriving later, as an Output, in a public-key argument: run as a child process
// by hostile-keys.mock.test.ts (the refused registration must not leave unhandled rejections in the test
// process). Prints what failed, what was registered and every recorded input, as JSON.
//   node hostile-keys-program.js <pem|jwk> <key file>
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { registeredUrns, resources, reveal, setupMocks } from "./pulumi-mocks";

setupMocks();
// Required after setMocks, as the mocks must be in place before resource modules load.
const { SelfHostedIrsa } = require("../../src/components/selfhosted-irsa") as typeof import("../../src/components/selfhosted-irsa");

async function main(form: string, keyFile: string, publicFile: string): Promise<void> {
    const errors: string[] = [];
    process.on("unhandledRejection", (e) => errors.push(String((e as Error)?.message ?? e)));
    const pem = fs.readFileSync(keyFile, "utf8");
    const pub = fs.readFileSync(publicFile, "utf8");
    const irsa =
        form === "jwk"
            ? new SelfHostedIrsa("late-jwk", { signingKey: { publicKeyPems: pulumi.output([JSON.stringify(crypto.createPrivateKey(pem).export({ format: "jwk" }))]) }, webhook: { enabled: false } })
            : new SelfHostedIrsa("late", { signingKey: { publicKeyPems: pulumi.output([pub]) }, additionalPublicKeyPems: [pulumi.output(pem)], webhook: { enabled: false } });
    let jwksError = "";
    await (irsa.jwks as unknown as { promise(): Promise<string> }).promise().catch((e: Error) => (jwksError = e.message));
    await new Promise((r) => setTimeout(r, 300));
    const recorded = resources.map((r) => ({ type: r.type, name: r.name, inputs: reveal(r.inputs) }));
    // Exit once the pipe took it all: a large write to a pipe may still be queued when write() returns.
    process.stdout.write(JSON.stringify({ jwksError, errors, registered: registeredUrns(), recorded }), () => process.exit(0));
}

main(process.argv[2], process.argv[3], process.argv[4]).catch((err) => {
    process.stderr.write(String(err?.stack ?? err));
    process.exit(1);
});
