// Shared by the SelfHostedIrsa tests: fixtures, waiting for every registration, and resolving outputs.
// Import this AFTER setupMocks(); it loads no resource module itself.
import * as fs from "node:fs";
import * as path from "node:path";
import type { SelfHostedIrsa } from "../../src/components/selfhosted-irsa";
import { RecordedResource, promiseOf, resources, settle } from "./pulumi-mocks";

export const KEYS = path.join(__dirname, "..", "..", "..", "test", "fixtures", "keys");
export const key = (file: string): string => fs.readFileSync(path.join(KEYS, file), "utf8");

export const T = {
    component: "selfhosted-irsa:index:SelfHostedIrsa",
    bucket: "aws:s3/bucket:Bucket",
    ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    accessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    policy: "aws:s3/bucketPolicy:BucketPolicy",
    object: "aws:s3/bucketObjectv2:BucketObjectv2",
    provider: "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
    privateKey: "tls:index/privateKey:PrivateKey",
    release: "kubernetes:helm.sh/v3:Release",
    role: "aws:iam/role:Role",
};

/** Waits until no new resource has been registered for a while (applies chain through several ticks). */
export async function settleAll(): Promise<void> {
    let last = -1;
    let stable = 0;
    while (stable < 4) {
        await new Promise((r) => setTimeout(r, 10));
        await settle();
        stable = resources.length === last ? stable + 1 : 0;
        last = resources.length;
    }
}

export interface ResolvedOutputs {
    issuerUrl: string;
    issuerHost: string;
    jwksUri: string;
    discoveryDocument: string;
    jwks: string;
    keyIds: string[];
    oidcProviderArn: string;
    bucketName: string;
    publicKeyPems: string[];
    privateKeyPem: string | undefined;
    apiServerArgs: Record<string, string[]>;
}

/** Every output of the component, resolved, once all children are registered. */
export async function outputsOf(c: SelfHostedIrsa): Promise<ResolvedOutputs> {
    const o = {
        issuerUrl: await promiseOf(c.issuerUrl),
        issuerHost: await promiseOf(c.issuerHost),
        jwksUri: await promiseOf(c.jwksUri),
        discoveryDocument: await promiseOf(c.discoveryDocument),
        jwks: await promiseOf(c.jwks),
        keyIds: await promiseOf(c.keyIds),
        oidcProviderArn: await promiseOf(c.oidcProviderArn),
        bucketName: await promiseOf(c.bucketName),
        publicKeyPems: await promiseOf(c.publicKeyPems),
        privateKeyPem: await promiseOf(c.privateKeyPem),
        apiServerArgs: await promiseOf(c.apiServerArgs),
    };
    await settleAll();
    return o;
}

/** The recorded resources of one type whose name starts with the component name. */
export function childrenOf(component: string, type: string): RecordedResource[] {
    return resources.filter((r) => r.type === type && (r.name === component || r.name.startsWith(`${component}-`)));
}

/** Exactly one recorded resource of this type and name. */
export function only(type: string, name: string): RecordedResource {
    const found = resources.filter((r) => r.type === type && r.name === name);
    if (found.length !== 1) {
        throw new Error(`expected one ${type} named ${name}, found ${found.length} (${resources.map((r) => `${r.type}::${r.name}`).join(", ")})`);
    }
    return found[0];
}

export { isSecretValue, reveal } from "./pulumi-mocks";
