// The component under the shared Pulumi mocks, for lab tests: what it uploads, outputs and hands the Helm
// release, with the tls resources made real (tls-standin.ts) so the webhook can serve them. Import this module
// before anything that loads a resource module (it installs the mocks first).
import { execFile } from "node:child_process";
import type { FetchLike } from "../../src/oidc/fetch";
import { callResults, resetRecords, resources, reveal, setupMocks } from "../helpers/pulumi-mocks";
import { installTlsStandIn } from "./tls-standin";

setupMocks();
installTlsStandIn();
// Required after setMocks: resource modules must load with the mocks in place.
const { SelfHostedIrsa } = require("../../src/components/selfhosted-irsa") as typeof import("../../src/components/selfhosted-irsa");
const { outputsOf } = require("../helpers/irsa-program") as typeof import("../helpers/irsa-program");
const { httpsFetcher } = require("../../src/oidc/https-fetch") as typeof import("../../src/oidc/https-fetch");

export type SelfHostedIrsaArgs = import("../../src/plans/selfhosted-irsa-args").SelfHostedIrsaArgs;
export type Component = InstanceType<typeof SelfHostedIrsa>;
export type { ResolvedOutputs } from "../helpers/irsa-program";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Recorded = { type: string; name: string; inputs: Record<string, any> };

export interface ComponentRun {
    component: Component;
    outputs: import("../helpers/irsa-program").ResolvedOutputs;
    /** Object key → content of every document the component uploads to its bucket. */
    uploaded: Record<string, string>;
    /** The values the component hands the webhook's Helm release (secrets unwrapped), if it makes one. */
    releaseValues?: Record<string, unknown>;
    /** The release's namespace. */
    releaseNamespace?: string;
    /** Every resource it registered (inputs with secrets unwrapped). */
    registered: Recorded[];
}

/** Runs a fresh SelfHostedIrsa program under the mocks and resolves everything it registers. */
export async function runComponent(name: string, args: SelfHostedIrsaArgs): Promise<ComponentRun> {
    resetRecords();
    const component = new SelfHostedIrsa(name, args);
    const outputs = await outputsOf(component);
    const registered = resources.map((r) => ({ type: r.type, name: r.name, inputs: reveal(r.inputs) }));
    const uploaded = Object.fromEntries(registered.filter((r) => r.type === "aws:s3/bucketObjectv2:BucketObjectv2").map((r) => [r.inputs.key as string, r.inputs.content as string]));
    const release = registered.find((r) => r.type === "kubernetes:helm.sh/v3:Release");
    return { component, outputs, uploaded, releaseValues: release?.inputs.values, releaseNamespace: release?.inputs.namespace, registered };
}

/**
 * The bucket as STS reaches it, on loopback: a fetch for URLs under `issuer` goes to `serverUrl` (the loopback
 * HTTPS server holding the uploaded objects at their keys), verified with `caPem`. The stand-in for DNS and
 * S3; the doctor's checks run unchanged on what comes back.
 */
export function bucketFetcher(issuer: string, serverUrl: string, caPem: string): FetchLike {
    const fetch = httpsFetcher({ ca: caPem });
    return (url, init) => {
        if (!url.startsWith(`${issuer}/`)) {
            return Promise.reject(new Error(`the lab serves only ${issuer}/..., not ${url}`));
        }
        return fetch(`${serverUrl}${url.slice(issuer.length)}`, init);
    };
}

/** Answers @pulumi/command's local run invoke by running the command with /bin/sh (PATH given), as the provider does. */
export function runCommandsFor(path: string): void {
    callResults["command:local:run"] = (inputs) =>
        new Promise((resolve) => {
            execFile("/bin/sh", ["-c", String(inputs.command)], { env: { ...process.env, PATH: path }, timeout: 60_000 }, (_e, stdout, stderr) =>
                resolve({ stdout: stdout.replace(/\n$/, ""), stderr: stderr.replace(/\n$/, "") }),
            );
        }) as unknown as Record<string, unknown>;
}
