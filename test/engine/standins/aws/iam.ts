// IAM in the aws stand-in: roles, managed-policy attachments, inline role policies and OIDC providers, with
// the refusals IAM itself makes (duplicate names and URLs, a trust policy naming a provider that does not
// exist, deleting a role that still has policies, the documented size and name limits).
import { Context, isUnknown, Props, ProviderError, ResourceType } from "../lib/provider-server";
import { Account, loadAccount, randomChars, UPPER_ALNUM, updateAccount } from "./store";
import { autoName, tagsAll } from "./common";

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const ROLE_PATH = /^\/([\x21-\x7e]*\/)?$/;
/** IAM's default quota on a role's trust policy (IAM User Guide, "IAM and AWS STS quotas": 2,048 characters). */
const TRUST_POLICY_MAX = 2048;
/** IAM's limit on a role's inline policies together (10,240 characters, whitespace excluded). */
const INLINE_POLICIES_MAX = 10240;

function roleOf(account: Account, name: string) {
    const role = account.roles[name];
    if (!role) {
        throw new ProviderError(`NoSuchEntity: The role with name ${name} cannot be found.`);
    }
    return role;
}

/** The Federated principals a trust policy names: IAM refuses a policy naming a provider the account lacks. */
function federatedPrincipals(policy: string): string[] {
    const doc = JSON.parse(policy) as { Statement?: { Principal?: { Federated?: string | string[] } }[] };
    return (doc.Statement ?? []).flatMap((s) => {
        const f = s.Principal?.Federated;
        return f === undefined ? [] : Array.isArray(f) ? f : [f];
    });
}

function checkTrustPolicy(account: Account, policy: string): void {
    let principals: string[];
    try {
        principals = federatedPrincipals(policy);
    } catch {
        throw new ProviderError("MalformedPolicyDocument: This policy contains invalid Json");
    }
    for (const arn of principals) {
        if (!account.oidcProviders[arn]) {
            throw new ProviderError(`MalformedPolicyDocument: Invalid principal in policy: "Federated":"${arn}"`);
        }
    }
}

function roleOutputs(account: Account, name: string, inputs: Props): Props {
    const role = account.roles[name];
    return { ...inputs, name, arn: role.arn, uniqueId: role.uniqueId, createDate: role.createDate, path: role.path, maxSessionDuration: role.maxSessionDuration, forceDetachPolicies: inputs.forceDetachPolicies ?? false, tagsAll: tagsAll(inputs) };
}

export const role: ResourceType = {
    replaceOn: ["name", "namePrefix", "path"],
    check(ctx, olds, news) {
        const inputs: Props = { ...news, name: news.name ?? olds.name ?? autoName(ctx.name, news.namePrefix), path: news.path ?? "/", maxSessionDuration: news.maxSessionDuration ?? 3600 };
        const failures = [];
        if (!isUnknown(inputs.name) && !ROLE_NAME.test(inputs.name)) {
            failures.push({ property: "name", reason: `"${inputs.name}" must be 1 to 64 characters of letters, digits and +=,.@_- (IAM role names)` });
        }
        if (!isUnknown(inputs.path) && !ROLE_PATH.test(inputs.path)) {
            failures.push({ property: "path", reason: `"${inputs.path}" must begin and end with / (IAM paths)` });
        }
        if (typeof inputs.maxSessionDuration === "number" && (inputs.maxSessionDuration < 3600 || inputs.maxSessionDuration > 43200)) {
            failures.push({ property: "maxSessionDuration", reason: `${inputs.maxSessionDuration} is not between 3600 and 43200 seconds` });
        }
        if (typeof inputs.assumeRolePolicy === "string" && !isUnknown(inputs.assumeRolePolicy) && inputs.assumeRolePolicy.replace(/\s/g, "").length > TRUST_POLICY_MAX) {
            failures.push({ property: "assumeRolePolicy", reason: `LimitExceeded: Cannot exceed quota for ACLSizePerRole: ${TRUST_POLICY_MAX}` });
        }
        return { inputs, failures };
    },
    create(ctx, inputs) {
        return updateAccount((account) => {
            if (account.roles[inputs.name]) {
                throw new ProviderError(`EntityAlreadyExists: Role with name ${inputs.name} already exists.`);
            }
            checkTrustPolicy(account, inputs.assumeRolePolicy);
            account.roles[inputs.name] = {
                arn: `arn:aws:iam::${account.accountId}:role${inputs.path}${inputs.name}`,
                path: inputs.path,
                uniqueId: `AROA${randomChars(UPPER_ALNUM, 17)}`,
                createDate: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
                assumeRolePolicy: inputs.assumeRolePolicy,
                maxSessionDuration: inputs.maxSessionDuration,
            };
            return { id: inputs.name, outs: roleOutputs(account, inputs.name, inputs) };
        });
    },
    read(ctx, id, state) {
        const account = loadAccount();
        const live = account.roles[id];
        return live ? { ...roleOutputs(account, id, state), assumeRolePolicy: live.assumeRolePolicy } : undefined;
    },
    update(ctx, id, olds, news) {
        return updateAccount((account) => {
            const live = roleOf(account, id);
            checkTrustPolicy(account, news.assumeRolePolicy);
            live.assumeRolePolicy = news.assumeRolePolicy;
            live.maxSessionDuration = news.maxSessionDuration;
            return roleOutputs(account, id, news);
        });
    },
    delete(ctx, id, state) {
        updateAccount((account) => {
            const attached = Object.keys(account.attachments).filter((k) => k.startsWith(`${id}|`));
            const inline = Object.keys(account.rolePolicies).filter((k) => k.startsWith(`${id}:`));
            if ((attached.length > 0 || inline.length > 0) && !state.forceDetachPolicies) {
                throw new ProviderError(`DeleteConflict: Cannot delete entity, must ${attached.length > 0 ? "detach all policies" : "delete policies"} first (role ${id}).`);
            }
            delete account.roles[id];
        });
    },
};

const POLICY_ARN = /^arn:aws[\w-]*:iam::(aws|\d{12}):policy\/[\w+=,.@/-]+$/;

export const rolePolicyAttachment: ResourceType = {
    replaceOn: ["role", "policyArn"],
    check(ctx, olds, news) {
        const failures = !isUnknown(news.policyArn) && !POLICY_ARN.test(String(news.policyArn)) ? [{ property: "policyArn", reason: `"${news.policyArn}" is not a policy ARN` }] : [];
        return { inputs: news, failures };
    },
    create(ctx, inputs) {
        return updateAccount((account) => {
            roleOf(account, inputs.role);
            // pulumi-aws's id for an attachment: the role name, a hyphen and a unique, time-ordered suffix.
            const id = `${inputs.role}-${new Date().toISOString().replace(/\D/g, "")}${randomChars("0123456789", 9)}`;
            account.attachments[`${inputs.role}|${inputs.policyArn}`] = id;
            return { id, outs: { ...inputs } };
        });
    },
    read(ctx, id, state) {
        return loadAccount().attachments[`${state.role}|${state.policyArn}`] === id ? { ...state } : undefined;
    },
    update(ctx, id, olds, news) {
        return { ...news };
    },
    delete(ctx, id, state) {
        updateAccount((account) => {
            delete account.attachments[`${state.role}|${state.policyArn}`];
        });
    },
};

export const rolePolicy: ResourceType = {
    replaceOn: ["role", "name", "namePrefix"],
    check(ctx, olds, news) {
        return { inputs: { ...news, name: news.name ?? olds.name ?? autoName(ctx.name, news.namePrefix) } };
    },
    create(ctx, inputs) {
        return { id: `${inputs.role}:${inputs.name}`, outs: putRolePolicy(inputs) };
    },
    read(ctx, id, state) {
        const doc = loadAccount().rolePolicies[id];
        return doc === undefined ? undefined : { ...state, policy: doc };
    },
    update(ctx, id, olds, news) {
        return putRolePolicy(news);
    },
    delete(ctx, id) {
        updateAccount((account) => {
            delete account.rolePolicies[id];
        });
    },
};

function putRolePolicy(inputs: Props): Props {
    return updateAccount((account) => {
        roleOf(account, inputs.role);
        try {
            JSON.parse(inputs.policy);
        } catch {
            throw new ProviderError(`MalformedPolicyDocument: The policy of ${inputs.role}:${inputs.name} is not valid JSON`);
        }
        account.rolePolicies[`${inputs.role}:${inputs.name}`] = inputs.policy;
        const total = Object.entries(account.rolePolicies)
            .filter(([k]) => k.startsWith(`${inputs.role}:`))
            .reduce((n, [, doc]) => n + doc.replace(/\s/g, "").length, 0);
        if (total > INLINE_POLICIES_MAX) {
            delete account.rolePolicies[`${inputs.role}:${inputs.name}`];
            throw new ProviderError(`LimitExceeded: Maximum policy size of ${INLINE_POLICIES_MAX} bytes exceeded for role ${inputs.role}`);
        }
        return { ...inputs };
    });
}

function providerArn(account: Account, url: string): string {
    return `arn:aws:iam::${account.accountId}:oidc-provider/${url.replace(/^https:\/\//, "")}`;
}

export const openIdConnectProvider: ResourceType = {
    replaceOn: ["url"],
    check(ctx, olds, news) {
        const failures = [];
        if (!isUnknown(news.url)) {
            let parsed: URL | undefined;
            try {
                parsed = new URL(String(news.url));
            } catch {
                parsed = undefined;
            }
            if (!parsed || parsed.protocol !== "https:" || parsed.search !== "" || parsed.port !== "" || parsed.hash !== "") {
                failures.push({ property: "url", reason: `"${news.url}" must be an https:// URL without port, query or fragment` });
            }
        }
        return { inputs: news, failures };
    },
    create(ctx, inputs) {
        return updateAccount((account) => {
            const arn = providerArn(account, inputs.url);
            if (account.oidcProviders[arn]) {
                throw new ProviderError(`EntityAlreadyExists: Provider with url ${inputs.url} already exists.`);
            }
            account.oidcProviders[arn] = { url: inputs.url, clientIds: inputs.clientIdLists ?? [], thumbprints: inputs.thumbprintLists ?? [] };
            return { id: arn, outs: { ...inputs, arn, thumbprintLists: inputs.thumbprintLists ?? [], tagsAll: tagsAll(inputs) } };
        });
    },
    read(ctx, id, state) {
        const live = loadAccount().oidcProviders[id];
        return live ? { ...state, arn: id, clientIdLists: live.clientIds, thumbprintLists: live.thumbprints } : undefined;
    },
    update(ctx: Context, id, olds, news) {
        return updateAccount((account) => {
            const live = account.oidcProviders[id];
            if (!live) {
                throw new ProviderError(`NoSuchEntity: OpenIDConnect Provider not found for arn ${id}`);
            }
            live.clientIds = news.clientIdLists ?? [];
            live.thumbprints = news.thumbprintLists ?? [];
            return { ...news, arn: id, thumbprintLists: live.thumbprints, tagsAll: tagsAll(news) };
        });
    },
    delete(ctx, id) {
        updateAccount((account) => {
            delete account.oidcProviders[id];
        });
    },
};
