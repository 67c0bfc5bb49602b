import { issuerHost } from "./discovery";
import { quoted } from "./display";
import { Finding, fail, isFailure, pass, warn } from "./findings";
import { OIDC_PROVIDER_ARN } from "./trust-policy";

const WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity";
/** The string operators IAM offers; `ForAnyValue:`/`ForAllValues:` and `IfExists` are handled around them. */
const OPERATORS = ["StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike"] as const;
type Operator = (typeof OPERATORS)[number];

interface Statement {
    index: number;
    effect: unknown;
    federated: string[];
    /** `"Principal": "*"`: every principal, a provider included. */
    anyPrincipal: boolean;
    actions: string[];
    conditions: Array<{ operator: string; key: string; values: string[] }>;
}

export interface TrustCheckArgs {
    /** The trust policy: a JSON string or a parsed document. */
    policy: unknown;
    issuer: string;
    /** The token's sub and aud, when a token was given. */
    token?: { sub?: string; aud: string[] };
}

const asList = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)]);

/**
 * IAM's StringLike: `*` matches any run of characters, `?` exactly one; everything else is literal. Matched
 * with two pointers and one remembered `*` (no regular expression, no backtracking blow-up): at most
 * pattern length x value length steps, so no pattern in a policy can hang the doctor.
 */
export function iamGlobMatch(pattern: string, value: string): boolean {
    let p = 0;
    let v = 0;
    let star = -1;
    let resume = 0;
    while (v < value.length) {
        if (p < pattern.length && (pattern[p] === "?" || (pattern[p] !== "*" && pattern[p] === value[v]))) {
            p++;
            v++;
        } else if (p < pattern.length && pattern[p] === "*") {
            star = p++;
            resume = v;
        } else if (star !== -1) {
            // Let the last `*` take one more character and retry what follows it.
            p = star + 1;
            v = ++resume;
        } else {
            return false;
        }
    }
    while (p < pattern.length && pattern[p] === "*") {
        p++;
    }
    return p === pattern.length;
}

/** Whether a condition value uses IAM policy variables (`${aws:username}`, `${www.amazon.com:user_id}`). */
export const usesPolicyVariable = (pattern: string): boolean => pattern.includes("${");

/**
 * Whether one condition (operator, its values) holds for the request's values of the key; undefined when the
 * doctor cannot decide it here: an operator it does not evaluate, or a policy variable (IAM substitutes
 * `${...}` from the request context at evaluation time, which the doctor does not have).
 */
export function conditionHolds(operator: string, patterns: string[], values: string[]): boolean | undefined {
    const setOp = operator.startsWith("ForAllValues:") ? "all" : operator.startsWith("ForAnyValue:") ? "any" : "single";
    const base = operator.replace(/^For(AllValues|AnyValue):/, "").replace(/IfExists$/, "") as Operator | "Null";
    if (base === "Null" && setOp === "single") {
        // "Null": "true" holds when the key is absent, "false" when it is present (STS always sets sub and aud).
        const wanted = patterns.map((p) => p.toLowerCase());
        return wanted.every((p) => p === "true" || p === "false") ? wanted.includes(values.length === 0 ? "true" : "false") : undefined;
    }
    if (!OPERATORS.includes(base as Operator) || patterns.some(usesPolicyVariable)) {
        return undefined;
    }
    if (values.length === 0) {
        // A missing key satisfies only IfExists and ForAllValues operators, as IAM evaluates them.
        return operator.endsWith("IfExists") || setOp === "all";
    }
    const negated = base.includes("Not");
    const one = (value: string) => {
        const hit = patterns.some((p) =>
            base.startsWith("StringLike") || base.startsWith("StringNotLike")
                ? iamGlobMatch(p, value)
                : base.endsWith("IgnoreCase")
                  ? p.toLowerCase() === value.toLowerCase()
                  : p === value,
        );
        return negated ? !hit : hit;
    };
    return setOp === "all" ? values.every(one) : values.some(one);
}

function parsePolicy(policy: unknown): { statements?: Statement[]; error?: string } {
    let doc = policy;
    if (typeof policy === "string") {
        try {
            doc = JSON.parse(policy);
        } catch (err) {
            return { error: `the trust policy is not JSON (${(err as Error).message})` };
        }
    }
    const raw = (doc as { Statement?: unknown } | null)?.Statement;
    if (raw === undefined || raw === null || typeof raw !== "object") {
        return { error: "the trust policy has no Statement" };
    }
    const statements = (Array.isArray(raw) ? raw : [raw]).map((s: Record<string, unknown>, index) => {
        const principal = s?.Principal as Record<string, unknown> | string | undefined;
        const conditions: Statement["conditions"] = [];
        for (const [operator, block] of Object.entries((s?.Condition as Record<string, Record<string, unknown>>) ?? {})) {
            for (const [key, values] of Object.entries(block ?? {})) {
                conditions.push({ operator, key, values: asList(values) });
            }
        }
        return {
            index,
            effect: s?.Effect,
            federated: typeof principal === "object" && principal !== null ? asList(principal.Federated) : [],
            anyPrincipal: principal === "*",
            actions: asList(s?.Action),
            conditions,
        };
    });
    return { statements };
}

const allowsWebIdentity = (s: Statement) => s.actions.some((a) => a === "*" || a.toLowerCase() === "sts:*" || a.toLowerCase() === WEB_IDENTITY.toLowerCase());

function describe(conditions: Statement["conditions"]): string {
    return conditions.map((c) => `${c.operator} ${c.key} ${JSON.stringify(c.values.length === 1 ? c.values[0] : c.values)}`).join(" and ");
}

/**
 * Values no policy names: a condition they satisfy admits every ServiceAccount (any namespace, any name) or every
 * audience. Two of each, so a pattern cannot match both by naming them.
 */
const PROBES: Record<"sub" | "aud", string[]> = {
    sub: ["system:serviceaccount:zz-doctor-probe-7f3a:zz-probe-sa-9c1e", "system:serviceaccount:q0-other-ns-41d2:q0-x"],
    aud: ["zz-doctor-probe-audience-7f3a.invalid", "q0-another-audience-41d2"],
};

type ClaimConditions = { s: Statement; conditions: Statement["conditions"] };

/** What a statement's conditions on one claim admit, without a token. */
function breadth(claim: "sub" | "aud", x: ClaimConditions): "open" | "unknown" | "narrow" {
    if (x.conditions.length === 0) {
        return "open";
    }
    const results = PROBES[claim].map((probe) => x.conditions.map((c) => conditionHolds(c.operator, c.values, [probe])));
    if (results.some((r) => r.some((h) => h === undefined))) {
        return "unknown";
    }
    return results.every((r) => r.every((h) => h === true)) ? "open" : "narrow";
}

/** Why a condition cannot be decided here, for the WARN message. */
function whyUnknown(c: Statement["conditions"][number]): string {
    return c.values.some(usesPolicyVariable)
        ? `${quoted(c.operator)} on ${quoted(c.key)} uses a policy variable (${quoted(c.values.find(usesPolicyVariable))}), which IAM fills in from the request at evaluation time`
        : `${quoted(c.operator)} on ${quoted(c.key)} is an operator the doctor does not evaluate`;
}

/** A namespace wildcard in a sub pattern: whoever may create a namespace of that shape gets the role. */
const namespaceWildcard = (c: Statement["conditions"][number]) =>
    /Like/.test(c.operator) && !/Not/.test(c.operator) && c.values.some((v) => /^system:serviceaccount:[^:]*[*?]/.test(v) && !/^system:serviceaccount:[^:*?]*:/.test(v));

/**
 * Evaluates one claim (sub or aud) against the conditions on `<host>:<claim>` of the candidate statements: a
 * statement whose conditions admit any value (none, `*`, `system:serviceaccount:*`, a negated operator, ...)
 * fails `sub` and warns on `aud` (STS still checks aud against the provider's client IDs); a policy variable or
 * an operator the doctor does not evaluate is a WARN, never a PASS; otherwise the token's value must satisfy one.
 */
function checkClaim(claim: "sub" | "aud", host: string, candidates: Statement[], values: string[] | undefined): Finding {
    const id = `trust.${claim}`;
    const key = `${host}:${claim}`.toLowerCase();
    const onKey: ClaimConditions[] = candidates.map((s) => ({ s, conditions: s.conditions.filter((c) => c.key.toLowerCase() === key) }));
    const pin =
        claim === "sub"
            ? `pin it: "StringEquals": {"${host}:sub": "system:serviceaccount:NAMESPACE:NAME"}`
            : `pin it: "StringEquals": {"${host}:aud": "sts.amazonaws.com"}`;
    const open = onKey.find((x) => breadth(claim, x) === "open");
    if (open) {
        const what = open.conditions.length === 0 ? `puts no condition on ${host}:${claim}` : `admits any ${claim} with ${describe(open.conditions)}`;
        return claim === "sub"
            ? fail(id, `statement ${open.s.index} ${what}: every ServiceAccount of the cluster can assume this role`, pin)
            : warn(id, `statement ${open.s.index} ${what}: any audience the IAM provider lists is accepted`, pin);
    }
    const unknown = onKey.filter((x) => breadth(claim, x) === "unknown");
    if (unknown.length > 0) {
        const c = unknown[0].conditions.find((x) => conditionHolds(x.operator, x.values, [PROBES[claim][0]]) === undefined)!;
        return warn(id, `statement ${unknown[0].s.index}: cannot evaluate here: ${whyUnknown(c)}; whether it admits only the intended ${claim === "sub" ? "ServiceAccount" : "audience"} is not known`, `${pin} (a literal value), or test the role with the real STS (aws sts assume-role-with-web-identity)`);
    }
    const wild = onKey.flatMap((x) => x.conditions.filter((c) => claim === "sub" && namespaceWildcard(c)).map((c) => ({ x, c })))[0];
    if (values === undefined) {
        if (wild) {
            return warn(id, `statement ${wild.x.s.index} ${describe([wild.c])} matches ServiceAccounts in more than one namespace: whoever can create such a namespace and ServiceAccount can assume this role`, "name the namespace literally (\"system:serviceaccount:NAMESPACE:*\" at the widest)");
        }
        return pass(id, `${describe(onKey[0].conditions)} (no token given to test it)`);
    }
    // Statements combine with OR; conditions inside one statement with AND.
    const shownValues = JSON.stringify(values.length === 1 ? values[0] : values);
    for (const { s, conditions } of onKey) {
        if (conditions.every((c) => conditionHolds(c.operator, c.values, values) === true)) {
            return wild && wild.x.s === s
                ? warn(id, `the token's ${claim} ${shownValues} satisfies ${describe(conditions)}, which matches ServiceAccounts in more than one namespace: whoever can create such a namespace and ServiceAccount can assume this role`, "name the namespace literally (\"system:serviceaccount:NAMESPACE:*\" at the widest)")
                : pass(id, `the token's ${claim} ${shownValues} satisfies ${describe(conditions)}`);
        }
    }
    const wanted = onKey.map((x) => describe(x.conditions)).join("; or ");
    return fail(
        id,
        `the token's ${claim} ${shownValues} does not satisfy ${wanted}`,
        claim === "sub"
            ? "run the pod with the service account the role trusts, or change the role's sub condition to this one"
            : "project the token with the audience the role expects (annotation eks.amazonaws.com/audience), or change the aud condition",
    );
}

/** An AssumeRoleWithWebIdentity request as STS sees it: the provider that issued the token, and its context keys. */
export interface WebIdentityRequest {
    /** The IAM OIDC provider ARN STS found for the token's `iss`. */
    providerArn: string;
    /** Context keys and their values, e.g. `{ "<host>:sub": "system:serviceaccount:ns:sa", "<host>:aud": ["sts.amazonaws.com"] }`. */
    context: Record<string, string | string[]>;
}

export interface TrustDecision {
    decision: "Allow" | "ExplicitDeny" | "ImplicitDeny";
    /** Index of the decisive statement (the first that allowed, or the Deny that matched). */
    statement?: number;
    /** Conditions this evaluation cannot decide (unknown operators, policy variables), met in a statement that otherwise applied (counted as not holding). */
    unknownOperators: string[];
}

/**
 * Evaluates a trust policy for one AssumeRoleWithWebIdentity request the way IAM does: a statement applies
 * when its Federated principal names the request's provider, its Action covers the web identity action and
 * every condition holds (conditions AND, values OR; condition keys are case-insensitive). An applying Deny
 * wins; otherwise any applying Allow allows; otherwise the request is implicitly denied.
 */
export function evaluateWebIdentityTrust(policy: unknown, request: WebIdentityRequest): TrustDecision {
    const parsed = parsePolicy(policy);
    const unknownOperators: string[] = [];
    if (!parsed.statements) {
        return { decision: "ImplicitDeny", unknownOperators };
    }
    const context = new Map(Object.entries(request.context).map(([k, v]) => [k.toLowerCase(), asList(v)]));
    const applies = (s: Statement): boolean => {
        if (!(s.anyPrincipal || s.federated.includes(request.providerArn)) || !allowsWebIdentity(s)) {
            return false;
        }
        return s.conditions.every((c) => {
            const holds = conditionHolds(c.operator, c.values, context.get(c.key.toLowerCase()) ?? []);
            if (holds === undefined) {
                unknownOperators.push(c.values.some(usesPolicyVariable) ? `${c.operator} with a policy variable` : c.operator);
            }
            return holds === true;
        });
    };
    const deny = parsed.statements.find((s) => s.effect === "Deny" && applies(s));
    if (deny) {
        return { decision: "ExplicitDeny", statement: deny.index, unknownOperators };
    }
    const allow = parsed.statements.find((s) => s.effect === "Allow" && applies(s));
    return allow ? { decision: "Allow", statement: allow.index, unknownOperators } : { decision: "ImplicitDeny", unknownOperators };
}

/**
 * Checks a role's trust policy against the issuer and (optionally) a token: the Federated principal is this
 * issuer's IAM OIDC provider, the Action allows AssumeRoleWithWebIdentity, the `:sub`/`:aud` condition keys
 * name this issuer, and the token's sub and aud satisfy them.
 */
export function checkTrustPolicy(args: TrustCheckArgs): Finding[] {
    const parsed = parsePolicy(args.policy);
    if (!parsed.statements) {
        return [fail("trust.json", parsed.error!, "pass the role's trust policy document (aws iam get-role --query Role.AssumeRolePolicyDocument)")];
    }
    const findings = [pass("trust.json", `the trust policy has ${parsed.statements.length} statement(s)`)];
    const host = issuerHost(args.issuer);
    const allow = parsed.statements.filter((s) => s.effect === "Allow");
    const anyone = allow.find((s) => s.anyPrincipal && allowsWebIdentity(s));
    if (anyone) {
        // Any identity provider STS trusts (in any account, and Google, Amazon, Cognito) could then assume the role.
        findings.push(fail("trust.principal", `statement ${anyone.index} allows ${WEB_IDENTITY} to "Principal": "*": tokens of any identity provider STS knows can assume this role`, `use "Principal": {"Federated": "arn:aws:iam::ACCOUNT:oidc-provider/${host}"}`));
        return findings;
    }
    const forProvider = allow.filter((s) => s.federated.some((f) => OIDC_PROVIDER_ARN.exec(f)?.[2] === host));
    if (forProvider.length === 0) {
        const named = [...new Set(allow.flatMap((s) => s.federated))];
        findings.push(
            fail(
                "trust.principal",
                named.length === 0
                    ? "no Allow statement has a Federated principal"
                    : `the Federated principal names ${named.map((n) => JSON.stringify(n)).join(", ")}, not the OIDC provider for ${host}`,
                `use "Principal": {"Federated": "arn:aws:iam::ACCOUNT:oidc-provider/${host}"}`,
            ),
        );
        return findings;
    }
    findings.push(pass("trust.principal", `the Federated principal is ${forProvider[0].federated.find((f) => f.endsWith(`oidc-provider/${host}`))}`));
    const candidates = forProvider.filter(allowsWebIdentity);
    if (candidates.length === 0) {
        findings.push(fail("trust.action", `the statement for this provider allows ${JSON.stringify(forProvider[0].actions)}, not ${WEB_IDENTITY}`, `set "Action": "${WEB_IDENTITY}"`));
        return findings;
    }
    findings.push(pass("trust.action", `the statement allows ${WEB_IDENTITY}`));
    const foreign = candidates.flatMap((s) => s.conditions).filter((c) => /:(sub|aud|amr)$/i.test(c.key) && c.key.slice(0, c.key.lastIndexOf(":")).toLowerCase() !== host.toLowerCase());
    findings.push(
        foreign.length > 0
            ? fail("trust.condition-keys", `the condition key(s) ${foreign.map((c) => JSON.stringify(c.key)).join(", ")} name another issuer than ${host}; STS never sets them for this provider`, `key the conditions "${host}:sub" and "${host}:aud"`)
            : pass("trust.condition-keys", `the condition keys name ${host}`),
    );
    const sub = checkClaim("sub", host, candidates, args.token ? (args.token.sub === undefined ? [] : [args.token.sub]) : undefined);
    const aud = checkClaim("aud", host, candidates, args.token?.aud);
    findings.push(sub, aud);
    if (args.token && !findings.some(isFailure)) {
        // Each claim passing in some statement is not enough: IAM needs one statement where both hold, and no Deny.
        const providerArn = forProvider[0].federated.find((f) => OIDC_PROVIDER_ARN.exec(f)?.[2] === host)!;
        const context = { [`${host}:sub`]: args.token.sub === undefined ? [] : [args.token.sub], [`${host}:aud`]: args.token.aud };
        const { decision, statement, unknownOperators } = evaluateWebIdentityTrust(args.policy, { providerArn, context });
        if (decision !== "Allow" && unknownOperators.length > 0) {
            // Said once: a claim that could not be decided already warned.
            if (!sub.warning && !aud.warning) findings.push(warn("trust.statement", `cannot evaluate here whether one statement admits both the token's sub and aud: the policy uses ${[...new Set(unknownOperators)].map((o) => quoted(o)).join(", ")}, which the doctor does not decide (policy variables, other operators)`, "test the role with the real STS (aws sts assume-role-with-web-identity)"));
        } else if (decision !== "Allow") {
            findings.push(
                decision === "ExplicitDeny"
                    ? fail("trust.statement", `statement ${statement} denies this token (Effect Deny)`, "remove or narrow the Deny statement")
                    : fail("trust.statement", `no single statement admits both the token's sub and aud`, "put the sub and aud conditions for this service account in one statement"),
            );
        }
    }
    return findings;
}
