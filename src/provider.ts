// The provider behind the package's plugin (src/plugin.ts): GetSchema answers with the committed schema.json,
// Construct builds the component the schema names. Other languages, YAML included, reach the components only here.
import * as fs from "node:fs";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import type { ConstructResult, Provider } from "@pulumi/pulumi/provider";

interface ServedSchema {
    name: string;
    version: string;
    resources: Record<string, { isComponent?: boolean; properties?: Record<string, unknown> }>;
}

type ComponentClass = new (name: string, args: Record<string, unknown>, opts?: pulumi.ComponentResourceOptions) => pulumi.ComponentResource;

/** The schema the plugin serves: schema.json at the package root (the nearest directory with a package.json). */
export const SCHEMA_PATH = path.join(packageRoot(__dirname), "schema.json");

function packageRoot(dir: string): string {
    return fs.existsSync(path.join(dir, "package.json")) || path.dirname(dir) === dir ? dir : packageRoot(path.dirname(dir));
}

/**
 * The provider. The components load on the first Construct only: an engine that asks just for the schema (the
 * YAML host's loader, `pulumi package get-schema`) never loads @pulumi/aws and gets its answer in well under a second.
 */
export function irsaProvider(schemaText: string = fs.readFileSync(SCHEMA_PATH, "utf8")): Provider & { version: string; schema: string } {
    const schema = JSON.parse(schemaText) as ServedSchema;
    return {
        version: schema.version,
        schema: schemaText,
        async construct(name: string, type: string, inputs: pulumi.Inputs, options: pulumi.ComponentResourceOptions): Promise<ConstructResult> {
            const resource = schema.resources[type];
            const exported = (require("./index") as Record<string, unknown>)[type.split(":")[2]];
            if (resource?.isComponent !== true || typeof exported !== "function") {
                throw new Error(`${schema.name} has no component ${JSON.stringify(type)}; its components: ${Object.keys(schema.resources).join(", ")}`);
            }
            const component = new (exported as ComponentClass)(name, inputs, options);
            // The state is the schema's outputs, exactly what the generated SDKs read.
            const fields = component as unknown as Record<string, unknown>;
            return { urn: component.urn, state: Object.fromEntries(Object.keys(resource.properties ?? {}).map((key) => [key, fields[key]])) };
        },
    };
}
