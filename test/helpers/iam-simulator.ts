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

/**
 * ELBv2 actions whose names classic Elastic Load Balancing also has: the simulator's data merges the two
 * services under `elasticloadbalancing` and keeps the classic entry (resource type `loadbalancer/<name>` only),
 * so its validated path refuses these actions on target groups, listeners and rules ("no.resource.types").
 * The resource types are ELBv2's, from the Service Authorization Reference ("Elastic Load Balancing V2").
 */
export const ELBV2_SHADOWED_ACTIONS: Record<string, string[]> = {
    AddTags: ["listener-rule/app", "listener-rule/net", "listener/app", "listener/gwy", "listener/net", "loadbalancer/app/", "loadbalancer/gwy/", "loadbalancer/net/", "targetgroup", "truststore"],
    RemoveTags: ["listener-rule/app", "listener-rule/net", "listener/app", "listener/gwy", "listener/net", "loadbalancer/app/", "loadbalancer/gwy/", "loadbalancer/net/", "targetgroup", "truststore"],
    CreateLoadBalancer: ["loadbalancer/app/", "loadbalancer/gwy/", "loadbalancer/net/"],
    DeleteLoadBalancer: ["loadbalancer/app/", "loadbalancer/gwy/", "loadbalancer/net/"],
    ModifyLoadBalancerAttributes: ["loadbalancer/app/", "loadbalancer/gwy/", "loadbalancer/net/"],
};

/** Whether `action` on `resource` is one the simulator's validated path cannot take (see ELBV2_SHADOWED_ACTIONS). */
export function isShadowedElbv2Request(action: string, resource: string): boolean {
    const [service, name] = action.split(":");
    return service === "elasticloadbalancing" && name in ELBV2_SHADOWED_ACTIONS && /:elasticloadbalancing:[^:]*:[^:]*:(targetgroup|listener|listener-rule|truststore|loadbalancer\/(app|net|gwy))\//.test(resource);
}

/**
 * `simulateIdentity`, except for ELBv2 requests the simulator's data cannot type (isShadowedElbv2Request):
 * those are evaluated without validation of the action's resource types and context keys (the policy is
 * still validated). The IAM evaluation itself (action, resource and condition matching) is the same.
 */
export async function simulateIdentityAnyElb(policy: object, action: string, resource: string, context: Record<string, string | string[]> = {}): Promise<SimResult> {
    return isShadowedElbv2Request(action, resource) ? simulateIdentityUnvalidated(policy, action, resource, context) : simulateIdentity(policy, action, resource, context);
}

/**
 * IAM's evaluation of one request without the simulator's checks of the action's resource types and context
 * keys (the policy is still validated): for requests whose resource type the simulator cannot take, and where
 * only the decision matters (a request on a resource type the policy does not name). Validating an action with
 * a hundred resource types (ec2:CreateTags) costs the simulator some 15 ms of CPU per request.
 */
export function simulateIdentityUnvalidated(policy: object, action: string, resource: string, context: Record<string, string | string[]> = {}): SimResult {
    const errors = identityPolicyErrors(policy);
    if (errors.length > 0) {
        throw new Error(`invalid identity policy: ${errors.join("; ")}`);
    }
    return runUnsafeSimulation(
        {
            request: { principal: ROLE_SESSION, action, resource: { resource, accountId: SIM_ACCOUNT }, contextVariables: context },
            identityPolicies: [{ name: "addon", policy: createValidatedPolicy(policy, validateIdentityPolicy, { name: "addon" }) }],
            serviceControlPolicies: [],
            resourceControlPolicies: [],
        },
        {},
    ) as unknown as SimResult;
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
