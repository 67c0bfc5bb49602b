// Reading a Pulumi package schema: local $ref resolution, a per-property walk, and the problems a user of
// a generated SDK would hit (missing descriptions, references the binder cannot resolve).
import type { PackageSchema, SchemaObject, SchemaProperty } from "./plugin-host";

const LOCAL_TYPE_REF = "#/types/";

/** The schema type a property refers to through a local `$ref` (items and map values included), if any. */
export function refTarget(schema: PackageSchema, prop: SchemaProperty | undefined): SchemaObject | undefined {
    if (!prop) {
        return undefined;
    }
    if (prop.$ref?.startsWith(LOCAL_TYPE_REF)) {
        return schema.types?.[prop.$ref.slice(LOCAL_TYPE_REF.length)];
    }
    return refTarget(schema, prop.items ?? prop.additionalProperties);
}

/** Every property of the schema with where it is: `<resource or type> <inputs|outputs|properties>.<name>`. */
export function allProperties(schema: PackageSchema): { where: string; prop: SchemaProperty }[] {
    const found: { where: string; prop: SchemaProperty }[] = [];
    const add = (owner: string, kind: string, props: Record<string, SchemaProperty> | undefined) => {
        for (const [name, prop] of Object.entries(props ?? {})) {
            found.push({ where: `${owner} ${kind}.${name}`, prop });
        }
    };
    for (const [token, r] of Object.entries(schema.resources)) {
        add(token, "inputs", r.inputProperties);
        add(token, "outputs", r.properties);
    }
    for (const [token, t] of Object.entries(schema.types ?? {})) {
        add(token, "properties", t.properties);
    }
    return found;
}

/** Problems a consumer of the generated SDKs would meet; empty when the schema is clean. */
export function schemaProblems(schema: PackageSchema): string[] {
    const problems: string[] = [];
    for (const [token, r] of Object.entries(schema.resources)) {
        if (!r.description?.trim()) {
            problems.push(`${token}: no description`);
        }
    }
    for (const [token, t] of Object.entries(schema.types ?? {})) {
        if (t.enum && t.enum.length === 0) {
            problems.push(`${token}: an enum without values`);
        }
    }
    for (const { where, prop } of allProperties(schema)) {
        if (!prop.description?.trim()) {
            problems.push(`${where}: no description`);
        }
        for (let p: SchemaProperty | undefined = prop; p; p = p.items ?? p.additionalProperties) {
            if (p.$ref === undefined) {
                continue;
            }
            if (!p.$ref.startsWith(LOCAL_TYPE_REF)) {
                problems.push(`${where}: refers to ${p.$ref}, a resource of another package (a provider-typed arg)`);
            } else if (!refTarget(schema, p)) {
                problems.push(`${where}: refers to ${p.$ref}, which the schema does not define`);
            }
        }
    }
    return problems;
}
