// Issue 14 items 3, 9 and 13 on the component's arguments: audiences are literal in every argument that takes
// one (one rule, src/oidc/audience.ts, with the rule in the message); fromCluster's bound is checked; the chart
// comes only from https:// or oci://. Every refusal happens before anything is registered.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { ACCOUNT_ID, resources, setupMocks } from "./helpers/pulumi-mocks";

setupMocks();
// Required after setMocks, as the mocks must be in place before resource modules load.
const { SelfHostedIrsa } = require("../src/components/selfhosted-irsa") as typeof import("../src/components/selfhosted-irsa");
const { IrsaRole } = require("../src/components/irsa-role") as typeof import("../src/components/irsa-role");
const { buildClusterConfig } = require("../src/kubernetes/cluster-config") as typeof import("../src/kubernetes/cluster-config");
const { buildTrustPolicy, mintServiceAccountToken, validateLiteralAudience, LITERAL_AUDIENCE_RULE } = require("../src/oidc") as typeof import("../src/oidc");
const { checkServiceAccountAnnotations } = require("../src/cli/cluster-doctor/service-account-checks") as typeof import("../src/cli/cluster-doctor/service-account-checks");
const { validateChartRepository } = require("../src/webhook/webhook-values") as typeof import("../src/webhook/webhook-values");
const { privateKeyForms } = require("./helpers/key-material") as typeof import("./helpers/key-material");

const KEY = fs.readFileSync(path.join(__dirname, "..", "..", "test", "fixtures", "keys", "rsa2048.pkcs8.pem"), "utf8");
const ISSUER = "https://oidc.example.com/cluster-a";
const PROVIDER = `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/oidc.example.com/cluster-a`;
/** Not literal: a policy variable (the red team's), wildcards, braces, controls, white space. */
const HOSTILE = ["${oidc.example.com/cluster-a:aud}", "${aws:username}", "sts.*", "sts.amazonaws.co?", "{sts}", "sts$", "sts\u001b[31m", "sts\u0085", "sts amazonaws", "a".repeat(256), ""];
let n = 0;
const name = () => `aud-${n++}`;

/** Runs `create`, which must throw an IrsaInputError for `argument` with the literal-audience rule, registering nothing. */
function refused(argument: string, create: () => unknown): void {
    const before = resources.length;
    assert.throws(create, (err: Error) => {
        assert.equal(err.name, "IrsaInputError", err.message);
        assert.ok(err.message.startsWith(`\`${argument}\` `), err.message);
        assert.ok(err.message.includes(LITERAL_AUDIENCE_RULE), err.message);
        // eslint-disable-next-line no-control-regex
        assert.doesNotMatch(err.message, /[\u0000-\u001f\u007f-\u009f]/, "the value is quoted with its controls escaped");
        return true;
    });
    assert.equal(resources.length, before, "nothing registered");
}

describe("audiences are literal in every argument", () => {
    for (const audience of HOSTILE) {
        it(JSON.stringify(audience.length > 20 ? `${audience.slice(0, 10)}...(${audience.length})` : audience), async () => {
            assert.throws(() => validateLiteralAudience(audience, "x"));
            refused("audiences[0]", () => new SelfHostedIrsa(name(), { audiences: [audience], webhook: { enabled: false } }));
            refused("webhook.tokenAudience", () => new SelfHostedIrsa(name(), { webhook: { tokenAudience: audience, region: "eu-west-1" } }));
            refused("audience", () => new IrsaRole(name(), { oidcProviderArn: PROVIDER, issuerUrl: ISSUER, namespace: "apps", serviceAccount: "app", audience, managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"] }));
            refused("audiences[0]", () => buildClusterConfig({ distribution: "kubeadm", issuer: ISSUER, audiences: [audience] }));
            refused("audience", () => buildTrustPolicy({ oidcProviderArn: PROVIDER, issuerUrl: ISSUER, namespace: "apps", serviceAccount: "app", audience }));
            await assert.rejects(mintServiceAccountToken({ privateKeyPem: privateKeyForms(KEY)[0].text, issuer: ISSUER, namespace: "a", serviceAccount: "b", audiences: [audience] }), /^IrsaInputError: `audiences\[0\]` /);
            // Read from a live ServiceAccount by doctor cluster: a FAIL with the rule, never a PASS.
            const sa = { metadata: { name: "app", namespace: "apps", annotations: { "eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/app", "eks.amazonaws.com/audience": audience } } };
            const finding = checkServiceAccountAnnotations(sa, [audience]).find((f) => f.id === "sa.audience")!;
            assert.equal(finding.level, "FAIL");
            assert.ok(finding.message.includes(LITERAL_AUDIENCE_RULE));
        });
    }

    it("roleFor's audience: refused before the role exists", () => {
        const irsa = new SelfHostedIrsa(name(), { signingKey: { privateKeyPem: KEY }, webhook: { enabled: false } });
        refused("audience", () => irsa.roleFor("apps", "app", "arn:aws:iam::aws:policy/ReadOnlyAccess", { audience: "${aws:username}" }));
    });

    it("a literal audience passes everywhere", () => {
        for (const audience of ["sts.amazonaws.com", "vault", "https://kubernetes.default.svc", "api://AzureADTokenExchange"]) {
            assert.equal(validateLiteralAudience(audience, "x"), audience);
        }
    });
});

describe("signingKey.fromCluster.timeoutSeconds: documented range, checked first", () => {
    for (const bad of [0, -1, 1.5, 3601, Number.NaN]) {
        it(String(bad), () => {
            const before = resources.length;
            assert.throws(
                () => new SelfHostedIrsa(name(), { signingKey: { fromCluster: { timeoutSeconds: bad } }, webhook: { enabled: false } }),
                (err: Error) => err.message.startsWith("`signingKey.fromCluster.timeoutSeconds` ") && err.message.includes("must be a whole number of seconds from 1 to 3600"),
            );
            assert.equal(resources.length, before);
        });
    }
});

describe("webhook.chartRepository: https:// or oci:// only", () => {
    const rule = "is not an https:// Helm repository or an oci:// registry (the chart installs a cluster-wide mutating webhook: over plain http anyone on the path could replace it)";
    for (const bad of ["http://charts.example.com", "HTTP://charts.example.com", "ftp://charts.example.com", "file:///charts", "charts.example.com", "https://", "https://charts example.com"]) {
        it(`refuses ${JSON.stringify(bad)}`, () => {
            const before = resources.length;
            assert.throws(() => new SelfHostedIrsa(name(), { webhook: { chartRepository: bad, region: "eu-west-1" } }), (err: Error) => err.message.startsWith(`\`webhook.chartRepository\` ${JSON.stringify(bad)} ${rule}. Fix: `));
            assert.equal(resources.length, before);
        });
    }
    it("refuses credentials in the URL without printing them", () => {
        assert.throws(() => validateChartRepository("https://robot:s3cret@charts.example.com"), (err: Error) => !err.message.includes("s3cret") && /holds credentials, which would be kept in clear/.test(err.message));
    });
    it("takes https:// and oci:// (the chart then named in the registry)", async () => {
        assert.equal(validateChartRepository("https://charts.example.com/irsa"), "https://charts.example.com/irsa");
        assert.equal(validateChartRepository("oci://registry.example.com/charts"), "oci://registry.example.com/charts");
        new SelfHostedIrsa("oci-chart", { signingKey: { privateKeyPem: KEY }, webhook: { chartRepository: "oci://registry.example.com/charts/", region: "eu-west-1" } });
        await new Promise((r) => setTimeout(r, 200));
        const release = resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.name === "oci-chart-webhook")!;
        assert.equal(release.inputs.chart, "oci://registry.example.com/charts/amazon-eks-pod-identity-webhook");
        assert.equal(release.inputs.repositoryOpts, undefined);
    });
});
