// "AWS" as the aws stand-in sees it: one account's buckets, objects, IAM, CloudFront, ACM and Route 53 records,
// kept in a directory so that every plugin process of a test (one per pulumi command) sees the same account,
// and so that the loopback HTTPS issuer (test/engine/helpers/aws-https.ts) serves what `up` uploaded.
//
//   $SELFHOSTED_IRSA_STANDIN_AWS/account.json      everything but object bodies
//   $SELFHOSTED_IRSA_STANDIN_AWS/s3/<bucket>/<key>  object bodies, byte for byte as uploaded
//
// Reads and writes are synchronous, and a change holds the account's lock file: the engine may run more than one
// aws plugin process at a time (one per provider it uses), and each must see the others' changes.
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

export interface PublicAccessBlock {
    blockPublicAcls: boolean;
    ignorePublicAcls: boolean;
    blockPublicPolicy: boolean;
    restrictPublicBuckets: boolean;
}

export interface BucketRecord {
    region: string;
    namespace: string;
    createdAt: string;
    policy?: string;
    ownership?: string;
    publicAccessBlock: PublicAccessBlock;
}

export interface ObjectRecord {
    etag: string;
    contentType?: string;
    cacheControl?: string;
    size: number;
}

export interface RoleRecord {
    arn: string;
    path: string;
    uniqueId: string;
    createDate: string;
    assumeRolePolicy: string;
    maxSessionDuration: number;
}

export interface OidcProviderRecord {
    url: string;
    clientIds: string[];
    thumbprints: string[];
}

export interface DistributionRecord {
    arn: string;
    domainName: string;
    aliases: string[];
    /** originId → origin domain name and OAC id */
    origins: Record<string, { domainName: string; originAccessControlId?: string; originPath?: string }>;
    defaultOriginId: string;
    defaultRootObject?: string;
    enabled: boolean;
    viewerCertificateArn?: string;
}

export interface CertificateRecord {
    domainName: string;
    sans: string[];
    status: "PENDING_VALIDATION" | "ISSUED";
    validation: { name: string; value: string };
}

export interface RecordSetRecord {
    zoneId: string;
    name: string;
    type: string;
    records: string[];
    aliasTarget?: string;
}

export interface Account {
    accountId: string;
    buckets: Record<string, BucketRecord>;
    /** "<bucket>/<key>" → metadata; the body is a file */
    objects: Record<string, ObjectRecord>;
    roles: Record<string, RoleRecord>;
    /** "<role>|<policy ARN>" → attachment id */
    attachments: Record<string, string>;
    /** "<role>:<name>" → policy document */
    rolePolicies: Record<string, string>;
    /** provider ARN → provider */
    oidcProviders: Record<string, OidcProviderRecord>;
    /** id → distribution */
    distributions: Record<string, DistributionRecord>;
    /** id → name */
    originAccessControls: Record<string, string>;
    /** id → name */
    cachePolicies: Record<string, string>;
    /** ARN → certificate */
    certificates: Record<string, CertificateRecord>;
    /** "<zone>_<name>_<type>" → record */
    recordSets: Record<string, RecordSetRecord>;
}

export const DEFAULT_ACCOUNT_ID = "123456789012";

/** The account directory; the tests set it per test so that accounts never mix. */
export function accountDir(): string {
    const dir = process.env.SELFHOSTED_IRSA_STANDIN_AWS;
    if (!dir) {
        throw new Error("the aws stand-in needs SELFHOSTED_IRSA_STANDIN_AWS (the directory that holds its account)");
    }
    return dir;
}

function accountFile(dir: string): string {
    return path.join(dir, "account.json");
}

export function emptyAccount(accountId = DEFAULT_ACCOUNT_ID): Account {
    return {
        accountId,
        buckets: {},
        objects: {},
        roles: {},
        attachments: {},
        rolePolicies: {},
        oidcProviders: {},
        distributions: {},
        originAccessControls: {},
        cachePolicies: {},
        certificates: {},
        recordSets: {},
    };
}

export function loadAccount(dir = accountDir()): Account {
    const file = accountFile(dir);
    return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as Account) : emptyAccount(process.env.SELFHOSTED_IRSA_STANDIN_ACCOUNT_ID);
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Holds `<dir>/account.lock` (exclusive create) while `fn` runs; a lock older than 30 s is taken over. */
function withLock<T>(dir: string, fn: () => T): T {
    fs.mkdirSync(dir, { recursive: true });
    const lock = path.join(dir, "account.lock");
    for (let waited = 0; ; waited += 5) {
        try {
            fs.closeSync(fs.openSync(lock, "wx"));
            break;
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== "EEXIST") {
                throw e;
            }
            const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
            if (age > 30_000 || waited > 60_000) {
                fs.rmSync(lock, { force: true });
            }
            Atomics.wait(pause, 0, 0, 5);
        }
    }
    try {
        return fn();
    } finally {
        fs.rmSync(lock, { force: true });
    }
}

/** Reads the account, lets `change` edit it, writes it back: under the lock, atomically (rename). */
export function updateAccount<T>(change: (account: Account) => T, dir = accountDir()): T {
    return withLock(dir, () => {
        const account = loadAccount(dir);
        const result = change(account);
        const tmp = `${accountFile(dir)}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, JSON.stringify(account, null, 2));
        fs.renameSync(tmp, accountFile(dir));
        return result;
    });
}

export function objectPath(bucket: string, key: string, dir = accountDir()): string {
    const file = path.join(dir, "s3", bucket, key);
    if (!file.startsWith(path.join(dir, "s3", bucket) + path.sep)) {
        throw new Error(`object key ${JSON.stringify(key)} escapes its bucket`);
    }
    return file;
}

/** S3's ETag of a single-part upload without KMS: the MD5 of the body, hex, in double quotes as S3 sends it. */
export function etagOf(body: Buffer): string {
    return crypto.createHash("md5").update(body).digest("hex");
}

/** Lowercase hex of `n` random bytes' worth of characters. */
export function randomHex(chars: number): string {
    return crypto.randomBytes(Math.ceil(chars / 2)).toString("hex").slice(0, chars);
}

/** Random characters from an alphabet (IDs AWS makes: uppercase alphanumerics, lowercase for CloudFront domains). */
export function randomChars(alphabet: string, n: number): string {
    return Array.from(crypto.randomBytes(n), (b) => alphabet[b % alphabet.length]).join("");
}

export const UPPER_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
export const LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";
