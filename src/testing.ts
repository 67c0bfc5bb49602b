// selfhosted-irsa/testing: Pulumi mocks that answer everything this package's components register and invoke, so
// a user can unit-test a stack program that uses them (README, "Testing your own stack"). The package's own tests
// use the same mocks (test/helpers/pulumi-mocks.ts), so they cannot drift apart.
//
// Each answer is what the real provider returns for the same inputs, computed from them (names, ARNs, endpoints),
// except key material and certificates: real keys are generated (one per algorithm and size in a process), and
// certificates are labelled placeholders (nothing in this package parses them).
import * as crypto from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { partitionOfRegion } from "./aws/bucket-namespace";
import { awsDnsSuffix } from "./aws/names";
import { KUBECTL_EXIT_MARKER } from "./kubernetes/kubectl";

/** A resource registered under the mocks, as the mock monitor received it. */
export interface MockedResource {
    type: string;
    name: string;
    /**
     * Its inputs as the mock monitor received them: a secret is wrapped as Pulumi sends it (`isSecretValue`), and
     * the SDK lifts a nested secret to the whole object that holds it. `reveal(inputs)` gives the plain values.
     */
    inputs: Record<string, any>;
    /** The provider reference it was registered with, when explicit (`<urn>::<id>`). */
    provider?: string;
    /** What the mocks answered: the resource's outputs (the inputs plus what the provider computes). */
    state?: Record<string, any>;
}

/** An invoke made under the mocks. */
export interface MockedInvoke {
    token: string;
    inputs: Record<string, any>;
    provider?: string;
}

/** What a running cluster answers to kubectl, for `signingKey.fromCluster` (the invoke command:local:run). */
export interface MockCluster {
    /** The body of `kubectl get --raw /openid/v1/jwks`. */
    jwks?: string;
    /** The body of `kubectl get --raw /.well-known/openid-configuration`. */
    discovery?: string;
    /** The PEM of EKS Anywhere's `<cluster>-sa` secret (`tls.crt`), for `fromCluster.eksAnywhereClusterName`. */
    eksAnywherePublicKeyPem?: string;
}

export interface IrsaMocksOptions {
    /** The AWS account of the default AWS provider (aws.getCallerIdentity). Default: "123456789012" */
    accountId?: string;
    /** The region of the default AWS provider (aws.getRegion). Default: "us-west-2" */
    region?: string;
    /** Outputs of the stacks a program reads with `new pulumi.StackReference(name)`, by stack name. Default: {} */
    stackOutputs?: Record<string, Record<string, unknown>>;
    /** The cluster `signingKey.fromCluster` reads. Default: none (such a program fails with a message saying to give it) */
    cluster?: MockCluster;
    /** The suffix of Pulumi's auto-names ("<name>-<suffix>"). Default: 7 hex digits of the name's SHA-256 */
    autoNameSuffix?: (name: string) => string;
    /** Your own mocks, asked for every resource type and invoke these mocks do not know. Default: echo the inputs */
    fallback?: pulumi.runtime.Mocks;
}

/** The provider a resource or invoke went to: its account and region, from its inputs. */
interface MockProvider {
    accountId: string;
    region: string;
}

const ROLE_ACCOUNT = /^arn:[\w-]+:iam::(\d{12}):/;
// CloudFront's hosted zone for alias records (the same for every distribution: AWS General Reference).
const CLOUDFRONT_ZONE_ID = "Z2FDTNDATAQYW2";
const generatedKeys = new Map<string, { privateKeyPem: string; privateKeyPemPkcs8: string; publicKeyPem: string }>();

const hex = (text: string, digits: number) => crypto.createHash("sha256").update(text).digest("hex").slice(0, digits);

/** A real key pair for a tls:PrivateKey, one per shape in a process (generating RSA keys is slow). */
function keyFor(inputs: Record<string, any>): { privateKeyPem: string; privateKeyPemPkcs8: string; publicKeyPem: string } {
    const algorithm = String(inputs.algorithm ?? "RSA");
    const shape = algorithm === "RSA" ? `RSA-${inputs.rsaBits ?? 2048}` : `${algorithm}-${inputs.ecdsaCurve ?? "P224"}`;
    let key = generatedKeys.get(shape);
    if (key === undefined) {
        const pair =
            algorithm === "RSA"
                ? crypto.generateKeyPairSync("rsa", { modulusLength: Number(inputs.rsaBits ?? 2048) })
                : algorithm === "ECDSA"
                  ? crypto.generateKeyPairSync("ec", { namedCurve: { P224: "P-224", P256: "P-256", P384: "P-384", P521: "P-521" }[String(inputs.ecdsaCurve ?? "P224")] ?? "P-256" })
                  : crypto.generateKeyPairSync("ed25519");
        // @pulumi/tls gives PKCS#1 (RSA) or SEC1 (ECDSA) as privateKeyPem, PKCS#8 as privateKeyPemPkcs8, SPKI as publicKeyPem.
        const traditional = algorithm === "RSA" ? "pkcs1" : algorithm === "ECDSA" ? "sec1" : "pkcs8";
        key = {
            privateKeyPem: pair.privateKey.export({ type: traditional, format: "pem" }).toString(),
            privateKeyPemPkcs8: pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
            publicKeyPem: pair.publicKey.export({ type: "spki", format: "pem" }).toString(),
        };
        generatedKeys.set(shape, key);
    }
    return key;
}

/** A labelled placeholder for a certificate or CSR (never parsed by this package). */
function placeholderPem(label: string, name: string): string {
    return `-----BEGIN ${label}-----\n${Buffer.from(`selfhosted-irsa/testing placeholder for ${name}`).toString("base64")}\n-----END ${label}-----\n`;
}

/**
 * Pulumi mocks for programs that use SelfHostedIrsa, IrsaRole and IrsaOidcProvider. Every registration and invoke
 * is recorded in `resources` and `invokes`. Install with `setIrsaMocks()`, or pass to `pulumi.runtime.setMocks`.
 */
export class IrsaMocks implements pulumi.runtime.Mocks {
    /** Every resource registered so far. */
    public readonly resources: MockedResource[] = [];
    /** Every invoke made so far. */
    public readonly invokes: MockedInvoke[] = [];
    private readonly options: Required<Pick<IrsaMocksOptions, "accountId" | "region">> & IrsaMocksOptions;
    private readonly providers = new Map<string, MockProvider>();

    constructor(options: IrsaMocksOptions = {}) {
        this.options = { ...options, accountId: options.accountId ?? "123456789012", region: options.region ?? "us-west-2" };
    }

    /** Resources of one type, optionally with one name. */
    public ofType(type: string, name?: string): MockedResource[] {
        return this.resources.filter((r) => r.type === type && (name === undefined || r.name === name));
    }

    /** Waits until no resource has been registered for a few turns of the event loop (every apply has run). */
    public async settled(): Promise<void> {
        for (let last = -1, quiet = 0; quiet < 4; ) {
            await new Promise((resolve) => setTimeout(resolve, 10));
            quiet = this.resources.length === last ? quiet + 1 : 0;
            last = this.resources.length;
        }
    }

    public newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult | Promise<pulumi.runtime.MockResourceResult> {
        const inputs = (args.inputs ?? {}) as Record<string, any>;
        const recorded: MockedResource = { type: args.type, name: args.name, inputs, ...(args.provider !== undefined ? { provider: args.provider } : {}) };
        this.resources.push(recorded);
        const id = `${args.name}_id`;
        if (args.type === "pulumi:providers:aws") {
            // A provider's object inputs reach the engine as JSON text.
            const json = (value: unknown) => (typeof value === "string" ? JSON.parse(value) : value);
            const roles = [...(json(inputs.assumeRoles) ?? []), ...(inputs.assumeRole ? [json(inputs.assumeRole)] : [])] as { roleArn?: string }[];
            const assumed = roles.map((r) => ROLE_ACCOUNT.exec(r?.roleArn ?? "")?.[1]).find((a) => a !== undefined);
            this.providers.set(id, { accountId: assumed ?? json(inputs.allowedAccountIds)?.[0] ?? this.options.accountId, region: inputs.region ?? this.options.region });
            recorded.state = inputs;
            return { id, state: inputs };
        }
        const state = this.stateOf(args.type, args.name, inputs, this.providerOf(args.provider));
        if (state === undefined) {
            return this.options.fallback?.newResource(args) ?? { id, state: inputs };
        }
        recorded.state = state;
        return { id: state.id ?? id, state };
    }

    public call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult | Promise<pulumi.runtime.MockCallResult> {
        const inputs = (args.inputs ?? {}) as Record<string, any>;
        this.invokes.push({ token: args.token, inputs, ...(args.provider !== undefined ? { provider: args.provider } : {}) });
        const provider = this.providerOf(args.provider);
        const partition = partitionOfRegion(provider.region);
        switch (args.token) {
            case "aws:index/getRegion:getRegion": {
                const region = inputs.region ?? inputs.name ?? provider.region;
                return { id: region, name: region, region, description: region, endpoint: `ec2.${region}.${awsDnsSuffix(region)}` };
            }
            case "aws:index/getCallerIdentity:getCallerIdentity":
                return { id: provider.accountId, accountId: provider.accountId, arn: `arn:${partition}:iam::${provider.accountId}:user/irsa-mocks`, userId: "AIDAIRSAMOCKS" };
            case "aws:index/getPartition:getPartition":
                return { id: partition, partition, dnsSuffix: awsDnsSuffix(provider.region), reverseDnsPrefix: awsDnsSuffix(provider.region).split(".").reverse().join(".") };
            case "aws:route53/getZone:getZone": {
                const name = String(inputs.name ?? "example.com");
                const zoneId = `Z${hex(name, 20).toUpperCase()}`;
                return { id: zoneId, zoneId, name, arn: `arn:${partition}:route53:::hostedzone/${zoneId}`, privateZone: inputs.privateZone ?? false, nameServers: [] };
            }
            case "command:local:run":
                return this.kubectl(String(inputs.command ?? ""));
        }
        return this.options.fallback?.call(args) ?? inputs;
    }

    /** The account and region a provider reference stands for (the default provider's when none). */
    private providerOf(reference: string | undefined): MockProvider {
        const id = reference?.split("::").pop();
        return (id !== undefined ? this.providers.get(id) : undefined) ?? { accountId: this.options.accountId, region: this.options.region };
    }

    /** What the real provider returns for a resource this package registers, or undefined for other types. */
    private stateOf(type: string, name: string, inputs: Record<string, any>, provider: MockProvider): Record<string, any> | undefined {
        const auto = (base: string) => `${base}-${(this.options.autoNameSuffix ?? ((n: string) => hex(n, 7)))(base)}`;
        const region = inputs.region ?? provider.region;
        const partition = partitionOfRegion(region);
        const account = provider.accountId;
        switch (type) {
            case "aws:s3/bucket:Bucket": {
                const bucket = inputs.bucket ?? auto(name).toLowerCase();
                const dns = awsDnsSuffix(region);
                return { ...inputs, id: bucket, bucket, region, arn: `arn:${partition}:s3:::${bucket}`, bucketNamespace: inputs.bucketNamespace ?? "global", bucketDomainName: `${bucket}.s3.${dns}`, bucketRegionalDomainName: `${bucket}.s3.${region}.${dns}` };
            }
            case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
                return { ...inputs, arn: `arn:${partition}:iam::${account}:oidc-provider/${String(inputs.url ?? "").replace(/^https:\/\//, "")}` };
            case "aws:iam/role:Role": {
                const roleName = inputs.name ?? auto(name);
                return { ...inputs, id: roleName, name: roleName, arn: `arn:${partition}:iam::${account}:role${inputs.path ?? "/"}${roleName}`, uniqueId: `AROA${hex(roleName, 17).toUpperCase()}` };
            }
            case "aws:cloudfront/distribution:Distribution": {
                const id = `E${hex(name, 13).toUpperCase()}`;
                return { ...inputs, id, arn: `arn:aws:cloudfront::${account}:distribution/${id}`, domainName: `d${hex(name, 13)}.cloudfront.net`, hostedZoneId: CLOUDFRONT_ZONE_ID, status: "Deployed" };
            }
            case "aws:cloudfront/originAccessControl:OriginAccessControl":
            case "aws:cloudfront/cachePolicy:CachePolicy":
                return { ...inputs, id: `${name}_id`, name: inputs.name ?? auto(name), etag: hex(name, 14).toUpperCase() };
            case "aws:acm/certificate:Certificate":
                return {
                    ...inputs,
                    arn: `arn:${partition}:acm:${region}:${account}:certificate/${hex(name, 32)}`,
                    domainValidationOptions: [inputs.domainName, ...(inputs.subjectAlternativeNames ?? [])].map((domainName: string) => ({
                        domainName,
                        resourceRecordName: `_${hex(domainName, 32)}.${domainName}.`,
                        resourceRecordType: "CNAME",
                        resourceRecordValue: `_${hex(`${domainName}/value`, 32)}.acm-validations.aws.`,
                    })),
                };
            case "aws:route53/record:Record":
                // Route 53 reports the record's name without the trailing dot.
                return { ...inputs, fqdn: String(inputs.name ?? "").replace(/\.$/, "") };
            case "tls:index/privateKey:PrivateKey":
                return { ...inputs, ...keyFor(inputs) };
            case "tls:index/selfSignedCert:SelfSignedCert":
            case "tls:index/locallySignedCert:LocallySignedCert": {
                const hours = Number(inputs.validityPeriodHours ?? 0);
                const start = new Date("2026-01-01T00:00:00Z");
                const end = new Date(start.getTime() + hours * 3_600_000);
                return { ...inputs, certPem: placeholderPem("CERTIFICATE", name), validityStartTime: start.toISOString(), validityEndTime: end.toISOString(), readyForRenewal: false };
            }
            case "tls:index/certRequest:CertRequest":
                return { ...inputs, certRequestPem: placeholderPem("CERTIFICATE REQUEST", name) };
            case "kubernetes:helm.sh/v3:Release": {
                const release = inputs.name ?? `${name}-${hex(name, 8)}`;
                return { ...inputs, name: release, status: { name: release, namespace: inputs.namespace ?? "default", status: "deployed", chart: inputs.chart, version: inputs.version, revision: 1 } };
            }
            case "pulumi:pulumi:StackReference": {
                const outputs = this.options.stackOutputs?.[String(inputs.name)];
                if (outputs === undefined) {
                    throw new Error(`selfhosted-irsa/testing: the program reads the stack "${inputs.name}" (new pulumi.StackReference), but the mocks have no outputs for it: pass setIrsaMocks({ stackOutputs: { "${inputs.name}": { ... } } })`);
                }
                return { ...inputs, outputs, secretOutputNames: [] };
            }
        }
        if (type.startsWith("aws:")) {
            // Any other AWS resource: its inputs, and an ARN of its service when it has none.
            const service = type.split(":")[1]?.split("/")[0] ?? "";
            return { ...inputs, arn: inputs.arn ?? `arn:${partition}:${service}:${region}:${account}:${name}` };
        }
        if (type.startsWith("kubernetes:") || type.startsWith("tls:") || type.startsWith("command:")) {
            return { ...inputs };
        }
        return undefined;
    }

    /** kubectl's answers (through @pulumi/command's local.run) from the `cluster` option. */
    private kubectl(command: string): Record<string, any> {
        const cluster = this.options.cluster;
        const answer = command.includes("/openid/v1/jwks") ? cluster?.jwks : command.includes("openid-configuration") ? cluster?.discovery : command.includes("'secret'") && cluster?.eksAnywherePublicKeyPem ? Buffer.from(cluster.eksAnywherePublicKeyPem).toString("base64") : undefined;
        if (answer === undefined) {
            // Answered as a failed kubectl run (an error thrown from a mock loses its message on the way back), so
            // the component's own message carries this one.
            const why = `selfhosted-irsa/testing: signingKey.fromCluster runs kubectl (the invoke command:local:run), and the mocks have no cluster to answer it: pass setIrsaMocks({ cluster: { jwks, discovery } })`;
            return { stdout: "", stderr: `${why}\n${KUBECTL_EXIT_MARKER} 1` };
        }
        return { stdout: answer, stderr: "" };
    }
}

/** Options of `setIrsaMocks`: the mocks' own, and what `pulumi.runtime.setMocks` takes. */
export interface SetIrsaMocksOptions extends IrsaMocksOptions {
    /** Default: "project" */
    project?: string;
    /** Default: "stack" */
    stack?: string;
    /** Run as a preview. Default: false */
    preview?: boolean;
    /** Stack configuration, e.g. { "aws:region": "eu-west-1", "my-project:irsaStack": "org/irsa/prod" }. Default: {} */
    config?: Record<string, string>;
}

/**
 * Installs IrsaMocks with `pulumi.runtime.setMocks` (and the stack's config) and returns them. Call it before the
 * program (or any module that creates resources) is loaded. `aws:region` in `config` sets the mocks' region too.
 */
export function setIrsaMocks(options: SetIrsaMocksOptions = {}): IrsaMocks {
    const config = options.config ?? {};
    const mocks = new IrsaMocks({ ...options, region: options.region ?? config["aws:region"] });
    if (Object.keys(config).length > 0) {
        pulumi.runtime.setAllConfig(config);
    }
    void pulumi.runtime.setMocks(mocks, options.project ?? "project", options.stack ?? "stack", options.preview ?? false);
    return mocks;
}

/** The value of an Output (or any Input), for assertions. Under mocks every value is known. */
export function valueOf<T>(input: pulumi.Input<T>): Promise<T> {
    return new Promise<T>((resolve) => {
        pulumi.output(input).apply((value) => {
            resolve(value as T);
            return value;
        });
    });
}

// Pulumi's wire signature of a secret: recorded inputs keep secrets as { [SIG]: SECRET_SIG, value }.
const SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Whether a recorded input value is a secret (as the engine would receive it). */
export function isSecretValue(value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SIG] === SECRET_SIG;
}

/** A recorded input with every secret wrapper removed, for assertions on the plain values. */
export function reveal<T = any>(value: unknown): T {
    if (isSecretValue(value)) {
        return reveal((value as { value: unknown }).value);
    }
    if (Array.isArray(value)) {
        return value.map((v) => reveal(v)) as T;
    }
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)])) as T;
    }
    return value as T;
}
