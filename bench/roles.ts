// npm run bench: program evaluation under mocks. One cluster (SelfHostedIrsa with public keys only, webhook
// off) and 1000 roles made with `roleFor`, and the same 1000 given as the component's `roles` (what other languages
// use), against a hand-written program that makes the same IAM resources directly (aws.iam.Role with the same
// trust policy JSON, plus the same RolePolicy or RolePolicyAttachment), once with a managed ARN per role and once
// with an inline document.
// Not a test: it prints numbers.
//
// Why child processes: Pulumi's mocks and its resource bookkeeping are per process (one `pulumi up` = one
// Node process), and a second program in the same process would pay for the first one's leftovers (heap,
// registered URNs). So every run is `node build/bench/roles.js --variant <v> --policy <p>` in a fresh
// process; its time runs from constructing the cluster until every role ARN is known and every registration
// has finished (what the runtime waits for before it exits); module loading is excluded. Rounds alternate
// which variant goes first, so machine drift hits both alike; medians are compared.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import * as pulumi from "@pulumi/pulumi";
import { promiseOf, resources, setupMocks } from "../test/helpers/pulumi-mocks";
import { roleForName } from "../src/plans/role-plan";

type Variant = "component" | "roles" | "direct" | "bare";
type PolicyKind = "managed" | "inline";

const ROLES = Number(process.env.BENCH_ROLES ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const KEYS = path.join(__dirname, "..", "..", "test", "fixtures", "keys");
const MANAGED = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";
const CLUSTER = "bench";

interface Spec {
    namespace: string;
    serviceAccount: string;
    /** The resource name IrsaRole gets from roleFor; the direct program names its resources alike. */
    name: string;
    document: string;
}

function roleSpec(i: number): Spec {
    const namespace = `team-${i % 50}`;
    const serviceAccount = `app-${i}`;
    const document = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::data-${i}/*` }] });
    return { namespace, serviceAccount, name: roleForName(CLUSTER, namespace, serviceAccount), document };
}

interface Sample {
    ms: number;
    /** CPU time (user + system) of the run: less disturbed than wall time when the machine is busy. */
    cpuMs: number;
    /** Recorded registrations by type. */
    byType: Record<string, number>;
    /** SHA-256 over every AWS IAM registration (type, name, inputs), sorted: equal means the same resources. */
    iamDigest: string;
    roleResources: { aws: number; total: number };
}

/** One program in this fresh process. Resource modules load here, after setMocks. */
async function child(variant: Variant, policy: PolicyKind): Promise<void> {
    setupMocks();
    const aws = require("@pulumi/aws") as typeof import("@pulumi/aws");
    const { SelfHostedIrsa } = require("../src/components/selfhosted-irsa") as typeof import("../src/components/selfhosted-irsa");
    const { buildTrustPolicy } = require("../src/oidc/trust-policy") as typeof import("../src/oidc/trust-policy");
    const publicKeyPems = [fs.readFileSync(path.join(KEYS, "rsa4096.spki.pem"), "utf8"), fs.readFileSync(path.join(KEYS, "ec-p256.spki.pem"), "utf8")];
    const drained = (): Promise<void> => (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();

    // The hand-written children, shared by "direct" (no component) and "bare" (inside a minimal component).
    const handWritten = (s: Spec, trustPolicy: pulumi.Input<string>, opts: pulumi.CustomResourceOptions): pulumi.Output<string> => {
        const role = new aws.iam.Role(`${s.name}-role`, { assumeRolePolicy: trustPolicy, description: `IRSA role for system:serviceaccount:${s.namespace}:${s.serviceAccount}` }, opts);
        if (policy === "inline") {
            new aws.iam.RolePolicy(`${s.name}-policy`, { role: role.name, name: "irsa", policy: s.document }, opts);
        } else {
            new aws.iam.RolePolicyAttachment(`${s.name}-attach-aws-AmazonS3ReadOnlyAccess`, { role: role.name, policyArn: MANAGED }, opts);
        }
        return role.arn;
    };
    class BareRole extends pulumi.ComponentResource {
        public readonly roleArn: pulumi.Output<string>;
        constructor(s: Spec, trustPolicy: pulumi.Input<string>, opts: pulumi.ComponentResourceOptions) {
            super("selfhosted-irsa:index:IrsaRole", s.name, {}, opts);
            this.roleArn = handWritten(s, trustPolicy, { parent: this });
            this.registerOutputs({});
        }
    }

    const start = performance.now();
    const cpuStart = process.cpuUsage();
    const specs = Array.from({ length: ROLES }, (_, i) => roleSpec(i));
    // "roles": the same roles as the component's `roles` input (one Role and one policy resource each, no component).
    const roles =
        variant === "roles"
            ? specs.map((s) => ({ namespace: s.namespace, serviceAccount: s.serviceAccount, ...(policy === "inline" ? { inlinePolicies: { irsa: s.document } } : { managedPolicyArns: [MANAGED] }) }))
            : undefined;
    // The global namespace: the same issuer (and so byte-identical IAM resources) as releases before 0.2.0.
    const irsa = new SelfHostedIrsa(CLUSTER, { signingKey: { publicKeyPems }, bucketNamespace: "global", bucketName: "bench-irsa-oidc", region: "us-west-2", webhook: { enabled: false }, roles });
    const arns: pulumi.Output<unknown>[] = variant === "roles" ? [irsa.roleArns] : [];
    for (let i = 0; i < ROLES && variant !== "roles"; i++) {
        const s = roleSpec(i);
        if (variant === "component") {
            arns.push(irsa.roleFor(s.namespace, s.serviceAccount, policy === "inline" ? s.document : MANAGED).roleArn);
            continue;
        }
        // The same JSON IrsaRole writes, computed the obvious way once the cluster's outputs are known.
        const trustPolicy = pulumi.all([irsa.oidcProviderArn, irsa.issuerUrl]).apply(([oidcProviderArn, issuerUrl]) =>
            JSON.stringify(buildTrustPolicy({ oidcProviderArn, issuerUrl, namespace: s.namespace, serviceAccount: s.serviceAccount })),
        );
        arns.push(variant === "direct" ? handWritten(s, trustPolicy, {}) : new BareRole(s, trustPolicy, { parent: irsa }).roleArn);
    }
    await Promise.all(arns.map(promiseOf));
    await drained();
    const ms = performance.now() - start;
    const cpu = process.cpuUsage(cpuStart);

    const byType: Record<string, number> = {};
    for (const r of resources) byType[r.type] = (byType[r.type] ?? 0) + 1;
    const iam = resources
        .filter((r) => r.type.startsWith("aws:iam/role"))
        .map((r) => JSON.stringify([r.type, r.name, r.inputs]))
        .sort();
    // Everything named after a role: its IrsaRole component (the mocks record components too) and children.
    const ofRoles = resources.filter((r) => r.name.startsWith(`${CLUSTER}_team-`));
    const sample: Sample = {
        ms,
        cpuMs: (cpu.user + cpu.system) / 1000,
        byType,
        iamDigest: createHash("sha256").update(iam.join("\n")).digest("hex").slice(0, 16),
        roleResources: { aws: ofRoles.filter((r) => r.type.startsWith("aws:")).length / ROLES, total: ofRoles.length / ROLES },
    };
    process.stdout.write(JSON.stringify(sample));
}

function run(variant: Variant, policy: PolicyKind): Sample {
    const out = execFileSync(process.execPath, [__filename, "--variant", variant, "--policy", policy], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    return JSON.parse(out) as Sample;
}

const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function main(): void {
    const variants: Variant[] = ["component", "roles", "direct", ...(process.env.BENCH_BARE === "0" ? [] : (["bare"] as const))];
    const lines = [
        `one SelfHostedIrsa (public keys only, webhook off) + ${ROLES} roles, ${ROUNDS} alternating rounds, one process per run, under mocks (node ${process.version})`,
    ];
    for (const policy of ["managed", "inline"] as const) {
        const times: Record<Variant, number[]> = { component: [], roles: [], direct: [], bare: [] };
        const cpu: Record<Variant, number[]> = { component: [], roles: [], direct: [], bare: [] };
        const last: Partial<Record<Variant, Sample>> = {};
        for (let round = 0; round < ROUNDS; round++) {
            for (let k = 0; k < variants.length; k++) {
                const variant = variants[(round + k) % variants.length];
                const sample = run(variant, policy);
                times[variant].push(sample.ms);
                cpu[variant].push(sample.cpuMs);
                last[variant] = sample;
            }
        }
        const c = last.component!;
        const l = last.roles!;
        const d = last.direct!;
        const ratio = median(times.component) / median(times.direct);
        const cpuRatio = median(cpu.component) / median(cpu.direct);
        const row = (label: string, v: Variant) =>
            `  ${label} wall median ${median(times[v]).toFixed(0)} ms (${times[v].map((x) => x.toFixed(0)).join(", ")}); CPU median ${median(cpu[v]).toFixed(0)} ms`;
        lines.push(
            `${policy === "managed" ? "managed ARN per role (RolePolicyAttachment)" : "inline document per role (RolePolicy \"irsa\")"}:`,
            row("roleFor / IrsaRole:", "component"),
            row("roles (input):     ", "roles"),
            row("direct:            ", "direct"),
            ...(last.bare
                ? [
                      row("bare component:    ", "bare"),
                      `  bare / direct (what any ComponentResource per role costs): wall ${(median(times.bare) / median(times.direct)).toFixed(3)}, CPU ${(median(cpu.bare) / median(cpu.direct)).toFixed(3)}`,
                  ]
                : []),
            `  ratio IrsaRole / direct: wall ${ratio.toFixed(3)}, CPU ${cpuRatio.toFixed(3)} (goal <= 1.25: ${ratio <= 1.25 ? "met" : "NOT met"} on wall time)`,
            `  ratio roles / direct: wall ${(median(times.roles) / median(times.direct)).toFixed(3)}, CPU ${(median(cpu.roles) / median(cpu.direct)).toFixed(3)}`,
            `  resources per role: IrsaRole ${c.roleResources.aws} AWS, ${c.roleResources.total} in all (with its component); roles ${l.roleResources.aws} AWS, ${l.roleResources.total} in all; direct ${d.roleResources.aws} AWS, ${d.roleResources.total} in all; floor 2 AWS (Role + one policy resource)`,
            `  same IAM resources and inputs in all three programs: ${c.iamDigest === d.iamDigest && l.iamDigest === d.iamDigest ? "yes" : "NO"} (digest ${c.iamDigest})`,
        );
    }
    process.stdout.write(`${lines.join("\n")}\n`);
}

const flag = (name: string): string | undefined => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : undefined;
};
const variant = flag("--variant") as Variant | undefined;
if (variant !== undefined) {
    child(variant, (flag("--policy") ?? "managed") as PolicyKind).catch((err) => {
        process.stderr.write(String(err?.stack ?? err));
        process.exit(1);
    });
} else {
    main();
}
