import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import { isSecretValue, reveal } from "./helpers/irsa-program";

// Two separate processes run the same program (as two `pulumi up`s would): every resource input must be
// identical, or the second run would show a diff.
const PROGRAM = path.join(__dirname, "helpers", "irsa-determinism-program.js");
const run = (): string => execFileSync(process.execPath, [PROGRAM], { encoding: "utf8", timeout: 60_000 });

describe("SelfHostedIrsa determinism (two processes, same inputs)", () => {
    let first: string;
    let second: string;
    before(() => {
        first = run();
        second = run();
    });
    it("registers the same resources with byte-identical inputs and outputs", () => {
        assert.equal(second, first);
    });
    it("compares something real: both components, their documents and the role", () => {
        const { resources, outputs } = JSON.parse(first);
        const names = resources.map((r: { name: string }) => r.name);
        for (const n of ["det-gen-bucket", "det-gen-jwks", "det-gen-oidc-provider", "det-gen-webhook", "det-own-discovery", "det-own_team-a_reader-role"]) {
            assert.ok(names.includes(n), `${n} in ${names.join(", ")}`);
        }
        const jwks = resources.find((r: { name: string }) => r.name === "det-own-jwks").inputs.content;
        assert.equal(jwks, outputs.own.jwks);
        assert.equal(JSON.parse(jwks).keys.length, 2);
        assert.deepEqual(outputs.gen.keyIds, ["jXEyK6mLCXY1ondBspx1IrTa7iGjGPwaM3ag_72sJtY"]);
    });
    it("stores the user's private key only as a secret (the component's own inputs), nowhere else", () => {
        const pem = fs.readFileSync(path.join(__dirname, "..", "..", "test", "fixtures", "keys", "rsa2048.pkcs8.pem"), "utf8");
        const body = pem.split("\n")[1];
        const { resources } = JSON.parse(first);
        const holders = resources.filter((r: { inputs: unknown }) => JSON.stringify(r.inputs).includes(body));
        assert.deepEqual(holders.map((r: { name: string }) => r.name), ["det-own"]);
        // The engine marks the whole `signingKey` object secret once a field inside it is.
        const signingKey = holders[0].inputs.signingKey;
        assert.equal(isSecretValue(signingKey) || isSecretValue(signingKey.privateKeyPem), true);
        assert.equal(reveal(signingKey).privateKeyPem, pem);
    });
});
