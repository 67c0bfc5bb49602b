// A healthy IRSA cluster for the fake API server: the API server's documents and token signer, an annotated
// ServiceAccount, a mutated pod, and the pod identity webhook (configuration, serving certificate, endpoints).
// Tests start from it and break one thing.
import * as fs from "node:fs";
import * as path from "node:path";
import { createTestCa, issueServerCertificate, TestCa } from "../../src/cli/pki";
import { buildDiscoveryDocument, buildJwks, mintServiceAccountToken, serializeDiscoveryDocument, serializeJwks } from "../../src/oidc";
import { webhookServiceDnsNames, WEBHOOK_FULLNAME } from "../../src/webhook/webhook-values";
import type { FakeCluster, K8sObject } from "./fake-apiserver";

const KEYS = path.join(__dirname, "..", "..", "..", "test", "fixtures", "keys");
export const RSA = fs.readFileSync(path.join(KEYS, "rsa2048.pkcs8.pem"), "utf8");
export const OTHER = fs.readFileSync(path.join(KEYS, "rsa3072.pkcs8.pem"), "utf8");
export const RSA_KID = "RPTwuSSaBIxZ_xHGxWTviC4uVbAg8jGYcU9K-Vknk_E"; // vectors.json
export const OTHER_KID = "jXEyK6mLCXY1ondBspx1IrTa7iGjGPwaM3ag_72sJtY"; // vectors.json
export const ROLE_ARN = "arn:aws:iam::111122223333:role/s3-reader";
export const WEBHOOK_NS = "kube-system";

/** The webhook's PKI, made once per test file (key generation is the slow part). */
export interface WebhookPki {
    ca: TestCa;
    otherCa: TestCa;
    serving: { certPem: string; keyPem: string };
}

export async function makeWebhookPki(): Promise<WebhookPki> {
    const ca = await createTestCa("webhook CA", { notAfter: new Date(Date.now() + 3650 * 86_400_000) });
    const otherCa = await createTestCa("another CA");
    const serving = await issueServerCertificate(ca, WEBHOOK_FULLNAME, { dnsNames: webhookServiceDnsNames(WEBHOOK_NS), notAfter: new Date(Date.now() + 365 * 86_400_000) });
    return { ca, otherCa, serving };
}

export interface ClusterSetup {
    /** The issuer the API server puts in its discovery document and tokens. */
    clusterIssuer: string;
    /** Keys the API server serves (PEM); the first signs. */
    servedKeys: string[];
    pki: WebhookPki;
}

const b64 = (text: string) => Buffer.from(text).toString("base64");

export function serviceAccount(namespace: string, name: string, annotations: Record<string, string> = { "eks.amazonaws.com/role-arn": ROLE_ARN }): K8sObject {
    return { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace, uid: `${namespace}-${name}`, annotations } };
}

/** A pod of Deployment `deployment` (through ReplicaSet `<deployment>-<hash>`), mutated by the webhook or not. */
export function deploymentPod(namespace: string, deployment: string, sa: string, injected: boolean, suffix = "x1y2z"): K8sObject {
    const hash = "5d8f7c9b6";
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: `${deployment}-${hash}-${suffix}`, namespace, labels: { app: deployment, "pod-template-hash": hash }, ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: `${deployment}-${hash}`, controller: true, uid: "rs" }] },
        spec: {
            serviceAccountName: sa,
            containers: [{ name: "app", image: "app:1", env: injected ? [{ name: "AWS_ROLE_ARN", value: ROLE_ARN }, { name: "AWS_WEB_IDENTITY_TOKEN_FILE", value: "/var/run/secrets/eks.amazonaws.com/serviceaccount/token" }] : [] }],
            volumes: injected ? [{ name: "aws-iam-token", projected: { sources: [{ serviceAccountToken: { audience: "sts.amazonaws.com", expirationSeconds: 86400, path: "token" } }] } }] : [],
        },
        status: { phase: "Running" },
    };
}

export function webhookConfiguration(caBundlePem: string, failurePolicy = "Ignore"): K8sObject {
    return {
        apiVersion: "admissionregistration.k8s.io/v1",
        kind: "MutatingWebhookConfiguration",
        metadata: { name: WEBHOOK_FULLNAME },
        webhooks: [{ name: "pod-identity-webhook.amazonaws.com", admissionReviewVersions: ["v1beta1"], clientConfig: { service: { name: WEBHOOK_FULLNAME, namespace: WEBHOOK_NS, path: "/mutate" }, caBundle: b64(caBundlePem) }, failurePolicy, sideEffects: "None" }],
    };
}

export function servingSecret(certPem: string, keyPem: string): K8sObject {
    return { apiVersion: "v1", kind: "Secret", type: "kubernetes.io/tls", metadata: { name: `${WEBHOOK_FULLNAME}-cert`, namespace: WEBHOOK_NS }, data: { "tls.crt": b64(certPem), "tls.key": b64(keyPem) } };
}

export function endpointSlice(ready: boolean): K8sObject {
    return {
        apiVersion: "discovery.k8s.io/v1",
        kind: "EndpointSlice",
        metadata: { name: `${WEBHOOK_FULLNAME}-abcde`, namespace: WEBHOOK_NS, labels: { "kubernetes.io/service-name": WEBHOOK_FULLNAME } },
        addressType: "IPv4",
        endpoints: [{ addresses: ["10.42.0.7"], conditions: { ready }, targetRef: { kind: "Pod", name: `${WEBHOOK_FULLNAME}-6c7d8-q7w8e`, namespace: WEBHOOK_NS } }],
        ports: [{ name: "https", port: 443, protocol: "TCP" }],
    };
}

/** The healthy cluster: every doctor check passes against it when the published documents match. */
export function healthyCluster(setup: ClusterSetup): FakeCluster {
    const jwks = buildJwks(setup.servedKeys);
    return {
        discovery: serializeDiscoveryDocument(buildDiscoveryDocument({ issuer: setup.clusterIssuer, jwks })),
        jwks: serializeJwks(jwks),
        signToken: (request) =>
            mintServiceAccountToken({ privateKeyPem: setup.servedKeys[0], issuer: setup.clusterIssuer, namespace: request.namespace, serviceAccount: request.serviceAccount, audiences: request.audiences, ttlSeconds: request.expirationSeconds, podName: "doctor" }),
        objects: [
            serviceAccount("apps", "s3-reader"),
            serviceAccount("apps", "default", {}),
            deploymentPod("apps", "s3-reader", "s3-reader", true),
            deploymentPod("apps", "frontend", "default", false),
            webhookConfiguration(setup.pki.ca.certPem),
            servingSecret(setup.pki.serving.certPem, setup.pki.serving.keyPem),
            endpointSlice(true),
        ],
    };
}

/** Replaces the object of this kind (and name, when given) in the cluster. */
export function replaceObject(cluster: FakeCluster, object: K8sObject): void {
    const index = cluster.objects.findIndex((o) => o.kind === object.kind && o.metadata.name === object.metadata.name && o.metadata.namespace === object.metadata.namespace);
    if (index === -1) {
        cluster.objects.push(object);
    } else {
        cluster.objects[index] = object;
    }
}
