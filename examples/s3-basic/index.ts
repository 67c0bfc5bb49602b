// One self-managed cluster: publish its OIDC documents on S3, register the IAM OIDC provider, install the
// pod identity webhook (the stack's kubeconfig/provider decides which cluster), and make one role.
import * as pulumi from "@pulumi/pulumi";
import { SelfHostedIrsa } from "selfhosted-irsa";

const irsa = new SelfHostedIrsa("cluster-irsa", {
    // No signingKey: an RSA 2048 key is generated and kept (encrypted) in the stack.
    tags: { cluster: pulumi.getStack() },
});

// The pods of ServiceAccount default/s3-reader may read one bucket, and nothing else.
const reader = irsa.roleFor(
    "default",
    "s3-reader",
    JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: ["s3:GetObject", "s3:ListBucket"], Resource: ["arn:aws:s3:::my-data", "arn:aws:s3:::my-data/*"] }],
    }),
);

export const issuerUrl = irsa.issuerUrl;
export const oidcProviderArn = irsa.oidcProviderArn;
// What roles in other stacks pin and check (examples/consumer reads them): the pods' token audience, and the
// namespaces the webhook never intercepts.
export const tokenAudience = irsa.tokenAudience;
export const webhookExemptNamespaces = irsa.webhookExemptNamespaces;
// Give these to kube-apiserver (--service-account-issuer, --service-account-jwks-uri), with the private key as
// --service-account-signing-key-file and the public keys as --service-account-key-file. --api-audiences is
// left as the distribution sets it (never sts.amazonaws.com: tokens sent to AWS would pass as API credentials).
export const apiServerArgs = irsa.apiServerArgs;
export const publicKeyPems = irsa.publicKeyPems;
export const privateKeyPem = irsa.privateKeyPem; // secret: `pulumi stack output privateKeyPem --show-secrets`
// Talos: `pulumi stack output talosSecretPatch --show-secrets > irsa-patch.yaml`, then
// `talosctl patch machineconfig --nodes <control-plane nodes> --patch @irsa-patch.yaml` (secret: it holds the key).
export const talosSecretPatch = irsa.talosSecretPatch;
export const readerRoleUrn = reader.urn;
