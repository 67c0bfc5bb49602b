// The Node.js SDK (@pulumi/pulumi 3.270, runtime/resource.js and invoke.js) sends the engine a debug message
// before and after every RPC it makes: `RegisterResource RPC prepared: t=..., name=...` and `RegisterResource
// RPC finished: <resource>; err: ..., resp: <the response>`, and the same for ReadResource, Invoke, Call and
// RegisterResourceOutputs. The "finished" lines print the whole response message, and a RegisterResource
// response holds the resource's outputs, secrets included, in clear: under the real engine, `pulumi up --debug`
// and `pulumi preview --debug` of a stack that generates its signing key printed the private key (PEM and PKCS#8)
// from the tls PrivateKey's registration, and every run sends that message to the engine, `--debug` or not.
// Each message is also an RPC to the engine of its own: three per registered resource (with `Registering
// resource: t=..., name=...`), the SDK's largest per-resource cost in the plugin under the real engine
// (`npm run bench:engine`, README "Testing"; upstream moved others behind `excessiveDebugOutput` for that).
// In a user's TypeScript program only the echoes go; the plugin process, which runs nothing but this package,
// sends the engine none of the SDK's debug messages. Warnings and errors always reach the engine.

import * as path from "node:path";
import type * as logModule from "@pulumi/pulumi/log";

type Log = typeof logModule;

/** An SDK debug message that echoes an RPC's request or response (`<Rpc> RPC prepared: ...` / `finished: ...`). */
const RPC_ECHO = /^[A-Za-z]+(?: [A-Za-z]+)? RPC (?:prepared|finished):/;

/** Marks a log module whose debug is already filtered (a second install must not wrap again). */
const FILTERED = Symbol.for("selfhosted-irsa.sdk-debug");

/** Whether `message` is one of the SDK's RPC echoes, which never reach the engine. */
export function isRpcEcho(message: string): boolean {
    return RPC_ECHO.test(message);
}

/** Which of the SDK's debug messages are dropped. */
export enum SdkDebugDropped {
    /** The RPC echoes (a user's TypeScript program). */
    RpcEchoes = "rpcEchoes",
    /** Every debug message (the plugin process). */
    All = "all",
}

/**
 * Makes `log.debug` of @pulumi/pulumi's log module (every copy this package and its provider SDKs load, unless
 * `logs` says which) drop `dropped` and pass every other message on unchanged. The SDK's own modules call it as
 * `log.debug(...)` on this module object, so this covers them. The first install wins: the plugin installs `All`
 * before any component installs `RpcEchoes`.
 */
export function dropSdkDebug(dropped: SdkDebugDropped, logs: readonly Log[] = sdkLogModules()): void {
    for (const log of logs) {
        const target = log as Log & { [FILTERED]?: SdkDebugDropped };
        if (target[FILTERED] !== undefined) {
            continue;
        }
        const sdkDebug = log.debug;
        const filtered: Log["debug"] = (message, ...rest) => (dropped === SdkDebugDropped.All || isRpcEcho(message) ? Promise.resolve() : sdkDebug(message, ...rest));
        try {
            Object.assign(target, { debug: filtered, [FILTERED]: dropped });
        } catch {
            // A later SDK whose exports are getters: nothing to replace, and no reason to stop the program
            // (test/sdk-debug.test.ts fails on such an SDK, so it does not go unnoticed here).
        }
    }
}

/** The copies sdkLogModules found (they cannot change within a process). */
let logModules: Log[] | undefined;

/** Every copy of @pulumi/pulumi's log module this package and its provider SDKs load (usually one). */
export function sdkLogModules(): Log[] {
    if (logModules !== undefined) {
        return logModules;
    }
    const found = new Map<string, Log>();
    for (const from of [__dirname, ...["@pulumi/aws", "@pulumi/kubernetes", "@pulumi/tls", "@pulumi/command"].map(packageDir)]) {
        if (from === undefined) {
            continue;
        }
        const file = require.resolve("@pulumi/pulumi/log", { paths: [from] });
        found.set(file, require(file) as Log);
    }
    logModules = [...found.values()];
    return logModules;
}

/** The directory of an installed package, or undefined when it is not installed. */
function packageDir(name: string): string | undefined {
    try {
        return path.dirname(require.resolve(`${name}/package.json`));
    } catch {
        return undefined;
    }
}
