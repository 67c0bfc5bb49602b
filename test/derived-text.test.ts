// Every free-text field the component derives from user input (CloudFront comments and descriptions, IAM role
// descriptions, X.509 common names) fits its service's limit for every valid input, tested at the longest
// and strangest valid inputs the way derived names are (day2.mock.test.ts). A field that is sent and has no rule
// here fails the guard test, so a new derived text cannot slip past its limit.
import { strict as assert } from "node:assert";
import { before, describe, it } from "node:test";
import { ACCOUNT_ID, RecordedResource, resources, setupMocks } from "./helpers/pulumi-mocks";

setupMocks();
const { SelfHostedIrsa } = require("../src/components/selfhosted-irsa") as typeof import("../src/components/selfhosted-irsa");
const { IrsaRole } = require("../src/components/irsa-role") as typeof import("../src/components/irsa-role");
const { key, settleAll } = require("./helpers/irsa-program") as typeof import("./helpers/irsa-program");
const text = require("../src/common/derived-text") as typeof import("../src/common/derived-text");

const RSA = key("rsa2048.pkcs8.pem");

/** Service limits per resource type and field path (IAM CreateRole: Description <= 1000, IAM's character set). */
const IAM_ROLE_DESCRIPTION = { field: "IAM role description", maxLength: 1000, pattern: /^[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*$/ };
const RULES: Record<string, Record<string, { field: string; maxLength: number; pattern?: RegExp }>> = {
    "aws:cloudfront/distribution:Distribution": { comment: text.CLOUDFRONT_DISTRIBUTION_COMMENT },
    "aws:cloudfront/cachePolicy:CachePolicy": { comment: text.CLOUDFRONT_CACHE_POLICY_COMMENT },
    "aws:cloudfront/originAccessControl:OriginAccessControl": { description: text.CLOUDFRONT_OAC_DESCRIPTION },
    "aws:iam/role:Role": { description: IAM_ROLE_DESCRIPTION },
    "tls:index/selfSignedCert:SelfSignedCert": { "subject.commonName": text.X509_COMMON_NAME },
    "tls:index/certRequest:CertRequest": { "subject.commonName": text.X509_COMMON_NAME },
};
/** Field names that hold free text wherever they appear. */
const FREE_TEXT = /^(comment|description|commonName|organization)$/;

/** Every string leaf whose key is a free-text field, as "path" -> value. */
function freeTextFields(inputs: Record<string, unknown>, prefix = ""): [string, string][] {
    return Object.entries(inputs).flatMap(([k, v]): [string, string][] => {
        const path = prefix === "" ? k : `${prefix}.${k}`;
        if (typeof v === "string") return FREE_TEXT.test(k) ? [[path, v]] : [];
        if (v !== null && typeof v === "object" && !Array.isArray(v)) return freeTextFields(v as Record<string, unknown>, path);
        return [];
    });
}

/** The component names the tests use: each is a valid name (a bucketName is given, so any text is). */
const NAMES = {
    issue: `prod-${"x".repeat(96)}`, // 101 characters: the issue's case (129- and 153-character comments before)
    long: `${"Cluster.Irsa_".repeat(70)}end`, // 913 characters, dots, uppercase, underscores
    strange: `team\tä ${"€".repeat(40)}\n😀${"z".repeat(120)}`, // control characters, non-ASCII, an emoji pair
};

describe("fitText: the text itself when it fits, else shortened with a hash", () => {
    const rule = { field: "test", maxLength: 40 };
    const t = (n: string) => `documents of ${n}`;
    it("keeps a text that fits unchanged (no change for existing stacks)", () => {
        assert.equal(text.fitText(t, "prod", rule), "documents of prod");
    });
    it("shortens to exactly the limit, ending with 8 hex digits of the whole name", () => {
        const fitted = text.fitText(t, "a".repeat(100), rule);
        assert.equal(fitted.length, 40);
        assert.match(fitted, /^documents of a{18}-[0-9a-f]{8}$/);
    });
    it("tells apart two long names with the same start, and gives the same text twice", () => {
        const a = text.fitText(t, `${"a".repeat(60)}-blue`, rule);
        const b = text.fitText(t, `${"a".repeat(60)}-green`, rule);
        assert.notEqual(a, b);
        assert.equal(a, text.fitText(t, `${"a".repeat(60)}-blue`, rule));
    });
    it("replaces control characters and never splits a surrogate pair", () => {
        assert.equal(text.fitText(t, "a\nb\u0000c", rule), "documents of a?b?c");
        const fitted = text.fitText((n) => `x ${n}`, `${"y".repeat(20)}😀${"z".repeat(30)}`, { field: "test", maxLength: 32 });
        assert.ok(fitted.length <= 32);
        assert.doesNotMatch(fitted, /[\ud800-\udbff](?![\udc00-\udfff])/);
    });
    it("refuses a template that leaves no room for a shortened name (a programming error, caught by tests)", () => {
        assert.throws(() => text.fitText((n) => `${"t".repeat(35)}${n}`, "long-name", rule), /leaves 5 of 40 characters/);
    });
});

describe("every derived free-text field fits its service, at the longest and strangest valid inputs", () => {
    let sent: RecordedResource[];
    before(async () => {
        const start = resources.length;
        for (const [label, name] of Object.entries(NAMES)) {
            const irsa = new SelfHostedIrsa(name, {
                region: "eu-west-1",
                bucketName: `text-${label}-oidc`,
                bucketNamespace: "global",
                hosting: { kind: "cloudfront" },
                signingKey: { privateKeyPem: RSA },
                webhook: { namespace: "n".repeat(63) },
                protectIdentity: false,
            });
            irsa.roleFor("m".repeat(63), "s".repeat(253), "arn:aws:iam::aws:policy/ReadOnlyAccess");
        }
        const cluster = { oidcProviderArn: `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/c.s3.eu-west-1.amazonaws.com`, issuerUrl: "https://c.s3.eu-west-1.amazonaws.com" };
        new IrsaRole("text-wildcard", { ...cluster, namespace: "n".repeat(63), serviceAccount: "*", subjectMatch: "wildcard" });
        await settleAll();
        sent = resources.slice(start);
    });

    it("checks the resources that carry free text (the test is not vacuous)", () => {
        const types = new Set(sent.filter((r) => freeTextFields(r.inputs).length > 0).map((r) => r.type));
        for (const type of Object.keys(RULES)) assert.ok(types.has(type), `no ${type} with free text was registered`);
    });

    it("knows a limit for every free-text field sent", () => {
        const unknown = sent.flatMap((r) => freeTextFields(r.inputs).filter(([path]) => RULES[r.type]?.[path] === undefined).map(([path]) => `${r.type} ${path}`));
        // The organization of the webhook's CA subject is a constant ("selfhosted-irsa"), not derived.
        assert.deepEqual([...new Set(unknown)], ["tls:index/selfSignedCert:SelfSignedCert subject.organization"]);
    });

    it("keeps every field within its limit and character set", () => {
        let checked = 0;
        for (const r of sent) {
            for (const [path, value] of freeTextFields(r.inputs)) {
                const rule = RULES[r.type]?.[path];
                if (rule === undefined) continue;
                checked++;
                assert.ok(value.length <= rule.maxLength, `${r.type} ${r.name}: ${rule.field} is ${value.length} characters (limit ${rule.maxLength}): ${value}`);
                assert.doesNotMatch(value, /[\u0000-\u001f\u007f]/, `${r.type} ${r.name}: ${rule.field} holds a control character`);
                if (rule.pattern) assert.match(value, rule.pattern, `${r.type} ${r.name}: ${rule.field}`);
            }
        }
        assert.ok(checked >= 3 * 6, `only ${checked} fields checked`);
    });

    it("the 101-character name of the issue: comments of 128 characters, readable, ending with the hash", () => {
        const distribution = sent.find((r) => r.type === "aws:cloudfront/distribution:Distribution" && r.name === `${NAMES.issue}-distribution`)!;
        assert.equal(distribution.inputs.comment.length, 128);
        assert.match(distribution.inputs.comment, /^OIDC discovery documents of prod-x+-[0-9a-f]{8}$/);
        const cache = sent.find((r) => r.type === "aws:cloudfront/cachePolicy:CachePolicy" && r.name === `${NAMES.issue}-cache-policy`)!;
        assert.equal(cache.inputs.comment.length, 128);
        assert.match(cache.inputs.comment, /^OIDC documents of prod-x+-[0-9a-f]{8}: they change only on key rotation$/);
    });

    it("short names keep the texts they had", async () => {
        const start = resources.length;
        new SelfHostedIrsa("edge", { region: "eu-west-1", bucketName: "edge-text-oidc", bucketNamespace: "global", hosting: { kind: "cloudfront" }, signingKey: { privateKeyPem: RSA }, webhook: { enabled: false }, protectIdentity: false });
        await settleAll();
        const of = (type: string) => resources.slice(start).find((r) => r.type === type)!.inputs;
        assert.equal(of("aws:cloudfront/distribution:Distribution").comment, "OIDC discovery documents of edge");
        assert.equal(of("aws:cloudfront/cachePolicy:CachePolicy").comment, "OIDC documents of edge: they change only on key rotation");
        assert.equal(of("aws:cloudfront/originAccessControl:OriginAccessControl").description, "Signs CloudFront's requests for the OIDC documents of edge");
    });
});
