// IrsaRole programs under mocks, run as child processes by irsa-role.mock.test.ts (each process is a separate
// `pulumi up`, and a failing apply must not leave unhandled rejections in the test process).
//   node irsa-role-program.js determinism  → prints every registration (type, name, inputs) and the outputs as JSON
//   node irsa-role-program.js bad-output   → an Output-valued provider ARN for another issuer; prints what failed
//                                            and what was registered
import * as pulumi from "@pulumi/pulumi";
import { promiseOf, registeredUrns, resources, setupMocks } from "./pulumi-mocks";

setupMocks();
// Required after setMocks, as the mocks must be in place before resource modules load.
const { IrsaRole, rolePolicyArgs } = require("../../src/components/irsa-role") as typeof import("../../src/components/irsa-role");

const ISSUER = "https://oidc.example.com/cluster-a";
const PROVIDER = "arn:aws:iam::123456789012:oidc-provider/oidc.example.com/cluster-a";
const DOC = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:GetObject", "s3:ListBucket"], Resource: ["arn:aws:s3:::data", "arn:aws:s3:::data/*"] }] };

async function determinism(): Promise<void> {
    // Outputs stand in for StackReference outputs; the inline names are given out of order on purpose.
    const a = new IrsaRole("det-a", {
        oidcProviderArn: pulumi.output(PROVIDER),
        issuerUrl: pulumi.output(ISSUER),
        namespace: "team-a",
        serviceAccount: "reader",
        ...rolePolicyArgs({ inlinePolicies: { "z-write": JSON.stringify(DOC), "a-read": DOC }, managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"] }),
        tags: { team: "a", env: "test" },
        createServiceAccount: true,
        tokenExpiration: 3600,
    });
    const b = new IrsaRole("det-b", { oidcProviderArn: PROVIDER, issuerUrl: ISSUER, namespace: "team-b", serviceAccount: "*", subjectMatch: "wildcard", ...rolePolicyArgs(DOC) });
    const outputs = await Promise.all([a, b].map(async (r) => ({
        roleArn: await promiseOf(r.roleArn),
        roleName: await promiseOf(r.roleName),
        trustPolicy: await promiseOf(r.trustPolicy),
        namespace: await promiseOf(r.namespace),
        serviceAccountName: await promiseOf(r.serviceAccountName),
    })));
    await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    const recorded = resources
        .map((r) => ({ type: r.type, name: r.name, inputs: r.inputs }))
        .sort((x, y) => `${x.type}::${x.name}`.localeCompare(`${y.type}::${y.name}`));
    process.stdout.write(JSON.stringify({ resources: recorded, outputs }));
}

async function badOutput(): Promise<void> {
    const errors: string[] = [];
    process.on("unhandledRejection", (e) => errors.push(String((e as Error)?.message ?? e)));
    const role = new IrsaRole("late", {
        oidcProviderArn: pulumi.output("arn:aws:iam::123456789012:oidc-provider/oidc.example.com/cluster-b"),
        issuerUrl: ISSUER,
        namespace: "team-a",
        serviceAccount: "reader",
        managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
    });
    let trustPolicyError = "";
    await (role.trustPolicy as unknown as { promise(): Promise<string> }).promise().catch((e: Error) => (trustPolicyError = e.message));
    await new Promise((r) => setTimeout(r, 300));
    // Exit once the pipe took it all: a large write to a pipe may still be queued when write() returns.
    process.stdout.write(JSON.stringify({ trustPolicyError, registered: registeredUrns(), sawRoleError: errors.some((e) => e.includes("assumeRolePolicy") && e.includes(trustPolicyError)) }), () => process.exit(0));
}

const mode = process.argv[2];
(mode === "bad-output" ? badOutput() : determinism()).catch((err) => {
    process.stderr.write(String(err?.stack ?? err));
    process.exit(1);
});
