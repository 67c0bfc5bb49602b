// Shared Pulumi mocks for unit tests. Call `setupMocks()` BEFORE requiring any module that creates resources.
// Every resource registration is recorded so tests can assert on types, names, inputs and providers.
// Parents: assert on a child's `urn` (it holds `parentType$childType::name`), see `urnOf`.
import * as pulumi from "@pulumi/pulumi";

export interface RecordedResource {
    type: string;
    name: string;
    inputs: Record<string, any>;
    provider?: string;
}

export interface RecordedCall {
    token: string;
    inputs: Record<string, any>;
}

export const ACCOUNT_ID = "123456789012";
export const REGION = "us-west-2";

export const resources: RecordedResource[] = [];
export const calls: RecordedCall[] = [];

/**
 * Opt-in: real key material for the tls:PrivateKey resource of this name (PKCS#8 and SPKI PEM), so documents
 * built from a "generated" key can be checked. Names not listed get the fake PEM text below.
 */
export const tlsPrivateKeys: Record<string, { privateKeyPem: string; publicKeyPem: string }> = {};

/** Deterministic stand-in PEM text for @pulumi/tls outputs (only under mocks; never parsed as a key). */
function fakePem(kind: string, name: string): string {
    return `-----BEGIN ${kind}-----\nMOCK-${name}\n-----END ${kind}-----\n`;
}

/** Outputs a real provider would add, derived from the resource type and name only (deterministic). */
function mockOutputs(type: string, name: string, inputs: Record<string, any>): Record<string, any> {
    const out: Record<string, any> = { ...inputs };
    const [pkg, mod] = type.split(":");
    if (pkg === "aws") {
        const service = (mod ?? "").split("/")[0];
        out.arn = inputs.arn ?? `arn:aws:${service}::${ACCOUNT_ID}:${name}`;
    }
    switch (type) {
        case "aws:s3/bucket:Bucket":
            out.bucket = inputs.bucket ?? `${name}-abc1234`;
            out.region = inputs.region ?? REGION;
            out.arn = `arn:aws:s3:::${out.bucket}`;
            out.bucketRegionalDomainName = `${out.bucket}.s3.${out.region}.amazonaws.com`;
            break;
        case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            out.arn = `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/${String(inputs.url ?? "").replace(/^https:\/\//, "")}`;
            break;
        case "aws:iam/role:Role":
            out.name = inputs.name ?? `${name}-abc1234`;
            out.arn = `arn:aws:iam::${ACCOUNT_ID}:role${inputs.path ?? "/"}${out.name}`;
            break;
        case "aws:cloudfront/distribution:Distribution":
            out.domainName = `d111111abcdef8.cloudfront.net`;
            out.hostedZoneId = "Z2FDTNDATAQYW2";
            out.arn = `arn:aws:cloudfront::${ACCOUNT_ID}:distribution/EDFDVBD632BHDS5`;
            break;
        case "aws:acm/certificate:Certificate":
            out.arn = `arn:aws:acm:us-east-1:${ACCOUNT_ID}:certificate/${name}`;
            out.domainValidationOptions = [
                { domainName: inputs.domainName, resourceRecordName: `_x1.${inputs.domainName}.`, resourceRecordType: "CNAME", resourceRecordValue: "_x2.acm-validations.aws." },
            ];
            break;
        case "aws:route53/record:Record":
            // Route 53 reports the record's name without the trailing dot.
            out.fqdn = String(inputs.name ?? "").replace(/\.$/, "");
            break;
        case "tls:index/privateKey:PrivateKey":
            out.privateKeyPem = tlsPrivateKeys[name]?.privateKeyPem ?? fakePem("PRIVATE KEY", name);
            out.privateKeyPemPkcs8 = tlsPrivateKeys[name]?.privateKeyPem ?? fakePem("PRIVATE KEY", name);
            out.publicKeyPem = tlsPrivateKeys[name]?.publicKeyPem ?? fakePem("PUBLIC KEY", name);
            break;
        case "tls:index/selfSignedCert:SelfSignedCert":
        case "tls:index/locallySignedCert:LocallySignedCert":
            out.certPem = fakePem("CERTIFICATE", name);
            break;
        case "tls:index/certRequest:CertRequest":
            out.certRequestPem = fakePem("CERTIFICATE REQUEST", name);
            break;
    }
    return out;
}

/** Extra answers for invokes; tests may add their own before creating resources. */
export const callResults: Record<string, (inputs: Record<string, any>) => Record<string, any>> = {
    "aws:index/getRegion:getRegion": () => ({ name: REGION, region: REGION, id: REGION }),
    "aws:index/getCallerIdentity:getCallerIdentity": () => ({ accountId: ACCOUNT_ID, arn: `arn:aws:iam::${ACCOUNT_ID}:user/test`, userId: "AIDTEST", id: ACCOUNT_ID }),
    "aws:index/getPartition:getPartition": () => ({ partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" }),
};

/**
 * Opt-in stand-ins that compute a resource type's outputs (e.g. real certificates for the tls types, see
 * test/lab/tls-standin.ts); a type listed here gets its answer instead of `mockOutputs`.
 */
export const resourceStandIns: Record<string, (args: pulumi.runtime.MockResourceArgs) => Promise<Record<string, any>>> = {};

let installed = false;

/** Installs the mocks once per process (idempotent). */
export function setupMocks(): void {
    if (installed) {
        return;
    }
    installed = true;
    pulumi.runtime.setMocks(
        {
            newResource(args: pulumi.runtime.MockResourceArgs) {
                resources.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider });
                const standIn = resourceStandIns[args.type];
                if (standIn) {
                    return standIn(args).then((state) => ({ id: `${args.name}_id`, state: { ...args.inputs, ...state } }));
                }
                return { id: `${args.name}_id`, state: mockOutputs(args.type, args.name, args.inputs) };
            },
            call(args: pulumi.runtime.MockCallArgs) {
                calls.push({ token: args.token, inputs: args.inputs });
                const answer = callResults[args.token];
                return answer ? answer(args.inputs) : args.inputs;
            },
        },
        "selfhosted-irsa",
        "test",
        false,
    );
}

/** Resolves an Output to its value (tests only). */
export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((v) => {
        resolve(v);
        return v;
    }));
}

/** Whether an Output is marked secret. */
export function isSecret<T>(output: pulumi.Output<T>): Promise<boolean> {
    return pulumi.isSecret(output);
}

/** Recorded resources of one type, optionally filtered by a name predicate. */
export function ofType(type: string, name?: (n: string) => boolean): RecordedResource[] {
    return resources.filter((r) => r.type === type && (!name || name(r.name)));
}

/** Forgets what was recorded (between independent test programs in one file). */
export function resetRecords(): void {
    resources.length = 0;
    calls.length = 0;
}

/** Waits until Pulumi has flushed pending resource registrations. */
export async function settle(): Promise<void> {
    for (let i = 0; i < 5; i++) {
        await new Promise((r) => setImmediate(r));
    }
}

/** A resource's URN, to check its parent chain (`...::parentType$childType::name`). */
export function urnOf(resource: pulumi.Resource): Promise<string> {
    return promiseOf(resource.urn);
}

/** URNs of every resource registered so far (the mock monitor's own record; shows each parent chain). */
export function registeredUrns(): string[] {
    const monitor = pulumi.runtime.getMonitor() as unknown as { getRegisteredResources?: () => Map<string, unknown> };
    return [...(monitor.getRegisteredResources?.() ?? new Map()).keys()];
}

// Pulumi's wire signature of a secret: recorded inputs keep secrets as { [SIG]: SECRET_SIG, value }.
const SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const isSecretValue = (v: any): boolean => typeof v === "object" && v !== null && v[SIG] === SECRET_SIG;
/** The value inside recorded inputs with every secret wrapper removed. */
export function reveal(v: any): any {
    if (isSecretValue(v)) {
        return reveal(v.value);
    }
    if (Array.isArray(v)) {
        return v.map(reveal);
    }
    if (typeof v === "object" && v !== null) {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, reveal(x)]));
    }
    return v;
}
