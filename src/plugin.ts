// The package as a Pulumi plugin, for every language but TypeScript (`pulumi package add`). The nodejs language
// host starts it as `node @pulumi/pulumi/cmd/run-plugin <package dir>`, which requires the directory, that is
// package.json `main` (this file: library users resolve `exports`, dist/index.js), and calls the function it
// exports. Serving the committed schema (src/provider.ts) replaces run-plugin's default for a package that exports
// components, inferring the schema from the TypeScript sources on every start: that takes seconds, cannot mark a
// property secret and names input types `...Args`. schema.json is that inference plus schema-overlay.json,
// written by `npm run schema` and checked against both by the tests.
export = function serve(): Promise<void> {
    const { main } = require("@pulumi/pulumi/provider") as typeof import("@pulumi/pulumi/provider");
    const { irsaProvider } = require("./provider") as typeof import("./provider");
    const { plainStackTraces } = require("./plugin-stack-traces") as typeof import("./plugin-stack-traces");
    const { dropSdkDebug, SdkDebugDropped } = require("./components/sdk-debug") as typeof import("./components/sdk-debug");
    // Before anything registers: the SDK's debug messages cost an RPC each (three per resource), and its RPC
    // echoes carry outputs (the signing key) in clear. Nothing but this package runs here.
    dropSdkDebug(SdkDebugDropped.All);
    // run-plugin left the engine's arguments in process.argv.
    const served = main(irsaProvider(), process.argv.slice(2));
    // After main()'s synchronous start, which installs source-map-support (a no-op when run-plugin already has).
    plainStackTraces();
    return served;
};
