import type * as pulumi from "@pulumi/pulumi";
import { policySize } from "../../oidc/cluster-trust";
import { IrsaInputError } from "../../oidc/errors";
import { PolicyDocument } from "../../oidc/trust-policy";
import { AddonPreset } from "./arns";
import { certManager, CertManagerAddon, externalDns, ExternalDnsAddon, externalSecrets, ExternalSecretsAddon, kmsDecrypt, KmsDecryptAddon } from "./dns-secrets";
import { clusterAutoscaler, ClusterAutoscalerAddon } from "./cluster-autoscaler";
import { ebsCsiDriver, EbsCsiDriverAddon } from "./ebs-csi-driver";
import { loadBalancerController, LoadBalancerControllerAddon } from "./load-balancer-controller";
import { ampRemoteWrite, AmpRemoteWriteAddon, cloudwatchLogs, CloudwatchLogsAddon, ecrPull, EcrPullAddon, objectStorage, ObjectStorageAddon, velero, VeleroAddon } from "./storage-observability";

export type { CertManagerAddon, ExternalDnsAddon, ExternalSecretsAddon, KmsDecryptAddon } from "./dns-secrets";
export type { ClusterAutoscalerAddon } from "./cluster-autoscaler";
export { EbsCsiDriverVolumeScope } from "./ebs-csi-driver";
export type { EbsCsiDriverAddon } from "./ebs-csi-driver";
export { LoadBalancerControllerScope } from "./load-balancer-controller";
export type { LoadBalancerControllerAddon } from "./load-balancer-controller";
export type { AmpRemoteWriteAddon, CloudwatchLogsAddon, EcrPullAddon, ObjectStorageAddon, VeleroAddon } from "./storage-observability";

/**
 * Least-privilege policies for common cluster add-ons, chosen by name with the resources each may touch,
 * e.g. `{ externalDns: { hostedZoneArns: [zone] } }`. Each preset becomes one inline policy named after it.
 */
export interface AddonPresets {
    /** external-dns (Route 53). Default ServiceAccount external-dns/external-dns. Default: not used */
    externalDns?: ExternalDnsAddon;
    /** cert-manager's Route 53 DNS-01 solver. Default ServiceAccount cert-manager/cert-manager. Default: not used */
    certManager?: CertManagerAddon;
    /** External Secrets Operator, read-only. Default ServiceAccount external-secrets/external-secrets. Default: not used */
    externalSecrets?: ExternalSecretsAddon;
    /** Velero (velero-plugin-for-aws). Default ServiceAccount velero/velero-server. Default: not used */
    velero?: VeleroAddon;
    /** One bucket (or prefix) for Loki, Thanos, Mimir, Tempo. No default ServiceAccount. Default: not used */
    objectStorage?: ObjectStorageAddon;
    /** KMS decryption for SOPS. Default ServiceAccount flux-system/kustomize-controller. Default: not used */
    kmsDecrypt?: KmsDecryptAddon;
    /** Image pulls from named ECR repositories. No default ServiceAccount. Default: not used */
    ecrPull?: EcrPullAddon;
    /** Amazon Managed Prometheus remote write. No default ServiceAccount. Default: not used */
    ampRemoteWrite?: AmpRemoteWriteAddon;
    /** CloudWatch Logs for Fluent Bit and other shippers. No default ServiceAccount. Default: not used */
    cloudwatchLogs?: CloudwatchLogsAddon;
    /** aws-ebs-csi-driver (clusters on EC2). Default ServiceAccount kube-system/ebs-csi-controller-sa. Default: not used */
    ebsCsiDriver?: EbsCsiDriverAddon;
    /** aws-load-balancer-controller (clusters on EC2). Default ServiceAccount kube-system/aws-load-balancer-controller. Default: not used */
    loadBalancerController?: LoadBalancerControllerAddon;
    /** cluster-autoscaler (clusters on EC2). Default ServiceAccount kube-system/cluster-autoscaler. Default: not used */
    clusterAutoscaler?: ClusterAutoscalerAddon;
}

/** The presets with plain values (what the pure functions take). */
export type PlainAddonPresets = pulumi.Unwrap<AddonPresets>;
export type AddonName = keyof AddonPresets;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const PRESETS: { [K in AddonName]-?: AddonPreset<any> } = {
    externalDns,
    certManager,
    externalSecrets,
    velero,
    objectStorage,
    kmsDecrypt,
    ecrPull,
    ampRemoteWrite,
    cloudwatchLogs,
    ebsCsiDriver,
    loadBalancerController,
    clusterAutoscaler,
};

/** Every preset name, in the order policies are created. */
export const ADDON_NAMES = Object.keys(PRESETS) as AddonName[];

/** IAM: the inline policies of one role together may hold 10,240 characters, white space not counted. */
export const MAX_INLINE_ROLE_POLICY_SIZE = 10240;
/** IAM: a customer managed policy may hold 6,144 characters, white space not counted. */
export const MAX_MANAGED_POLICY_SIZE = 6144;

/** The preset names given (set to an object); rejects unknown names and settings that are not objects. */
export function addonNames(addons: object | undefined, argument = "addons"): AddonName[] {
    if (addons === undefined) {
        return [];
    }
    if (typeof addons !== "object" || addons === null || Array.isArray(addons)) {
        throw new IrsaInputError(argument, addons, "is not an object of add-on presets", `pass e.g. { externalDns: { hostedZoneArns: [...] } }`);
    }
    const names = Object.keys(addons).filter((n) => (addons as Record<string, unknown>)[n] !== undefined);
    for (const name of names) {
        if (!(name in PRESETS)) {
            throw new IrsaInputError(`${argument}.${name}`, name, "is not an add-on preset", `use one of ${ADDON_NAMES.join(", ")}; or give the policy yourself in inlinePolicies`);
        }
        const settings = (addons as Record<string, unknown>)[name];
        if (typeof settings !== "object" || settings === null || Array.isArray(settings)) {
            throw new IrsaInputError(`${argument}.${name}`, settings, "is not the preset's settings object", `pass an object, e.g. ${name}: { ... } (see the ${name} settings in the README)`);
        }
    }
    return ADDON_NAMES.filter((n) => names.includes(n));
}

/** One preset's policy document, from plain settings. `partition`: the role's partition, when known. */
export function addonPolicy<K extends AddonName>(name: K, settings: PlainAddonPresets[K], options: { partition?: string; argument?: string } = {}): PolicyDocument {
    const argument = options.argument ?? `addons.${name}`;
    addonNames({ [name]: settings }, argument.slice(0, argument.lastIndexOf(".")) || "addons");
    return PRESETS[name].policy(settings, argument, options.partition);
}

/**
 * Every given preset's policy as JSON, named after the preset (the inline policy names), checked together
 * against IAM's 10,240-character aggregate for a role's inline policies.
 */
export function addonPolicies(addons: PlainAddonPresets | undefined, options: { partition?: string; argument?: string } = {}): Array<{ name: AddonName; document: string }> {
    const argument = options.argument ?? "addons";
    const policies = addonNames(addons, argument).map((name) => ({
        name,
        document: JSON.stringify(PRESETS[name].policy((addons as Record<string, unknown>)[name], `${argument}.${name}`, options.partition)),
    }));
    const total = policies.reduce((sum, p) => sum + policySize(p.document), 0);
    if (total > MAX_INLINE_ROLE_POLICY_SIZE) {
        throw new IrsaInputError(argument, policies.map((p) => p.name).join(", "), `make inline policies of ${total} characters together, more than the ${MAX_INLINE_ROLE_POLICY_SIZE} IAM allows per role`, "give the add-ons separate roles (one IrsaRole per add-on is the usual layout)");
    }
    return policies;
}

/**
 * The conventional namespace and ServiceAccount of the given presets: `defaults` is set when exactly one of
 * them has defaults; `from` names every given preset that has some.
 */
export function addonDefaults(names: readonly AddonName[]): { defaults?: { namespace: string; serviceAccount: string }; from: AddonName[] } {
    const from = names.filter((n) => PRESETS[n].defaults !== undefined);
    return from.length === 1 ? { defaults: PRESETS[from[0]].defaults, from } : { from };
}
