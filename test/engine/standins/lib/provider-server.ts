// The gRPC side of a stand-in provider plugin: what the engine asks of `pulumi-resource-<name>` (GetPluginInfo,
// GetSchema, CheckConfig, Configure, Check, Diff, Create, Read, Update, Delete, Invoke), answered from a table of
// resource types and functions. The stubs and grpc-js come from @pulumi/pulumi's own tree. Started by the engine
// with its address as argument; prints the port it listens on (127.0.0.1 only) and serves until killed.
import * as path from "node:path";

/** What a resource operation gets: the provider's configuration (`aws:region` etc.). */
export interface Context {
    config: Record<string, unknown>;
    /** The resource's name (the last part of its URN): the base of an auto-name. */
    name: string;
    urn: string;
}

export interface CheckFailure {
    property: string;
    reason: string;
}

export interface ResourceType {
    /**
     * Input properties whose change the real provider answers with a replacement ("forces new resource"; the
     * stand-in's README cites where each is documented). Any other change is an update in place.
     */
    replaceOn: readonly string[];
    /** Replacements that depend on more than an input changing (a certificate due for renewal). */
    replaceIf?(olds: Props, news: Props): string[];
    /** Defaults, auto-names and the provider's own validation; `olds` are the previous inputs (or {}). */
    check?(ctx: Context, olds: Props, news: Props): { inputs: Props; failures?: CheckFailure[] };
    create(ctx: Context, inputs: Props): { id: string; outs: Props } | Promise<{ id: string; outs: Props }>;
    /** The live state, or undefined when the object is gone (refresh then drops it from the stack). */
    read(ctx: Context, id: string, state: Props): Props | undefined;
    update(ctx: Context, id: string, olds: Props, news: Props): Props;
    delete(ctx: Context, id: string, state: Props): void;
}

export interface Plugin {
    name: string;
    version: string;
    resources: Record<string, ResourceType>;
    functions: Record<string, (ctx: Context, args: Props) => Props>;
    /** A schema for the tokens a YAML program names directly (the YAML host type-checks against it). */
    schema?: unknown;
}

export type Props = Record<string, any>;

/** The engine's marker for a value not known during a preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isUnknown(v: unknown): boolean {
    return v === UNKNOWN;
}

/** Thrown to answer a request with an error the engine shows (as a real provider's API error would be). */
export class ProviderError extends Error {}

function pulumiRequire(id: string): any {
    const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
    return require(require.resolve(id, { paths: [pulumiDir] }));
}

function nameOf(urn: string): string {
    return urn.slice(urn.lastIndexOf("::") + 2);
}

function typeOf(urn: string): string {
    const parts = urn.split("::");
    const qualified = parts[parts.length - 2] ?? "";
    return qualified.slice(qualified.lastIndexOf("$") + 1);
}

/** Deep equality on JSON values (inputs as the engine sends them). */
export function sameValue(a: unknown, b: unknown): boolean {
    return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: unknown): unknown {
    if (Array.isArray(v)) {
        return v.map(canonical);
    }
    if (v && typeof v === "object") {
        return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Props)[k])]));
    }
    return v;
}

/** Runs the plugin: call from the executable's main. */
export function serve(plugin: Plugin): void {
    const grpc = pulumiRequire("@grpc/grpc-js");
    const provrpc = pulumiRequire("@pulumi/pulumi/proto/provider_grpc_pb.js");
    const provproto = pulumiRequire("@pulumi/pulumi/proto/provider_pb.js");
    const plugproto = pulumiRequire("@pulumi/pulumi/proto/plugin_pb.js");
    const emptyproto = pulumiRequire("google-protobuf/google/protobuf/empty_pb.js");
    const structproto = pulumiRequire("google-protobuf/google/protobuf/struct_pb.js");

    let config: Record<string, unknown> = {};
    const toJs = (s: any): Props => (s ? s.toJavaScript() : {});
    // `id` travels as the response's id, never as a property.
    const toStruct = (v: Props) => structproto.Struct.fromJavaScript(JSON.parse(JSON.stringify({ ...v, id: undefined })));
    const resourceOf = (urn: string): ResourceType => {
        const r = plugin.resources[typeOf(urn)];
        if (!r) {
            throw new ProviderError(`the ${plugin.name} stand-in does not implement ${typeOf(urn)} (it implements ${Object.keys(plugin.resources).join(", ")})`);
        }
        return r;
    };
    const ctxOf = (urn: string): Context => ({ config, name: nameOf(urn), urn });
    // Every handler answers with a value or with the error's message (the engine shows it on the resource).
    const unary = (fn: (req: any) => any) => (call: any, callback: any) => {
        Promise.resolve()
            .then(() => fn(call.request))
            .then(
                (resp) => callback(null, resp),
                (e: Error) => callback({ code: grpc.status.UNKNOWN, details: e.message }),
            );
    };
    const failuresOf = (failures: CheckFailure[] | undefined) =>
        (failures ?? []).map((f) => {
            const failure = new provproto.CheckFailure();
            failure.setProperty(f.property);
            failure.setReason(f.reason);
            return failure;
        });

    const handlers = {
        getPluginInfo: unary(() => new plugproto.PluginInfo().setVersion(plugin.version)),
        getSchema: unary(() => new provproto.GetSchemaResponse().setSchema(JSON.stringify(plugin.schema ?? { name: plugin.name, version: plugin.version }))),
        checkConfig: unary((req) => new provproto.CheckResponse().setInputs(req.getNews())),
        diffConfig: unary((req) => {
            const same = sameValue(toJs(req.getOldInputs() ?? req.getOlds()), toJs(req.getNews()));
            return new provproto.DiffResponse().setChanges(same ? provproto.DiffResponse.DiffChanges.DIFF_NONE : provproto.DiffResponse.DiffChanges.DIFF_SOME);
        }),
        configure: unary((req) => {
            config = toJs(req.getArgs());
            // Older engines send only the flat variables map ("aws:config:region").
            req.getVariablesMap().forEach((value: string, key: string) => {
                const short = key.slice(key.lastIndexOf(":") + 1);
                if (!(short in config)) {
                    config[short] = value;
                }
            });
            // Secrets arrive unwrapped; the engine marks an output secret when its input was.
            return new provproto.ConfigureResponse().setAcceptsecrets(false).setSupportspreview(false).setAcceptresources(false).setAcceptoutputs(false);
        }),
        check: unary((req) => {
            const urn = req.getUrn();
            const news = toJs(req.getNews());
            const result = resourceOf(urn).check?.(ctxOf(urn), toJs(req.getOlds()), news) ?? { inputs: news };
            return new provproto.CheckResponse().setInputs(toStruct(result.inputs)).setFailuresList(failuresOf(result.failures));
        }),
        diff: unary((req) => {
            const urn = req.getUrn();
            const type = resourceOf(urn);
            const olds = req.getOldInputs() ? toJs(req.getOldInputs()) : toJs(req.getOlds());
            const news = toJs(req.getNews());
            const ignored = new Set<string>(req.getIgnorechangesList());
            const keys = [...new Set([...Object.keys(olds), ...Object.keys(news)])].filter((k) => !ignored.has(k) && !sameValue(olds[k], news[k]));
            const replaces = [...keys.filter((k) => type.replaceOn.includes(k)), ...(type.replaceIf?.(toJs(req.getOlds()), news) ?? [])];
            keys.push(...replaces.filter((k) => !keys.includes(k)));
            const resp = new provproto.DiffResponse()
                .setChanges(keys.length > 0 ? provproto.DiffResponse.DiffChanges.DIFF_SOME : provproto.DiffResponse.DiffChanges.DIFF_NONE)
                .setDiffsList(keys)
                .setReplacesList(replaces)
                .setHasdetaileddiff(true);
            const detailed = resp.getDetaileddiffMap();
            const Kind = provproto.PropertyDiff.Kind;
            for (const k of keys) {
                const kind = !(k in olds) ? (replaces.includes(k) ? Kind.ADD_REPLACE : Kind.ADD) : !(k in news) ? (replaces.includes(k) ? Kind.DELETE_REPLACE : Kind.DELETE) : replaces.includes(k) ? Kind.UPDATE_REPLACE : Kind.UPDATE;
                detailed.set(k, new provproto.PropertyDiff().setKind(kind).setInputdiff(true));
            }
            return resp;
        }),
        create: unary(async (req) => {
            const urn = req.getUrn();
            const { id, outs } = await resourceOf(urn).create(ctxOf(urn), toJs(req.getProperties()));
            return new provproto.CreateResponse().setId(id).setProperties(toStruct(outs));
        }),
        read: unary((req) => {
            const urn = req.getUrn();
            const live = resourceOf(urn).read(ctxOf(urn), req.getId(), toJs(req.getProperties()));
            const resp = new provproto.ReadResponse();
            if (live === undefined) {
                return resp; // an empty id: the resource no longer exists
            }
            return resp.setId(req.getId()).setProperties(toStruct(live)).setInputs(req.getInputs());
        }),
        update: unary((req) => {
            const urn = req.getUrn();
            const outs = resourceOf(urn).update(ctxOf(urn), req.getId(), toJs(req.getOlds()), toJs(req.getNews()));
            return new provproto.UpdateResponse().setProperties(toStruct(outs));
        }),
        delete: unary((req) => {
            const urn = req.getUrn();
            resourceOf(urn).delete(ctxOf(urn), req.getId(), toJs(req.getProperties()));
            return new emptyproto.Empty();
        }),
        invoke: unary((req) => {
            const fn = plugin.functions[req.getTok()];
            if (!fn) {
                throw new ProviderError(`the ${plugin.name} stand-in does not implement ${req.getTok()} (it implements ${Object.keys(plugin.functions).join(", ") || "no functions"})`);
            }
            return new provproto.InvokeResponse().setReturn(toStruct(fn({ config, name: "", urn: "" }, toJs(req.getArgs()))));
        }),
        cancel: unary(() => new emptyproto.Empty()),
        attach: unary(() => new emptyproto.Empty()),
    };

    const server = new grpc.Server({ "grpc.max_receive_message_length": 400 * 1024 * 1024 });
    server.addService(provrpc.ResourceProviderService, handlers);
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err: Error | null, port: number) => {
        if (err) {
            console.error(`${plugin.name} stand-in: ${err.message}`);
            process.exit(1);
        }
        process.stdout.write(`${port}\n`);
    });
}
