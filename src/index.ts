// Public API: re-exports only.

// Components.
export { SelfHostedIrsa } from "./components/selfhosted-irsa";
export type { SelfHostedIrsaArgs } from "./plans/selfhosted-irsa-args";
export type { SigningKeyArgs } from "./kubernetes/signing-key";
export type { FromClusterArgs } from "./kubernetes/cluster-keys";
export type { HostingArgs } from "./aws/hosting";
export type { WebhookArgs, WebhookImage, WebhookToleration } from "./webhook/webhook-args";
export { IrsaRole, rolePolicyArgs } from "./components/irsa-role";
export { IrsaOidcProvider } from "./components/irsa-oidc-provider";
export type { IrsaOidcProviderArgs } from "./components/irsa-oidc-provider";
export type { IrsaRoleArgs, IrsaRoleCluster, RoleForOptions, PolicyDocumentObject, RolePolicy, RolePolicySet } from "./components/irsa-role";
// Add-on policy presets (IrsaRole `addons`), also usable as plain functions returning the document.
export { ADDON_NAMES, addonDefaults, addonPolicies, addonPolicy, EbsCsiDriverVolumeScope, LoadBalancerControllerScope } from "./aws/addons";
export type {
    AddonName,
    AddonPresets,
    AmpRemoteWriteAddon,
    CertManagerAddon,
    CloudwatchLogsAddon,
    ClusterAutoscalerAddon,
    EbsCsiDriverAddon,
    EcrPullAddon,
    ExternalDnsAddon,
    ExternalSecretsAddon,
    KmsDecryptAddon,
    LoadBalancerControllerAddon,
    ObjectStorageAddon,
    PlainAddonPresets,
    VeleroAddon,
} from "./aws/addons";

// String choices of the args, as named enums (TypeScript callers may still pass the plain strings).
export { KeyAlgorithm } from "./kubernetes/signing-key";
export { HostingKind } from "./aws/hosting";
export { BucketNamespace } from "./aws/bucket-namespace";
export { CloudFrontPriceClass } from "./aws/cloudfront-settings";
export { FailurePolicy, TolerationEffect, TolerationOperator } from "./webhook/webhook-args";
export { SubjectMatch } from "./plans/irsa-role-args";

// Pure helpers (no resources): the documents and flags the component publishes, and its name checks.
export { buildOidcDocuments, validateJwksPath } from "./oidc/documents";
export type { OidcDocuments, OidcDocumentsInput } from "./oidc/documents";
export { buildApiServerArgs } from "./kubernetes/api-server-args";
export { publicReadPolicy } from "./aws/hosting";
export { s3IssuerUrl, validateBucketName } from "./aws/names";

// The pure OIDC core (keys, JWKS, discovery, trust policy, tokens), for programmatic use.
export * from "./oidc";
