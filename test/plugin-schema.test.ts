// `pulumi package add` without a Pulumi CLI: start this package as the nodejs host does, ask it over gRPC for
// its plugin info and schema, and check the schema against the TypeScript contract and the committed snapshot.
// The plugin serves schema.json (src/provider.ts); schema.json must be exactly the analyzer's inference from the
// TypeScript sources plus schema-overlay.json (secrets, type names, SDK options), so neither can drift alone.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { canonicalSchemaText, PackageSchema, REPO_ROOT, RunningPlugin, SCHEMA_SNAPSHOT, SchemaProperty, startPlugin } from "./helpers/plugin-host";
import { allProperties, refTarget, schemaProblems, undocumentedDefaults } from "./helpers/schema-checks";
import { applyOverlay, expectedSchemaText, inferredSchema, readOverlay } from "./helpers/schema-source";

const PACKAGE_VERSION: string = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).version;
const SELF_HOSTED_IRSA = "selfhosted-irsa:index:SelfHostedIrsa";
const IRSA_ROLE = "selfhosted-irsa:index:IrsaRole";
const IRSA_OIDC_PROVIDER = "selfhosted-irsa:index:IrsaOidcProvider";

describe("the package as a Pulumi plugin (run-plugin + gRPC)", { timeout: 180_000 }, () => {
    let plugin: RunningPlugin;
    let consumerDir: string;
    let schemaText: string | undefined;
    let schemaError: Error | undefined;
    let schema: PackageSchema;
    let schemaMs = 0;

    before(async () => {
        // The host runs the plugin from the consumer's project directory, not from the plugin's.
        consumerDir = fs.mkdtempSync(path.join(os.tmpdir(), "irsa-consumer-"));
        const started = Date.now();
        plugin = await startPlugin(REPO_ROOT, consumerDir);
        try {
            schemaText = await plugin.getSchemaText();
            schemaMs = Date.now() - started;
            schema = JSON.parse(schemaText) as PackageSchema;
        } catch (e) {
            schemaError = e as Error;
        }
    });
    after(async () => {
        await plugin?.stop();
        fs.rmSync(consumerDir, { recursive: true, force: true });
    });

    /** The schema, or a failure that quotes the analyzer (it stops at its first rejected type). */
    function theSchema(): PackageSchema {
        if (schemaError) {
            assert.fail(`the schema analyzer (@pulumi/pulumi/provider/experimental) rejected the components, so \`pulumi package add\` cannot work:\n  ${schemaError.message}`);
        }
        return schema;
    }

    it("GetPluginInfo reports package.json's version", async () => {
        assert.equal(await plugin.getPluginInfo(), PACKAGE_VERSION);
    });

    it("GetSchema answers with the committed schema.json, byte for byte (no inference at start)", (t) => {
        theSchema();
        assert.equal(schemaText, fs.readFileSync(SCHEMA_SNAPSHOT, "utf8"));
        // Measured, not asserted (a loaded machine is slow): bench:engine reports it under the engine.
        t.diagnostic(`GetSchema answered ${schemaMs} ms after the plugin process started`);
    });

    it("schema.json is the analyzer's inference from src/ plus schema-overlay.json (regenerate with `npm run schema`)", async () => {
        assert.equal(fs.readFileSync(SCHEMA_SNAPSHOT, "utf8"), await expectedSchemaText(), "the public API or the overlay changed: run `npm run schema` and commit schema.json");
    });

    it("the overlay names only types and properties the inference has (a stale entry fails)", async () => {
        const inferred = await inferredSchema();
        const overlay = readOverlay();
        assert.throws(() => applyOverlay(inferred, { ...overlay, secret: [...overlay.secret, "resources/SelfHostedIrsa/properties/noSuchOutput"] }), /noSuchOutput/);
        assert.throws(() => applyOverlay(inferred, { ...overlay, renameTypes: { ...overlay.renameTypes, NoSuchArgs: "NoSuch" } }), /NoSuchArgs/);
    });

    it("exactly the private key and the Talos patch are secret: signingKey.privateKeyPem in, privateKeyPem and talosSecretPatch out", () => {
        const s = theSchema();
        const secret = allProperties(s).filter(({ prop }) => prop.secret === true).map(({ where }) => where).sort();
        assert.deepEqual(secret, [
            `${SELF_HOSTED_IRSA} outputs.privateKeyPem`,
            `${SELF_HOSTED_IRSA} outputs.talosSecretPatch`,
            "selfhosted-irsa:index:SigningKey properties.privateKeyPem",
        ]);
        assert.equal(refTarget(s, s.resources[SELF_HOSTED_IRSA].inputProperties!.signingKey), s.types!["selfhosted-irsa:index:SigningKey"]);
    });

    it("no schema type name ends in Args (the SDKs add it: HostingArgs, not HostingArgsArgs)", () => {
        const doubled = Object.keys(theSchema().types ?? {}).filter((token) => /Args$/.test(token));
        assert.deepEqual(doubled, [], "rename them in schema-overlay.json (renameTypes); the TypeScript names stay");
    });

    it("the Go SDK gets an import path under a module users can fetch (not example.com)", () => {
        const go = (theSchema().language as Record<string, { importBasePath?: string }> | undefined)?.go;
        assert.match(go?.importBasePath ?? "", /^github\.com\/[\w.-]+\/selfhosted-irsa\/sdk\/go\/selfhostedirsa$/);
    });

    it("the schema names the package and reports package.json's version", () => {
        const s = theSchema();
        assert.equal(s.name, "selfhosted-irsa");
        assert.equal(s.version, PACKAGE_VERSION);
    });

    it("the three components are resources of the index module", () => {
        const s = theSchema();
        assert.deepEqual(Object.keys(s.resources).sort(), [IRSA_OIDC_PROVIDER, IRSA_ROLE, SELF_HOSTED_IRSA]);
        for (const token of [IRSA_OIDC_PROVIDER, IRSA_ROLE, SELF_HOSTED_IRSA]) {
            assert.equal(s.resources[token].isComponent, true, token);
        }
    });

    it("IrsaOidcProvider: issuerUrl required, audiences/thumbprints/tags/protectIdentity optional, outputs arn and issuerUrl", () => {
        const r = theSchema().resources[IRSA_OIDC_PROVIDER];
        assert.deepEqual(Object.keys(r.inputProperties ?? {}).sort(), ["audiences", "issuerUrl", "protectIdentity", "tags", "thumbprints"]);
        assert.deepEqual(r.requiredInputs, ["issuerUrl"]);
        assert.equal((r.inputProperties!.protectIdentity as { plain?: boolean }).plain, true);
        assert.deepEqual(Object.keys(r.properties ?? {}).sort(), ["arn", "issuerUrl"]);
        assert.deepEqual([...(r.required ?? [])].sort(), ["arn", "issuerUrl"]);
        assert.match(String((r.inputProperties!.audiences as { description?: string }).description), /Default: \["sts\.amazonaws\.com"\]/);
    });

    it("SelfHostedIrsa's outputs are exactly its public readonly fields (no private state published)", () => {
        const r = theSchema().resources[SELF_HOSTED_IRSA];
        assert.deepEqual(Object.keys(r.properties ?? {}).sort(), [
            "apiServerArgs", "bucketName", "clusterConfigs", "discoveryDocument", "issuerHost", "issuerUrl", "jwks", "jwksUri",
            "keyIds", "oidcProviderArn", "privateKeyPem", "publicKeyPems", "roleArns", "talosSecretPatch", "tokenAudience", "webhookExemptNamespaces",
        ]);
        const p = r.properties!;
        assert.deepEqual(p.keyIds, { ...p.keyIds, type: "array", items: { type: "string" } });
        // One entry per flag, each a list: --service-account-issuer repeats during an issuer migration.
        assert.equal(p.apiServerArgs.type, "object");
        assert.deepEqual(p.apiServerArgs.additionalProperties, { type: "array", items: { type: "string" } });
        // Undefined without a private key (signingKey.publicKeyPems), so never required.
        for (const optional of ["privateKeyPem", "talosSecretPatch"]) {
            assert.ok(!(r.required ?? []).includes(optional), `${optional} must not be a required output`);
        }
    });

    it("SelfHostedIrsa's inputs: every documented argument, all optional", () => {
        const r = theSchema().resources[SELF_HOSTED_IRSA];
        const inputs = Object.keys(r.inputProperties ?? {});
        for (const name of ["signingKey", "additionalPublicKeyPems", "legacyEmptyKid", "hosting", "bucketName", "forceDestroy", "audiences", "existingOidcProviderArn", "thumbprints", "webhook", "region", "tags"]) {
            assert.ok(inputs.includes(name), `input ${name} missing; inputs: ${inputs.join(", ")}`);
        }
        assert.deepEqual(r.requiredInputs ?? [], []);
        assert.deepEqual(r.inputProperties!.audiences, { ...r.inputProperties!.audiences, type: "array", items: { type: "string" } });
        assert.deepEqual(r.inputProperties!.tags, { ...r.inputProperties!.tags, type: "object", additionalProperties: { type: "string" } });
    });

    it("IrsaRole: one cluster or several, the subject, typed policies, its outputs", () => {
        const s = theSchema();
        const r = s.resources[IRSA_ROLE];
        // Every input is optional in the schema: one cluster (oidcProviderArn + issuerUrl) or `clusters`, and add-on
        // presets that bring their own namespace and ServiceAccount; the component checks the combination.
        assert.deepEqual(r.requiredInputs ?? [], []);
        const cluster = refTarget(s, r.inputProperties?.clusters);
        assert.equal(r.inputProperties?.clusters?.type, "array");
        assert.deepEqual(Object.keys(cluster?.properties ?? {}).sort(), ["issuerUrl", "oidcProviderArn"]);
        const inputs = r.inputProperties ?? {};
        assert.deepEqual(inputs.managedPolicyArns, { ...inputs.managedPolicyArns, type: "array", items: { type: "string" } });
        assert.deepEqual(inputs.inlinePolicies, { ...inputs.inlinePolicies, type: "object", additionalProperties: { type: "string" } });
        for (const name of ["oidcProviderArn", "issuerUrl", "namespace", "serviceAccount", "audience", "roleName", "rolePath", "maxSessionDuration", "permissionsBoundary", "createServiceAccount", "subjectMatch", "addons"]) {
            assert.ok(name in inputs, `input ${name} missing`);
        }
        assert.deepEqual(Object.keys(r.properties ?? {}).sort(), ["namespace", "roleArn", "roleName", "serviceAccountName", "trustPolicy"]);
        assert.deepEqual([...(r.required ?? [])].sort(), ["namespace", "roleArn", "roleName", "serviceAccountName", "trustPolicy"]);
    });

    it("string choices are enums with the values TypeScript callers pass", () => {
        const s = theSchema();
        const enumValues = (p: SchemaProperty | undefined) => (refTarget(s, p)?.enum ?? []).map((e) => e.value).sort();
        const hosting = refTarget(s, s.resources[SELF_HOSTED_IRSA].inputProperties!.hosting);
        const signingKey = refTarget(s, s.resources[SELF_HOSTED_IRSA].inputProperties!.signingKey);
        assert.deepEqual(enumValues(hosting?.properties?.kind), ["cloudfront", "s3"]);
        assert.deepEqual(enumValues(signingKey?.properties?.algorithm), ["ECDSA", "RSA"]);
        assert.deepEqual(enumValues(s.resources[IRSA_ROLE].inputProperties!.subjectMatch), ["exact", "wildcard"]);
        assert.deepEqual(enumValues(hosting?.properties?.priceClass), ["PriceClass_100", "PriceClass_200", "PriceClass_All"]);
    });

    it("no dangling references, no provider-typed args, a description on everything", () => {
        assert.deepEqual(schemaProblems(theSchema()), []);
    });

    it("every optional input says its default in its description (TSDoc @default tags do not reach the schema)", () => {
        assert.deepEqual(undocumentedDefaults(theSchema()), []);
    });

    it("is canonical JSON (sorted keys, two-space indent) as `npm run schema` writes it", () => {
        assert.equal(canonicalSchemaText(theSchema()), schemaText);
    });
});
