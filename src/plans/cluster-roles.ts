import type * as pulumi from "@pulumi/pulumi";
import { combine, Deferred, Planned } from "../common/known";
import { IrsaInputError } from "../oidc/errors";
import { exemptNamespaces, WebhookArgs } from "../webhook/webhook-values";
import { RoleForOptions, ServiceAccountRole } from "./irsa-role-args";
import { legacyRoleForName, prefixArgument, roleForName, RoleRequest } from "./role-plan";
import { RolePolicy } from "./role-policy";
import { NormalizedArgs } from "./selfhosted-irsa-args";

// The roles a SelfHostedIrsa makes for its own cluster's service accounts (roleFor, and `roles` for every
// language): one request each, with the component's trust, audience and webhook, and one name each. Pure.

/** What every role of one component shares. */
export interface ClusterRoles {
    component: string;
    /** The component's provider and issuer (Deferred while the component plans `roles`: it makes them after). */
    oidcProviderArn: pulumi.Input<string> | Deferred<string>;
    issuerUrl: pulumi.Input<string> | Deferred<string>;
    /** The audience the webhook puts in the pods' tokens, which its roles pin (the component's `tokenAudience`). */
    tokenAudience: Planned<string> | pulumi.Input<string>;
    /** The provider's client IDs when known now, to refuse an audience STS would refuse. */
    providerAudiences?: readonly string[];
    /** Where the component's webhook injects nothing (the component's `webhookExemptNamespaces`). */
    webhookExemptNamespaces: Planned<string[]>;
    /** The ServiceAccounts that have a role from this component, and where it was asked for. */
    subjects: Map<string, string>;
    /** The 0.2 names already claimed as an alias (by the first roleFor that had it). */
    legacyNames: Set<string>;
}

/** The audience roles pin: the webhook's token audience when it is installed, else the first of `audiences`. */
export function tokenAudienceOf(normalized: NormalizedArgs): Planned<string> | pulumi.Input<string> {
    const first = combine([normalized.audiences], ([list]) => (list as string[])[0]);
    return normalized.webhook?.tokenAudience ?? first;
}

/** The namespaces the component's webhook never intercepts ([] without the webhook: another one may do the work). */
export function webhookExemptNamespacesOf(webhook: WebhookArgs | undefined): Planned<string[]> {
    if (webhook === undefined) {
        return [];
    }
    return combine([webhook.failurePolicy], ([failurePolicy]) => exemptNamespaces(failurePolicy, webhook.namespace));
}

/** One role's request: its names, and what to plan it from. */
export interface ClusterRoleRequest {
    request: RoleRequest;
    /** The name before 0.2.0, for an alias; only for the first roleFor that had it. */
    legacyName?: string;
}

/**
 * roleFor's and `roles`' request for one ServiceAccount: the component's cluster and audience, the caller's settings,
 * named `<component>_<namespace>_<serviceAccount>`. Refuses a ServiceAccount that already has a role from this
 * component. `at` says where the caller asked (`roleFor`, or `roles[2]`), for messages.
 */
export function clusterRoleRequest(roles: ClusterRoles, namespace: string, serviceAccount: string, settings: RoleForOptions, at: { roleFor: true; policy: RolePolicy } | { entry: number }): ClusterRoleRequest {
    const prefix = "entry" in at ? `roles[${at.entry}].` : "";
    for (const [field, value] of [["namespace", namespace], ["serviceAccount", serviceAccount]] as const) {
        if (typeof value !== "string") {
            throw prefixArgument(new IrsaInputError(field, value === undefined ? undefined : "(not a plain string)", "must be a plain string: it names the role's resources", `give the ${field === "namespace" ? "namespace" : "ServiceAccount name"} itself, not an Output`), prefix);
        }
    }
    const subject = `${namespace}/${serviceAccount}`;
    const where = "entry" in at ? `roles[${at.entry}]` : `roleFor("${namespace}", "${serviceAccount}")`;
    const earlier = roles.subjects.get(subject);
    if (earlier !== undefined) {
        throw prefixArgument(new IrsaInputError("serviceAccount", subject, `already has a role from this component (${earlier}); ${where} would make a second of the same name`, "give that one role all its policies, or make an IrsaRole of another name"), prefix);
    }
    roles.subjects.set(subject, where);
    const args = {
        oidcProviderArn: roles.oidcProviderArn,
        issuerUrl: roles.issuerUrl,
        namespace,
        serviceAccount,
        ...settings,
        // After the spread: `{ audience: undefined }` must not drop the component's audience.
        audience: settings.audience ?? roles.tokenAudience,
        webhookExemptNamespaces: roles.webhookExemptNamespaces,
    } as RoleRequest["args"];
    const request: RoleRequest = { name: roleForName(roles.component, namespace, serviceAccount), args, providerAudiences: roles.providerAudiences };
    if (!("roleFor" in at)) {
        return { request };
    }
    // Two 0.2 roles could not share a name (the engine refused the second), so the first roleFor of a name is
    // the one that may exist under it.
    const legacy = legacyRoleForName(roles.component, namespace, serviceAccount);
    const legacyName = roles.legacyNames.has(legacy) ? undefined : legacy;
    roles.legacyNames.add(legacy);
    return { request: { ...request, roleFor: true, policy: at.policy }, legacyName };
}

/** The requests of SelfHostedIrsa's `roles` (a plain list: it decides the resources). */
export function serviceAccountRoleRequests(roles: ClusterRoles, entries: readonly ServiceAccountRole[] | undefined): RoleRequest[] {
    if (entries === undefined) {
        return [];
    }
    if (!Array.isArray(entries)) {
        throw new IrsaInputError("roles", "(not a list)", "is not a plain list of roles (it decides the resources)", "give a list: [{ namespace, serviceAccount, managedPolicyArns: [...] }]");
    }
    return entries.map((entry, i) => {
        const { namespace, serviceAccount, ...settings } = entry ?? ({} as ServiceAccountRole);
        return clusterRoleRequest(roles, namespace, serviceAccount, settings, { entry: i }).request;
    });
}
