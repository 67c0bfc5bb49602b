import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { ACCOUNT_ID, promiseOf, registeredUrns, resources, setupMocks } from "./helpers/pulumi-mocks";

setupMocks();
// Required after setMocks, as the mocks must be in place before resource modules load.
const aws = require("@pulumi/aws") as typeof import("@pulumi/aws");
const k8s = require("@pulumi/kubernetes") as typeof import("@pulumi/kubernetes");
const { IrsaRole, rolePolicyArgs } = require("../src/components/irsa-role") as typeof import("../src/components/irsa-role");
type IrsaRoleArgs = import("../src/components/irsa-role").IrsaRoleArgs;
type RolePolicy = import("../src/components/irsa-role").RolePolicy;
type IrsaRoleT = InstanceType<typeof IrsaRole>;
const shared = require("./helpers/irsa-role-test") as typeof import("./helpers/irsa-role-test");
const { childrenOf, drained, make, one } = shared;
const T = { ...shared.T, serviceAccount: "kubernetes:core/v1:ServiceAccount" };
const ISSUER = "https://oidc.example.com/cluster-a";
const HOST = "oidc.example.com/cluster-a";
const PROVIDER = `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/${HOST}`;
const S3_READ = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";
const OWN = `arn:aws:iam::${ACCOUNT_ID}:policy/team/reader`;
const DOC = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::data/*" }] };
const base = { oidcProviderArn: PROVIDER, issuerUrl: ISSUER, namespace: "team-a", serviceAccount: "s3-reader" };


describe("IrsaRole: trust policy and a managed ARN", () => {
    let role: IrsaRoleT;
    before(async () => {
        role = await make("basic", { ...base, managedPolicyArns: [S3_READ] });
    });
    it("writes exactly this trust policy: web identity from this provider, sub and aud pinned with StringEquals", async () => {
        const expected =
            `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/oidc.example.com/cluster-a"},` +
            `"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"oidc.example.com/cluster-a:sub":"system:serviceaccount:team-a:s3-reader",` +
            `"oidc.example.com/cluster-a:aud":"sts.amazonaws.com"}}}]}`;
        assert.equal(one(T.role, "basic-role").inputs.assumeRolePolicy, expected);
        assert.equal(await promiseOf(role.trustPolicy), expected);
    });
    it("creates the Role and one RolePolicyAttachment, nothing else", () => {
        assert.deepEqual(childrenOf("basic"), [`${T.role}::basic-role`, `${T.attachment}::basic-attach-aws-AmazonS3ReadOnlyAccess`]);
        assert.deepEqual(one(T.attachment, "basic-attach-aws-AmazonS3ReadOnlyAccess").inputs, { role: "basic-role-abc1234", policyArn: S3_READ });
    });
    it("never uses the Role's deprecated inlinePolicies / managedPolicyArns", () => {
        const inputs = one(T.role, "basic-role").inputs;
        assert.deepEqual(Object.keys(inputs).sort(), ["assumeRolePolicy", "description"]);
        assert.equal(inputs.description, "IRSA role for system:serviceaccount:team-a:s3-reader");
    });
    it("outputs the role's ARN and name, and the subject's names", async () => {
        assert.equal(await promiseOf(role.roleArn), `arn:aws:iam::${ACCOUNT_ID}:role/basic-role-abc1234`);
        assert.equal(await promiseOf(role.roleName), "basic-role-abc1234");
        assert.equal(await promiseOf(role.namespace), "team-a");
        assert.equal(await promiseOf(role.serviceAccountName), "s3-reader");
    });
    it("parents every child on the component", () => {
        const urns = registeredUrns();
        assert.ok(urns.includes("urn:pulumi:test::selfhosted-irsa::selfhosted-irsa:index:IrsaRole$aws:iam/role:Role::basic-role"), urns.join("\n"));
        assert.ok(urns.includes("urn:pulumi:test::selfhosted-irsa::selfhosted-irsa:index:IrsaRole$aws:iam/rolePolicyAttachment:RolePolicyAttachment::basic-attach-aws-AmazonS3ReadOnlyAccess"));
    });
});

describe("IrsaRole: each policy shorthand makes exactly its resources", () => {
    const OWN_KEY = `${ACCOUNT_ID}-team-reader`;
    const cases: Array<[string, RolePolicy | undefined, { managedPolicyArns?: string[]; inlinePolicies?: Record<string, string> }, Array<[string, string, Record<string, unknown>]>]> = [
        ["doc", DOC, {}, [[T.inline, "doc-policy", { role: "doc-role-abc1234", name: "irsa", policy: JSON.stringify(DOC) }]]],
        ["json", JSON.stringify(DOC), {}, [[T.inline, "json-policy", { role: "json-role-abc1234", name: "irsa", policy: JSON.stringify(DOC) }]]],
        [
            "list",
            [OWN, S3_READ],
            {},
            [
                [T.attachment, `list-attach-${OWN_KEY}`, { role: "list-role-abc1234", policyArn: OWN }],
                [T.attachment, "list-attach-aws-AmazonS3ReadOnlyAccess", { role: "list-role-abc1234", policyArn: S3_READ }],
            ],
        ],
        [
            "long",
            { managedPolicyArns: [OWN], inlinePolicies: { write: JSON.stringify(DOC), read: DOC } },
            { inlinePolicies: { extra: JSON.stringify(DOC) }, managedPolicyArns: [S3_READ] },
            [
                [T.attachment, `long-attach-${OWN_KEY}`, { role: "long-role-abc1234", policyArn: OWN }],
                [T.attachment, "long-attach-aws-AmazonS3ReadOnlyAccess", { role: "long-role-abc1234", policyArn: S3_READ }],
                [T.inline, "long-policy-extra", { role: "long-role-abc1234", name: "extra", policy: JSON.stringify(DOC) }],
                [T.inline, "long-policy-read", { role: "long-role-abc1234", name: "read", policy: JSON.stringify(DOC) }],
                [T.inline, "long-policy-write", { role: "long-role-abc1234", name: "write", policy: JSON.stringify(DOC) }],
            ],
        ],
        ["none", undefined, {}, []],
    ];
    before(async () => {
        for (const [name, policy, extra] of cases) {
            await make(name, { ...base, ...rolePolicyArgs(policy, extra) });
        }
    });
    for (const [name, , , expected] of cases) {
        it(`${name}: the Role plus ${expected.length} policy resource(s) with these inputs`, () => {
            assert.deepEqual(childrenOf(name), [`${T.role}::${name}-role`, ...expected.map(([type, n]) => `${type}::${n}`)].sort());
            for (const [type, n, inputs] of expected) {
                assert.deepEqual(one(type, n).inputs, inputs);
            }
            const role = one(T.role, `${name}-role`).inputs;
            assert.equal("inlinePolicies" in role || "managedPolicyArns" in role, false);
        });
    }
});

describe("IrsaRole: role options", () => {
    before(async () => {
        await make("opts", {
            ...base,
            ...rolePolicyArgs(DOC),
            audience: "irsa.example.com",
            roleName: "team-a-s3-reader",
            rolePath: "/irsa/",
            maxSessionDuration: 7200,
            permissionsBoundary: `arn:aws:iam::${ACCOUNT_ID}:policy/boundary`,
            description: "reads data",
            tags: { team: "a" },
        });
    });
    it("passes them to the Role and pins the chosen audience", () => {
        const inputs = one(T.role, "opts-role").inputs;
        assert.deepEqual({ ...inputs, assumeRolePolicy: undefined }, {
            assumeRolePolicy: undefined,
            name: "team-a-s3-reader",
            path: "/irsa/",
            maxSessionDuration: 7200,
            permissionsBoundary: `arn:aws:iam::${ACCOUNT_ID}:policy/boundary`,
            description: "reads data",
            tags: { team: "a" },
        });
        assert.deepEqual(JSON.parse(inputs.assumeRolePolicy).Statement[0].Condition, {
            StringEquals: { [`${HOST}:sub`]: "system:serviceaccount:team-a:s3-reader", [`${HOST}:aud`]: "irsa.example.com" },
        });
        assert.equal(one(T.inline, "opts-policy").inputs.role, "team-a-s3-reader");
    });
});

describe("IrsaRole: wildcard subjects only by explicit choice", () => {
    it("subjectMatch wildcard: StringLike on sub, aud still StringEquals", async () => {
        await make("wild", { ...base, namespace: "team-*", serviceAccount: "reader-?", subjectMatch: "wildcard", ...rolePolicyArgs(DOC) });
        assert.deepEqual(JSON.parse(one(T.role, "wild-role").inputs.assumeRolePolicy).Statement[0].Condition, {
            StringEquals: { [`${HOST}:aud`]: "sts.amazonaws.com" },
            StringLike: { [`${HOST}:sub`]: "system:serviceaccount:team-*:reader-?" },
        });
    });
    it("without it, a * in a name is refused", () => {
        assert.throws(() => new IrsaRole("nowild", { ...base, namespace: "team-*", ...rolePolicyArgs(DOC) }), {
            message: "`namespace` \"team-*\" is not a DNS-1123 label (at most 63 lowercase letters, digits or '-', starting and ending with a letter or digit). Fix: use the Kubernetes name exactly as `kubectl get` shows it, e.g. \"kube-system\"",
        });
    });
});

describe("IrsaRole: the ServiceAccount", () => {
    let role: IrsaRoleT;
    let providers: { aws: string; k8s: string };
    before(async () => {
        const awsProvider = new aws.Provider("sa-aws", { region: "eu-west-1" });
        const k8sProvider = new k8s.Provider("sa-k8s", { kubeconfig: "{}" });
        role = await make(
            "sa",
            { ...base, managedPolicyArns: [S3_READ], audience: "irsa.example.com", createServiceAccount: true, stsRegionalEndpoints: true, tokenExpiration: 3600, serviceAccountAnnotations: { "team.example.com/owner": "a" } },
            { providers: [awsProvider, k8sProvider] },
        );
        providers = { aws: `${await promiseOf(awsProvider.urn)}::${await promiseOf(awsProvider.id)}`, k8s: `${await promiseOf(k8sProvider.urn)}::${await promiseOf(k8sProvider.id)}` };
    });
    it("is created with the webhook's annotations, the role ARN and the pinned audience", () => {
        assert.deepEqual(one(T.serviceAccount, "sa-service-account").inputs, {
            apiVersion: "v1",
            kind: "ServiceAccount",
            metadata: {
                namespace: "team-a",
                name: "s3-reader",
                annotations: {
                    "team.example.com/owner": "a",
                    "eks.amazonaws.com/role-arn": `arn:aws:iam::${ACCOUNT_ID}:role/sa-role-abc1234`,
                    "eks.amazonaws.com/audience": "irsa.example.com",
                    "eks.amazonaws.com/sts-regional-endpoints": "true",
                    "eks.amazonaws.com/token-expiration": "3600",
                },
            },
        });
    });
    it("children use the providers given to the component", () => {
        assert.equal(one(T.role, "sa-role").provider, providers.aws);
        assert.equal(one(T.attachment, "sa-attach-aws-AmazonS3ReadOnlyAccess").provider, providers.aws);
        assert.equal(one(T.serviceAccount, "sa-service-account").provider, providers.k8s);
    });
    it("outputs the names from the created ServiceAccount", async () => {
        assert.equal(await promiseOf(role.namespace), "team-a");
        assert.equal(await promiseOf(role.serviceAccountName), "s3-reader");
        assert.ok(registeredUrns().includes("urn:pulumi:test::selfhosted-irsa::selfhosted-irsa:index:IrsaRole$kubernetes:core/v1:ServiceAccount::sa-service-account"));
    });
    it("writes the default audience when none is given, and no optional annotations", async () => {
        await make("sa2", { ...base, managedPolicyArns: [S3_READ], createServiceAccount: true });
        assert.deepEqual(one(T.serviceAccount, "sa2-service-account").inputs.metadata.annotations, {
            "eks.amazonaws.com/role-arn": `arn:aws:iam::${ACCOUNT_ID}:role/sa2-role-abc1234`,
            "eks.amazonaws.com/audience": "sts.amazonaws.com",
        });
    });
});

describe("IrsaRole: Output-valued inputs (as from a StackReference)", () => {
    let role: IrsaRoleT;
    before(async () => {
        role = await make("ref", {
            oidcProviderArn: pulumi.output(PROVIDER),
            issuerUrl: pulumi.output(ISSUER),
            namespace: pulumi.output("team-a"),
            serviceAccount: "s3-reader",
            audience: pulumi.output("sts.amazonaws.com"),
            managedPolicyArns: [pulumi.output(S3_READ), OWN],
        });
    });
    it("builds the same trust policy once the values are known", async () => {
        const plain = one(T.role, "basic-role").inputs.assumeRolePolicy;
        assert.equal(one(T.role, "ref-role").inputs.assumeRolePolicy, plain);
        assert.equal(await promiseOf(role.trustPolicy), plain);
    });
    it("keys an Output ARN's attachment by position, a plain one by the ARN", () => {
        assert.deepEqual(childrenOf("ref"), [`${T.role}::ref-role`, `${T.attachment}::ref-attach-0`, `${T.attachment}::ref-attach-${ACCOUNT_ID}-team-reader`]);
        assert.equal(one(T.attachment, "ref-attach-0").inputs.policyArn, S3_READ);
    });
    it("refuses an Output as the whole shorthand (ARN or document is unknown)", () => {
        assert.throws(() => new IrsaRole("ref-bad", { ...base, ...rolePolicyArgs(pulumi.output(S3_READ) as unknown as string) }), {
            message: "`policy` \"(an Output)\" is an Output, so whether it is an ARN or a document is not known before deployment. Fix: use { managedPolicyArns: [arn] } or { inlinePolicies: { name: json } }",
        });
    });
    it("a provider ARN for another issuer, known only at deployment, fails the Role's registration with the exact message", () => {
        const program = path.join(__dirname, "helpers", "irsa-role-program.js");
        const result = JSON.parse(execFileSync(process.execPath, [program, "bad-output"], { encoding: "utf8", timeout: 60_000 }));
        assert.equal(
            result.trustPolicyError,
            "`oidcProviderArn` \"arn:aws:iam::123456789012:oidc-provider/oidc.example.com/cluster-b\" names the provider for \"oidc.example.com/cluster-b\", not for the issuer \"oidc.example.com/cluster-a\". Fix: pass the provider ARN and issuer URL of the same cluster (SelfHostedIrsa outputs `oidcProviderArn` and `issuerUrl`)",
        );
        assert.equal(result.sawRoleError, true);
        // The component is registered (it exists before its inputs are known), the Role never is.
        assert.deepEqual(result.registered.filter((u: string) => u.includes("::late")), ["urn:pulumi:test::selfhosted-irsa::selfhosted-irsa:index:IrsaRole::late"]);
    });
});

describe("IrsaRole: validation before anything is created", () => {
    const names: string[] = [];
    const rejects = (name: string, args: Partial<IrsaRoleArgs>, message: string) => {
        names.push(name);
        assert.throws(() => new IrsaRole(name, { ...base, managedPolicyArns: [S3_READ], ...args } as IrsaRoleArgs), { name: "IrsaInputError", message });
    };
    it("namespace and service account names (DNS-1123)", () => {
        rejects("v-ns", { namespace: "Team_A" }, "`namespace` \"Team_A\" is not a DNS-1123 label (at most 63 lowercase letters, digits or '-', starting and ending with a letter or digit). Fix: use the Kubernetes name exactly as `kubectl get` shows it, e.g. \"kube-system\"");
        rejects("v-sa", { serviceAccount: "s3_reader" }, "`serviceAccount` \"s3_reader\" is not a DNS-1123 subdomain (at most 253 lowercase letters, digits, '-' or '.', each part starting and ending with a letter or digit). Fix: use the ServiceAccount name exactly as `kubectl get serviceaccounts` shows it, e.g. \"s3-reader\"");
    });
    it("the provider ARN, the issuer and their match", () => {
        rejects("v-arn", { oidcProviderArn: "arn:aws:iam::123456789012:role/x" }, "`oidcProviderArn` \"arn:aws:iam::123456789012:role/x\" is not an IAM OIDC provider ARN (arn:aws:iam::<12-digit account>:oidc-provider/<issuer host>). Fix: pass the `oidcProviderArn` output of SelfHostedIrsa, or the ARN shown by `aws iam list-open-id-connect-providers`");
        rejects("v-iss", { issuerUrl: `${ISSUER}/` }, "`issuerUrl` \"https://oidc.example.com/cluster-a/\" must not end with a slash (the token's iss, the discovery document and the IAM provider URL must match exactly). Fix: use \"https://oidc.example.com/cluster-a\"");
        rejects("v-match", { issuerUrl: "https://oidc.example.com/cluster-b" }, "`oidcProviderArn` \"arn:aws:iam::123456789012:oidc-provider/oidc.example.com/cluster-a\" names the provider for \"oidc.example.com/cluster-a\", not for the issuer \"oidc.example.com/cluster-b\". Fix: pass the provider ARN and issuer URL of the same cluster (SelfHostedIrsa outputs `oidcProviderArn` and `issuerUrl`)");
    });
    it("the audience", () => {
        rejects("v-aud", { audience: "sts amazonaws" }, "`audience` \"sts amazonaws\" is not a client ID (1 to 255 characters, no whitespace). Fix: leave it unset for \"sts.amazonaws.com\", or give an audience the IAM OIDC provider lists");
        rejects("v-aud2", { audience: "" }, "`audience` \"\" is not a client ID (1 to 255 characters, no whitespace). Fix: leave it unset for \"sts.amazonaws.com\", or give an audience the IAM OIDC provider lists");
    });
    it("the policy and the boundary", () => {
        assert.throws(() => rolePolicyArgs("arn:aws:iam::aws:role/x"), { name: "IrsaInputError", message: "`policy` \"arn:aws:iam::aws:role/x\" is not an IAM managed policy ARN (arn:aws:iam::<account or \"aws\">:policy/<name>). Fix: pass the policy's ARN, e.g. \"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess\"" });
        rejects("v-pb", { permissionsBoundary: "boundary" }, "`permissionsBoundary` \"boundary\" is not an IAM managed policy ARN (arn:aws:iam::<account or \"aws\">:policy/<name>). Fix: pass the policy's ARN, e.g. \"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess\"");
        rejects("v-dup", { managedPolicyArns: [S3_READ, S3_READ] }, "`managedPolicyArns` \"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess\" is attached twice. Fix: list each managed policy once");
        rejects("v-inl", { inlinePolicies: { read: "{}" } }, "`inlinePolicies.read` \"{}\" has no policy language Version (\"2012-10-17\"). Fix: add \"Version\": \"2012-10-17\" (without it IAM falls back to 2008-10-17, which has no policy variables)");
    });
    it("role name, path and session length", () => {
        rejects("v-name", { roleName: "x".repeat(65) }, `\`roleName\` "${"x".repeat(65)}" is not an IAM role name (1 to 64 letters, digits or + = , . @ _ -). Fix: shorten or rename it, or leave it unset for an auto-name`);
        rejects("v-path", { rolePath: "irsa" }, "`rolePath` \"irsa\" is not an IAM path (\"/\", or starting and ending with \"/\", at most 512 characters). Fix: use e.g. \"/irsa/\"");
        rejects("v-msd", { maxSessionDuration: 1800 }, "`maxSessionDuration` \"1800\" must be a whole number of seconds from 3600 to 43200 (IAM's limits). Fix: use e.g. 3600");
        rejects("v-msd2", { maxSessionDuration: 43201 }, "`maxSessionDuration` \"43201\" must be a whole number of seconds from 3600 to 43200 (IAM's limits). Fix: use e.g. 3600");
    });
    it("ServiceAccount options", () => {
        rejects("v-te", { createServiceAccount: true, tokenExpiration: 60 }, "`tokenExpiration` \"60\" is not a whole number of seconds from 600 to 2147483648. Fix: use at least 600 (the webhook raises shorter lifetimes to 600 without telling); the default is 86400");
        rejects("v-nosa", { tokenExpiration: 3600 }, "`tokenExpiration` \"3600\" only applies to a ServiceAccount IrsaRole creates or annotates, and neither createServiceAccount nor annotateServiceAccount is set. Fix: set createServiceAccount (or annotateServiceAccount): true, or annotate your own ServiceAccount and drop `tokenExpiration`");
        rejects("v-ann", { createServiceAccount: true, serviceAccountAnnotations: { "eks.amazonaws.com/role-arn": "x" } }, "`serviceAccountAnnotations` \"eks.amazonaws.com/role-arn\" is an annotation IrsaRole sets itself. Fix: use the matching IrsaRole argument (the role ARN is this role's; audience, stsRegionalEndpoints, tokenExpiration)");
        rejects("v-wsa", { namespace: "team-*", subjectMatch: "wildcard", createServiceAccount: true }, "`createServiceAccount` \"true\" cannot create a ServiceAccount for a wildcard subject. Fix: annotate the ServiceAccounts yourself, or use subjectMatch \"exact\"");
        rejects("v-sm", { subjectMatch: "prefix" as "exact" }, "`subjectMatch` \"prefix\" is not a subject match. Fix: use \"exact\" (the default) or \"wildcard\"");
    });
    it("registered nothing for any of them, not even the component", async () => {
        await drained();
        const registered = registeredUrns().map((u) => u.split("::").pop() as string);
        assert.ok(names.length >= 19);
        for (const name of names) {
            assert.ok(!registered.some((n) => n === name || n.startsWith(`${name}-`)), `${name} registered something`);
            assert.ok(!resources.some((r) => r.name === name || r.name.startsWith(`${name}-`)), `${name} recorded something`);
        }
    });
});

describe("IrsaRole: determinism (two processes, same program)", () => {
    it("records byte-identical resources and outputs", () => {
        const program = path.join(__dirname, "helpers", "irsa-role-program.js");
        const run = (): string => execFileSync(process.execPath, [program, "determinism"], { encoding: "utf8", timeout: 60_000 });
        const first = run();
        assert.equal(run(), first);
        const { resources: recorded, outputs } = JSON.parse(first);
        // Something real was compared: both roles, their policies (inline in name order) and the ServiceAccount.
        assert.deepEqual(recorded.map((r: { type: string; name: string }) => `${r.type}::${r.name}`), [
            `${T.role}::det-a-role`,
            `${T.role}::det-b-role`,
            `${T.inline}::det-a-policy-a-read`,
            `${T.inline}::det-a-policy-z-write`,
            `${T.inline}::det-b-policy`,
            `${T.attachment}::det-a-attach-aws-ReadOnlyAccess`,
            `${T.serviceAccount}::det-a-service-account`,
            `${T.component}::det-a`,
            `${T.component}::det-b`,
        ]);
        assert.equal(JSON.parse(outputs[0].trustPolicy).Statement[0].Condition.StringEquals[`${HOST}:sub`], "system:serviceaccount:team-a:reader");
        assert.equal(JSON.parse(outputs[1].trustPolicy).Statement[0].Condition.StringLike[`${HOST}:sub`], "system:serviceaccount:team-b:*");
    });
});
