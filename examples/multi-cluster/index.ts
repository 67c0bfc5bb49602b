// One stack per environment (Pulumi.dev.yaml, Pulumi.prod.yaml): each cluster gets its own bucket, issuer,
// IAM OIDC provider and roles; nothing is shared between stacks, so environments cannot assume each other's roles.
import * as pulumi from "@pulumi/pulumi";
import { SelfHostedIrsa } from "selfhosted-irsa";

interface RoleConfig {
    namespace: string;
    serviceAccount: string;
    /** IAM policy document (JSON object) for the role. */
    policy: Record<string, unknown>;
}

const config = new pulumi.Config();
const cluster = config.require("clusterName");
// Clusters that generate their own key (k3s, RKE2, EKS Anywhere) publish only its public half.
const publicKeyPems = config.getObject<string[]>("publicKeyPems");
// A key you manage yourself: `pulumi config set --secret signingKeyPem -- "$(cat sa.key)"`.
const privateKeyPem = config.getSecret("signingKeyPem");
const roles = config.getObject<RoleConfig[]>("roles") ?? [];

const irsa = new SelfHostedIrsa(`${cluster}-irsa`, {
    signingKey: publicKeyPems ? { publicKeyPems } : privateKeyPem ? { privateKeyPem } : undefined,
    bucketName: config.get("bucketName"),
    webhook: { enabled: config.getBoolean("installWebhook") ?? true },
    tags: { cluster, environment: pulumi.getStack() },
});

const made = roles.map((r) => irsa.roleFor(r.namespace, r.serviceAccount, JSON.stringify(r.policy)));

export const issuerUrl = irsa.issuerUrl;
export const oidcProviderArn = irsa.oidcProviderArn;
export const apiServerArgs = irsa.apiServerArgs;
export const keyIds = irsa.keyIds;
export const roleUrns = made.map((r) => r.urn);
