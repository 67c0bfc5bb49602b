// S3 in the aws stand-in: buckets (with their namespace, policy, ownership controls and public access block)
// and objects, whose bodies land in the account directory where the loopback issuer serves them.
import * as fs from "node:fs";
import * as path from "node:path";
import { Context, isUnknown, Props, ProviderError, ResourceType } from "../lib/provider-server";
import { isPublicPolicy } from "./access";
import { Account, BucketRecord, etagOf, loadAccount, objectPath, updateAccount } from "./store";
import { autoName, regionOf, tagsAll } from "./common";

/** S3's Route 53 hosted zone per region (AWS General Reference, "Amazon S3 endpoints"), for the regions tested. */
const S3_HOSTED_ZONES: Record<string, string> = {
    "us-east-1": "Z3AQBSTGFYJSTF",
    "us-east-2": "Z2O1EMRO9K5GLX",
    "us-west-1": "Z2F56UZL2M1ACD",
    "us-west-2": "Z3BJ6K6RIION7M",
    "eu-west-1": "Z1BKCTXD74EZPE",
    "eu-central-1": "Z21DNDUVLTQW6Q",
};

/** S3's general-purpose bucket naming rules (S3 User Guide, "Bucket naming rules"). */
export function bucketNameProblem(name: string): string | undefined {
    if (name.length < 3 || name.length > 63) {
        return `must be 3 to 63 characters long (it has ${name.length})`;
    }
    if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) {
        return "may hold only lowercase letters, digits, dots and hyphens, and must begin and end with a letter or digit";
    }
    if (/\.\./.test(name) || /^\d+\.\d+\.\d+\.\d+$/.test(name)) {
        return "must not hold two adjacent dots or be formatted as an IP address";
    }
    if (/^(xn--|sthree-|amzn-s3-demo-)/.test(name) || /(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name)) {
        return "uses a prefix or suffix S3 reserves";
    }
    return undefined;
}

const accountBlocksPublicPolicy = () => process.env.SELFHOSTED_IRSA_STANDIN_ACCOUNT_BLOCK_PUBLIC === "1";

function bucketOf(account: Account, name: string) {
    const bucket = account.buckets[name];
    if (!bucket) {
        throw new ProviderError(`NoSuchBucket: The specified bucket does not exist (bucket ${name})`);
    }
    return bucket;
}

function bucketOutputs(ctx: Context, account: Account, inputs: Props): Props {
    const name = inputs.bucket as string;
    const region = account.buckets[name].region;
    return {
        ...inputs,
        bucket: name,
        arn: `arn:aws:s3:::${name}`,
        bucketDomainName: `${name}.s3.amazonaws.com`,
        bucketRegionalDomainName: `${name}.s3.${region}.amazonaws.com`,
        hostedZoneId: S3_HOSTED_ZONES[region] ?? "",
        region,
        bucketNamespace: account.buckets[name].namespace,
        forceDestroy: inputs.forceDestroy ?? false,
        objectLockEnabled: false,
        requestPayer: "BucketOwner",
        tagsAll: tagsAll(inputs),
    };
}

export const bucket: ResourceType = {
    replaceOn: ["bucket", "bucketPrefix", "bucketNamespace", "objectLockEnabled", "region"],
    check(ctx, olds, news) {
        const inputs: Props = { ...news, bucket: news.bucket ?? olds.bucket ?? autoName(ctx.name, news.bucketPrefix) };
        const failures = [];
        if (!isUnknown(inputs.bucket)) {
            const problem = bucketNameProblem(inputs.bucket);
            if (problem) {
                failures.push({ property: "bucket", reason: `invalid bucket name ${JSON.stringify(inputs.bucket)}: it ${problem}` });
            }
            if (inputs.bucketNamespace === "account-regional" && !isUnknown(inputs.region)) {
                const suffix = `-${loadAccount().accountId}-${regionOf(ctx, inputs)}-an`;
                if (!String(inputs.bucket).endsWith(suffix)) {
                    failures.push({ property: "bucket", reason: `a bucket in the account-regional namespace must be named <prefix>${suffix} (got ${JSON.stringify(inputs.bucket)})` });
                }
            }
        }
        return { inputs, failures };
    },
    create(ctx, inputs) {
        const name = inputs.bucket as string;
        return updateAccount((account) => {
            if (account.buckets[name]) {
                throw new ProviderError(`BucketAlreadyOwnedByYou: Your previous request to create the named bucket succeeded and you already own it (bucket ${name})`);
            }
            // New buckets: ACLs disabled and all four public access blocks on (S3's defaults since April 2023).
            account.buckets[name] = {
                region: regionOf(ctx, inputs),
                namespace: inputs.bucketNamespace ?? "global",
                createdAt: new Date().toISOString(),
                ownership: "BucketOwnerEnforced",
                publicAccessBlock: { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true },
            };
            fs.mkdirSync(path.dirname(objectPath(name, "x")), { recursive: true });
            return { id: name, outs: bucketOutputs(ctx, account, inputs) };
        });
    },
    read(ctx, id, state) {
        const account = loadAccount();
        return account.buckets[id] ? bucketOutputs(ctx, account, { ...state, bucket: id }) : undefined;
    },
    update(ctx, id, olds, news) {
        return bucketOutputs(ctx, loadAccount(), { ...news, bucket: id });
    },
    delete(ctx, id, state) {
        updateAccount((account) => {
            const keys = Object.keys(account.objects).filter((k) => k.startsWith(`${id}/`));
            if (keys.length > 0 && !state.forceDestroy) {
                throw new ProviderError(`BucketNotEmpty: The bucket you tried to delete is not empty (bucket ${id} holds ${keys.map((k) => k.slice(id.length + 1)).join(", ")}; set forceDestroy to delete its objects with it)`);
            }
            for (const key of keys) {
                fs.rmSync(objectPath(id, key.slice(id.length + 1)), { force: true });
                delete account.objects[key];
            }
            fs.rmSync(path.dirname(objectPath(id, "x")), { recursive: true, force: true });
            delete account.buckets[id];
        });
    },
};

function putObject(ctx: Context, inputs: Props): Props {
    const body = Buffer.from(String(inputs.content ?? ""), "utf8");
    return updateAccount((account) => {
        bucketOf(account, inputs.bucket);
        const file = objectPath(inputs.bucket, inputs.key);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, body);
        const etag = etagOf(body);
        account.objects[`${inputs.bucket}/${inputs.key}`] = { etag, contentType: inputs.contentType, cacheControl: inputs.cacheControl, size: body.length };
        return objectOutputs(ctx, inputs, etag);
    });
}

function objectOutputs(ctx: Context, inputs: Props, etag: string): Props {
    return {
        ...inputs,
        arn: `arn:aws:s3:::${inputs.bucket}/${inputs.key}`,
        etag,
        contentType: inputs.contentType ?? "application/octet-stream",
        region: regionOf(ctx, inputs),
        serverSideEncryption: "AES256",
        storageClass: "STANDARD",
        versionId: "",
        forceDestroy: inputs.forceDestroy ?? false,
        tagsAll: tagsAll(inputs),
    };
}

export const bucketObjectv2: ResourceType = {
    replaceOn: ["bucket", "key", "region"],
    check(ctx, olds, news) {
        const failures = [];
        if (news.source !== undefined) {
            failures.push({ property: "source", reason: "the aws stand-in takes object bodies as `content` only" });
        }
        return { inputs: news, failures };
    },
    create(ctx, inputs) {
        return { id: inputs.key, outs: putObject(ctx, inputs) };
    },
    read(ctx, id, state) {
        const meta = loadAccount().objects[`${state.bucket}/${state.key}`];
        if (!meta) {
            return undefined;
        }
        // The body as S3 holds it now: an edit made outside the stack shows as drift on refresh.
        const body = fs.readFileSync(objectPath(state.bucket, state.key));
        return { ...state, content: body.toString("utf8"), etag: etagOf(body), contentType: meta.contentType ?? state.contentType, cacheControl: meta.cacheControl };
    },
    update(ctx, id, olds, news) {
        return putObject(ctx, news);
    },
    delete(ctx, id, state) {
        updateAccount((account) => {
            fs.rmSync(objectPath(state.bucket, state.key), { force: true });
            delete account.objects[`${state.bucket}/${state.key}`];
        });
    },
};

/**
 * A setting S3 keeps on its bucket (policy, ownership controls, public access block), one resource per bucket
 * with the bucket's name as id: `put` writes it on an existing bucket (and returns the outputs it adds to the
 * inputs), `view` reads it back (undefined: gone), `reset` is what deleting the resource leaves on the bucket.
 */
function bucketSetting(setting: {
    put(ctx: Context, inputs: Props, bucket: BucketRecord): Props | void;
    view(bucket: BucketRecord): Props | undefined;
    reset(bucket: BucketRecord): void;
}): ResourceType {
    const put = (ctx: Context, inputs: Props) => updateAccount((account) => ({ ...inputs, ...setting.put(ctx, inputs, bucketOf(account, inputs.bucket)), region: regionOf(ctx, inputs) }));
    return {
        replaceOn: ["bucket", "region"],
        create(ctx, inputs) {
            return { id: inputs.bucket, outs: put(ctx, inputs) };
        },
        read(ctx, id, state) {
            const b = loadAccount().buckets[id];
            const view = b && setting.view(b);
            return view && { ...state, ...view };
        },
        update(ctx, id, olds, news) {
            return put(ctx, news);
        },
        delete(ctx, id) {
            updateAccount((account) => {
                if (account.buckets[id]) {
                    setting.reset(account.buckets[id]);
                }
            });
        },
    };
}

export const bucketPolicy = bucketSetting({
    put(ctx, inputs, bucket) {
        const block = bucket.publicAccessBlock;
        if (isPublicPolicy(inputs.policy) && (block.blockPublicPolicy || accountBlocksPublicPolicy())) {
            const where = block.blockPublicPolicy ? "the bucket's" : "the account's";
            throw new ProviderError(`AccessDenied: User is not authorized to perform: s3:PutBucketPolicy on resource: "arn:aws:s3:::${inputs.bucket}" because public policies are blocked by the BlockPublicPolicy block public access setting (${where})`);
        }
        bucket.policy = inputs.policy;
    },
    view: (bucket) => (bucket.policy === undefined ? undefined : { policy: bucket.policy }),
    reset(bucket) {
        delete bucket.policy;
    },
});

export const bucketOwnershipControls = bucketSetting({
    put(ctx, inputs, bucket) {
        bucket.ownership = inputs.rule?.objectOwnership;
    },
    view: (bucket) => ({ rule: { objectOwnership: bucket.ownership } }),
    reset(bucket) {
        delete bucket.ownership;
    },
});

const BLOCKS = ["blockPublicAcls", "ignorePublicAcls", "blockPublicPolicy", "restrictPublicBuckets"] as const;

export const bucketPublicAccessBlock = bucketSetting({
    put(ctx, inputs, bucket) {
        bucket.publicAccessBlock = Object.fromEntries(BLOCKS.map((k) => [k, inputs[k] === true])) as unknown as BucketRecord["publicAccessBlock"];
        return bucket.publicAccessBlock;
    },
    view: (bucket) => ({ ...bucket.publicAccessBlock }),
    reset(bucket) {
        bucket.publicAccessBlock = { blockPublicAcls: false, ignorePublicAcls: false, blockPublicPolicy: false, restrictPublicBuckets: false };
    },
});
