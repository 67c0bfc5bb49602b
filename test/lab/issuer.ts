// The published side of the lab: a loopback HTTPS server holding what the component uploads (the bucket, as
// STS reaches it), the doctor run against it, and the API server's own verdicts (TokenRequest, TokenReview).
import { startLoopbackIssuer, LoopbackIssuer } from "../../src/cli/loopback-issuer";
import { DISCOVERY_PATH } from "../../src/oidc/discovery";
import { Finding, verifyIssuer } from "../../src/oidc/verify";
import type { LabCluster } from "./cluster";
import { bucketFetcher, ComponentRun } from "./component";

export interface LabBucket {
    server: LoopbackIssuer;
    /** Serves these uploaded objects (key → content) at /<key>, replacing what was there. */
    publish(uploaded: Record<string, string>): void;
    /** Runs the doctor (verifyIssuer, as `selfhosted-irsa doctor` does) for `issuer`, fetching from this server. */
    doctor(options: { issuer: string; token?: string; audience?: string; trustPolicy?: string }): Promise<Finding[]>;
    close(): Promise<void>;
}

export async function startBucket(): Promise<LabBucket> {
    const server = await startLoopbackIssuer();
    return {
        server,
        publish(uploaded) {
            server.routes.clear();
            for (const [key, body] of Object.entries(uploaded)) {
                server.routes.set(`/${key}`, { body });
            }
        },
        doctor: ({ issuer, token, audience, trustPolicy }) => verifyIssuer({ issuer, token, audience, trustPolicy, fetch: bucketFetcher(issuer, server.url, server.caPem) }),
        close: () => server.close(),
    };
}

/** Publishes a component run's documents. */
export const publishRun = (bucket: LabBucket, run: ComponentRun) => bucket.publish(run.uploaded);

/** The ids of failed findings (empty: everything passed). */
export const failures = (findings: Finding[]) => findings.filter((f) => !f.ok).map((f) => f.id);

/** The real TokenRequest API, as a user runs it: `kubectl create token SA -n NS --audience A`. */
export async function createToken(cluster: LabCluster, namespace: string, serviceAccount: string, audience = "sts.amazonaws.com", extra: string[] = []): Promise<string> {
    return (await cluster.kubectl(["create", "token", serviceAccount, "-n", namespace, "--audience", audience, ...extra])).stdout.trim();
}

/** The API server's TokenReview of `token` for these audiences: whether it authenticates, and as whom. */
export async function tokenReview(cluster: LabCluster, token: string, audiences = ["sts.amazonaws.com"]): Promise<{ authenticated: boolean; username?: string; error?: string }> {
    const res = await cluster.request("POST", "/apis/authentication.k8s.io/v1/tokenreviews", { apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: { token, audiences } });
    const status = res.json().status ?? {};
    return { authenticated: status.authenticated === true, username: status.user?.username, error: status.error };
}

/** The claims of a JWT (unverified: what STS reads before it checks). */
export function claimsOf(token: string): Record<string, unknown> {
    return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString());
}

export { DISCOVERY_PATH };
