import { quoted } from "./display";
import { IrsaInputError } from "./errors";

/** The longest audience IAM takes as an OIDC provider client ID. */
export const MAX_AUDIENCE_LENGTH = 255;

/** The rule every audience meets, as messages state it. */
export const LITERAL_AUDIENCE_RULE =
    "an audience is 1 to 255 literal characters: no `$`, `{`, `}`, `*`, `?`, white space or control characters (in a trust policy IAM reads `${...}` as a policy variable and `*`, `?` as wildcards)";

// `$ { }`: policy variables; `* ?`: StringLike wildcards; white space and C0/C1 controls: never part of an audience.
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[${}*?\s\u0000-\u001f\u007f-\u009f]/;

/**
 * The one check for every audience this package takes or reads: `audiences`, `webhook.tokenAudience`, IrsaRole's
 * `audience`, roleFor's, cluster-config's and the CLI's `--audience`, and the doctor's reading of a
 * ServiceAccount's audience annotation. Pure; returns the audience unchanged.
 */
export function validateLiteralAudience(audience: unknown, argument: string): string {
    if (typeof audience !== "string" || audience.length === 0) {
        throw new IrsaInputError(argument, audience, `must not be empty: ${LITERAL_AUDIENCE_RULE}`, 'use "sts.amazonaws.com" unless your workloads request another audience');
    }
    if (audience.length > MAX_AUDIENCE_LENGTH) {
        throw new IrsaInputError(argument, `${audience.length} characters`, `is too long: ${LITERAL_AUDIENCE_RULE}`, 'use "sts.amazonaws.com" unless your workloads request another audience');
    }
    const bad = FORBIDDEN.exec(audience);
    if (bad) {
        throw new IrsaInputError(argument, audience, `contains ${quoted(bad[0])}: ${LITERAL_AUDIENCE_RULE}`, "use the audience exactly as pods request it (the IAM OIDC provider's client ID), e.g. \"sts.amazonaws.com\"");
    }
    return audience;
}
