// Where schema.json comes from: the schema Pulumi's analyzer infers from the TypeScript sources (exactly what
// run-plugin would serve for a package that only exports its components), plus schema-overlay.json. `npm run
// schema` writes it; plugin-schema.test.ts checks that the committed file is still exactly that.
import * as fs from "node:fs";
import * as path from "node:path";
import { canonicalSchemaText, PackageSchema, REPO_ROOT, SCHEMA_SNAPSHOT } from "./plugin-host";

export const OVERLAY_PATH = path.join(REPO_ROOT, "schema-overlay.json");

export interface SchemaOverlay {
    renameTypes: Record<string, string>;
    /** `resources/<Name>/properties/<prop>`, `resources/<Name>/inputProperties/<prop>` or `types/<Name>/properties/<prop>`. */
    secret: string[];
    merge: Record<string, unknown>;
}

interface ExperimentalProvider {
    getSchema(): Promise<string>;
}

/** The analyzer's schema for the built package (dist/ must be current), as run-plugin would have served it. */
export async function inferredSchema(): Promise<PackageSchema> {
    const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [REPO_ROOT] }));
    const experimental = require(path.join(pulumiDir, "provider", "experimental", "provider")) as {
        ComponentProvider: new (o: { name: string; dirname: string; components: unknown[] }) => ExperimentalProvider;
        getPulumiComponents(exports: unknown): unknown[];
    };
    // run-plugin's own steps: the components the library entry exports, the provider named after package.json.
    const components = experimental.getPulumiComponents(require(path.join(REPO_ROOT, "dist", "index.js")));
    const provider = new experimental.ComponentProvider({ name: "selfhosted-irsa", dirname: REPO_ROOT, components });
    return JSON.parse(await provider.getSchema()) as PackageSchema;
}

export function readOverlay(): SchemaOverlay {
    return JSON.parse(fs.readFileSync(OVERLAY_PATH, "utf8")) as SchemaOverlay;
}

/** The schema with the overlay applied; throws when the overlay names a type or property the schema lacks. */
export function applyOverlay(inferred: PackageSchema, overlay: SchemaOverlay): PackageSchema {
    const prefix = `${inferred.name}:index:`;
    let text = JSON.stringify(inferred);
    for (const [from, to] of Object.entries(overlay.renameTypes)) {
        if (!inferred.types?.[prefix + from]) {
            throw new Error(`schema-overlay.json renames type ${from}, which the inferred schema does not have`);
        }
        if (inferred.types?.[prefix + to]) {
            throw new Error(`schema-overlay.json renames ${from} to ${to}, a type the inferred schema already has`);
        }
        // Type tokens appear as keys of `types` and in `$ref`s, always quoted or after "#/types/".
        text = text.split(`"${prefix}${from}"`).join(`"${prefix}${to}"`).split(`"#/types/${prefix}${from}"`).join(`"#/types/${prefix}${to}"`);
    }
    const schema = JSON.parse(text) as PackageSchema;
    for (const where of overlay.secret) {
        const [section, name, kind, prop] = where.split("/");
        const owner = (schema as unknown as Record<string, Record<string, Record<string, Record<string, { secret?: boolean }>>>>)[section]?.[prefix + name];
        const property = owner?.[kind]?.[prop];
        if (!property || !["resources", "types"].includes(section)) {
            throw new Error(`schema-overlay.json marks ${where} secret, which the inferred schema does not have`);
        }
        property.secret = true;
    }
    return deepMerge(schema, overlay.merge) as PackageSchema;
}

function deepMerge(base: unknown, extra: unknown): unknown {
    if (!isObject(base) || !isObject(extra)) {
        return extra;
    }
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(extra)) {
        out[k] = k in out ? deepMerge(out[k], v) : v;
    }
    return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The text schema.json must hold: canonical(inferred + overlay). */
export async function expectedSchemaText(): Promise<string> {
    return canonicalSchemaText(applyOverlay(await inferredSchema(), readOverlay()));
}

/** `npm run schema`: infer, apply the overlay, write schema.json. */
export async function writeSchemaSnapshot(): Promise<string> {
    const text = await expectedSchemaText();
    fs.writeFileSync(SCHEMA_SNAPSHOT, text);
    return text;
}

if (require.main === module) {
    writeSchemaSnapshot().then(
        () => console.log(`wrote ${path.relative(process.cwd(), SCHEMA_SNAPSHOT)} (inferred from src/ plus ${path.basename(OVERLAY_PATH)})`),
        (e: Error) => {
            console.error(`npm run schema: ${e.message}`);
            process.exitCode = 1;
        },
    );
}
