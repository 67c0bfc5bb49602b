import type * as pulumi from "@pulumi/pulumi";
import { checked, combine, isKnown, isPending, Later, Planned } from "../common/known";
import { AWS_AUTONAME_SUFFIX, IAM_ROLE_NAME_RULE, explicitNameIfNeeded } from "../common/derived-names";
import { issuerHost, validateIssuerUrl } from "../oidc/discovery";
import { IrsaInputError } from "../oidc/errors";
import { checkProviderNamesIssuer, clusterStatement, DEFAULT_AUDIENCE, PolicyDocument, serviceAccountSubject, validateOidcProviderArn } from "../oidc/trust-policy";
import { ClusterTrust, clustersTrustPolicy, DEFAULT_MAX_TRUST_POLICY_SIZE, validateClusters, validateMaxTrustPolicySize } from "../oidc/cluster-trust";
import { validatePolicyArn } from "../aws/names";
import { addonDefaults, addonNames, addonPolicies, addonPolicy, AddonName, PlainAddonPresets } from "../aws/addons";
import { arnPartition } from "../aws/addons/arns";
import { MAX_TOKEN_EXPIRATION, validateTokenExpiration } from "../webhook/webhook-values";
import { validateRoleArn } from "../webhook/annotation-rules";
import { annotationsOf } from "../webhook/service-account-annotations";
import { IrsaRoleArgs, IrsaRoleCluster, SubjectMatch } from "./irsa-role-args";
import { checkAudienceListed, SA_FIELDS, validateExtraAnnotations, validateMaxSessionDuration, validateRoleAudience, validateRoleName, validateRolePath, validateSubjectName } from "./role-rules";
import { attachmentKey, combineRolePolicies, inlinePolicySuffix, NormalizedInlinePolicy, planRolePolicy, planRolePolicySet, PlannedRolePolicy, RolePolicy } from "./role-policy";

// A role in one pass: IrsaRole's args (one cluster or several, presets, roleFor's shorthand) in, everything IrsaRole
// registers out. Each argument is checked once, here: now when it is known, otherwise by the same check once the
// engine knows it (a Later, which fails the resource that takes it). IrsaRole only registers what the plan says;
// roleFor only builds the request. Pure: no resources, no Pulumi runtime.

/** What a role is planned from. */
export interface RoleRequest {
    /** The name of the role's children: `<name>-role`, `<name>-policy...`, `<name>-attach-...`, `<name>-service-account...`. */
    name: string;
    /** IrsaRole's args; roleFor's options add `additionalClusters`. */
    args: IrsaRoleArgs & { additionalClusters?: pulumi.Input<IrsaRoleCluster[]> };
    /** roleFor's TypeScript `policy` shorthand, joined with the args' `managedPolicyArns` and `inlinePolicies`. */
    policy?: RolePolicy;
    /** Whether the request comes from roleFor (its policy arguments are then checked first, as roleFor takes them). */
    roleFor?: boolean;
    /** The client IDs of the cluster's IAM OIDC provider when known: an audience outside them is refused (STS would). */
    providerAudiences?: readonly string[];
}

/** The settings of the ServiceAccount annotations, checked; the role ARN joins them once the Role exists. */
export interface AnnotationSettings {
    audience: string;
    stsRegionalEndpoints?: boolean;
    tokenExpiration?: number;
    extra: Record<string, string>;
}

/** Everything a role registers, decided from its request alone. */
export interface RolePlan {
    /** The ServiceAccount's namespace and name, checked. */
    namespace: Planned<string>;
    serviceAccount: Planned<string>;
    role: {
        resourceName: string;
        /** The trust policy, JSON text. */
        trustPolicy: Planned<string>;
        description: Planned<string> | pulumi.Input<string>;
        /** The IAM name: given (checked) or derived; undefined keeps Pulumi's auto-name. */
        name?: Planned<string>;
        path?: Planned<string>;
        maxSessionDuration?: Planned<number>;
        permissionsBoundary?: Planned<string>;
        tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
        /** A fixed name (given or derived) cannot exist twice: a replacement deletes the old role first. */
        deleteBeforeReplace: boolean;
        /**
         * A derived name is kept once the role exists (`ignoreChanges: ["name"]`): what it is derived from may change
         * (a renamed component, roleFor's names in 0.2.0), and IAM replaces a role whose name changes.
         */
        keepName: boolean;
    };
    /** Warnings for the user (a wildcard namespace that also matches one the webhook never intercepts). */
    warnings: Planned<string[]>;
    /** One RolePolicy per inline document, in name order. */
    inlinePolicies: Array<{ resourceName: string; name: string; document: Planned<string> }>;
    /** One RolePolicyAttachment per managed ARN, keyed by ARN (by position for ARNs not known yet). */
    attachments: Array<{ resourceName: string; policyArn: Planned<string> }>;
    /** The ServiceAccount this role creates or annotates, if any. */
    serviceAccountResource?: {
        mode: "create" | "annotate";
        resourceName: string;
        settings: Planned<AnnotationSettings>;
        /** The annotations, once the role's ARN is known. */
        annotations(roleArn: string, settings: AnnotationSettings): Record<string, string>;
    };
}

/**
 * The same error with its argument placed in the caller's arguments (`namespace` → `roles[2].namespace`). The
 * error is changed in place (the same error may reach several resources: it is reported once).
 */
export function prefixArgument(error: unknown, prefix: string): unknown {
    if (error instanceof IrsaInputError && !error.argument.startsWith(prefix)) {
        const argument = `${prefix}${error.argument}`;
        error.message = error.message.replace(`\`${error.argument}\``, `\`${argument}\``);
        Object.defineProperty(error, "argument", { value: argument });
    }
    return error;
}

/**
 * The name roleFor and SelfHostedIrsa's `roles` give a role: `<component>_<namespace>_<serviceAccount>`. Kubernetes
 * names (and wildcard patterns) never hold `_`, so reading from the right gives back the three parts: no two
 * roles share a name, whatever the component is called. `_` is valid in IAM names and the name is as long as
 * 0.2's, so the Role keeps Pulumi's auto-name exactly when it did.
 */
export function roleForName(component: string, namespace: string, serviceAccount: string): string {
    return `${component}_${namespace}_${serviceAccount}`;
}

/**
 * roleFor's name before 0.2.0, `<component>-<namespace>-<serviceAccount>`, which two roles could share (`team-a` +
 * `reader`, `team` + `a-reader`); deployed roles keep their URNs through it as an alias.
 */
export function legacyRoleForName(component: string, namespace: string, serviceAccount: string): string {
    return `${component}-${namespace}-${serviceAccount}`;
}

/** Plans a role; throws IrsaInputError on the first bad argument that is known now. */
export function planRole(request: RoleRequest): RolePlan {
    const { name, args } = request;
    // roleFor checks what it was given first: the audience against its cluster's, then the policy arguments.
    // The literal rule first: its message says what is wrong with the value itself.
    const listedAudience =
        request.providerAudiences !== undefined && typeof args.audience === "string" ? checkAudienceListed(validateRoleAudience(args.audience), request.providerAudiences) : undefined;
    const shorthand = request.roleFor ? rolePolicies(request) : undefined;

    const trust = trustSource(args);
    const presets = addonNames(args.addons);
    const subject = subjectOf(args, presets);
    // The inline names the presets must not take: every inline policy given (roleFor's shorthand included).
    const givenNames = shorthand ? shorthand.inlinePolicies.map((p) => p.name) : Object.keys(args.inlinePolicies ?? {});
    const presetPolicies = presetInlinePolicies(args, presets, givenNames, trust);

    const match = args.subjectMatch;
    if (match !== undefined && match !== SubjectMatch.Exact && match !== SubjectMatch.Wildcard) {
        throw new IrsaInputError("subjectMatch", match, "is not a subject match", "use \"exact\" (the default) or \"wildcard\"");
    }
    if ("policy" in args && (args as { policy?: unknown }).policy !== undefined) {
        // Removed from IrsaRoleArgs in 0.2.0 (a union no other Pulumi language can express); JavaScript callers still reach here.
        throw new IrsaInputError("policy", "(set)", "is not an IrsaRole argument since 0.2.0", "spread `rolePolicyArgs(policy)` into the args, or use `managedPolicyArns` / `inlinePolicies`");
    }
    const namespace = checked(subject.namespace, (v: string) => validateSubjectName(v, "namespace", match))!;
    const serviceAccount = checked(subject.serviceAccount, (v: string) => validateSubjectName(v, "serviceAccount", match))!;
    const provider = checked(trust.oidcProviderArn, (arn: string) => ({ arn, host: validateOidcProviderArn(arn, "oidcProviderArn") }));
    const issuer = checked(trust.issuerUrl, (url: string) => validateIssuerUrl(url, "issuerUrl"));
    // Checked above when roleFor could compare it with its cluster's audiences; otherwise here.
    const audience = listedAudience ?? checked(args.audience, validateRoleAudience) ?? DEFAULT_AUDIENCE;
    // A ServiceAccount where the webhook injects nothing is refused; known later, it fails the Role (it takes the check).
    const warnings = args.webhookExemptNamespaces === undefined ? [] : combine([namespace, args.webhookExemptNamespaces], ([ns, exempt]) => checkInjected(name, ns, exempt, match));
    const trustPolicy =
        trust.clusters !== undefined
            ? combine([trust.clusters, namespace, serviceAccount, audience, trust.maxTrustPolicySize, warnings], ([clusters, ns, sa, aud, max]) =>
                  JSON.stringify(clustersTrustPolicy(clusters, trust.hosts ?? validateClusters(clusters), serviceAccountSubject(ns, sa), aud, match, max)),
              )
            : combine([provider, issuer, namespace, serviceAccount, audience, warnings], ([p, url, ns, sa, aud]) => JSON.stringify(oneClusterTrustPolicy(p, url, ns, sa, aud, match)));

    const roleName = checked(args.roleName, validateRoleName);
    const path = checked(args.rolePath, validateRolePath);
    const maxSessionDuration = checked(args.maxSessionDuration, validateMaxSessionDuration);
    const permissionsBoundary = checked(args.permissionsBoundary, (arn: string) => validatePolicyArn(arn, "permissionsBoundary"));
    const serviceAccountResource = planServiceAccount(name, args, audience);

    const policies = shorthand ?? rolePolicies(request);
    const combined = presetPolicies.length > 0 ? withPresets(policies, presetPolicies) : policies;
    const attachmentKeys = combined.managedPolicyArns.map(attachmentKey);
    const duplicate = attachmentKeys.find((k, i) => attachmentKeys.indexOf(k) !== i);
    if (duplicate !== undefined) {
        throw new IrsaInputError("managedPolicyArns", duplicate, "keys two attachments alike (two policy ARNs that differ only in '/' and '-')", "attach one of them through a customer managed policy of another name");
    }
    const derivedName = args.roleName === undefined ? explicitNameIfNeeded(`${name}-role`, IAM_ROLE_NAME_RULE, AWS_AUTONAME_SUFFIX) : undefined;
    return {
        namespace,
        serviceAccount,
        role: {
            resourceName: `${name}-role`,
            trustPolicy,
            description: args.description ?? combine([namespace, serviceAccount], ([ns, sa]) => `IRSA role for ${serviceAccountSubject(ns, sa)}`),
            name: roleName ?? derivedName,
            path,
            maxSessionDuration,
            permissionsBoundary,
            tags: args.tags,
            deleteBeforeReplace: args.roleName !== undefined || derivedName !== undefined,
            keepName: derivedName !== undefined,
        },
        warnings,
        inlinePolicies: combined.inlinePolicies.map((p) => ({ resourceName: `${name}-${inlinePolicySuffix(p.name)}`, name: p.name, document: p.document })),
        attachments: combined.managedPolicyArns.map((arn, i) => ({ resourceName: `${name}-attach-${attachmentKeys[i]}`, policyArn: arn })),
        serviceAccountResource,
    };
}

/**
 * Refuses a ServiceAccount in a namespace the cluster's webhook never intercepts (its pods would silently get no
 * AWS credentials); for a wildcard namespace that also matches one, a warning. Returns the warnings.
 */
function checkInjected(role: string, namespace: string, exempt: readonly string[], match: SubjectMatch | undefined): string[] {
    const list = [...exempt];
    if (list.length === 0) {
        return [];
    }
    const why = `(with failurePolicy "Fail" it leaves out ${list.join(" and ")}, so that it can never block the pods that bring it back)`;
    if (match === SubjectMatch.Wildcard) {
        // As IAM's StringLike: `*` any run of characters, `?` one (a checked pattern holds only [a-z0-9.-*?]).
        const pattern = new RegExp(`^${[...namespace].map((c) => (c === "*" ? ".*" : c === "?" ? "." : c === "." ? "\\." : c)).join("")}$`);
        const matched = list.filter((ns) => pattern.test(ns));
        return matched.length === 0 ? [] : [`Role ${role}: its namespace pattern "${namespace}" also matches ${matched.join(" and ")}, where the cluster's pod identity webhook injects nothing ${why}: pods there get no AWS credentials from it.`];
    }
    if (list.includes(namespace)) {
        throw new IrsaInputError(
            "namespace",
            namespace,
            `is a namespace the cluster's pod identity webhook never intercepts ${why}: the pods of role ${role} would start without AWS credentials`,
            "run the workload and its ServiceAccount in another namespace (give `namespace`), or set the webhook's failurePolicy to \"Ignore\" (README, \"The webhook's failure policy\")",
        );
    }
    return [];
}

/** The one-cluster trust policy from checked values (the provider's host, the issuer), the same JSON as buildTrustPolicy's. */
function oneClusterTrustPolicy(provider: { arn: string; host: string }, issuerUrl: string, namespace: string, serviceAccount: string, audience: string, match: SubjectMatch | undefined): PolicyDocument {
    const host = issuerHost(issuerUrl);
    checkProviderNamesIssuer(provider.arn, provider.host, host);
    return { Version: "2012-10-17", Statement: [clusterStatement(provider.arn, host, serviceAccountSubject(namespace, serviceAccount), audience, match)] };
}

/** Where the trust comes from: one cluster, or `clusters` (roleFor's additionalClusters join its own cluster). */
interface TrustSource {
    oidcProviderArn?: pulumi.Input<string>;
    issuerUrl?: pulumi.Input<string>;
    clusters?: pulumi.Input<ClusterTrust[]> | pulumi.Input<IrsaRoleCluster[]>;
    /** The clusters' hosts when the list was known and checked now. */
    hosts?: string[];
    maxTrustPolicySize: Planned<number>;
}

function trustSource(args: RoleRequest["args"]): TrustSource {
    const single = args.oidcProviderArn !== undefined || args.issuerUrl !== undefined;
    if (args.clusters !== undefined && single) {
        throw new IrsaInputError("clusters", "(set)", "is given together with `oidcProviderArn`/`issuerUrl`", "give either clusters: [{ oidcProviderArn, issuerUrl }, ...] or oidcProviderArn and issuerUrl for one cluster");
    }
    if (args.clusters === undefined && !single) {
        throw new IrsaInputError("clusters", undefined, "is not set and neither are `oidcProviderArn` and `issuerUrl`: the role would trust no cluster", "pass clusters: [{ oidcProviderArn, issuerUrl }], or oidcProviderArn and issuerUrl (SelfHostedIrsa outputs)");
    }
    if (single && (args.oidcProviderArn === undefined || args.issuerUrl === undefined)) {
        const missing = args.oidcProviderArn === undefined ? "oidcProviderArn" : "issuerUrl";
        throw new IrsaInputError(missing, undefined, `is needed with \`${missing === "issuerUrl" ? "oidcProviderArn" : "issuerUrl"}\``, "pass both outputs of the cluster's SelfHostedIrsa, or use clusters");
    }
    const maxTrustPolicySize = checked(args.maxTrustPolicySize, (size: number) => validateMaxTrustPolicySize(size)) ?? DEFAULT_MAX_TRUST_POLICY_SIZE;
    let clusters: TrustSource["clusters"] = args.clusters;
    if (args.additionalClusters !== undefined) {
        const own: IrsaRoleCluster = { oidcProviderArn: args.oidcProviderArn!, issuerUrl: args.issuerUrl! };
        const more = args.additionalClusters;
        clusters = Array.isArray(more) ? [own, ...more] : (combine([more], ([m]) => [own, ...(m as IrsaRoleCluster[])]) as pulumi.Input<IrsaRoleCluster[]>);
    }
    if (clusters === undefined) {
        return { oidcProviderArn: args.oidcProviderArn, issuerUrl: args.issuerUrl, maxTrustPolicySize };
    }
    // A list known now is checked now (empty, twice, mismatch, account); otherwise when the trust policy is computed.
    return { clusters, hosts: !(clusters instanceof Later) && isKnown(clusters) ? validateClusters(clusters as ClusterTrust[]) : undefined, maxTrustPolicySize };
}

/** The namespace and ServiceAccount: as given, else the one preset's chart defaults. */
function subjectOf(args: IrsaRoleArgs, presets: AddonName[]): { namespace: pulumi.Input<string>; serviceAccount: pulumi.Input<string> } {
    if (args.namespace !== undefined && args.serviceAccount !== undefined) {
        return { namespace: args.namespace, serviceAccount: args.serviceAccount };
    }
    const missing = args.namespace === undefined ? "namespace" : "serviceAccount";
    const { defaults, from } = addonDefaults(presets);
    if (defaults === undefined) {
        const why =
            presets.length === 0
                ? "is needed (only an add-on preset with a chart default can supply it)"
                : from.length > 1
                  ? `is needed: the presets ${from.join(", ")} each have a default ServiceAccount, so none is chosen`
                  : `is needed: the preset(s) ${presets.join(", ")} have no conventional ServiceAccount`;
        throw new IrsaInputError(missing, undefined, why, from.length > 1 ? "give namespace and serviceAccount, or make one role per add-on" : "give namespace and serviceAccount");
    }
    return { namespace: args.namespace ?? defaults.namespace, serviceAccount: args.serviceAccount ?? defaults.serviceAccount };
}

/** Each preset's policy as an inline policy named after it: now when its settings are known, else once they are. */
function presetInlinePolicies(args: IrsaRoleArgs, presets: AddonName[], givenNames: string[], trust: TrustSource): NormalizedInlinePolicy<Planned<string>>[] {
    if (presets.length === 0) {
        return [];
    }
    const clash = presets.find((n) => givenNames.includes(n));
    if (clash !== undefined) {
        throw new IrsaInputError(`inlinePolicies.${clash}`, clash, `is also the name of the inline policy of the add-on preset \`addons.${clash}\``, "rename your inline policy");
    }
    const partition = rolePartition(trust);
    const addons = args.addons as Record<string, unknown>;
    if (presets.every((n) => isKnown(addons[n]))) {
        // All known: the 10,240-character aggregate for a role's inline policies is checked here too.
        return addonPolicies(addons as PlainAddonPresets, { partition }).map((p) => ({ name: p.name, document: p.document }));
    }
    return presets.map((n) => ({ name: n, document: combine([addons[n]], ([settings]) => JSON.stringify(addonPolicy(n, settings as never, { partition }))) }));
}

/** The partition of the role's provider ARN(s), when known now. */
function rolePartition(trust: TrustSource): string | undefined {
    const clusters = trust.clusters;
    const first = typeof trust.oidcProviderArn === "string" ? trust.oidcProviderArn : Array.isArray(clusters) && typeof clusters[0]?.oidcProviderArn === "string" ? (clusters[0].oidcProviderArn as string) : undefined;
    return first === undefined ? undefined : arnPartition(first);
}

/** The policy arguments: roleFor's shorthand (if any) joined with `managedPolicyArns` and `inlinePolicies`. */
function rolePolicies(request: RoleRequest): PlannedRolePolicy {
    const shorthand = request.policy !== undefined ? planRolePolicy(request.policy, "policy") : { managedPolicyArns: [], inlinePolicies: [] };
    return combineRolePolicies(shorthand, planRolePolicySet({ managedPolicyArns: request.args.managedPolicyArns, inlinePolicies: request.args.inlinePolicies }, ""));
}

/** The policies with the presets' documents among the inline ones, in name order (object key order must not reorder resources). */
function withPresets(policies: PlannedRolePolicy, presets: NormalizedInlinePolicy<Planned<string>>[]): PlannedRolePolicy {
    const inlinePolicies = [...policies.inlinePolicies, ...presets].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { managedPolicyArns: policies.managedPolicyArns, inlinePolicies };
}

function planServiceAccount(name: string, args: IrsaRoleArgs, audience: Planned<string>): RolePlan["serviceAccountResource"] {
    if (args.createServiceAccount && args.annotateServiceAccount) {
        throw new IrsaInputError("annotateServiceAccount", true, "and `createServiceAccount` exclude each other", "use createServiceAccount when this stack owns the ServiceAccount, annotateServiceAccount when an app's chart does");
    }
    const mode = args.createServiceAccount ? "create" : args.annotateServiceAccount ? "annotate" : undefined;
    if (mode === undefined) {
        for (const field of SA_FIELDS) {
            if (args[field] !== undefined) {
                throw new IrsaInputError(field, args[field], "only applies to a ServiceAccount IrsaRole creates or annotates, and neither createServiceAccount nor annotateServiceAccount is set", `set createServiceAccount (or annotateServiceAccount): true, or annotate your own ServiceAccount and drop \`${field}\``);
            }
        }
        return undefined;
    }
    if (args.subjectMatch === SubjectMatch.Wildcard) {
        const field = mode === "create" ? "createServiceAccount" : "annotateServiceAccount";
        throw new IrsaInputError(field, true, `cannot ${mode} a ServiceAccount for a wildcard subject`, "annotate the ServiceAccounts yourself, or use subjectMatch \"exact\"");
    }
    const tokenExpiration = checked(args.tokenExpiration, (seconds: number) => validateTokenExpiration(seconds, "tokenExpiration", MAX_TOKEN_EXPIRATION));
    // The rule is on the keys: an object whose values are not all known yet is checked now all the same.
    const given = args.serviceAccountAnnotations as pulumi.Input<Record<string, string>> | undefined;
    const extra = checked(given, (a: Record<string, string>) => validateExtraAnnotations(a) as Record<string, string>, (v) => !isPending(v));
    return {
        mode,
        resourceName: `${name}-${mode === "create" ? "service-account" : "service-account-annotations"}`,
        // The audience is always written: the trust policy pins it, so the token must carry it.
        settings: combine([audience, args.stsRegionalEndpoints, tokenExpiration, extra], ([aud, sts, te, ex]) => ({ audience: aud, stsRegionalEndpoints: sts, tokenExpiration: te, extra: ex ?? {} })),
        annotations: (roleArn, s) => ({ ...s.extra, ...annotationsOf({ roleArn: validateRoleArn(roleArn, "roleArn"), audience: s.audience, stsRegionalEndpoints: s.stsRegionalEndpoints, tokenExpiration: s.tokenExpiration }) }),
    };
}
