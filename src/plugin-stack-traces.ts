// Stack traces in the plugin process (src/plugin.ts), and only there: a TypeScript program that imports the
// package keeps its own. The Node SDK captures and formats a stack trace for every promise it makes
// (@pulumi/pulumi runtime/debuggable.ts: about 100 per role, four per output property of each resource), to
// report leaked promises when PULUMI_DEBUG_PROMISE_LEAKS is set. run-plugin installs source-map-support
// (and ts-node its own copy), so each of those traces was mapped through source maps: under the real engine
// that was most of a role's registration time (`npm run bench:engine`). The plugin runs dist/, which ships no
// source maps, and its errors reach the engine as their messages (the Construct answer carries no stack).

/**
 * The Error.stackTraceLimit the plugin process sets: 0, or undefined (Node's stays) when the user asked for traces
 * with a `--stack-trace-limit` flag (V8 also reads `--stack_trace_limit`), in execArgv or NODE_OPTIONS, or debugs
 * promise leaks (PULUMI_DEBUG_PROMISE_LEAKS).
 */
export function stackTraceLimitFor(env: NodeJS.ProcessEnv, execArgv: readonly string[]): number | undefined {
    const flags = [...execArgv, ...(env.NODE_OPTIONS ?? "").split(/\s+/)];
    const asked = flags.some((flag) => /^--stack[-_]trace[-_]limit\b/.test(flag));
    return asked || env.PULUMI_DEBUG_PROMISE_LEAKS ? undefined : 0;
}

/**
 * V8's own trace format (no source-map lookups) and no trace capture unless asked for. Call it after the provider
 * server's main() has started: main() installs source-map-support again before its first await.
 */
export function plainStackTraces(env: NodeJS.ProcessEnv = process.env, execArgv: readonly string[] = process.execArgv): void {
    (Error as { prepareStackTrace?: unknown }).prepareStackTrace = undefined;
    const limit = stackTraceLimitFor(env, execArgv);
    if (limit !== undefined) {
        Error.stackTraceLimit = limit;
    }
}
