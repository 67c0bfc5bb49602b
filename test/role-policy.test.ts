import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import {
    attachmentKey,
    combineRolePolicies,
    inlinePolicySuffix,
    normalizeRolePolicy,
    normalizeRolePolicySet,
    policyDocumentJson,
    RolePolicy,
} from "../src/plans/role-policy";

const S3_READ = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";
const OWN = "arn:aws:iam::123456789012:policy/team/reader";
const DOC = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::data/*" }] };
const DOC_JSON = JSON.stringify(DOC);
// Text as the user wrote it (spacing kept): IAM stores what it is given, and a reformat would show as a diff.
const DOC_TEXT = `{ "Version": "2012-10-17", "Statement": { "Effect": "Deny", "NotAction": "s3:*", "Resource": "*" } }`;

describe("normalizeRolePolicy: each shorthand", () => {
    const cases: Array<[string, RolePolicy | undefined, { managedPolicyArns: string[]; inlinePolicies: Array<{ name: string; document: string }> }]> = [
        ["nothing", undefined, { managedPolicyArns: [], inlinePolicies: [] }],
        ["one AWS managed ARN", S3_READ, { managedPolicyArns: [S3_READ], inlinePolicies: [] }],
        ["a customer managed ARN with a path", OWN, { managedPolicyArns: [OWN], inlinePolicies: [] }],
        ["a GovCloud ARN", "arn:aws-us-gov:iam::aws:policy/ReadOnlyAccess", { managedPolicyArns: ["arn:aws-us-gov:iam::aws:policy/ReadOnlyAccess"], inlinePolicies: [] }],
        ["a list of ARNs, order kept", [OWN, S3_READ], { managedPolicyArns: [OWN, S3_READ], inlinePolicies: [] }],
        ["an empty list", [], { managedPolicyArns: [], inlinePolicies: [] }],
        ["a document object", DOC, { managedPolicyArns: [], inlinePolicies: [{ name: "irsa", document: DOC_JSON }] }],
        ["a document as JSON text, kept verbatim", DOC_TEXT, { managedPolicyArns: [], inlinePolicies: [{ name: "irsa", document: DOC_TEXT }] }],
        [
            "the long form, inline names sorted",
            { managedPolicyArns: [S3_READ], inlinePolicies: { "z-write": DOC_TEXT, "a-read": DOC } },
            { managedPolicyArns: [S3_READ], inlinePolicies: [{ name: "a-read", document: DOC_JSON }, { name: "z-write", document: DOC_TEXT }] },
        ],
        ["the long form with inline only", { inlinePolicies: { "s3.read@team=a,b+c_d": DOC } }, { managedPolicyArns: [], inlinePolicies: [{ name: "s3.read@team=a,b+c_d", document: DOC_JSON }] }],
    ];
    for (const [title, input, expected] of cases) {
        it(title, () => {
            assert.deepEqual(normalizeRolePolicy(input), expected);
        });
    }
    it("the long form fields of IrsaRole (no prefix) work the same", () => {
        assert.deepEqual(normalizeRolePolicySet({ managedPolicyArns: [OWN], inlinePolicies: { extra: DOC_TEXT } }, ""), {
            managedPolicyArns: [OWN],
            inlinePolicies: [{ name: "extra", document: DOC_TEXT }],
        });
    });
});

describe("normalizeRolePolicy: rejects with exact messages", () => {
    const cases: Array<[string, unknown, string]> = [
        [
            "an ARN of a role, not a policy",
            "arn:aws:iam::123456789012:role/reader",
            "`policy` \"arn:aws:iam::123456789012:role/reader\" is not an IAM managed policy ARN (arn:aws:iam::<account or \"aws\">:policy/<name>). Fix: pass the policy's ARN, e.g. \"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess\"",
        ],
        [
            "a short account in a list",
            [S3_READ, "arn:aws:iam::12345:policy/x"],
            "`policy[1]` \"arn:aws:iam::12345:policy/x\" is not an IAM managed policy ARN (arn:aws:iam::<account or \"aws\">:policy/<name>). Fix: pass the policy's ARN, e.g. \"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess\"",
        ],
        [
            "text that is neither ARN nor JSON",
            "AmazonS3ReadOnlyAccess",
            "`policy` \"AmazonS3ReadOnlyAccess\" is neither a managed policy ARN nor JSON. Fix: pass a managed policy ARN (\"arn:aws:iam::aws:policy/...\") or a policy document {\"Version\":\"2012-10-17\",\"Statement\":[...]}",
        ],
        [
            "a document without Version",
            { Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] },
            "`policy` \"{\\\"Statement\\\":[{\\\"Effect\\\":\\\"Allow\\\",\\\"Action\\\":\\\"s3:*\\\",\\\"Resource\\\":\\\"*\\\"}]}\" has no policy language Version (\"2012-10-17\"). Fix: add \"Version\": \"2012-10-17\" (without it IAM falls back to 2008-10-17, which has no policy variables)",
        ],
        [
            "a document with an empty Statement list",
            { Version: "2012-10-17", Statement: [] },
            "`policy` \"{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[]}\" has no Statement (an object or a non-empty list of objects). Fix: add \"Statement\": [{\"Effect\": \"Allow\", \"Action\": ..., \"Resource\": ...}]",
        ],
        [
            "JSON text without Statement",
            "{\"Version\":\"2012-10-17\"}",
            "`policy` \"{\\\"Version\\\":\\\"2012-10-17\\\"}\" has no Statement (an object or a non-empty list of objects). Fix: add \"Statement\": [{\"Effect\": \"Allow\", \"Action\": ..., \"Resource\": ...}]",
        ],
        [
            "an object that is neither document nor long form",
            { managedPolicyArn: S3_READ },
            "`policy` \"{\\\"managedPolicyArn\\\":\\\"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess\\\"}\" is not a policy. Fix: pass a managed policy ARN, a list of ARNs, a policy document, or { managedPolicyArns, inlinePolicies }",
        ],
        [
            "an inline policy name IAM refuses",
            { inlinePolicies: { "s3 read": DOC } },
            "`policy.inlinePolicies.s3 read` \"s3 read\" is not an inline policy name (1 to 128 letters, digits or + = , . @ _ -). Fix: rename the policy, e.g. \"s3-read\"",
        ],
        [
            "a bad ARN in the long form",
            { managedPolicyArns: ["arn:aws:iam::aws:policy/"] },
            "`policy.managedPolicyArns[0]` \"arn:aws:iam::aws:policy/\" is not an IAM managed policy ARN (arn:aws:iam::<account or \"aws\">:policy/<name>). Fix: pass the policy's ARN, e.g. \"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess\"",
        ],
        [
            "a bad inline document in the long form",
            { inlinePolicies: { read: "{\"Version\":\"2012-10-17\",\"Statement\":[\"s3:*\"]}" } },
            "`policy.inlinePolicies.read` \"{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[\\\"s3:*\\\"]}\" has no Statement (an object or a non-empty list of objects). Fix: add \"Statement\": [{\"Effect\": \"Allow\", \"Action\": ..., \"Resource\": ...}]",
        ],
        ["a number", 42, "`policy` \"42\" is not a policy. Fix: pass a managed policy ARN, a list of ARNs, a policy document, or { managedPolicyArns, inlinePolicies }"],
    ];
    for (const [title, input, message] of cases) {
        it(title, () => {
            assert.throws(() => normalizeRolePolicy(input as RolePolicy), { name: "IrsaInputError", message });
        });
    }
    it("an inline name of 129 characters (IAM allows 128)", () => {
        assert.doesNotThrow(() => normalizeRolePolicy({ inlinePolicies: { ["a".repeat(128)]: DOC } }));
        assert.throws(() => normalizeRolePolicy({ inlinePolicies: { ["a".repeat(129)]: DOC } }), /^IrsaInputError: `policy\.inlinePolicies\.a{129}` "a{117}\.\.\." is not an inline policy name/);
    });
    it("the argument name is the caller's", () => {
        assert.throws(() => normalizeRolePolicy("nope", "roleFor.policy"), /^IrsaInputError: `roleFor\.policy` "nope" is neither/);
    });
});

describe("combineRolePolicies", () => {
    const none = { managedPolicyArns: [], inlinePolicies: [] };
    it("appends the fields to the shorthand", () => {
        assert.deepEqual(combineRolePolicies(normalizeRolePolicy(DOC), normalizeRolePolicySet({ managedPolicyArns: [S3_READ] }, "")), {
            managedPolicyArns: [S3_READ],
            inlinePolicies: [{ name: "irsa", document: DOC_JSON }],
        });
    });
    it("refuses an inline name given twice", () => {
        assert.throws(() => combineRolePolicies(normalizeRolePolicy(DOC), normalizeRolePolicySet({ inlinePolicies: { irsa: DOC_TEXT } }, "")), {
            message: "`inlinePolicies` \"irsa\" names an inline policy twice (in `policy` and in `inlinePolicies`). Fix: give each inline policy its own name",
        });
    });
    it("refuses an ARN attached twice", () => {
        assert.throws(() => combineRolePolicies(normalizeRolePolicy(S3_READ), normalizeRolePolicySet({ managedPolicyArns: [S3_READ] }, "")), {
            message: `\`managedPolicyArns\` "${S3_READ}" is attached twice. Fix: list each managed policy once`,
        });
    });
    it("refuses more than 20 managed policies (IAM's quota)", () => {
        const arns = Array.from({ length: 21 }, (_, i) => `arn:aws:iam::123456789012:policy/p${i}`);
        assert.equal(combineRolePolicies(normalizeRolePolicy(arns.slice(0, 20)), none).managedPolicyArns.length, 20);
        assert.throws(() => combineRolePolicies(normalizeRolePolicy(arns), none), {
            message: "`managedPolicyArns` \"21 policies\" are more than the 20 managed policies IAM attaches to one role. Fix: merge policies into fewer customer managed policies or inline documents",
        });
    });
});

describe("policyDocumentJson", () => {
    const table: Array<[string, unknown, string]> = [
        ["an object becomes compact JSON", DOC, DOC_JSON],
        ["JSON text is kept verbatim (spacing and key order)", DOC_TEXT, DOC_TEXT],
        ["the 2008 language version IAM still takes, a single Statement object", { Version: "2008-10-17", Statement: { Effect: "Allow", Action: "sqs:*", Resource: "*" } }, "{\"Version\":\"2008-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"sqs:*\",\"Resource\":\"*\"}}"],
        ["an Id and open statements (NotAction, Condition)", { Version: "2012-10-17", Id: "x", Statement: [{ Effect: "Deny", NotAction: "s3:*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } }] }, "{\"Version\":\"2012-10-17\",\"Id\":\"x\",\"Statement\":[{\"Effect\":\"Deny\",\"NotAction\":\"s3:*\",\"Resource\":\"*\",\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"false\"}}}]}"],
    ];
    for (const [title, input, expected] of table) {
        it(title, () => {
            assert.equal(policyDocumentJson(input, "d"), expected);
        });
    }
    const bad: Array<[string, unknown, string]> = [
        ["an array", [DOC], `\`d\` ${JSON.stringify(JSON.stringify([DOC]))} is not an IAM policy document. Fix: pass an object {"Version":"2012-10-17","Statement":[...]}`],
        ["null", null, "`d` \"null\" is not an IAM policy document. Fix: pass an object {\"Version\":\"2012-10-17\",\"Statement\":[...]}"],
        ["text that is not JSON", "{Version: 2012}", "`d` \"{Version: 2012}\" is neither a managed policy ARN nor JSON. Fix: pass a managed policy ARN (\"arn:aws:iam::aws:policy/...\") or a policy document {\"Version\":\"2012-10-17\",\"Statement\":[...]}"],
        ["a Version IAM does not know", { Version: "2024-01-01", Statement: [{}] }, "`d` \"{\\\"Version\\\":\\\"2024-01-01\\\",\\\"Statement\\\":[{}]}\" has no policy language Version (\"2012-10-17\"). Fix: add \"Version\": \"2012-10-17\" (without it IAM falls back to 2008-10-17, which has no policy variables)"],
        ["a Statement list holding a string", { Version: "2012-10-17", Statement: ["s3:*"] }, "`d` \"{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[\\\"s3:*\\\"]}\" has no Statement (an object or a non-empty list of objects). Fix: add \"Statement\": [{\"Effect\": \"Allow\", \"Action\": ..., \"Resource\": ...}]"],
    ];
    for (const [title, input, message] of bad) {
        it(`refuses ${title}`, () => {
            assert.throws(() => policyDocumentJson(input, "d"), { name: "IrsaInputError", message });
        });
    }
});

describe("Output-valued entries are checked once known", () => {
    it("an ARN that is an Output stays an Output and passes when valid", async () => {
        const pulumi = await import("@pulumi/pulumi");
        const { managedPolicyArns } = normalizeRolePolicy({ managedPolicyArns: [pulumi.output(S3_READ), OWN] });
        assert.equal(pulumi.Output.isInstance(managedPolicyArns[0]), true);
        assert.equal(managedPolicyArns[1], OWN);
        assert.equal(await (managedPolicyArns[0] as unknown as { promise(): Promise<string> }).promise(), S3_READ);
    });
    it("an inline document that is an Output is checked when known", async () => {
        const pulumi = await import("@pulumi/pulumi");
        const { inlinePolicies } = normalizeRolePolicySet({ inlinePolicies: { z: pulumi.output(DOC_TEXT), a: DOC } }, "");
        assert.deepEqual(inlinePolicies.map((p) => p.name), ["a", "z"]);
        assert.equal(inlinePolicies[0].document, DOC_JSON);
        assert.equal(await (inlinePolicies[1].document as unknown as { promise(): Promise<string> }).promise(), DOC_TEXT);
    });
    // A bad Output value rejects inside the Output machinery (unhandled in-process): the IrsaRole mock test
    // checks that path in a child process (irsa-role-program bad-output).
});

describe("resource-name suffixes are stable", () => {
    it("a plain ARN is keyed by account and path/name, not by position", () => {
        assert.equal(attachmentKey(S3_READ, 3), "aws-AmazonS3ReadOnlyAccess");
        assert.equal(attachmentKey(OWN, 0), "123456789012-team-reader");
        assert.equal(attachmentKey("arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy", 1), "aws-service-role-AmazonEBSCSIDriverPolicy");
    });
    it("an ARN that is an Output can only be keyed by its position", async () => {
        const pulumi = await import("@pulumi/pulumi");
        assert.equal(attachmentKey(pulumi.output(S3_READ), 2), "2");
    });
    it("the single-document inline policy keeps the short suffix, named ones carry their name", () => {
        assert.equal(inlinePolicySuffix("irsa"), "policy");
        assert.equal(inlinePolicySuffix("s3-read"), "policy-s3-read");
    });
});
