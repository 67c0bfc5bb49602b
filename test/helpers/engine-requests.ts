// What the Pulumi engine receives, read from the RegisterResource requests themselves (not from the mocks'
// deserialized inputs): resource options (protect, retainOnDelete, deleteBeforeReplace, ignoreChanges,
// aliases, dependencies) and the inputs as serialized, where a nested secret stays nested (the SDK's
// deserializer lifts a nested secret to its whole object, so `inputs` recorded by the mocks cannot show it).
// Call `recordEngineRequests()` once, after `setupMocks()`.
import * as pulumi from "@pulumi/pulumi";

export interface EngineRequest {
    type: string;
    name: string;
    parent: string;
    protect: boolean;
    retainOnDelete: boolean;
    deleteBeforeReplace: boolean;
    ignoreChanges: string[];
    additionalSecretOutputs: string[];
    /** Alias URNs the SDK computed (only when the monitor does not take alias specs; see `recordEngineRequests`). */
    aliasUrns: string[];
    /** The names of alias specs sent as such (`{ name }` aliases, when the monitor takes alias specs). */
    aliasNames: string[];
    /** URNs this resource depends on. */
    dependencies: string[];
    /** The inputs exactly as serialized for the engine (secrets as `{ <sig>: <secret sig>, value }` where they are). */
    object: Record<string, any>;
}

export const engineRequests: EngineRequest[] = [];

interface RequestLike {
    getType(): string;
    getName(): string;
    getParent(): string;
    getProtect(): boolean;
    getRetainondelete(): boolean;
    getDeletebeforereplace(): boolean;
    getIgnorechangesList(): string[];
    getAdditionalsecretoutputsList(): string[];
    getAliasesList(): Array<{ getUrn(): string; getSpec(): { getName(): string } | undefined }>;
    getAliasurnsList(): string[];
    getDependenciesList(): string[];
    getObject(): { toJavaScript(): Record<string, any> } | undefined;
}

let installed = false;

/**
 * Wraps the mock monitor's registerResource to record every request. With `sdkComputesAliases`, the monitor
 * says it does not take alias specs, so the SDK computes each child's alias URNs itself (its own
 * child-alias rule) and sends them in the request, where a test can compare them with the URNs of a run
 * under the old name.
 */
export function recordEngineRequests(options: { sdkComputesAliases?: boolean } = {}): void {
    if (installed) {
        return;
    }
    installed = true;
    const monitor = pulumi.runtime.getMonitor() as unknown as {
        registerResource(req: RequestLike, callback: (err: unknown, res: unknown) => void): Promise<void>;
        getDeploymentInfo?: (req: unknown, callback: (err: unknown, res: { getSupportedfeaturesList(): number[] }) => void) => void;
        supportsFeature(req: { getId(): string }, callback: (err: unknown, res: unknown) => void): void;
    };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = async (req, callback) => {
        engineRequests.push({
            type: req.getType(),
            name: req.getName(),
            parent: req.getParent(),
            protect: req.getProtect(),
            retainOnDelete: req.getRetainondelete(),
            deleteBeforeReplace: req.getDeletebeforereplace(),
            ignoreChanges: req.getIgnorechangesList(),
            additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
            aliasUrns: [...req.getAliasurnsList(), ...req.getAliasesList().map((a) => a.getUrn())].filter((u) => u !== ""),
            aliasNames: req.getAliasesList().map((a) => a.getSpec()?.getName() ?? "").filter((n) => n !== ""),
            dependencies: req.getDependenciesList(),
            object: req.getObject()?.toJavaScript() ?? {},
        });
        return register(req, callback);
    };
    if (options.sdkComputesAliases) {
        // setMocks turns alias specs on in the SDK's store; turn them off the same way.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const state = require("@pulumi/pulumi/runtime/state") as { getStore(): { supportsAliasSpecs: boolean } };
        state.getStore().supportsAliasSpecs = false;
        const supports = monitor.supportsFeature.bind(monitor);
        monitor.supportsFeature = (req, callback) =>
            req.getId() === "aliasSpecs" ? callback(null, { getHassupport: () => false }) : supports(req, callback);
    }
}

/** The one recorded request of this type and name (throws when there is not exactly one). */
export function requestOf(type: string, name: string): EngineRequest {
    const found = engineRequests.filter((r) => r.type === type && r.name === name);
    if (found.length !== 1) {
        throw new Error(`expected one request for ${type}::${name}, found ${found.length}: ${engineRequests.map((r) => r.name).join(", ")}`);
    }
    return found[0];
}
