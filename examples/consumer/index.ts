// An application team's stack: the cluster's IRSA (issuer, IAM OIDC provider, webhook) belongs to the platform
// stack; this stack only reads its outputs (provider, issuer, token audience, exempt namespaces) and makes roles for its own service accounts.
//   pulumi config set irsaStack my-org/irsa/prod
//   pulumi config set kubeconfig --secret "$(cat ~/.kube/config)"   # for createServiceAccount
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { IrsaRole, rolePolicyArgs } from "selfhosted-irsa";

const config = new pulumi.Config();
const platform = new pulumi.StackReference(config.require("irsaStack"));
// Outputs of the platform stack's SelfHostedIrsa. They are Outputs here, so IrsaRole checks them (ARN form,
// https issuer, and that the provider is the issuer's) once known: a mismatch stops the deployment at the Role.
// `audience` is the audience the cluster's webhook puts in the pods' tokens (what roleFor pins there), and a role
// whose ServiceAccount is in a namespace that webhook never intercepts is refused.
const cluster = {
    oidcProviderArn: platform.requireOutput("oidcProviderArn") as pulumi.Output<string>,
    issuerUrl: platform.getOutput("issuerUrl") as pulumi.Output<string>,
    audience: platform.requireOutput("tokenAudience") as pulumi.Output<string>,
    webhookExemptNamespaces: platform.requireOutput("webhookExemptNamespaces") as pulumi.Output<string[]>,
};

// The ServiceAccount is created in the cluster through this kubeconfig (the namespace must exist).
const kubernetes = new k8s.Provider("cluster", { kubeconfig: config.requireSecret("kubeconfig") });

// An AWS managed policy: the Role, one RolePolicyAttachment, and the annotated ServiceAccount
// billing/reader (role-arn, audience, sts-regional-endpoints).
const reader = new IrsaRole(
    "billing-reader",
    {
        ...cluster,
        namespace: "billing",
        serviceAccount: "reader",
        managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"],
        createServiceAccount: true,
        stsRegionalEndpoints: true,
        tags: { team: "billing" },
    },
    { providers: [kubernetes] },
);

// An inline document: the Role and one RolePolicy named "irsa" (`rolePolicyArgs` turns the TypeScript
// shorthand into `inlinePolicies`). The orders app's own Helm chart owns ServiceAccount orders/worker:
// IrsaRole only annotates it (server-side apply), and leaves it in place on destroy.
const worker = new IrsaRole(
    "orders-worker",
    {
        ...cluster,
        namespace: "orders",
        serviceAccount: "worker",
        ...rolePolicyArgs({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: "s3:PutObject", Resource: "arn:aws:s3:::orders-archive/*" }],
        }),
        annotateServiceAccount: true,
        maxSessionDuration: 7200,
    },
    { providers: [kubernetes] },
);

export const readerRoleArn = reader.roleArn;
export const readerServiceAccount = pulumi.interpolate`${reader.namespace}/${reader.serviceAccountName}`;
export const workerRoleArn = worker.roleArn;
