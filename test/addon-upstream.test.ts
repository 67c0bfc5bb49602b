// Every preset against the add-on's own published policy (test/fixtures/upstream-policies/*.json), judged by the
// IAM policy simulator: each request an upstream statement allows is allowed by the preset (on the resources
// the user names), or the fixture says why not; nothing upstream denies is allowed; no action is added
// without a reason. A fixture restates the upstream action lists per statement with version and source.
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { ADDON_NAMES, addonPolicy, AddonName } from "../src/aws/addons";
import { identityPolicyErrors, SIM_ACCOUNT, simulateIdentityAnyElb, simulateIdentityUnvalidated } from "./helpers/iam-simulator";
import { Comparison, Context, differencesFor, expandAction, loadFixtures, SIM_REGION, substitute, upstreamActions, upstreamDocument, UpstreamPolicy, UpstreamRequest, upstreamRequests } from "./helpers/upstream-policies";

const A = SIM_ACCOUNT;
const R = SIM_REGION;
const KEY = `arn:aws:kms:${R}:${A}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const OTHER_KEY = `arn:aws:kms:${R}:${A}:key/99999999-12ab-34cd-56ef-1234567890ab`;
const ZONE = "arn:aws:route53:::hostedzone/Z0AAAAAAAAAAAAAAAAAAA";
const OTHER_ZONE = "arn:aws:route53:::hostedzone/Z0BBBBBBBBBBBBBBBBBBB";
const ASG = `arn:aws:autoscaling:${R}:${A}:autoScalingGroup:*:autoScalingGroupName/prod-workers`;
const ASG_ID = (name: string) => `arn:aws:autoscaling:${R}:${A}:autoScalingGroup:0b7b0ae6-0d32-4a3e-9d4e-0123456789ab:autoScalingGroupName/${name}`;
const REPO = `arn:aws:ecr:${R}:${A}:repository/team-a/app`;
const WORKSPACE = `arn:aws:aps:${R}:${A}:workspace/ws-11111111-aaaa-bbbb-cccc-123456789012`;
const OTHER_WORKSPACE = `arn:aws:aps:${R}:${A}:workspace/ws-22222222-aaaa-bbbb-cccc-123456789012`;
const LOG_GROUP = `arn:aws:logs:${R}:${A}:log-group:/k8s/prod`;
const OTHER_LOG_GROUP = `arn:aws:logs:${R}:${A}:log-group:/k8s/staging`;

/** How a comparison runs: the preset's settings, placeholder values, and the user's named (and other) ARNs per resource type. */
interface Setup {
    settings: Record<string, unknown>;
    values?: Record<string, string>;
    named?: Record<string, string>;
    others?: Record<string, string>;
}

const CLUSTER = { "<clusterName>": "prod", "<otherCluster>": "staging" };
const SETUPS: Record<string, Setup> = {
    "loadBalancerController/any": {
        settings: { clusterName: "prod", scope: "any", wafAndShield: true, cognitoAuth: true },
        values: CLUSTER,
        named: { role: `arn:aws:iam::${A}:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing` },
        others: { role: `arn:aws:iam::${A}:role/admin` },
    },
    "loadBalancerController/clusterTagged": {
        settings: { clusterName: "prod", scope: "clusterTagged", wafAndShield: true, cognitoAuth: true },
        values: CLUSTER,
        named: { role: `arn:aws:iam::${A}:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing` },
        others: { role: `arn:aws:iam::${A}:role/admin` },
    },
    "ebsCsiDriver/driverTagged": { settings: {} },
    "ebsCsiDriver/any": { settings: { volumeScope: "any" } },
    "ebsCsiDriver/clusterTagged": { settings: { volumeScope: "clusterTagged", clusterName: "prod" }, values: CLUSTER },
    "ebsCsiDriver/kms": { settings: { kmsKeyArns: [KEY] }, named: { key: KEY }, others: { key: OTHER_KEY } },
    "externalDns/zones": { settings: { hostedZoneArns: [ZONE] }, named: { hostedzone: ZONE }, others: { hostedzone: OTHER_ZONE } },
    "certManager/zones": { settings: { hostedZoneArns: [ZONE] }, named: { hostedzone: ZONE }, others: { hostedzone: OTHER_ZONE } },
    "clusterAutoscaler/named": { settings: { autoScalingGroupArns: [ASG] }, named: { autoScalingGroup: ASG_ID("prod-workers") }, others: { autoScalingGroup: ASG_ID("staging-workers") } },
    "clusterAutoscaler/autoDiscovery": { settings: { clusterName: "prod" }, values: CLUSTER },
    "velero/wholeBucket": { settings: { bucketArn: "arn:aws:s3:::backups", ebsSnapshots: true, objectTagging: true }, values: { "<bucket>": "backups" }, named: { bucket: "arn:aws:s3:::backups", object: "arn:aws:s3:::backups/backups/b1/b1.tar.gz" } },
    "velero/prefix": {
        settings: { bucketArn: "arn:aws:s3:::backups", prefix: "prod", ebsSnapshots: true, objectTagging: true },
        values: { "<bucket>": "backups" },
        named: { bucket: "arn:aws:s3:::backups", object: "arn:aws:s3:::backups/prod/backups/b1/b1.tar.gz" },
        others: { object: "arn:aws:s3:::backups/staging/backups/b1/b1.tar.gz" },
    },
    "externalSecrets/secretsmanager": {
        settings: { secretArns: [`arn:aws:secretsmanager:${R}:${A}:secret:dev-*`], kmsKeyArns: [KEY], find: true },
        values: { "<region>": R, "<account>": A },
        named: { Secret: `arn:aws:secretsmanager:${R}:${A}:secret:dev-db-AbCdEf` },
    },
    "externalSecrets/parameterstore": { settings: { parameterArns: [`arn:aws:ssm:${R}:${A}:parameter/dev-*`], find: true }, values: { "<region>": R, "<account>": A }, named: { parameter: `arn:aws:ssm:${R}:${A}:parameter/dev-db-password` } },
    "kmsDecrypt/keys": { settings: { keyArns: [KEY] }, named: { key: KEY }, others: { key: OTHER_KEY } },
    "ecrPull/repositories": { settings: { repositoryArns: [REPO] }, named: { repository: REPO }, others: { repository: `arn:aws:ecr:${R}:${A}:repository/team-b/app` } },
    "ampRemoteWrite/remoteWrite": { settings: { workspaceArn: WORKSPACE }, named: { workspace: WORKSPACE }, others: { workspace: OTHER_WORKSPACE } },
    "ampRemoteWrite/query": { settings: { workspaceArn: WORKSPACE, query: true }, named: { workspace: WORKSPACE }, others: { workspace: OTHER_WORKSPACE } },
    "cloudwatchLogs/groups": {
        settings: { logGroupArns: [LOG_GROUP], createLogGroups: true },
        named: { "log-group": LOG_GROUP, "log-stream": `${LOG_GROUP}:log-stream:node-1` },
        others: { "log-group": OTHER_LOG_GROUP, "log-stream": `${OTHER_LOG_GROUP}:log-stream:node-1` },
    },
    "objectStorage/loki": {
        settings: { bucketArn: "arn:aws:s3:::loki-chunks" },
        values: { "<chunkBucket>": "loki-chunks", "<rulerBucket>": "loki-ruler" },
        named: { bucket: "arn:aws:s3:::loki-chunks", object: "arn:aws:s3:::loki-chunks/fake/1234/abcd" },
        others: { bucket: "arn:aws:s3:::loki-ruler", object: "arn:aws:s3:::loki-ruler/rules/fake/r1" },
    },
    "objectStorage/thanos": {
        settings: { bucketArn: "arn:aws:s3:::metrics", prefix: "thanos" },
        values: { "<bucket>": "metrics" },
        named: { bucket: "arn:aws:s3:::metrics", object: "arn:aws:s3:::metrics/thanos/01H/meta.json" },
        others: { object: "arn:aws:s3:::metrics/loki/index" },
    },
    "objectStorage/tempo": { settings: { bucketArn: "arn:aws:s3:::traces", objectTagging: true }, values: { "<bucket>": "traces" }, named: { bucket: "arn:aws:s3:::traces", object: "arn:aws:s3:::traces/single-tenant/block/data" } },
};

type Sim = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";
const describeRequest = (r: { action: string; resource: string }, context: Context) => `${r.action} on ${r.resource}${Object.keys(context).length ? ` with ${JSON.stringify(context)}` : ""}`;

/** The preset's settings without one setting (a switch turned off). */
const without = (settings: Record<string, unknown>, setting: string) => Object.fromEntries(Object.entries(settings).filter(([k]) => k !== setting));

/** Runs one comparison; returns what does not hold, one line each. */
async function compare(preset: AddonName, policy: UpstreamPolicy, comparison: Comparison, setup: Setup): Promise<{ failures: string[]; requests: UpstreamRequest[] }> {
    const values = setup.values ?? {};
    const named = setup.named ?? {};
    const upstream = upstreamDocument(policy, values);
    const document = addonPolicy(preset, setup.settings as never);
    const variables = Object.assign({}, ...comparison.differences.filter((d) => d.kind === "rewritten").map((d) => d.variables ?? {})) as Record<string, string>;
    const upstreamContext = (context: Context): Context => ({ ...context, ...Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, substitute(v, values)])) });
    const failures: string[] = [];
    const requests = await upstreamRequests(policy, comparison, values, named);
    // The same request recurs (a dropped key often gives the empty context): each is simulated once per document.
    const cache = new Map<string, Promise<Sim>>();
    const docs = new Map<object, number>();
    const sim = (doc: object, r: { action: string; resource: string }, context: Context) => {
        const key = `${docs.get(doc) ?? docs.set(doc, docs.size).get(doc)} ${r.action} ${r.resource} ${JSON.stringify(Object.entries(context).sort())}`;
        if (!cache.has(key)) {
            cache.set(key, simulateIdentityAnyElb(doc, r.action, r.resource, context) as Promise<Sim>);
        }
        return cache.get(key) as Promise<Sim>;
    };
    const switchedOff = new Map<string, object>();
    const withoutSwitch = (setting: string) => switchedOff.get(setting) ?? switchedOff.set(setting, addonPolicy(preset, without(setup.settings, setting) as never)).get(setting) as object;

    for (const s of policy.statements) {
        for (const pattern of s.actions) {
            for (const action of await expandAction(pattern)) {
                if (!requests.some((r) => r.statement === s.id && r.action === action)) {
                    failures.push(`${s.id}: no request generated for ${action} (resources ${s.resources.join(", ")})`);
                }
            }
        }
    }
    // Each request's checks run concurrently (the simulator reads its IAM data asynchronously); failures keep request order.
    const perRequest = await inBatches(requests, 16, async (r) => {
        const found: string[] = [];
        const where = `${r.statement}: ${describeRequest(r, r.context)}`;
        const outOfType = differencesFor(comparison, r.statement, r.action).some((d) => d.kind === "narrower" && d.onlyResourceTypes && !d.onlyResourceTypes.includes(r.resourceType));
        if ((outOfType ? simulateIdentityUnvalidated(upstream, r.action, r.resource, upstreamContext(r.context)) : await sim(upstream, r, upstreamContext(r.context))) !== "Allowed") {
            return [`${where}: upstream itself does not allow the generated request`];
        }
        const diffs = differencesFor(comparison, r.statement, r.action);
        const omitted = diffs.find((d) => d.kind === "omitted");
        const only = diffs.find((d) => d.kind === "narrower" && d.onlyResourceTypes);
        const expected = !omitted && !(only && !only.onlyResourceTypes?.includes(r.resourceType));
        if (only && !only.onlyResourceTypes?.includes(r.resourceType)) {
            // A resource type the preset does not name: only the decision matters (see simulateIdentityUnvalidated).
            const other = simulateIdentityUnvalidated(document, r.action, r.resource, r.context);
            return other === "Allowed" ? [`${where}: preset Allowed, expected denied (${only.why})`] : [];
        }
        const result = await sim(document, r, r.context);
        if ((result === "Allowed") !== expected) {
            return [`${where}: preset ${result}, expected ${expected ? "Allowed" : `denied (${(omitted ?? only)?.why})`}`];
        }
        if (expected) {
            for (const d of diffs.filter((x) => x.kind === "switch")) {
                if ((await sim(withoutSwitch(d.setting as string), r, r.context)) === "Allowed") {
                    found.push(`${where}: allowed without ${d.setting}, which the fixture says turns it on`);
                }
            }
            for (const d of diffs.filter((x) => x.kind === "narrower" && x.namedResourceTypes?.includes(r.resourceType))) {
                const other = { ...r, resource: setup.others?.[r.resourceType] ?? "" };
                if (other.resource === "") {
                    found.push(`${where}: the test names no other ${r.resourceType} to probe the narrowing`);
                } else if ((await sim(upstream, other, upstreamContext(r.context))) !== "Allowed" || (await sim(document, other, r.context)) === "Allowed") {
                    found.push(`${where}: on ${other.resource} upstream should allow and the preset deny (${d.why})`);
                }
            }
            for (const d of diffs.filter((x) => x.kind === "narrower" && x.probe)) {
                const context: Context = { ...r.context, ...JSON.parse(substitute(JSON.stringify(d.probe?.context ?? {}), values)) };
                for (const key of d.probe?.drop ?? []) {
                    delete context[substitute(key, values)];
                }
                if ((await sim(upstream, r, upstreamContext(context))) !== "Allowed" || (await sim(document, r, context)) === "Allowed") {
                    found.push(`${where}: with ${JSON.stringify(context)} upstream should allow and the preset deny (${d.why})`);
                }
            }
        }
        // Nothing upstream denies: the same request with each condition key dropped, and with all dropped.
        const keys = Object.keys(r.context);
        const variants = [...keys.map((k) => Object.fromEntries(Object.entries(r.context).filter(([x]) => x !== k))), ...(keys.length > 1 ? [{}] : [])];
        for (const context of variants) {
            if ((await sim(document, r, context)) === "Allowed" && (await sim(upstream, r, upstreamContext(context))) !== "Allowed") {
                found.push(`${r.statement}: ${describeRequest(r, context)}: the preset allows what upstream denies`);
            }
        }
        return found;
    });
    failures.push(...perRequest.flat());
    return { failures, requests };
}

/** Maps items with at most `width` calls under way at once; results in item order. */
async function inBatches<T, U>(items: T[], width: number, fn: (item: T) => Promise<U>): Promise<U[]> {
    const results: U[] = [];
    for (let i = 0; i < items.length; i += width) {
        results.push(...(await Promise.all(items.slice(i, i + width).map(fn))));
    }
    return results;
}

const presetActions = (doc: { Statement: Array<{ Action: string | string[] }> }) => new Set(doc.Statement.flatMap((s) => ([] as string[]).concat(s.Action)));

describe("add-on presets against the add-ons' published policies (test/fixtures/upstream-policies)", () => {
    const fixtures = loadFixtures();
    it("has a fixture for every preset, and a setup for every comparison", () => {
        assert.deepEqual(fixtures.map((f) => f.preset).sort(), [...new Set(fixtures.map((f) => f.preset))].sort(), "one fixture per preset");
        assert.deepEqual(
            fixtures.flatMap((f) => f.comparisons.map((c) => `${f.preset}/${c.id}`)).filter((k) => SETUPS[k] === undefined),
            [],
        );
        assert.deepEqual(ADDON_NAMES.filter((n) => !fixtures.some((f) => f.preset === n)), [], "presets without an upstream fixture");
    });
    for (const fixture of fixtures) {
        describe(`${fixture.preset}: ${fixture.addon} ${fixture.version}`, () => {
            it("fixture: sources named (repository, path and commit or a URL), the retrieval date, valid policies", () => {
                assert.match(fixture.retrieved, /^\d{4}-\d{2}-\d{2}$/);
                for (const p of fixture.policies) {
                    assert.match(p.source.url, /^https:\/\//, `${p.id}: source URL`);
                    if (p.source.repo !== undefined) {
                        assert.match(p.source.commit ?? "", /^[0-9a-f]{7,40}$/, `${p.id}: commit of ${p.source.repo}`);
                    }
                    assert.deepEqual(identityPolicyErrors(upstreamDocument(p, {})), [], `${p.id}: the simulator's parser accepts the restated policy`);
                    assert.equal(new Set(p.statements.map((s) => s.id)).size, p.statements.length, `${p.id}: statement ids unique`);
                }
            });
            for (const comparison of fixture.comparisons) {
                const policy = fixture.policies.find((p) => p.id === comparison.policy);
                const setup = SETUPS[`${fixture.preset}/${comparison.id}`];
                describe(`${comparison.policy} vs settings ${comparison.settings}`, () => {
                    it("every difference names statements and actions of the upstream policy, and says why", async () => {
                        assert.ok(policy, `policy ${comparison.policy}`);
                        const ids = new Set(policy.statements.map((s) => s.id));
                        for (const d of comparison.differences) {
                            assert.ok(d.why.length > 20, `${d.kind} ${d.actions.join(",")}: a reason`);
                            for (const id of d.statements ?? []) {
                                assert.ok(ids.has(id), `${d.kind}: no statement ${id}`);
                            }
                            if (d.kind === "added" || d.actions.includes("*")) {
                                continue;
                            }
                            const statements = policy.statements.filter((s) => d.statements === undefined || d.statements.includes(s.id));
                            const actions = new Set<string>();
                            for (const s of statements) {
                                for (const pattern of s.actions) {
                                    (await expandAction(pattern)).forEach((a) => actions.add(a));
                                }
                            }
                            assert.deepEqual(d.actions.filter((a) => !actions.has(a)), [], `${d.kind}: actions not in ${[...(d.statements ?? ["the policy"])].join(", ")}`);
                            if (d.kind === "switch") {
                                assert.ok(d.setting && d.setting in setup.settings, `switch ${d.setting} is on in the test's settings`);
                            }
                        }
                    });
                    it("covers every upstream request, or the fixture says why not; allows nothing upstream denies", async () => {
                        assert.ok(policy && setup);
                        const { failures, requests } = await compare(fixture.preset as AddonName, policy, comparison, setup);
                        assert.ok(requests.length > 0);
                        assert.deepEqual(failures, []);
                    });
                    it("adds no action the add-on's published policies lack, except where the fixture says why", async () => {
                        assert.ok(policy && setup);
                        const upstream = new Set<string>();
                        for (const p of fixture.policies) {
                            (await upstreamActions(p)).forEach((a) => upstream.add(a));
                        }
                        const added = new Set(comparison.differences.filter((d) => d.kind === "added").flatMap((d) => d.actions));
                        const actions = presetActions(addonPolicy(fixture.preset as AddonName, setup.settings as never));
                        assert.deepEqual([...actions].filter((a) => !upstream.has(a) && !added.has(a)), [], "actions the preset adds without a reason in the fixture");
                        assert.deepEqual([...added].filter((a) => !actions.has(a) || upstream.has(a)), [], "stale \"added\" entries");
                    });
                });
            }
        });
    }
});

