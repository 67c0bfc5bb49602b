// CloudFront, ACM and Route 53 in the aws stand-in: what the CloudFront hosting makes (origin access control,
// cache policy, distribution; with a custom domain, a certificate, its DNS validation and alias records).
import { isUnknown, Props, ProviderError, ResourceType } from "../lib/provider-server";
import { Account, LOWER_ALNUM, loadAccount, randomChars, randomHex, UPPER_ALNUM, updateAccount } from "./store";
import { autoName, regionOf, tagsAll } from "./common";
import * as crypto from "node:crypto";

/** CloudFront's limit on `comment` fields (CloudFront Developer Guide, quotas: 128 characters). */
const COMMENT_MAX = 128;
/** The Route 53 zone of every *.cloudfront.net name (AWS General Reference, CloudFront endpoints). */
export const CLOUDFRONT_ZONE_ID = "Z2FDTNDATAQYW2";

const cloudFrontId = () => `E${randomChars(UPPER_ALNUM, 13)}`;
const etag = () => `E${randomChars(UPPER_ALNUM, 13)}`;

function commentFailure(inputs: Props) {
    return tooLong(inputs, "comment", COMMENT_MAX);
}

/** A resource of CloudFront whose `name` is unique in the account (origin access controls, cache policies). */
function namedCloudFrontResource(table: "originAccessControls" | "cachePolicies", exists: string, newId: () => string, extraFailures: (inputs: Props) => { property: string; reason: string }[]): ResourceType {
    return {
        replaceOn: [],
        check(ctx, olds, news) {
            // pulumi-aws auto-names `name` when the program leaves it unset.
            const inputs: Props = { ...news, name: news.name ?? olds.name ?? autoName(ctx.name) };
            return { inputs, failures: extraFailures(inputs) };
        },
        create(ctx, inputs) {
            return updateAccount((account) => {
                if (Object.values(account[table]).includes(inputs.name)) {
                    throw new ProviderError(`${exists}: a resource named ${inputs.name} already exists in this account`);
                }
                const id = newId();
                account[table][id] = inputs.name;
                return { id, outs: { ...inputs, etag: etag() } };
            });
        },
        read(ctx, id, state) {
            return loadAccount()[table][id] !== undefined ? { ...state } : undefined;
        },
        update(ctx, id, olds, news) {
            return updateAccount((account) => {
                account[table][id] = news.name;
                return { ...news, etag: etag() };
            });
        },
        delete(ctx, id) {
            updateAccount((account) => {
                for (const d of Object.values(account.distributions)) {
                    if (table === "originAccessControls" && Object.values(d.origins).some((o) => o.originAccessControlId === id)) {
                        throw new ProviderError(`OriginAccessControlInUse: ${id} is used by distribution ${d.arn}`);
                    }
                }
                delete account[table][id];
            });
        },
    };
}

/** A failure when a known string input is longer than CloudFront allows. */
function tooLong(inputs: Props, property: string, max: number) {
    const v = inputs[property];
    return typeof v === "string" && !isUnknown(v) && v.length > max ? [{ property, reason: `InvalidArgument: ${property} is ${v.length} characters; CloudFront allows ${max}` }] : [];
}

export const originAccessControl = namedCloudFrontResource("originAccessControls", "OriginAccessControlAlreadyExists", cloudFrontId, (inputs) => [...tooLong(inputs, "name", 64), ...tooLong(inputs, "description", 256)]);

export const cachePolicy = namedCloudFrontResource("cachePolicies", "CachePolicyAlreadyExists", () => crypto.randomUUID(), (inputs) => [...commentFailure(inputs), ...tooLong(inputs, "name", 128)]);

function distributionRecord(account: Account, inputs: Props, arn: string, domainName: string) {
    const origins: Record<string, { domainName: string; originAccessControlId?: string; originPath?: string }> = {};
    for (const o of inputs.origins ?? []) {
        if (o.originAccessControlId !== undefined && account.originAccessControls[o.originAccessControlId] === undefined) {
            throw new ProviderError(`NoSuchOriginAccessControl: origin access control ${o.originAccessControlId} does not exist`);
        }
        origins[o.originId] = { domainName: o.domainName, originAccessControlId: o.originAccessControlId, originPath: o.originPath };
    }
    const aliases: string[] = inputs.aliases ?? [];
    const viewerCertificateArn = inputs.viewerCertificate?.acmCertificateArn as string | undefined;
    if (aliases.length > 0) {
        const cert = viewerCertificateArn === undefined ? undefined : account.certificates[viewerCertificateArn];
        const covers = (alias: string) => cert !== undefined && [cert.domainName, ...cert.sans].some((n) => n === alias || (n.startsWith("*.") && alias.endsWith(n.slice(1))));
        if (!cert || cert.status !== "ISSUED" || !aliases.every(covers)) {
            throw new ProviderError(`InvalidViewerCertificate: To add an alternate domain name (CNAME) to a CloudFront distribution, you must attach a trusted certificate that validates your authorization to use the domain name (${aliases.join(", ")})`);
        }
        for (const [id, d] of Object.entries(account.distributions)) {
            if (d.arn !== arn && d.aliases.some((a) => aliases.includes(a))) {
                throw new ProviderError(`CNAMEAlreadyExists: One or more of the CNAMEs you provided are already associated with a different resource (distribution ${id})`);
            }
        }
    }
    return {
        arn,
        domainName,
        aliases,
        origins,
        defaultOriginId: inputs.defaultCacheBehavior?.targetOriginId,
        defaultRootObject: inputs.defaultRootObject,
        enabled: inputs.enabled !== false,
        viewerCertificateArn,
    };
}

function distributionOutputs(inputs: Props, id: string, arn: string, domainName: string): Props {
    return {
        ...inputs,
        arn,
        domainName,
        hostedZoneId: CLOUDFRONT_ZONE_ID,
        status: "Deployed",
        etag: etag(),
        callerReference: `terraform-${randomHex(26)}`,
        inProgressValidationBatches: 0,
        lastModifiedTime: new Date().toISOString(),
        tagsAll: tagsAll(inputs),
    };
}

export const distribution: ResourceType = {
    replaceOn: [],
    check(ctx, olds, news) {
        return { inputs: news, failures: commentFailure(news) };
    },
    create(ctx, inputs) {
        return updateAccount((account) => {
            const id = cloudFrontId();
            const arn = `arn:aws:cloudfront::${account.accountId}:distribution/${id}`;
            const domainName = `d${randomChars(LOWER_ALNUM, 13)}.cloudfront.net`;
            account.distributions[id] = distributionRecord(account, inputs, arn, domainName);
            return { id, outs: distributionOutputs(inputs, id, arn, domainName) };
        });
    },
    read(ctx, id, state) {
        return loadAccount().distributions[id] ? { ...state } : undefined;
    },
    update(ctx, id, olds, news) {
        return updateAccount((account) => {
            const live = account.distributions[id];
            if (!live) {
                throw new ProviderError(`NoSuchDistribution: The specified distribution does not exist (${id})`);
            }
            account.distributions[id] = distributionRecord(account, news, live.arn, live.domainName);
            return distributionOutputs(news, id, live.arn, live.domainName);
        });
    },
    delete(ctx, id) {
        updateAccount((account) => {
            delete account.distributions[id];
        });
    },
};

export const certificate: ResourceType = {
    replaceOn: ["domainName", "subjectAlternativeNames", "validationMethod", "keyAlgorithm", "region"],
    create(ctx, inputs) {
        return updateAccount((account) => {
            const region = regionOf(ctx, inputs);
            const arn = `arn:aws:acm:${region}:${account.accountId}:certificate/${crypto.randomUUID()}`;
            const domain = String(inputs.domainName);
            const validation = { name: `_${randomHex(32)}.${domain}.`, value: `_${randomHex(32)}.${randomChars(LOWER_ALNUM, 10)}.acm-validations.aws.` };
            const sans: string[] = inputs.subjectAlternativeNames ?? [domain];
            account.certificates[arn] = { domainName: domain, sans, status: "PENDING_VALIDATION", validation };
            return {
                id: arn,
                outs: {
                    ...inputs,
                    arn,
                    region,
                    keyAlgorithm: inputs.keyAlgorithm ?? "RSA_2048",
                    status: "PENDING_VALIDATION",
                    type: "AMAZON_ISSUED",
                    subjectAlternativeNames: sans,
                    domainValidationOptions: [{ domainName: domain, resourceRecordName: validation.name, resourceRecordType: "CNAME", resourceRecordValue: validation.value }],
                    validationEmails: [],
                    tagsAll: tagsAll(inputs),
                },
            };
        });
    },
    read(ctx, id, state) {
        const live = loadAccount().certificates[id];
        return live ? { ...state, status: live.status } : undefined;
    },
    update(ctx, id, olds, news) {
        return { ...olds, ...news, tagsAll: tagsAll(news) };
    },
    delete(ctx, id) {
        updateAccount((account) => {
            if (Object.values(account.distributions).some((d) => d.viewerCertificateArn === id)) {
                throw new ProviderError(`ResourceInUseException: Certificate ${id} in account ${account.accountId} is in use.`);
            }
            delete account.certificates[id];
        });
    },
};

const trimDot = (name: string) => name.replace(/\.$/, "").toLowerCase();

/** ACM issues a DNS-validated certificate once its CNAME record exists; here at once, else never. */
export const certificateValidation: ResourceType = {
    replaceOn: ["certificateArn", "validationRecordFqdns", "region"],
    create(ctx, inputs) {
        return updateAccount((account) => {
            const cert = account.certificates[inputs.certificateArn];
            if (!cert) {
                throw new ProviderError(`ResourceNotFoundException: Could not find certificate ${inputs.certificateArn}`);
            }
            const record = Object.values(account.recordSets).find((r) => trimDot(r.name) === trimDot(cert.validation.name) && r.type === "CNAME");
            if (!record || !record.records.map(trimDot).includes(trimDot(cert.validation.value))) {
                throw new ProviderError(`timeout while waiting for state to become 'ISSUED' (last state: 'PENDING_VALIDATION'): no CNAME ${cert.validation.name} -> ${cert.validation.value} in Route 53`);
            }
            cert.status = "ISSUED";
            return { id: new Date().toISOString(), outs: { ...inputs, region: regionOf(ctx, inputs) } };
        });
    },
    read(ctx, id, state) {
        return loadAccount().certificates[state.certificateArn]?.status === "ISSUED" ? { ...state } : undefined;
    },
    update(ctx, id, olds, news) {
        return { ...news };
    },
    delete() {
        // Deleting the resource does not touch the certificate (the provider's docs say so).
    },
};

export const record: ResourceType = {
    replaceOn: ["zoneId", "name", "setIdentifier"],
    check(ctx, olds, news) {
        const failures = !isUnknown(news.zoneId) && !/^Z[A-Z0-9]{1,32}$/.test(String(news.zoneId)) ? [{ property: "zoneId", reason: `"${news.zoneId}" is not a hosted zone ID` }] : [];
        return { inputs: news, failures };
    },
    create(ctx, inputs) {
        return { id: recordId(inputs), outs: putRecord(inputs, true) };
    },
    read(ctx, id, state) {
        return loadAccount().recordSets[id] ? { ...state } : undefined;
    },
    update(ctx, id, olds, news) {
        return putRecord(news, false);
    },
    delete(ctx, id) {
        updateAccount((account) => {
            delete account.recordSets[id];
        });
    },
};

function recordId(inputs: Props): string {
    return `${inputs.zoneId}_${trimDot(inputs.name)}_${inputs.type}`;
}

function putRecord(inputs: Props, creating: boolean): Props {
    return updateAccount((account) => {
        const id = recordId(inputs);
        if (creating && account.recordSets[id] && !inputs.allowOverwrite) {
            throw new ProviderError(`InvalidChangeBatch: Tried to create resource record set ${trimDot(inputs.name)} type ${inputs.type}, but it already exists`);
        }
        const alias = (inputs.aliases ?? [])[0] as Props | undefined;
        account.recordSets[id] = { zoneId: inputs.zoneId, name: trimDot(inputs.name), type: inputs.type, records: inputs.records ?? [], aliasTarget: alias ? trimDot(alias.name) : undefined };
        return { ...inputs, fqdn: trimDot(inputs.name) };
    });
}
