// Check 4: the webhook's annotations on a ServiceAccount (pure; the rules are the component's own validators).
import { IrsaInputError } from "../../oidc/errors";
import { DEFAULT_AUDIENCE } from "../../oidc/trust-policy";
import { ANNOTATION_PREFIX, validateRoleArn } from "../../webhook/annotation-rules";
import { MAX_TOKEN_EXPIRATION, validateAudience, validateTokenExpiration } from "../../webhook/webhook-values";
import { ClusterFinding, failed, passed } from "./findings";

export const ROLE_ANNOTATION = `${ANNOTATION_PREFIX}/role-arn`;
export const AUDIENCE_ANNOTATION = `${ANNOTATION_PREFIX}/audience`;
export const EXPIRATION_ANNOTATION = `${ANNOTATION_PREFIX}/token-expiration`;

/** A Kubernetes object as kubectl prints it in JSON. */
export type KubeObject = {
    metadata?: { name?: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string>; ownerReferences?: Array<{ kind?: string; name?: string; controller?: boolean }> };
    [field: string]: unknown;
};

/** The rule and fix of an IrsaInputError, without the argument/value head it repeats. */
function ruleOf(err: unknown): { rule: string; fix: string } {
    const text = (err as Error).message;
    const fixAt = text.indexOf(". Fix: ");
    return { rule: text.slice(0, fixAt === -1 ? undefined : fixAt).replace(/^`[^`]*` ("(?:[^"\\]|\\.)*"|\(not set\)|\(value redacted\)) /, ""), fix: fixAt === -1 ? "see the message" : text.slice(fixAt + 7) };
}

/**
 * The audiences the IAM provider lists, as far as the doctor can know them: the values the trust policy pins
 * on `<issuer>:aud`, else the default (sts.amazonaws.com, what the component registers).
 */
export function providerAudiences(trustPolicy: string | undefined): string[] {
    if (trustPolicy !== undefined) {
        try {
            const doc = JSON.parse(trustPolicy) as { Statement?: unknown };
            const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
            const values = statements.flatMap((s: { Condition?: Record<string, Record<string, unknown>> }) =>
                Object.values(s?.Condition ?? {}).flatMap((block) => Object.entries(block ?? {}).filter(([key]) => /:aud$/i.test(key)).flatMap(([, v]) => (Array.isArray(v) ? v.map(String) : [String(v)]))),
            );
            if (values.length > 0) {
                return [...new Set(values)];
            }
        } catch {
            // An unparsable policy is reported by the trust.* findings; fall back to the default here.
        }
    }
    return [DEFAULT_AUDIENCE];
}

/** The audience the webhook projects for this ServiceAccount (annotation, else the default). */
export function serviceAccountAudience(sa: KubeObject): string {
    return sa.metadata?.annotations?.[AUDIENCE_ANNOTATION] ?? DEFAULT_AUDIENCE;
}

export function checkServiceAccountAnnotations(sa: KubeObject, audiences: readonly string[]): ClusterFinding[] {
    const annotations = sa.metadata?.annotations ?? {};
    const who = `ServiceAccount ${sa.metadata?.namespace}/${sa.metadata?.name}`;
    const annotate = `kubectl annotate serviceaccount ${sa.metadata?.name} -n ${sa.metadata?.namespace} --overwrite`;
    const findings: ClusterFinding[] = [];
    const role = annotations[ROLE_ANNOTATION];
    if (role === undefined) {
        findings.push(failed("sa.role-arn", `${who} has no ${ROLE_ANNOTATION} annotation: the webhook gives its pods no AWS credentials`, `${annotate} ${ROLE_ANNOTATION}=arn:aws:iam::ACCOUNT:role/NAME (roleFor or IrsaRole gives the ARN), then restart its pods`));
    } else {
        try {
            validateRoleArn(role, ROLE_ANNOTATION);
            findings.push(passed("sa.role-arn", `${who} is annotated with role ${role}`));
        } catch (err) {
            findings.push(failed("sa.role-arn", `${who}'s ${ROLE_ANNOTATION} ${JSON.stringify(role)} ${ruleOf(err).rule}`, ruleOf(err).fix));
        }
    }
    const audience = annotations[AUDIENCE_ANNOTATION];
    if (audience === undefined) {
        findings.push(passed("sa.audience", `no ${AUDIENCE_ANNOTATION} annotation: tokens get the webhook's audience (${DEFAULT_AUDIENCE} by default)`));
    } else {
        try {
            validateAudience(audience, AUDIENCE_ANNOTATION);
            findings.push(
                audiences.includes(audience)
                    ? passed("sa.audience", `the audience annotation ${JSON.stringify(audience)} is one the provider lists`)
                    : failed("sa.audience", `the audience annotation ${JSON.stringify(audience)} is not one the provider lists (${audiences.map((a) => JSON.stringify(a)).join(", ")}): STS refuses such tokens`, `remove the annotation, or add ${JSON.stringify(audience)} to the IAM OIDC provider's client IDs and the trust policy's aud condition`),
            );
        } catch (err) {
            findings.push(failed("sa.audience", `${who}'s ${AUDIENCE_ANNOTATION} ${ruleOf(err).rule}`, ruleOf(err).fix));
        }
    }
    const expiration = annotations[EXPIRATION_ANNOTATION];
    if (expiration === undefined) {
        findings.push(passed("sa.token-expiration", `no ${EXPIRATION_ANNOTATION} annotation: tokens live as long as the webhook's default`));
    } else {
        try {
            // The webhook parses the annotation as an integer; anything else is refused like an out-of-range number.
            const seconds = /^\d+$/.test(expiration.trim()) ? Number(expiration.trim()) : expiration;
            validateTokenExpiration(seconds, EXPIRATION_ANNOTATION, MAX_TOKEN_EXPIRATION);
            findings.push(passed("sa.token-expiration", `the token lifetime annotation ${expiration} s is within the webhook's bounds`));
        } catch (err) {
            const { rule, fix } = err instanceof IrsaInputError ? ruleOf(err) : { rule: String(err), fix: "see the message" };
            findings.push(failed("sa.token-expiration", `${who}'s ${EXPIRATION_ANNOTATION} ${JSON.stringify(expiration)} ${rule}`, fix));
        }
    }
    return findings;
}
