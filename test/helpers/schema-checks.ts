// Reading a Pulumi package schema: local $ref resolution, a per-property walk, and the problems a user of
// a generated SDK would hit (missing descriptions, references the binder cannot resolve).
import type { PackageSchema, SchemaObject, SchemaProperty } from "./plugin-host";

const LOCAL_TYPE_REF = "#/types/";
const ANY = "pulumi.json#/Any";

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
            if (p.$ref === ANY) {
                continue; // Pulumi's own "any value" type (free-form Helm values), not another package's resource
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

/** How a program uses a property, whatever its language: the value's shape, or another resource's output. */
export type Use =
    | { kind: "scalar"; value: string | number | boolean }
    | { kind: "list"; items: Use[] }
    /** An object literal; `typeName` when the program names the schema type (Python's `<Type>Args(...)`). */
    | { kind: "object"; typeName?: string; fields: Record<string, Use> }
    | { kind: "output"; resource: string; property: string }
    /** A value whose type the program cannot show statically (e.g. the stack name); accepted as is. */
    | { kind: "unknown" };

const shape = (p: SchemaProperty | undefined): unknown => p && { type: p.type, $ref: p.$ref, items: shape(p.items), additionalProperties: shape(p.additionalProperties) };

/** Problems of one use against the schema property it sets; empty when the types agree. */
export function useProblems(schema: PackageSchema, prop: SchemaProperty, use: Use, where: string): string[] {
    if (use.kind === "unknown" || prop.$ref === ANY) {
        return [];
    }
    if (use.kind === "output") {
        const out = schema.resources[use.resource]?.properties?.[use.property];
        if (!out) {
            return [`${where}: ${use.resource} has no output ${use.property}`];
        }
        return JSON.stringify(shape(out)) === JSON.stringify(shape(prop)) ? [] : [`${where}: output ${use.property} is ${JSON.stringify(shape(out))}, the property wants ${JSON.stringify(shape(prop))}`];
    }
    const target = refTarget(schema, { $ref: prop.$ref });
    if (target?.enum) {
        const values = target.enum.map((e) => e.value);
        return use.kind === "scalar" && values.includes(use.value as string) ? [] : [`${where}: ${JSON.stringify(use)} is not one of ${JSON.stringify(values)}`];
    }
    if (target) {
        if (use.kind !== "object") {
            return [`${where}: an object (${prop.$ref}) is wanted, the program gives ${use.kind}`];
        }
        const typeName = prop.$ref!.slice(LOCAL_TYPE_REF.length);
        const problems = use.typeName !== undefined && use.typeName !== typeName ? [`${where}: the program names type ${use.typeName}, the property wants ${typeName}`] : [];
        return [...problems, ...fieldProblems(schema, target.properties ?? {}, target.required ?? [], use.fields, where)];
    }
    switch (prop.type) {
        case "string":
        case "boolean":
            return use.kind === "scalar" && typeof use.value === prop.type ? [] : [`${where}: a ${prop.type} is wanted, the program gives ${JSON.stringify(use)}`];
        case "integer":
        case "number":
            return use.kind === "scalar" && typeof use.value === "number" && (prop.type === "number" || Number.isInteger(use.value)) ? [] : [`${where}: an ${prop.type} is wanted, the program gives ${JSON.stringify(use)}`];
        case "array":
            return use.kind === "list" ? use.items.flatMap((item, i) => useProblems(schema, prop.items ?? {}, item, `${where}[${i}]`)) : [`${where}: a list is wanted, the program gives ${use.kind}`];
        case "object":
            return use.kind === "object" && use.typeName === undefined
                ? Object.entries(use.fields).flatMap(([k, v]) => useProblems(schema, prop.additionalProperties ?? {}, v, `${where}.${k}`))
                : [`${where}: a map is wanted, the program gives ${use.kind}`];
        default:
            return [`${where}: the schema property has no type the check knows (${JSON.stringify(prop)})`];
    }
}

/** Problems of the fields a program sets on a resource or object type: unknown names, wrong types, missing required. */
export function fieldProblems(schema: PackageSchema, props: Record<string, SchemaProperty>, required: string[], fields: Record<string, Use>, where: string): string[] {
    const problems = required.filter((r) => !(r in fields)).map((r) => `${where}: required ${r} is not set`);
    for (const [name, use] of Object.entries(fields)) {
        const prop = props[name];
        problems.push(...(prop ? useProblems(schema, prop, use, `${where}.${name}`) : [`${where}: the schema has no property ${name}`]));
    }
    return problems;
}

/**
 * Optional inputs whose schema description does not say what happens when they are unset. The analyzer keeps a
 * TSDoc comment's text but drops its tags, so a default given only as `@default` never reaches other languages.
 */
export function undocumentedDefaults(schema: PackageSchema): string[] {
    const missing: string[] = [];
    const check = (owner: string, props: Record<string, SchemaProperty> | undefined, required: string[] | undefined) => {
        for (const [name, prop] of Object.entries(props ?? {})) {
            if (!(required ?? []).includes(name) && !/\bdefault/i.test(prop.description ?? "")) {
                missing.push(`${owner}.${name}`);
            }
        }
    };
    for (const [token, r] of Object.entries(schema.resources)) {
        check(token, r.inputProperties, r.requiredInputs);
    }
    for (const [token, t] of Object.entries(schema.types ?? {})) {
        check(token, t.properties, t.required);
    }
    return missing;
}
