import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { buildClustersTrustPolicy, ClusterTrust, policySize, validateClusters } from "../src/oidc/cluster-trust";
import { buildTrustPolicy } from "../src/oidc/trust-policy";
import { checkTrustPolicy, evaluateWebIdentityTrust } from "../src/oidc/trust-evaluation";
import { assertInputError } from "./helpers/input-error";
import { SIM_ACCOUNT, simulateWebIdentity, trustPolicyErrors } from "./helpers/iam-simulator";

const cluster = (name: string, account = SIM_ACCOUNT): ClusterTrust => ({
    oidcProviderArn: `arn:aws:iam::${account}:oidc-provider/oidc.example.com/${name}`,
    issuerUrl: `https://oidc.example.com/${name}`,
});
const BLUE = cluster("blue");
const GREEN = cluster("green");
const OTHER = cluster("other");
const host = (c: ClusterTrust) => c.issuerUrl.slice("https://".length);
const SA = { namespace: "payments", serviceAccount: "ledger" };
const SUBJECT = "system:serviceaccount:payments:ledger";

/** A token from `c` as STS sees it: the provider it found for `iss`, and the context keys it sets. */
const request = (c: ClusterTrust, sub = SUBJECT, aud = "sts.amazonaws.com") => ({
    providerArn: c.oidcProviderArn,
    context: { [`${host(c)}:sub`]: sub, [`${host(c)}:aud`]: aud },
});

describe("buildClustersTrustPolicy", () => {
    const policy = buildClustersTrustPolicy({ clusters: [BLUE, GREEN], ...SA });

    it("writes one statement per cluster, each the one-cluster statement of that cluster", () => {
        assert.equal(policy.Statement.length, 2);
        for (const [i, c] of [BLUE, GREEN].entries()) {
            assert.deepEqual(policy.Statement[i], buildTrustPolicy({ ...c, ...SA }).Statement[0]);
            assert.deepEqual(policy.Statement[i].Principal, { Federated: c.oidcProviderArn });
            assert.deepEqual(policy.Statement[i].Condition, { StringEquals: { [`${host(c)}:sub`]: SUBJECT, [`${host(c)}:aud`]: "sts.amazonaws.com" } });
        }
    });

    it("uses StringLike for sub only with subjectMatch wildcard (aud stays StringEquals)", () => {
        const wild = buildClustersTrustPolicy({ clusters: [BLUE, GREEN], namespace: "team-*", serviceAccount: "*", subjectMatch: "wildcard" });
        for (const [i, c] of [BLUE, GREEN].entries()) {
            assert.deepEqual(wild.Statement[i].Condition, { StringEquals: { [`${host(c)}:aud`]: "sts.amazonaws.com" }, StringLike: { [`${host(c)}:sub`]: "system:serviceaccount:team-*:*" } });
        }
    });

    it("is a valid trust policy for the simulator's parser", () => {
        assert.deepEqual(trustPolicyErrors(policy), []);
    });

    const cases: Array<[string, { providerArn: string; context: Record<string, string | string[]> }, boolean]> = [
        ["the service account from blue", request(BLUE), true],
        ["the service account from green", request(GREEN), true],
        ["another service account", request(BLUE, "system:serviceaccount:payments:other"), false],
        ["another namespace", request(GREEN, "system:serviceaccount:billing:ledger"), false],
        ["another audience", request(BLUE, SUBJECT, "vault"), false],
        ["a cluster not listed", request(OTHER), false],
        // Green's provider presenting blue's keys: STS sets the keys of the provider that issued the token.
        ["a listed provider with another cluster's claims", { providerArn: GREEN.oidcProviderArn, context: request(BLUE).context }, false],
    ];
    for (const [name, req, allowed] of cases) {
        it(`${allowed ? "admits" : "denies"} ${name} (project evaluation, doctor, IAM simulator)`, () => {
            assert.equal(evaluateWebIdentityTrust(policy, req).decision, allowed ? "Allow" : "ImplicitDeny");
            assert.equal(simulateWebIdentity(policy, req.providerArn, req.context), allowed ? "Allowed" : "ImplicitlyDenied");
        });
    }

    it("the doctor passes each listed cluster's token and names the failing claim otherwise", () => {
        for (const c of [BLUE, GREEN]) {
            const findings = checkTrustPolicy({ policy: JSON.stringify(policy), issuer: c.issuerUrl, token: { sub: SUBJECT, aud: ["sts.amazonaws.com"] } });
            assert.deepEqual(findings.filter((f) => !f.ok), [], c.issuerUrl);
        }
        const other = checkTrustPolicy({ policy, issuer: BLUE.issuerUrl, token: { sub: SUBJECT, aud: ["vault"] } });
        assert.deepEqual(other.filter((f) => !f.ok).map((f) => f.id), ["trust.aud"]);
        const unlisted = checkTrustPolicy({ policy, issuer: OTHER.issuerUrl, token: { sub: SUBJECT, aud: ["sts.amazonaws.com"] } });
        assert.deepEqual(unlisted.filter((f) => !f.ok).map((f) => f.id), ["trust.principal"]);
    });
});

describe("evaluateWebIdentityTrust: statements combine as IAM combines them", () => {
    const h = host(BLUE);
    const statement = (effect: "Allow" | "Deny", condition: object) => ({ Effect: effect, Principal: { Federated: BLUE.oidcProviderArn }, Action: "sts:AssumeRoleWithWebIdentity", Condition: condition });
    // Two statements for one provider: (sub a, aud x) or (sub b, aud y). Token (sub a, aud y) passes each claim
    // somewhere, but no single statement: IAM denies.
    const crossed = {
        Version: "2012-10-17",
        Statement: [
            statement("Allow", { StringEquals: { [`${h}:sub`]: "system:serviceaccount:ns:a", [`${h}:aud`]: "x" } }),
            statement("Allow", { StringEquals: { [`${h}:sub`]: "system:serviceaccount:ns:b", [`${h}:aud`]: "y" } }),
        ],
    };
    const token = { providerArn: BLUE.oidcProviderArn, context: { [`${h}:sub`]: "system:serviceaccount:ns:a", [`${h}:aud`]: "y" } };

    it("needs one statement where every condition holds", () => {
        assert.equal(evaluateWebIdentityTrust(crossed, token).decision, "ImplicitDeny");
        assert.equal(simulateWebIdentity(crossed, token.providerArn, token.context), "ImplicitlyDenied");
        const second = { ...token, context: { ...token.context, [`${h}:sub`]: "system:serviceaccount:ns:b" } };
        assert.deepEqual(evaluateWebIdentityTrust(crossed, second), { decision: "Allow", statement: 1, unknownOperators: [] });
        assert.equal(simulateWebIdentity(crossed, second.providerArn, second.context), "Allowed");
    });

    it("the doctor reports the crossed case as trust.statement", () => {
        const findings = checkTrustPolicy({ policy: crossed, issuer: BLUE.issuerUrl, token: { sub: "system:serviceaccount:ns:a", aud: ["y"] } });
        assert.deepEqual(
            findings.filter((f) => !f.ok).map((f) => [f.id, f.message]),
            [["trust.statement", "no single statement admits both the token's sub and aud"]],
        );
    });

    it("an applying Deny wins over an Allow", () => {
        const denied = { Version: "2012-10-17", Statement: [...crossed.Statement, statement("Deny", { StringLike: { [`${h}:sub`]: "system:serviceaccount:ns:*" } })] };
        const second = { ...token, context: { ...token.context, [`${h}:sub`]: "system:serviceaccount:ns:b" } };
        assert.deepEqual(evaluateWebIdentityTrust(denied, second), { decision: "ExplicitDeny", statement: 2, unknownOperators: [] });
        assert.equal(simulateWebIdentity(denied, second.providerArn, second.context), "ExplicitlyDenied");
    });
});

describe("validateClusters / buildClustersTrustPolicy: bad input", () => {
    const cases: Array<[string, () => unknown, string]> = [
        ["an empty list", () => validateClusters([]), "`clusters` \"[]\" must list at least one cluster. Fix: pass [{ oidcProviderArn, issuerUrl }] with each cluster stack's SelfHostedIrsa outputs"],
        [
            "a provider/issuer mismatch",
            () => validateClusters([BLUE, { oidcProviderArn: GREEN.oidcProviderArn, issuerUrl: OTHER.issuerUrl }]),
            '`clusters[1].issuerUrl` "https://oidc.example.com/other" is not the issuer of clusters[1].oidcProviderArn, which names "oidc.example.com/green". Fix: pass the provider ARN and issuer URL of the same cluster (SelfHostedIrsa outputs `oidcProviderArn` and `issuerUrl`)',
        ],
        ["a provider listed twice", () => validateClusters([BLUE, GREEN, BLUE]), '`clusters[2].oidcProviderArn` "arn:aws:iam::123456789012:oidc-provider/oidc.example.com/blue" is already listed as clusters[0]. Fix: list each cluster once'],
        [
            "an issuer listed twice (another account's provider for it)",
            () => validateClusters([BLUE, cluster("blue", "210987654321")]),
            '`clusters[1].issuerUrl` "https://oidc.example.com/blue" is already listed as clusters[0]. Fix: list each cluster once',
        ],
        [
            "a provider of another account",
            () => validateClusters([BLUE, cluster("green", "210987654321")]),
            '`clusters[1].oidcProviderArn` "arn:aws:iam::210987654321:oidc-provider/oidc.example.com/green" is not in the account and partition of clusters[0] (arn:aws:iam::123456789012); a role can only trust identity providers of its own account. Fix: register the cluster\'s issuer as an IAM OIDC provider in that account (SelfHostedIrsa there), or make one role per account',
        ],
        ["a bad provider ARN", () => validateClusters([BLUE, { oidcProviderArn: "arn:aws:iam::123:role/x", issuerUrl: GREEN.issuerUrl }]), "`clusters[1].oidcProviderArn` \"arn:aws:iam::123:role/x\" is not an IAM OIDC provider ARN"],
        ["a quota below IAM's default", () => buildClustersTrustPolicy({ clusters: [BLUE], ...SA, maxTrustPolicySize: 1000 }), '`maxTrustPolicySize` "1000" must be the account\'s "Role trust policy length" quota, a whole number from 2048 to 8192'],
    ];
    for (const [name, fn, message] of cases) {
        it(`rejects ${name}`, () => {
            assertInputError(fn, message);
        });
    }
});

describe("trust policy size (IAM quota 'Role trust policy length')", () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => cluster(`cluster-${String(i).padStart(2, "0")}`));

    it("counts the compact JSON without white space", () => {
        const doc = buildClustersTrustPolicy({ clusters: [BLUE], ...SA });
        assert.equal(policySize(doc), JSON.stringify(doc).length);
        assert.equal(policySize(JSON.stringify(doc, null, 2)), JSON.stringify(doc).length);
    });

    it("fails before anything is registered with how many clusters fit and the fix", () => {
        const per = policySize(buildClustersTrustPolicy({ clusters: many(2), ...SA })) - policySize(buildClustersTrustPolicy({ clusters: many(1), ...SA }));
        const base = policySize(buildClustersTrustPolicy({ clusters: many(1), ...SA })) - per;
        const fit = Math.floor((2048 - base) / per);
        // Every statement here has the same length, so the arithmetic gives the count independently of the code.
        assert.doesNotThrow(() => buildClustersTrustPolicy({ clusters: many(fit), ...SA }));
        const size = base + per * (fit + 1);
        assert.throws(
            () => buildClustersTrustPolicy({ clusters: many(fit + 1), ...SA }),
            new RegExp(
                `^IrsaInputError: \`clusters\` "${fit + 1} clusters" make a trust policy of ${size} characters, more than the 2048 IAM allows \\(quota "Role trust policy length"\\); ${fit} of these clusters fit\\. ` +
                    "Fix: request a higher \"Role trust policy length\" in Service Quotas \\(IAM, up to 8192\\) and set `maxTrustPolicySize` to it, or split the clusters over several roles$",
            ),
        );
        assert.equal(buildClustersTrustPolicy({ clusters: many(fit + 1), ...SA, maxTrustPolicySize: 4096 }).Statement.length, fit + 1);
    });
});
