// A small, strict reader for the subset of Python the examples use: literals, lists, dicts, calls with keyword
// arguments and attribute references. Enough to map a generated-SDK program's calls onto the package schema
// without a Python interpreter; anything else is an error, so an example cannot silently escape the check.

/** A Python value as far as its schema type is concerned. */
export type PyValue =
    | { kind: "string"; value: string }
    | { kind: "number"; value: number }
    | { kind: "boolean"; value: boolean }
    | { kind: "none" }
    | { kind: "list"; items: PyValue[] }
    | { kind: "dict"; entries: [PyValue, PyValue][] }
    | { kind: "call"; callee: string; args: PyValue[]; kwargs: Record<string, PyValue> }
    | { kind: "name"; path: string };

interface Token {
    type: "name" | "string" | "number" | "op";
    text: string;
}

function tokenize(source: string): Token[] {
    const tokens: Token[] = [];
    const re = /\s+|#[^\n]*|("""[\s\S]*?"""|'''[\s\S]*?'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|(\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(\*\*|[()[\]{},:=.*])/y;
    while (re.lastIndex < source.length) {
        const at = re.lastIndex;
        const m = re.exec(source);
        if (!m) {
            throw new Error(`unexpected character at offset ${at}: ${JSON.stringify(source.slice(at, at + 20))}`);
        }
        if (m[1] !== undefined) {
            tokens.push({ type: "string", text: m[1] });
        } else if (m[2] !== undefined) {
            tokens.push({ type: "number", text: m[2] });
        } else if (m[3] !== undefined) {
            tokens.push({ type: "name", text: m[3] });
        } else if (m[4] !== undefined) {
            tokens.push({ type: "op", text: m[4] });
        }
    }
    return tokens;
}

function stringValue(literal: string): string {
    const quote = literal.startsWith('"""') || literal.startsWith("'''") ? 3 : 1;
    return literal.slice(quote, -quote).replace(/\\(.)/g, "$1");
}

/** A Python file: its `import X as Y` aliases (Y → X) and its other top-level statements. */
export interface PythonProgram {
    imports: Record<string, string>;
    statements: { target?: string; value: PyValue }[];
}

/** Reads the file: import lines (one per line, top level), then `target = expr` or bare expressions. */
export function readPython(source: string): PythonProgram {
    const imports: Record<string, string> = {};
    const body = source
        .split("\n")
        .map((line) => {
            const m = /^import ([\w.]+)(?: as (\w+))?\s*$/.exec(line);
            if (m) {
                imports[m[2] ?? m[1]] = m[1];
                return "";
            }
            if (/^(import|from) /.test(line)) {
                throw new Error(`unsupported import form: ${line}`);
            }
            return line;
        })
        .join("\n");
    return { imports, statements: readStatements(body) };
}

function readStatements(source: string): { target?: string; value: PyValue }[] {
    const tokens = tokenize(source);
    let i = 0;
    const peek = (text: string) => tokens[i]?.text === text;
    const expect = (text: string) => {
        if (!peek(text)) {
            throw new Error(`expected ${JSON.stringify(text)} at token ${i} (${tokens[i]?.text ?? "end"})`);
        }
        i++;
    };
    const expr = (): PyValue => {
        const t = tokens[i++];
        if (!t) {
            throw new Error("unexpected end of file");
        }
        if (t.type === "string") {
            let value = stringValue(t.text);
            while (tokens[i]?.type === "string") {
                value += stringValue(tokens[i++].text); // implicit concatenation
            }
            return { kind: "string", value };
        }
        if (t.type === "number") {
            return { kind: "number", value: Number(t.text) };
        }
        if (t.text === "[" || t.text === "{") {
            const close = t.text === "[" ? "]" : "}";
            const items: PyValue[] = [];
            const entries: [PyValue, PyValue][] = [];
            while (!peek(close)) {
                const first = expr();
                if (close === "}") {
                    expect(":");
                    entries.push([first, expr()]);
                } else {
                    items.push(first);
                }
                if (!peek(close)) {
                    expect(",");
                }
            }
            i++;
            return close === "]" ? { kind: "list", items } : { kind: "dict", entries };
        }
        if (t.type === "name") {
            if (t.text === "True" || t.text === "False") {
                return { kind: "boolean", value: t.text === "True" };
            }
            if (t.text === "None") {
                return { kind: "none" };
            }
            let path = t.text;
            while (peek(".")) {
                i++;
                path += `.${tokens[i++].text}`;
            }
            if (peek("[")) {
                // A subscript of a name (`irsa.role_arns["apps/web"]`): the name is what the schema must have.
                i++;
                expr();
                expect("]");
                return { kind: "name", path };
            }
            if (!peek("(")) {
                return { kind: "name", path };
            }
            i++;
            const args: PyValue[] = [];
            const kwargs: Record<string, PyValue> = {};
            while (!peek(")")) {
                if (tokens[i].type === "name" && tokens[i + 1]?.text === "=") {
                    const key = tokens[i].text;
                    i += 2;
                    kwargs[key] = expr();
                } else {
                    args.push(expr());
                }
                if (!peek(")")) {
                    expect(",");
                }
            }
            i++;
            return { kind: "call", callee: path, args, kwargs };
        }
        throw new Error(`unexpected ${JSON.stringify(t.text)} at token ${i - 1}`);
    };
    const statements: { target?: string; value: PyValue }[] = [];
    while (i < tokens.length) {
        if (tokens[i].type === "name" && tokens[i + 1]?.text === "=") {
            const target = tokens[i].text;
            i += 2;
            statements.push({ target, value: expr() });
        } else {
            statements.push({ value: expr() });
        }
    }
    return statements;
}

/** snake_case keyword → the camelCase schema property (the Python SDK's naming convention, reversed). */
export const camelCase = (snake: string): string => snake.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
/** camelCase schema property → the Python SDK's snake_case name. */
export const snakeCase = (camel: string): string => camel.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
