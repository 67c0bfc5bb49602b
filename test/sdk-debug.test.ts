// The Node SDK's RPC echoes (`<Rpc> RPC prepared: ...`, `<Rpc> RPC finished: ...; resp: <response>`) are dropped
// before they reach the engine (src/components/sdk-debug.ts): a RegisterResource response holds the
// resource's outputs in clear, the generated signing key's included. In the plugin process every SDK debug
// message is dropped (one RPC each). Checked against the SDK's own messages (read from its installed sources), on
// the SDK's real log module under mocks, and in the plugin under the real engine (test/engine/flow.engine.test.ts,
// `preview --debug`, and test/plugin-stack-traces.test.ts's probe of the plugin process).
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { setupMocks, tlsPrivateKeys } from "./helpers/pulumi-mocks";

setupMocks();
// The generated key's resource answers with a real key (the mocks' stand-in PEM text is no key).
const generated = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
tlsPrivateKeys["echo-signing-key"] = { privateKeyPem: generated, publicKeyPem: createPublicKey(generated).export({ type: "spki", format: "pem" }).toString() };
const log = require("@pulumi/pulumi/log") as typeof import("@pulumi/pulumi/log");
const { dropSdkDebug, isRpcEcho, sdkLogModules, SdkDebugDropped } = require("../src/components/sdk-debug") as typeof import("../src/components/sdk-debug");

/** Every `log.debug(\`...\`)` message of the installed SDK, placeholders filled in. */
function sdkDebugMessages(): string[] {
    const root = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
    const files = (dir: string): string[] =>
        fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? (e.name === "node_modules" || e.name === "vendor" ? [] : files(path.join(dir, e.name))) : e.name.endsWith(".js") ? [path.join(dir, e.name)] : []));
    return files(root).flatMap((file) => [...fs.readFileSync(file, "utf8").matchAll(/log\.debug\(`([^`]*)`/g)].map((m) => m[1].replace(/\$\{[^}]*\}/g, "x")));
}

describe("the SDK's RPC echoes", () => {
    it("are exactly the SDK's `RPC prepared` and `RPC finished` messages: every other debug message passes", () => {
        const messages = sdkDebugMessages();
        const echoes = messages.filter(isRpcEcho);
        for (const form of ["RegisterResource RPC prepared:", "RegisterResource RPC finished:", "RegisterResourceOutputs RPC finished:", "Invoke RPC finished:", "ReadResource RPC finished:", "Call RPC finished:"]) {
            assert.ok(
                echoes.some((m) => m.startsWith(form)),
                `the SDK no longer sends "${form}" (or the filter misses it): check what its debug messages carry now`,
            );
        }
        assert.deepEqual(
            messages.filter((m) => / RPC (prepared|finished):/.test(m) && !isRpcEcho(m)),
            [],
            "an echo the filter lets through",
        );
        assert.deepEqual(
            echoes.filter((m) => !/ RPC (prepared|finished):/.test(m)),
            [],
            "a message that is no echo is dropped",
        );
        for (const kept of ["Registering resource: t=aws:iam/role:Role, name=r, custom=true, remote=false", "RegisterResource RPC failed: t=x, name=y, err=z", "Resource RPC serialization requested: x is current", "Invoking function: tok=aws:index/getRegion:getRegion asynchronously"]) {
            assert.equal(isRpcEcho(kept), false, kept);
        }
    });

    it("are dropped; every other message reaches the SDK's debug with all its arguments; the first install wins", async () => {
        const seen: unknown[][] = [];
        const fake = { debug: (...args: unknown[]) => (seen.push(args), Promise.resolve()) } as unknown as typeof log;
        dropSdkDebug(SdkDebugDropped.RpcEchoes, [fake]);
        const once = fake.debug;
        dropSdkDebug(SdkDebugDropped.All, [fake]);
        assert.equal(fake.debug, once, "a second install wrapped the filter again");
        await fake.debug("RegisterResource RPC finished: r; err: null, resp: urn,-----BEGIN PRIVATE KEY-----");
        await fake.debug("Registering resource: t=t, name=n", undefined, 7, true);
        assert.deepEqual(seen, [["Registering resource: t=t, name=n", undefined, 7, true]]);
    });

    it("the plugin's filter drops every debug message and nothing else: warnings and errors pass", async () => {
        const seen: string[] = [];
        const record = (level: string) => (message: string) => (seen.push(`${level} ${message}`), Promise.resolve());
        const fake = { debug: record("debug"), info: record("info"), warn: record("warn"), error: record("error") } as unknown as typeof log;
        dropSdkDebug(SdkDebugDropped.All, [fake]);
        await fake.debug("Registering resource: t=t, name=n");
        await fake.debug("RegisterResource RPC finished: r");
        await fake.warn("kept");
        await fake.error("failed");
        assert.deepEqual(seen, ["warn kept", "error failed"]);
    });

    it("the SDK's own registrations go through its log module: a component's echoes never reach the SDK's debug", async () => {
        // What would go to the engine: the SDK's debug as the filter calls it (set before the component installs it).
        const reached: string[] = [];
        log.debug = (message: string) => (reached.push(message), Promise.resolve());
        const { SelfHostedIrsa } = require("../src/components/selfhosted-irsa") as typeof import("../src/components/selfhosted-irsa");
        const component = new SelfHostedIrsa("echo", { webhook: { enabled: false } });
        // What the SDK sent: the filter as the SDK calls it.
        const sent: string[] = [];
        const filtered = log.debug;
        log.debug = (message, ...rest) => (sent.push(message), filtered(message, ...rest));
        await new Promise<void>((resolve) => component.jwks.apply(() => resolve()));
        await new Promise((resolve) => setTimeout(resolve, 200));
        assert.ok(reached.some((m) => m.startsWith("Registering resource: t=tls:index/privateKey:PrivateKey")), reached.join("\n"));
        assert.deepEqual(reached.filter(isRpcEcho), [], "an echo reached the SDK's debug");
        assert.ok(sent.some((m) => m.startsWith("RegisterResource RPC finished:")), `the SDK sent no echo to filter: ${sent.join("\n")}`);
    });

    it("sdkLogModules finds the one log module this package and its provider SDKs share", () => {
        const modules = sdkLogModules();
        assert.equal(modules.length, 1);
        assert.equal(modules[0], log);
        assert.equal(sdkLogModules(), modules, "looked up again");
    });
});
