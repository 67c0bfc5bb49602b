// The YAML and Python examples use the package through `pulumi package add`: every resource type, property
// and output they name must exist in the schema (the committed schema.json, which plugin-schema.test.ts proves
// equal to what the plugin serves) with the type they give it. Python is read by the SDK's naming convention:
// `<module>.<Resource>(name, snake_case=...)`, nested `<module>.<Type>Args(...)`, outputs as `resource.snake_case`.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { parse as parseYaml } from "yaml";
import { PackageSchema, REPO_ROOT, SCHEMA_SNAPSHOT } from "./helpers/plugin-host";
import { fieldProblems, Use } from "./helpers/schema-checks";
import { camelCase, PyValue, readPython, snakeCase } from "./helpers/python-calls";

const EXAMPLES = path.join(REPO_ROOT, "examples");
const PACKAGE = "selfhosted-irsa";
const PY_MODULE = "pulumi_selfhosted_irsa";
const BOTH = [`${PACKAGE}:index:IrsaRole`, `${PACKAGE}:index:SelfHostedIrsa`];

function loadSchema(): PackageSchema {
    assert.ok(fs.existsSync(SCHEMA_SNAPSHOT), "schema.json is missing: run `npm run schema` (it needs the analyzer to accept the components)");
    return JSON.parse(fs.readFileSync(SCHEMA_SNAPSHOT, "utf8")) as PackageSchema;
}

interface Usage {
    /** Resource name in the program → its type token. */
    resources: Record<string, string>;
    /** Every problem found while reading the program against the schema. */
    problems: string[];
}

function resourceProblems(schema: PackageSchema, token: string, fields: Record<string, Use>, where: string): string[] {
    const r = schema.resources[token];
    return r ? fieldProblems(schema, r.inputProperties ?? {}, r.requiredInputs ?? [], fields, where) : [`${where}: the schema has no resource ${token}`];
}

function yamlUsage(schema: PackageSchema, program: { resources?: Record<string, { type: string; properties?: Record<string, unknown> }>; outputs?: Record<string, unknown> }): Usage {
    const resources = Object.fromEntries(Object.entries(program.resources ?? {}).map(([name, r]) => [name, r.type.replace(/^([^:]+):([^:]+)$/, "$1:index:$2")]));
    const problems: string[] = [];
    const use = (v: unknown, where: string): Use => {
        if (typeof v === "string") {
            const ref = /^\$\{(\w+)\.(\w+)\}$/.exec(v);
            if (ref && ref[1] === "pulumi") {
                return { kind: "unknown" };
            }
            if (ref) {
                const token = resources[ref[1]];
                if (!token) {
                    problems.push(`${where}: ${ref[1]} is not a resource of the program`);
                }
                return { kind: "output", resource: token ?? "", property: ref[2] };
            }
            return { kind: "scalar", value: v };
        }
        if (typeof v === "number" || typeof v === "boolean") {
            return { kind: "scalar", value: v };
        }
        if (Array.isArray(v)) {
            return { kind: "list", items: v.map((x, i) => use(x, `${where}[${i}]`)) };
        }
        if (v && typeof v === "object") {
            const keys = Object.keys(v);
            if (keys.length === 1 && keys[0].startsWith("fn::")) {
                return keys[0] === "fn::toJSON" ? { kind: "scalar", value: JSON.stringify((v as Record<string, unknown>)[keys[0]]) } : { kind: "unknown" };
            }
            return { kind: "object", fields: Object.fromEntries(Object.entries(v).map(([k, x]) => [k, use(x, `${where}.${k}`)])) };
        }
        problems.push(`${where}: unsupported value ${JSON.stringify(v)}`);
        return { kind: "unknown" };
    };
    for (const [name, r] of Object.entries(program.resources ?? {})) {
        if (resources[name].startsWith(`${PACKAGE}:`)) {
            const fields = Object.fromEntries(Object.entries(r.properties ?? {}).map(([k, v]) => [k, use(v, `${name}.${k}`)]));
            problems.push(...resourceProblems(schema, resources[name], fields, name));
        }
    }
    for (const [name, v] of Object.entries(program.outputs ?? {})) {
        const u = use(v, `outputs.${name}`);
        if (u.kind === "output" && !schema.resources[u.resource]?.properties?.[u.property]) {
            problems.push(`outputs.${name}: ${u.resource} has no output ${u.property}`);
        }
    }
    return { resources, problems };
}

/** The Python SDK's name for an enum member: upper snake case (PriceClass_100 → PRICE_CLASS_100). */
function pyEnumMember(name: string): string {
    return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/[^A-Za-z0-9]+/g, "_").toUpperCase();
}

function pythonUsage(schema: PackageSchema, source: string): Usage {
    const { imports, statements } = readPython(source);
    const alias = Object.keys(imports).find((a) => imports[a] === PY_MODULE);
    assert.ok(alias, `the program imports ${PY_MODULE}, the module \`pulumi package add\` generates`);
    const resources: Record<string, string> = {};
    const problems: string[] = [];
    const pythonName = (kwarg: string, where: string): string => {
        const camel = camelCase(kwarg);
        if (snakeCase(camel) !== kwarg) {
            problems.push(`${where}: ${kwarg} is not how the Python SDK spells ${camel} (${snakeCase(camel)})`);
        }
        return camel;
    };
    const use = (v: PyValue, where: string): Use => {
        switch (v.kind) {
            case "string":
            case "number":
            case "boolean":
                return { kind: "scalar", value: v.value };
            case "list":
                return { kind: "list", items: v.items.map((x, i) => use(x, `${where}[${i}]`)) };
            case "dict":
                return { kind: "object", fields: Object.fromEntries(v.entries.map(([k, x]) => [k.kind === "string" ? k.value : "?", use(x, `${where}[${JSON.stringify(k)}]`)])) };
            case "name": {
                // `<module>.<Enum>.<MEMBER>`: the enum's value (Python members are the names in upper snake case).
                const member = new RegExp(`^${alias}\\.(\\w+)\\.(\\w+)$`).exec(v.path);
                if (member) {
                    const entry = schema.types?.[`${PACKAGE}:index:${member[1]}`]?.enum?.find((e) => pyEnumMember(String(e.name ?? e.value)) === member[2]);
                    if (entry) {
                        return { kind: "scalar", value: entry.value };
                    }
                    problems.push(`${where}: ${v.path} is not a member of an enum of the schema`);
                    return { kind: "unknown" };
                }
                const [variable, attr, ...rest] = v.path.split(".");
                if (resources[variable] && attr && rest.length === 0) {
                    return { kind: "output", resource: resources[variable], property: pythonName(attr, where) };
                }
                problems.push(`${where}: ${v.path} is not an output of a resource of the program`);
                return { kind: "unknown" };
            }
            case "call": {
                const typeCall = new RegExp(`^${alias}\\.(\\w+)Args$`).exec(v.callee);
                if (typeCall) {
                    return { kind: "object", typeName: `${PACKAGE}:index:${typeCall[1]}`, fields: kwargs(v, where) };
                }
                if (v.callee === "json.dumps") {
                    return { kind: "scalar", value: "{}" };
                }
                if (v.callee === "pulumi.get_stack") {
                    return { kind: "unknown" };
                }
                problems.push(`${where}: the check does not know ${v.callee}(...)`);
                return { kind: "unknown" };
            }
            default:
                problems.push(`${where}: unsupported value ${JSON.stringify(v)}`);
                return { kind: "unknown" };
        }
    };
    const kwargs = (call: Extract<PyValue, { kind: "call" }>, where: string): Record<string, Use> =>
        Object.fromEntries(Object.entries(call.kwargs).filter(([k]) => k !== "opts").map(([k, x]) => [pythonName(k, `${where}.${k}`), use(x, `${where}.${k}`)]));
    for (const { target, value } of statements) {
        if (value.kind !== "call") {
            continue; // the module docstring
        }
        const resource: RegExpExecArray | null = new RegExp(`^${alias}\\.(\\w+)$`).exec(value.callee);
        if (resource) {
            const token = `${PACKAGE}:index:${resource[1]}`;
            const where: string = target ?? resource[1];
            assert.equal(value.args[0]?.kind, "string", `${where}: the resource name comes first`);
            problems.push(...resourceProblems(schema, token, kwargs(value, where), where));
            if (target) {
                resources[target] = token;
            }
        } else if (value.callee === "pulumi.export") {
            const u = use(value.args[1], `export ${JSON.stringify(value.args[0])}`);
            if (u.kind === "output" && !schema.resources[u.resource]?.properties?.[u.property]) {
                problems.push(`export: ${u.resource} has no output ${u.property}`);
            }
        } else {
            problems.push(`${value.callee}(...): a statement the check does not know`);
        }
    }
    return { resources, problems };
}

describe("examples/yaml and examples/python against the schema", () => {
    it("examples/yaml: every type, property and output exists with the type it is given; both components used", () => {
        const program = parseYaml(fs.readFileSync(path.join(EXAMPLES, "yaml", "Pulumi.yaml"), "utf8"));
        assert.equal(program.runtime, "yaml");
        const usage = yamlUsage(loadSchema(), program);
        assert.deepEqual(usage.problems, []);
        assert.deepEqual([...new Set(Object.values(usage.resources))].sort(), BOTH);
    });

    it("examples/python: every call, keyword, nested Args type and output exists with the type it is given; both components used", () => {
        const usage = pythonUsage(loadSchema(), fs.readFileSync(path.join(EXAMPLES, "python", "__main__.py"), "utf8"));
        assert.deepEqual(usage.problems, []);
        assert.deepEqual([...new Set(Object.values(usage.resources))].sort(), BOTH);
    });

    it("the checks catch a wrong property, a wrong type, a bad enum value and a missing output (not vacuous)", () => {
        const schema = loadSchema();
        const yamlBad = yamlUsage(schema, {
            resources: {
                irsa: { type: `${PACKAGE}:index:SelfHostedIrsa`, properties: { hosting: { kind: "azure" }, legacyEmptyKid: "yes", noSuchArg: 1 } },
                role: { type: `${PACKAGE}:index:IrsaRole`, properties: { oidcProviderArn: "${irsa.noSuchOutput}", issuerUrl: "${irsa.issuerUrl}", namespace: "a" } },
            },
        });
        assert.deepEqual(
            yamlBad.problems.map((p) => p.split(":")[0]),
            ["irsa.hosting.kind", "irsa.legacyEmptyKid", "irsa", "role.oidcProviderArn"],
            yamlBad.problems.join("\n"),
        );
        const pyBad = pythonUsage(schema, `import pulumi_selfhosted_irsa as s\nr = s.IrsaRole("r", oidcProviderArn="x", issuer_url=1, namespace="a", service_account="b")\n`);
        assert.ok(pyBad.problems.some((p) => p.includes("oidcProviderArn is not how the Python SDK spells")), pyBad.problems.join("\n"));
        assert.ok(pyBad.problems.some((p) => p.startsWith("r.issuerUrl: a string is wanted")), pyBad.problems.join("\n"));
    });

    for (const example of ["yaml", "python"]) {
        it(`examples/${example}/README.md gives the exact commands, \`pulumi package add\` first`, () => {
            const readme = fs.readFileSync(path.join(EXAMPLES, example, "README.md"), "utf8");
            const commands = [...readme.matchAll(/```(?:sh|bash)\n([\s\S]*?)```/g)].map((m) => m[1]).join("\n");
            assert.match(commands, /^pulumi package add /m);
            assert.match(commands, /^pulumi up/m);
            assert.ok(commands.indexOf("pulumi package add") < commands.indexOf("pulumi up"));
        });
    }
});
