// The IAM policy simulator of @cloud-copilot/iam-simulate (dev dependency), wrapped for the tests.
//
// Identity policies go through `runSimulation`, which validates the policy, the action, the resource type
// and the context keys against its IAM data. Trust policies go through `runUnsafeSimulation`: the validated
// path keeps only the context keys its data lists for sts:AssumeRoleWithWebIdentity (Google, Cognito,
// GitHub, ...), so the `<issuer host>:sub`/`:aud` keys of a self-hosted issuer would be dropped; the
// unsafe path evaluates the keys as given. The trust policy itself is still validated (validateTrustPolicy).
import { runSimulation, runUnsafeSimulation } from "@cloud-copilot/iam-simulate";
import { createValidatedPolicy, validateIdentityPolicy, validateTrustPolicy } from "@cloud-copilot/iam-policy";

export const SIM_ACCOUNT = "123456789012";
/** The principal making add-on requests: a session of the IRSA role. */
export const ROLE_SESSION = `arn:aws:sts::${SIM_ACCOUNT}:assumed-role/addon/botocore-session-1`;

export type SimResult = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";

/** Syntax errors the simulator's parser finds in an identity policy (empty when valid). */
export function identityPolicyErrors(policy: object): string[] {
    return validateIdentityPolicy(policy).map((e) => `${e.path}: ${e.message}`);
}

/** Syntax errors the simulator's parser finds in a trust policy (empty when valid). */
export function trustPolicyErrors(policy: object): string[] {
    return validateTrustPolicy(policy).map((e) => `${e.path}: ${e.message}`);
}

/**
 * KMS authorizes only what the key policy allows: identity policies count when the key policy delegates to
 * the account (the default key policy's "Enable IAM User Permissions" statement), as here.
 */
export const DEFAULT_KEY_POLICY = {
    Version: "2012-10-17",
    Statement: [{ Sid: "EnableIamUserPermissions", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${SIM_ACCOUNT}:root` }, Action: "kms:*", Resource: "*" }],
};

/** Runs one request of the role against its identity policy; throws on a simulation error (bad action, resource type, ...). */
export async function simulateIdentity(policy: object, action: string, resource: string, context: Record<string, string | string[]> = {}): Promise<SimResult> {
    const response = await runSimulation(
        {
            request: { principal: ROLE_SESSION, action, resource: { resource, accountId: SIM_ACCOUNT }, contextVariables: context },
            identityPolicies: [{ name: "addon", policy }],
            serviceControlPolicies: [],
            resourceControlPolicies: [],
            // KMS keys always have a key policy; other resources here have none (identity policy only).
            ...(action.startsWith("kms:") ? { resourcePolicy: DEFAULT_KEY_POLICY } : {}),
        },
        {},
    );
    if (response.resultType === "error") {
        throw new Error(`simulation of ${action} on ${resource} failed: ${JSON.stringify(response.errors)}`);
    }
    if (response.resultType === "single" && (response.result.ignoredContextKeys ?? []).length > 0) {
        throw new Error(`the simulator ignored context keys ${JSON.stringify(response.result.ignoredContextKeys)} for ${action}`);
    }
    return response.overallResult as SimResult;
}

/** Runs AssumeRoleWithWebIdentity from `providerArn` with the token's context keys against a role's trust policy. */
export function simulateWebIdentity(trustPolicy: object, providerArn: string, context: Record<string, string | string[]>, roleArn = `arn:aws:iam::${SIM_ACCOUNT}:role/app`): SimResult {
    const result = runUnsafeSimulation(
        {
            request: { principal: providerArn, action: "sts:AssumeRoleWithWebIdentity", resource: { resource: roleArn, accountId: SIM_ACCOUNT }, contextVariables: context },
            identityPolicies: [],
            serviceControlPolicies: [],
            resourceControlPolicies: [],
            resourcePolicy: createValidatedPolicy(trustPolicy, validateTrustPolicy, { name: "trust" }),
        },
        {},
    );
    return result as unknown as SimResult;
}
