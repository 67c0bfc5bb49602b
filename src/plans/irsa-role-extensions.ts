import * as pulumi from "@pulumi/pulumi";
import { ClusterTrust, validateClusters, validateMaxTrustPolicySize } from "../oidc/cluster-trust";
import { IrsaInputError } from "../oidc/errors";
import { addonDefaults, addonNames, addonPolicies, addonPolicy, AddonName, AddonPresets, PlainAddonPresets } from "../aws/addons";
import { arnPartition } from "../aws/addons/arns";

// IrsaRole's multi-cluster trust and add-on presets, turned into the one-cluster-or-list trust source, the
// ServiceAccount defaults and named inline policies that IrsaRole already knows how to create. Checks plain
// values now; Outputs (StackReference outputs) once known, inside applies.

/** One cluster a role trusts, as IrsaRole takes it (values may come from a StackReference). */
export interface IrsaRoleCluster {
    /** ARN of the cluster's IAM OIDC provider (its SelfHostedIrsa output `oidcProviderArn`). */
    oidcProviderArn: pulumi.Input<string>;
    /** The cluster's issuer URL (its SelfHostedIrsa output `issuerUrl`). */
    issuerUrl: pulumi.Input<string>;
}

/** The IrsaRole fields this module reads. */
export interface RoleExtensionArgs {
    oidcProviderArn?: pulumi.Input<string>;
    issuerUrl?: pulumi.Input<string>;
    clusters?: pulumi.Input<IrsaRoleCluster[]>;
    /** roleFor's option: more clusters besides the component's own. */
    additionalClusters?: pulumi.Input<IrsaRoleCluster[]>;
    maxTrustPolicySize?: pulumi.Input<number>;
    namespace?: pulumi.Input<string>;
    serviceAccount?: pulumi.Input<string>;
    addons?: AddonPresets;
    inlinePolicies?: Record<string, pulumi.Input<string>>;
}

/** Whether a value holds no Output or promise at any depth (then it can be checked now). */
export function isDeepPlain(value: unknown): boolean {
    if (pulumi.Output.isInstance(value) || typeof (value as PromiseLike<unknown> | undefined)?.then === "function") {
        return false;
    }
    if (Array.isArray(value)) {
        return value.every(isDeepPlain);
    }
    if (typeof value === "object" && value !== null) {
        return Object.values(value).every(isDeepPlain);
    }
    return true;
}

/** The partition of the role's provider ARN(s), when known now. */
function rolePartition(args: RoleExtensionArgs): string | undefined {
    const clusters = args.clusters;
    const first = typeof args.oidcProviderArn === "string" ? args.oidcProviderArn : Array.isArray(clusters) && typeof clusters[0]?.oidcProviderArn === "string" ? (clusters[0].oidcProviderArn as string) : undefined;
    return first === undefined ? undefined : arnPartition(first);
}

/** Decides the trust source: one cluster (oidcProviderArn + issuerUrl) or `clusters`; roleFor's additionalClusters join the first. */
function trustSource<T extends RoleExtensionArgs>(args: T): Pick<RoleExtensionArgs, "clusters" | "oidcProviderArn" | "issuerUrl"> {
    const single = args.oidcProviderArn !== undefined || args.issuerUrl !== undefined;
    if (args.clusters !== undefined && single) {
        throw new IrsaInputError("clusters", "(set)", "is given together with `oidcProviderArn`/`issuerUrl`", "give either clusters: [{ oidcProviderArn, issuerUrl }, ...] or oidcProviderArn and issuerUrl for one cluster");
    }
    if (args.clusters === undefined && !single) {
        throw new IrsaInputError("clusters", undefined, "is not set and neither are `oidcProviderArn` and `issuerUrl`: the role would trust no cluster", "pass clusters: [{ oidcProviderArn, issuerUrl }], or oidcProviderArn and issuerUrl (SelfHostedIrsa outputs)");
    }
    if (single && (args.oidcProviderArn === undefined || args.issuerUrl === undefined)) {
        const missing = args.oidcProviderArn === undefined ? "oidcProviderArn" : "issuerUrl";
        throw new IrsaInputError(missing, undefined, `is needed with \`${missing === "issuerUrl" ? "oidcProviderArn" : "issuerUrl"}\``, "pass both outputs of the cluster's SelfHostedIrsa, or use clusters");
    }
    if (args.maxTrustPolicySize !== undefined && typeof args.maxTrustPolicySize === "number") {
        validateMaxTrustPolicySize(args.maxTrustPolicySize);
    }
    if (args.additionalClusters === undefined) {
        return args.clusters !== undefined ? { clusters: checkedClusters(args.clusters) } : { oidcProviderArn: args.oidcProviderArn, issuerUrl: args.issuerUrl };
    }
    const own: IrsaRoleCluster = { oidcProviderArn: args.oidcProviderArn!, issuerUrl: args.issuerUrl! };
    const more = args.additionalClusters;
    const clusters = Array.isArray(more) ? [own, ...more] : pulumi.output(more).apply((m) => [own, ...(m as IrsaRoleCluster[])]);
    return { clusters: checkedClusters(clusters as pulumi.Input<IrsaRoleCluster[]>) };
}

/** Plain cluster lists are checked now (empty, twice, mismatch, account); others when the trust policy is computed. */
function checkedClusters(clusters: pulumi.Input<IrsaRoleCluster[]>): pulumi.Input<IrsaRoleCluster[]> {
    if (isDeepPlain(clusters)) {
        validateClusters(clusters as ClusterTrust[]);
    }
    return clusters;
}

/** Each preset's policy as a named inline document: computed now when its settings are plain, else once known. */
function presetPolicies(args: RoleExtensionArgs, names: AddonName[]): Record<string, pulumi.Input<string>> {
    const partition = rolePartition(args);
    const addons = args.addons as Record<string, unknown>;
    if (names.every((n) => isDeepPlain(addons[n]))) {
        // All known: the 10,240-character aggregate for a role's inline policies is checked here too.
        return Object.fromEntries(addonPolicies(addons as PlainAddonPresets, { partition }).map((p) => [p.name, p.document]));
    }
    return Object.fromEntries(
        names.map((n) => [n, isDeepPlain(addons[n]) ? JSON.stringify(addonPolicy(n, addons[n] as never, { partition })) : pulumi.output(addons[n] as pulumi.Input<object>).apply((s) => JSON.stringify(addonPolicy(n, s as never, { partition })))]),
    );
}

/** The namespace and ServiceAccount: as given, else the one preset's chart defaults. */
function subject(args: RoleExtensionArgs, names: AddonName[]): { namespace: pulumi.Input<string>; serviceAccount: pulumi.Input<string> } {
    if (args.namespace !== undefined && args.serviceAccount !== undefined) {
        return { namespace: args.namespace, serviceAccount: args.serviceAccount };
    }
    const missing = args.namespace === undefined ? "namespace" : "serviceAccount";
    const { defaults, from } = addonDefaults(names);
    if (defaults === undefined) {
        const why =
            names.length === 0
                ? "is needed (only an add-on preset with a chart default can supply it)"
                : from.length > 1
                  ? `is needed: the presets ${from.join(", ")} each have a default ServiceAccount, so none is chosen`
                  : `is needed: the preset(s) ${names.join(", ")} have no conventional ServiceAccount`;
        throw new IrsaInputError(missing, undefined, why, from.length > 1 ? "give namespace and serviceAccount, or make one role per add-on" : "give namespace and serviceAccount");
    }
    return { namespace: args.namespace ?? defaults.namespace, serviceAccount: args.serviceAccount ?? defaults.serviceAccount };
}

/**
 * IrsaRole's args with the trust source decided (`clusters`, or oidcProviderArn + issuerUrl), the add-on
 * presets turned into inline policies named after them, and the namespace/ServiceAccount filled from the one
 * preset that has chart defaults. Never mutates `args`. Throws IrsaInputError on bad plain input.
 */
export function expandRoleArgs<T extends RoleExtensionArgs>(args: T): T & { namespace: pulumi.Input<string>; serviceAccount: pulumi.Input<string> } {
    const trust = trustSource(args);
    const names = addonNames(args.addons);
    const expanded = { ...args, ...trust, ...subject(args, names) };
    delete expanded.additionalClusters;
    if (names.length > 0) {
        const given = args.inlinePolicies ?? {};
        const clash = names.find((n) => n in given);
        if (clash !== undefined) {
            throw new IrsaInputError(`inlinePolicies.${clash}`, clash, `is also the name of the inline policy of the add-on preset \`addons.${clash}\``, "rename your inline policy");
        }
        expanded.inlinePolicies = { ...given, ...presetPolicies(args, names) };
    }
    return expanded;
}
