// Pods of one cluster that use roles in two AWS accounts. An IAM role can trust only an identity provider of its
// own account, so the cluster's issuer is registered once more in the second account (IrsaOidcProvider), through
// that account's AWS provider, and the role there trusts that provider. The cluster's platform stack
// (SelfHostedIrsa) already registered the issuer in the first account; this stack reads its two outputs.
//   pulumi config set aws:region eu-west-1
//   pulumi config set irsaStack my-org/irsa/prod
//   pulumi config set billingDeployerRoleArn arn:aws:iam::222233334444:role/irsa-deployer
//   pulumi config set --secret kubeconfig "$(cat ~/.kube/config)"   # for createServiceAccount
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { IrsaOidcProvider, IrsaRole } from "selfhosted-irsa";

const config = new pulumi.Config();
const platform = new pulumi.StackReference(config.require("irsaStack"));
const issuerUrl = platform.requireOutput("issuerUrl") as pulumi.Output<string>;
const kubernetes = new k8s.Provider("cluster", { kubeconfig: config.requireSecret("kubeconfig") });

// Account 1, the stack's default AWS provider: the role trusts the provider the platform stack registered.
const reports = new IrsaRole(
    "reports-writer",
    {
        oidcProviderArn: platform.requireOutput("oidcProviderArn") as pulumi.Output<string>,
        issuerUrl,
        namespace: "reports",
        serviceAccount: "writer",
        managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"],
        createServiceAccount: true,
    },
    { providers: [kubernetes] },
);

// Account 2, through a role this stack's credentials may assume there.
const billing = new aws.Provider("billing", { region: aws.config.requireRegion(), assumeRoles: [{ roleArn: config.require("billingDeployerRoleArn") }] });
// The same issuer, registered in the billing account (protected, like the platform stack's own provider).
const inBilling = new IrsaOidcProvider("cluster-in-billing", { issuerUrl, tags: { cluster: pulumi.getStack() } }, { provider: billing });
// A role in the billing account for ServiceAccount billing/cost-exporter; the webhook gives its pods this role.
const costs = new IrsaRole(
    "cost-exporter",
    {
        oidcProviderArn: inBilling.arn,
        issuerUrl: inBilling.issuerUrl,
        namespace: "billing",
        serviceAccount: "cost-exporter",
        managedPolicyArns: ["arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess"],
        createServiceAccount: true,
    },
    { providers: [billing, kubernetes] },
);

export const reportsRoleArn = reports.roleArn;
export const billingOidcProviderArn = inBilling.arn;
export const costExporterRoleArn = costs.roleArn;
