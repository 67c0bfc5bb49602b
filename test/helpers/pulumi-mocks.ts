// Shared Pulumi mocks for unit tests, built on the mocks users get from selfhosted-irsa/testing (src/testing.ts).
// Call `setupMocks()` BEFORE requiring any module that creates resources.
// Every resource registration is recorded so tests can assert on types, names, inputs and providers.
// Parents: assert on a child's `urn` (it holds `parentType$childType::name`), see `urnOf`.
import * as pulumi from "@pulumi/pulumi";
import { IrsaMocks, MockedInvoke, MockedResource } from "../../src/testing";

export type RecordedResource = MockedResource;
export type RecordedCall = MockedInvoke;

export const ACCOUNT_ID = "123456789012";
export const REGION = "us-west-2";

/**
 * Opt-in: real key material for the tls:PrivateKey resource of this name (PKCS#8 and SPKI PEM), so documents
 * built from a "generated" key can be checked. Names not listed get the fake PEM text below.
 */
export const tlsPrivateKeys: Record<string, { privateKeyPem: string; publicKeyPem: string }> = {};

/** Deterministic stand-in PEM text for @pulumi/tls outputs (only under mocks; never parsed as a key). */
function fakePem(kind: string, name: string): string {
    return `-----BEGIN ${kind}-----\nMOCK-${name}\n-----END ${kind}-----\n`;
}

/**
 * What these tests pin beyond the shared mocks: @pulumi/tls outputs as named stand-ins (or the opt-in real keys of
 * `tlsPrivateKeys`), so tests can follow each PEM by name without generating keys. Everything else is answered by
 * selfhosted-irsa/testing's IrsaMocks, the mocks users get.
 */
function tlsOutputs(type: string, name: string, inputs: Record<string, any>): Record<string, any> | undefined {
    switch (type) {
        case "tls:index/privateKey:PrivateKey":
            return {
                ...inputs,
                privateKeyPem: tlsPrivateKeys[name]?.privateKeyPem ?? fakePem("PRIVATE KEY", name),
                privateKeyPemPkcs8: tlsPrivateKeys[name]?.privateKeyPem ?? fakePem("PRIVATE KEY", name),
                publicKeyPem: tlsPrivateKeys[name]?.publicKeyPem ?? fakePem("PUBLIC KEY", name),
            };
        case "tls:index/selfSignedCert:SelfSignedCert":
        case "tls:index/locallySignedCert:LocallySignedCert":
            return { ...inputs, certPem: fakePem("CERTIFICATE", name) };
        case "tls:index/certRequest:CertRequest":
            return { ...inputs, certRequestPem: fakePem("CERTIFICATE REQUEST", name) };
    }
    return undefined;
}

/** Extra answers for invokes; tests may add their own before creating resources (asked before IrsaMocks). */
export const callResults: Record<string, (inputs: Record<string, any>) => Record<string, any>> = {};

/** The shared mocks, with Pulumi's auto-name suffix fixed to "abc1234" so names can be asserted literally. */
export const irsaMocks = new IrsaMocks({ accountId: ACCOUNT_ID, region: REGION, autoNameSuffix: () => "abc1234" });
/** Every resource registered so far (IrsaMocks' own record). */
export const resources: RecordedResource[] = irsaMocks.resources;
/** Every invoke made so far. */
export const calls: RecordedCall[] = irsaMocks.invokes;

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
                const recorded = { type: args.type, name: args.name, inputs: args.inputs, ...(args.provider !== undefined ? { provider: args.provider } : {}) };
                const standIn = resourceStandIns[args.type];
                if (standIn) {
                    resources.push(recorded);
                    return standIn(args).then((state) => ({ id: `${args.name}_id`, state: { ...args.inputs, ...state } }));
                }
                const pinned = tlsOutputs(args.type, args.name, args.inputs);
                if (pinned !== undefined) {
                    resources.push(recorded);
                    return { id: `${args.name}_id`, state: pinned };
                }
                return irsaMocks.newResource(args);
            },
            call(args: pulumi.runtime.MockCallArgs) {
                const answer = callResults[args.token];
                if (answer !== undefined) {
                    calls.push({ token: args.token, inputs: args.inputs });
                    return answer(args.inputs);
                }
                return irsaMocks.call(args);
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

export { isSecretValue, reveal } from "../../src/testing";
