// `npm run bench:engine`: what the real engine pays for the package. `pulumi preview` (a fresh stack: every
// resource planned) of YAML programs with the same stand-in plugins: one SelfHostedIrsa alone; with 100 roles
// made by IrsaRole; with 100 roles from the component's `roles` input when the package has it; and with the same
// 100 roles written by hand as aws:iam:Role + aws:iam:RolePolicyAttachment. Medians of ROUNDS alternating runs,
// then the package's start time (process start to GetSchema answered, as the engine starts it) and the ratios:
// whole program against hand-written, and per role ((program - component alone) / (hand-written - component
// alone)), each also taken within every round, with its quartiles (the noise on one run's ratio). A benchmark: it
// prints, it asserts nothing.
import * as fs from "node:fs";
import * as path from "node:path";
import { createWorkspace, REPO, Stack, Workspace, YamlProgram } from "../test/engine/helpers/engine";
import { startPlugin } from "../test/helpers/plugin-host";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROLES = Number(process.env.BENCH_ROLES ?? 100);
const POLICY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";

const component = { irsa: { type: "selfhosted-irsa:index:SelfHostedIrsa", properties: { webhook: { enabled: false }, protectIdentity: false } } };
const range = Array.from({ length: ROLES }, (_, i) => i);

const programs: Record<string, YamlProgram> = {
    alone: { resources: component },
    irsaRole: {
        resources: {
            ...component,
            ...Object.fromEntries(range.map((i) => [`role${i}`, { type: "selfhosted-irsa:index:IrsaRole", properties: { oidcProviderArn: "${irsa.oidcProviderArn}", issuerUrl: "${irsa.issuerUrl}", namespace: "apps", serviceAccount: `sa${i}`, managedPolicyArns: [POLICY] } }])),
        },
    },
    handWritten: {
        resources: {
            ...component,
            ...Object.fromEntries(
                range.flatMap((i) => [
                    [
                        `role${i}`,
                        {
                            type: "aws:iam:Role",
                            properties: {
                                // The trust policy IrsaRole makes: the provider, and sub and aud pinned (condition keys
                                // name the issuer host, so the JSON is joined: YAML cannot interpolate a map key).
                                assumeRolePolicy: {
                                    "fn::join": ["", ['{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"', "${irsa.oidcProviderArn}", '"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"', "${irsa.issuerHost}", `:sub":"system:serviceaccount:apps:sa${i}","`, "${irsa.issuerHost}", ':aud":"sts.amazonaws.com"}}}]}']],
                                },
                            },
                        },
                    ],
                    [`attach${i}`, { type: "aws:iam:RolePolicyAttachment", properties: { role: `\${role${i}.name}`, policyArn: POLICY } }],
                ]),
            ),
        },
    },
};

/** The roles helper (issue 19 item 7), when the schema has it: a `roles` input on SelfHostedIrsa. */
function rolesProgram(): YamlProgram | undefined {
    const schema = JSON.parse(fs.readFileSync(path.join(REPO, "schema.json"), "utf8"));
    if (!schema.resources["selfhosted-irsa:index:SelfHostedIrsa"].inputProperties.roles) {
        return undefined;
    }
    return { resources: { irsa: { ...component.irsa, properties: { ...component.irsa.properties, roles: range.map((i) => ({ namespace: "apps", serviceAccount: `sa${i}`, managedPolicyArns: [POLICY] })) } } } };
}

/** The q-quantile of xs (nearest rank): 0.5 is the median. */
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))];
const median = (xs: number[]) => quantile(xs, 0.5);
/** "median (quartiles q1-q3)": the spread says how far one run's figure may be from the median. */
const spread = (xs: number[], format: (x: number) => string) => `${format(median(xs))} (quartiles ${format(quantile(xs, 0.25))}-${format(quantile(xs, 0.75))})`;

/** Process start to GetSchema answered, for the package as the engine starts it (run-plugin), ms. */
async function packageStartMs(consumerDir: string): Promise<number> {
    const started = Date.now();
    // From the consumer's project directory, as the engine runs it.
    const plugin = await startPlugin(REPO, consumerDir);
    try {
        await plugin.getSchemaText();
        return Date.now() - started;
    } finally {
        await plugin.stop();
    }
}

async function main(): Promise<void> {
    const roles = rolesProgram();
    if (roles) {
        programs.rolesInput = roles;
    }
    const ws: Workspace = await createWorkspace("bench");
    try {
        const stacks: Record<string, Stack> = {};
        for (const [name, program] of Object.entries(programs)) {
            stacks[name] = await ws.stack(`bench-${name.toLowerCase()}`, program);
        }
        const times: Record<string, number[]> = Object.fromEntries(Object.keys(programs).map((k) => [k, []]));
        for (let round = 0; round < ROUNDS; round++) {
            for (const name of Object.keys(programs)) {
                const result = await stacks[name].pulumi(["preview"], { timeoutMs: 900_000 });
                times[name].push(result.ms);
            }
            console.log(`round ${round + 1}/${ROUNDS}: ${Object.entries(times).map(([k, v]) => `${k} ${(v[v.length - 1] / 1000).toFixed(1)} s`).join(", ")}`);
        }
        const starts: number[] = [];
        for (let i = 0; i < ROUNDS; i++) {
            starts.push(await packageStartMs(stacks.alone.dir));
        }
        // The ratios from the medians, and the same ratios within each round (its runs follow each other): their
        // spread is the noise on a ratio.
        const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
        const rounds = Array.from({ length: ROUNDS }, (_, i) => Object.fromEntries(Object.entries(times).map(([k, v]) => [k, v[i]])));
        const whole = (t: Record<string, number>, name: string) => t[name] / t.handWritten;
        const perRole = (t: Record<string, number>, name: string) => (t[name] - t.alone) / (t.handWritten - t.alone);
        const ratios = (label: string, name: string) => {
            const f = (x: number) => x.toFixed(2);
            console.log(`${label} whole program ${f(whole(m, name))} of hand-written, per role ${f(perRole(m, name))}`);
            const byRound = (ratio: typeof whole) => spread(rounds.map((t) => ratio(t, name)), f);
            console.log(`${" ".repeat(label.length)} by round: whole ${byRound(whole)}, per role ${byRound(perRole)}`);
        };
        console.log(`\npulumi preview, medians of ${ROUNDS} alternating runs (${ROLES} roles, stand-in aws/tls plugins):`);
        for (const [k, v] of Object.entries(times)) {
            console.log(`  ${k.padEnd(12)} ${spread(v, (x) => `${(x / 1000).toFixed(2)} s`)}`);
        }
        console.log(`package start (process start to GetSchema answered, run-plugin): median ${median(starts)} ms (${starts.join(", ")})`);
        ratios("IrsaRole:   ", "irsaRole");
        if (roles) {
            ratios("roles input:", "rolesInput");
        } else {
            console.log("roles input:  not in this package's schema (issue 19 item 7 not merged): not measured");
        }
    } finally {
        ws.close();
    }
}

main().catch((e: Error) => {
    console.error(`bench:engine: ${e.message}`);
    process.exitCode = 1;
});
