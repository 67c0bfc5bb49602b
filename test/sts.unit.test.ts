// The pure parts of `--assume-role`: where STS is asked (partition, region, override), the exact request
// body, the strict XML reader, and the answer read through an injected fetch (never the network here).
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { FetchError, FetchLike } from "../src/oidc/fetch";
import { assumeRoleWithWebIdentity, assumeRoleWithWebIdentityBody, parseRoleArn, resolveStsEndpoint, StsEndpoint } from "../src/oidc/sts";
import { shown } from "../src/oidc/sts-findings";
import { pickXml } from "../src/oidc/sts-xml";
import { assertInputError } from "./helpers/input-error";
import { randomCredentials, stsErrorXml, stsSuccessXml } from "./helpers/fake-sts";

const ROLE = "arn:aws:iam::111122223333:role/s3-reader";

describe("the STS endpoint", () => {
    const endpoint = (arn: string, region?: string, env: Record<string, string> = {}, override?: string) => resolveStsEndpoint({ role: parseRoleArn(arn), region, endpoint: override, env });

    it("defaults to the partition's own region and domain: aws, China, GovCloud", () => {
        assert.deepEqual(endpoint(ROLE), { url: "https://sts.us-east-1.amazonaws.com/", region: "us-east-1", source: "the aws partition's default" });
        assert.equal(endpoint("arn:aws-cn:iam::111122223333:role/app").url, "https://sts.cn-north-1.amazonaws.com.cn/");
        assert.equal(endpoint("arn:aws-us-gov:iam::111122223333:role/app").url, "https://sts.us-gov-west-1.amazonaws.com/");
        assert.equal(endpoint("arn:aws-cn:iam::111122223333:role/app", "cn-northwest-1").url, "https://sts.cn-northwest-1.amazonaws.com.cn/");
        assert.equal(endpoint("arn:aws-us-gov:iam::111122223333:role/app", "us-gov-east-1").url, "https://sts.us-gov-east-1.amazonaws.com/");
    });

    it("takes --region, then AWS_REGION, then AWS_DEFAULT_REGION; an empty variable counts as unset", () => {
        const env = { AWS_REGION: "eu-west-1", AWS_DEFAULT_REGION: "eu-central-1" };
        assert.deepEqual(endpoint(ROLE, "ap-south-1", env), { url: "https://sts.ap-south-1.amazonaws.com/", region: "ap-south-1", source: "--region" });
        assert.deepEqual(endpoint(ROLE, undefined, env), { url: "https://sts.eu-west-1.amazonaws.com/", region: "eu-west-1", source: "AWS_REGION" });
        assert.deepEqual(endpoint(ROLE, undefined, { AWS_REGION: "", AWS_DEFAULT_REGION: "eu-central-1" }), { url: "https://sts.eu-central-1.amazonaws.com/", region: "eu-central-1", source: "AWS_DEFAULT_REGION" });
    });

    it("refuses a region of another partition, naming where it came from", () => {
        assertInputError(() => endpoint("arn:aws-cn:iam::111122223333:role/app", "us-east-1"), '`--region` "us-east-1" is a region of the aws partition; the role arn:aws-cn:iam::111122223333:role/app is in aws-cn, and STS assumes roles of its own partition only. Fix: pass --region with a region of aws-cn, e.g. --region cn-north-1');
        assertInputError(() => endpoint(ROLE, undefined, { AWS_REGION: "us-gov-west-1" }), '`AWS_REGION` "us-gov-west-1" is a region of the aws-us-gov partition; the role arn:aws:iam::111122223333:role/s3-reader is in aws, and STS assumes roles of its own partition only. Fix: pass --region with a region of aws, e.g. --region us-east-1 (or unset AWS_REGION)');
        assertInputError(() => endpoint(ROLE, "moon-1"), '`--region` "moon-1" is not a region name of the aws partition (e.g. us-east-1)');
        assertInputError(() => endpoint(ROLE, ""), '`--region` "" is not a region name of the aws partition');
    });

    it("--sts-endpoint: https only, no credentials, query or fragment, not with --region", () => {
        assert.deepEqual(endpoint(ROLE, undefined, { AWS_REGION: "eu-west-1" }, "https://vpce-1.sts.eu-west-1.vpce.amazonaws.com"), { url: "https://vpce-1.sts.eu-west-1.vpce.amazonaws.com/", source: "--sts-endpoint" });
        assertInputError(() => endpoint(ROLE, undefined, {}, "http://127.0.0.1:8080/"), '`--sts-endpoint` "http://127.0.0.1:8080/" is not https:// (the token would cross the network in clear)');
        assertInputError(() => endpoint(ROLE, undefined, {}, "https://u:p@sts.example.com/"), '`--sts-endpoint` "https://u:p@sts.example.com/" carries a user name or password');
        assertInputError(() => endpoint(ROLE, undefined, {}, "https://sts.example.com/?Action=x"), '`--sts-endpoint` "https://sts.example.com/?Action=x" has a query or fragment');
        assertInputError(() => endpoint(ROLE, undefined, {}, "sts.example.com"), '`--sts-endpoint` "sts.example.com" is not a URL');
        assertInputError(() => endpoint(ROLE, "eu-west-1", {}, "https://sts.example.com/"), '`--region` "eu-west-1" has no effect with --sts-endpoint');
    });

    it("role ARNs: partition, account and name; paths allowed; anything else refused", () => {
        const parsed = parseRoleArn("arn:aws-us-gov:iam::123456789012:role/team/a/app+1=x,y.z@w-v");
        assert.deepEqual([parsed.partition.id, parsed.account, parsed.name], ["aws-us-gov", "123456789012", "app+1=x,y.z@w-v"]);
        for (const bad of ["arn:aws:iam::12345678901:role/app", "arn:aws:iam::111122223333:user/app", "arn:aws:sts::111122223333:assumed-role/app/s", "arn:aws:iam::111122223333:role/", "arn:aws:iam::111122223333:role/a\nb", "s3-reader"]) {
            assertInputError(() => parseRoleArn(bad), `\`--assume-role\` ${JSON.stringify(bad)} is not an IAM role ARN. Fix: pass the role's ARN, e.g. arn:aws:iam::123456789012:role/NAME`);
        }
        assertInputError(() => parseRoleArn("arn:aws-mars:iam::111122223333:role/app"), '`--assume-role` "arn:aws-mars:iam::111122223333:role/app" names the partition "aws-mars", which has no known STS endpoint');
    });
});

describe("the request body", () => {
    it("is the five fields in order, RFC 3986-encoded", () => {
        const body = assumeRoleWithWebIdentityBody("arn:aws:iam::111122223333:role/team/app", "selfhosted-irsa-doctor", "a.b-_c.d e+f!'()*~");
        assert.equal(body.toString(), "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fteam%2Fapp&RoleSessionName=selfhosted-irsa-doctor&WebIdentityToken=a.b-_c.d%20e%2Bf%21%27%28%29%2A~&DurationSeconds=900");
    });
});

describe("the strict XML reader", () => {
    const wanted = new Set(["R/A", "R/B/C"]);
    const read = (xml: string | Buffer) => pickXml(Buffer.isBuffer(xml) ? xml : Buffer.from(xml, "utf8"), wanted);

    it("reads STS's documented answers: the success example and an error", () => {
        const credentials = randomCredentials();
        const xml = stsSuccessXml({ arn: "arn:aws:sts::1:assumed-role/r/s", roleId: "AROA:s", subject: "sub&<>", audience: "aud", provider: "p", expiration: "2026-01-01T00:00:00Z", credentials });
        const paths = ["Arn", "SubjectFromWebIdentityToken"].map((p) => `AssumeRoleWithWebIdentityResponse/AssumeRoleWithWebIdentityResult/${p === "Arn" ? "AssumedRoleUser/Arn" : p}`);
        const picked = pickXml(Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`), new Set(paths));
        assert.equal(picked.root, "AssumeRoleWithWebIdentityResponse");
        assert.deepEqual([...picked.texts.values()], ["sub&<>", "arn:aws:sts::1:assumed-role/r/s"]);
        assert.ok(picked.present.has("AssumeRoleWithWebIdentityResponse/AssumeRoleWithWebIdentityResult/Credentials/SecretAccessKey"));
        assert.ok(![...picked.texts.values()].some((t) => t.includes(credentials.secretAccessKey)), "unwanted text is never decoded");
        const error = pickXml(Buffer.from(stsErrorXml("InvalidIdentityToken", "No OpenIDConnect provider found in your account for https://a", "req-1")), new Set(["ErrorResponse/Error/Code", "ErrorResponse/RequestId"]));
        assert.deepEqual(Object.fromEntries(error.texts), { "ErrorResponse/Error/Code": "InvalidIdentityToken", "ErrorResponse/RequestId": "req-1" });
    });

    it("decodes the five entities, character references and CDATA; keeps comments out", () => {
        const picked = read("<R><!-- c --><A>&lt;&gt;&amp;&quot;&apos;&#65;&#x1F600;<![CDATA[<raw&>]]></A><B><C/></B></R>");
        assert.equal(picked.texts.get("R/A"), `<>&"'A\u{1F600}<raw&>`);
        assert.equal(picked.texts.get("R/B/C"), "");
    });

    const refused: Array<[string, string | Buffer, RegExp]> = [
        ["a DOCTYPE (no entity can expand)", '<!DOCTYPE R [<!ENTITY x "xx">]><R><A>&x;</A></R>', /DOCTYPE and other declarations are refused/],
        ["an undefined entity", "<R><A>&x;</A></R>", /&x; is not a predefined entity/],
        ["a bare &", "<R><A>a & b</A></R>", /an & that does not start/],
        ["a reference to a control character", "<R><A>&#27;</A></R>", /&#27; is not .* an XML character/],
        ["a raw control character", "<R><A>\u001b[31m</A></R>", /control character 0x1b in text/],
        ["bytes that are not UTF-8", Buffer.from([0x3c, 0x52, 0x3e, 0xff, 0x3c, 0x2f, 0x52, 0x3e]), /not UTF-8/],
        ["mismatched tags", "<R><A>x</B></R>", /<\/B> closes <A>/],
        ["an unclosed document", "<R><A>x</A>", /ends inside <R>/],
        ["two roots", "<R/><R/>", /a second root element/],
        ["text outside the root", "<R/>PASS", /text after the root element/],
        ["mixed content", "<R>text<A>x</A></R>", /mixes text and elements/],
        ["a wanted element twice", "<R><A>1</A><A>2</A></R>", /<A> appears twice at R\/A/],
        ["a wanted element holding elements", "<R><A><X/></A></R>", /<A> holds an element/],
        ["a processing instruction", "<R><?evil?></R>", /processing instructions are refused/],
        ["duplicate attributes", '<R a="1" a="2"/>', /has the attribute a twice/],
        ["an unquoted attribute", "<R a=1/>", /is not quoted/],
        ["nesting past the limit", `${"<R>".repeat(20)}${"</R>".repeat(20)}`, /nested deeper than 16/],
        ["an empty body", "", /no root element/],
        ["HTML", "<!doctype html><html><body>502 Bad Gateway</body></html>", /DOCTYPE/],
        ["JSON", '{"Credentials":{}}', /text before the root element/],
    ];
    for (const [name, xml, reason] of refused) {
        it(`refuses ${name}`, () => assert.throws(() => read(xml), (err: Error) => err.name === "XmlError" && reason.test(err.message)));
    }
});

describe("shown(): remote text for a report line", () => {
    it("quotes, escapes every control, separator and bidi character, and bounds the length", () => {
        assert.equal(shown('a"b\\c\nPASS\u001b[2J\u009b\u202e\u2028'), '"a\\"b\\\\c\\u000aPASS\\u001b[2J\\u009b\\u202e\\u2028"');
        assert.equal(shown("x".repeat(305)), `"${"x".repeat(300)}"... (5 more characters)`);
    });
});

describe("the answer, through an injected fetch", () => {
    const role = parseRoleArn(ROLE);
    const endpoint: StsEndpoint = { url: "https://sts.eu-west-1.amazonaws.com/", region: "eu-west-1", source: "AWS_REGION" };
    const answer = (status: number, body: string, headers: Record<string, string> = {}): { fetch: FetchLike; bodies: Buffer[]; sent: Parameters<FetchLike>[] } => {
        const bodies: Buffer[] = [];
        const sent: Parameters<FetchLike>[] = [];
        return {
            bodies,
            sent,
            fetch: async (url, init) => {
                sent.push([url, { ...init, body: Buffer.from(init.body!) }]);
                const buf = Buffer.from(body, "utf8");
                bodies.push(buf);
                return { status, headers, body: buf };
            },
        };
    };

    it("POSTs once with the form headers, reports the fields, and overwrites the answer's bytes", async () => {
        const credentials = randomCredentials();
        const xml = stsSuccessXml({ arn: "arn:aws:sts::111122223333:assumed-role/s3-reader/selfhosted-irsa-doctor", roleId: "AROAX:selfhosted-irsa-doctor", subject: "system:serviceaccount:apps:s3-reader", audience: "sts.amazonaws.com", provider: "arn:aws:iam::111122223333:oidc-provider/oidc.example.com", expiration: "2030-01-01T00:00:00Z", credentials });
        const { fetch, bodies, sent } = answer(200, xml);
        const finding = await assumeRoleWithWebIdentity({ endpoint, role, token: "h.p.s\n", fetch, timeoutMs: 5000 });
        assert.equal(finding.ok, true, finding.message);
        assert.equal(
            finding.message,
            'POST https://sts.eu-west-1.amazonaws.com/ (region eu-west-1 from AWS_REGION): STS let the token assume arn:aws:iam::111122223333:role/s3-reader: assumed-role ARN "arn:aws:sts::111122223333:assumed-role/s3-reader/selfhosted-irsa-doctor", SubjectFromWebIdentityToken "system:serviceaccount:apps:s3-reader", Audience "sts.amazonaws.com", Provider "arn:aws:iam::111122223333:oidc-provider/oidc.example.com", credentials expire "2030-01-01T00:00:00Z" (never printed, written or kept)',
        );
        assert.equal(sent.length, 1);
        const [url, init] = sent[0];
        assert.equal(url, endpoint.url);
        assert.equal(init.method, "POST");
        assert.deepEqual(init.headers, { "content-type": "application/x-www-form-urlencoded; charset=utf-8", accept: "text/xml", "content-length": String(init.body!.length) });
        assert.match(init.body!.toString(), /&WebIdentityToken=h\.p\.s&DurationSeconds=900$/);
        assert.ok(bodies[0].every((b) => b === 0), "the answer's bytes are zeroed once read");
    });

    it("an answer that lacks the credentials is not a PASS", async () => {
        const { fetch } = answer(200, "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><AssumedRoleUser><Arn>a</Arn></AssumedRoleUser></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>");
        const finding = await assumeRoleWithWebIdentity({ endpoint, role, token: "h.p.s", fetch, timeoutMs: 5000 });
        assert.equal(finding.ok, false);
        assert.match(finding.message, /with no Credentials\/AccessKeyId, Credentials\/SecretAccessKey, Credentials\/SessionToken, Credentials\/Expiration: not an answer STS documents/);
    });

    it("a fetch that ignores its timeout still ends within it", async () => {
        const started = Date.now();
        const finding = await assumeRoleWithWebIdentity({ endpoint, role, token: "h.p.s", fetch: () => new Promise(() => undefined), timeoutMs: 200 });
        assert.ok(Date.now() - started < 1000);
        assert.equal(finding.message, "POST https://sts.eu-west-1.amazonaws.com/ (region eu-west-1 from AWS_REGION) gave no complete answer within 0.2 s");
    });

    it("a refused TLS handshake names the check, escaped", async () => {
        const finding = await assumeRoleWithWebIdentity({ endpoint, role, token: "h.p.s", fetch: async () => Promise.reject(new FetchError("tls", "ERR_TLS_CERT_ALTNAME_INVALID: not in DNS:evil\nPASS x")), timeoutMs: 1000 });
        assert.equal(finding.message, 'POST https://sts.eu-west-1.amazonaws.com/ (region eu-west-1 from AWS_REGION) failed the TLS check ("ERR_TLS_CERT_ALTNAME_INVALID: not in DNS:evil\\u000aPASS x")');
    });
});
