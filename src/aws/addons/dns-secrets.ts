import type * as pulumi from "@pulumi/pulumi";
import { IrsaInputError } from "../../oidc/errors";
import { AddonPreset, allow, ARN_KINDS, documentOf, presetPartition, validateArnList, validateFlag } from "./arns";

// Presets for DNS and secrets add-ons: external-dns, cert-manager (Route 53 DNS-01), External Secrets
// Operator, and KMS decryption for SOPS (Flux). Each matches the add-on's published policy, restated
// with version and source in test/fixtures/upstream-policies/ (differences and their reasons there too).

/** external-dns with the Route 53 provider: the hosted zones it may change. */
export interface ExternalDnsAddon {
    /** Hosted zones external-dns manages (`arn:aws:route53:::hostedzone/<id>`), at least one. */
    hostedZoneArns: pulumi.Input<string>[];
}

/** cert-manager's ACME DNS-01 solver for Route 53: the zones it writes `_acme-challenge` TXT records to. */
export interface CertManagerAddon {
    /** Hosted zones of the domains it issues certificates for, at least one. */
    hostedZoneArns: pulumi.Input<string>[];
}

/** External Secrets Operator (SecretStore kinds SecretsManager and ParameterStore), read-only. */
export interface ExternalSecretsAddon {
    /** Secrets Manager secrets it may read: full ARNs, or a name prefix ending in `*`. Default: none (give this or parameterArns) */
    secretArns?: pulumi.Input<string>[];
    /** SSM parameters it may read: ARNs, or a path prefix ending in `*`. Default: none (give this or secretArns) */
    parameterArns?: pulumi.Input<string>[];
    /** Customer managed KMS keys that encrypt those secrets or SecureString parameters (not needed for AWS managed keys). Default: none */
    kmsKeyArns?: pulumi.Input<string>[];
    /**
     * Also allow `dataFrom.find` (by name or tags): secretsmanager ListSecrets and BatchGetSecretValue, ssm
     * DescribeParameters. These take no resource in IAM, so they list the name, tags and description of every
     * secret and parameter in the account (values stay limited to the ones named above). Default: false
     */
    find?: pulumi.Input<boolean>;
}

/** KMS decryption for SOPS-encrypted manifests (Flux kustomize-controller, or any SOPS user). */
export interface KmsDecryptAddon {
    /** The KMS keys the SOPS files are encrypted with, at least one. */
    keyArns: pulumi.Input<string>[];
}

type Plain<T> = pulumi.Unwrap<T>;

export const externalDns: AddonPreset<Plain<ExternalDnsAddon>> = {
    // kubernetes-sigs/external-dns chart: the ServiceAccount is the release's full name.
    defaults: { namespace: "external-dns", serviceAccount: "external-dns" },
    policy(settings, argument, partition) {
        const zones = validateArnList(settings.hostedZoneArns, `${argument}.hostedZoneArns`, ARN_KINDS.hostedZone, partition);
        return documentOf([
            allow("ChangeRecordsInNamedZones", ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets", "route53:ListTagsForResources"], zones),
            // ListHostedZones has no resource type in IAM: it can only be granted on "*". It reveals zone names
            // and ids, no records; external-dns needs it to match zones to its domain filter.
            allow("ListZonesApiHasNoResourceType", ["route53:ListHostedZones"], "*"),
        ]);
    },
};

export const certManager: AddonPreset<Plain<CertManagerAddon>> = {
    // cert-manager chart: namespace cert-manager by convention, controller ServiceAccount "cert-manager".
    defaults: { namespace: "cert-manager", serviceAccount: "cert-manager" },
    policy(settings, argument, partition) {
        const zones = validateArnList(settings.hostedZoneArns, `${argument}.hostedZoneArns`, ARN_KINDS.hostedZone, partition);
        const p = presetPartition(partition, zones[0]);
        return documentOf([
            // Change ids are made by Route 53 per request, so the change resource can only be named by pattern.
            allow("PollChangeStatus", ["route53:GetChange"], `arn:${p}:route53:::change/*`),
            // TXT records only: the DNS-01 challenge needs nothing else (cert-manager docs).
            allow("AcmeTxtRecordsInNamedZones", ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets"], zones, {
                "ForAllValues:StringEquals": { "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"] },
            }),
            // ListHostedZonesByName has no resource type in IAM: "*" is the only resource it takes. It finds the
            // zone of a domain when the issuer gives no hostedZoneID; it reveals zone names, no records.
            allow("FindZoneApiHasNoResourceType", ["route53:ListHostedZonesByName"], "*"),
        ]);
    },
};

export const externalSecrets: AddonPreset<Plain<ExternalSecretsAddon>> = {
    // external-secrets chart: the controller's ServiceAccount is the release's full name.
    defaults: { namespace: "external-secrets", serviceAccount: "external-secrets" },
    policy(settings, argument, partition) {
        if ((settings.secretArns ?? []).length === 0 && (settings.parameterArns ?? []).length === 0) {
            throw new IrsaInputError(`${argument}.secretArns`, settings.secretArns, "is empty and so is parameterArns: the preset would grant nothing", "list the secrets (or a name prefix ending in *) in secretArns, or the parameters in parameterArns");
        }
        const statements = [];
        if (settings.secretArns !== undefined) {
            const secrets = validateArnList(settings.secretArns, `${argument}.secretArns`, ARN_KINDS.secret, partition);
            statements.push(allow("ReadNamedSecrets", ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy", "secretsmanager:ListSecretVersionIds"], secrets));
        }
        if (settings.parameterArns !== undefined) {
            const parameters = validateArnList(settings.parameterArns, `${argument}.parameterArns`, ARN_KINDS.parameter, partition);
            statements.push(allow("ReadNamedParameters", ["ssm:GetParameter", "ssm:GetParametersByPath"], parameters));
        }
        if (settings.kmsKeyArns !== undefined) {
            // Not in ESO's docs: Secrets Manager and Parameter Store decrypt with the caller's kms:Decrypt on a customer managed key.
            const keys = validateArnList(settings.kmsKeyArns, `${argument}.kmsKeyArns`, ARN_KINDS.kmsKey, partition);
            statements.push(allow("DecryptWithNamedKeys", ["kms:Decrypt"], keys));
        }
        if (validateFlag(settings.find, `${argument}.find`)) {
            // `find` lists before it reads; these have no resource type in IAM ("*" only). Batch reads still need
            // GetSecretValue on each secret, so values stay limited to the named ones.
            statements.push(allow("FindApiHasNoResourceType", ["secretsmanager:ListSecrets", "secretsmanager:BatchGetSecretValue", "ssm:DescribeParameters"], "*"));
        }
        return documentOf(statements);
    },
};

export const kmsDecrypt: AddonPreset<Plain<KmsDecryptAddon>> = {
    // Flux decrypts SOPS files in kustomize-controller (Flux docs, "Mozilla SOPS", AWS KMS).
    defaults: { namespace: "flux-system", serviceAccount: "kustomize-controller" },
    policy(settings, argument, partition) {
        const keys = validateArnList(settings.keyArns, `${argument}.keyArns`, ARN_KINDS.kmsKey, partition);
        return documentOf([allow("DecryptWithNamedKeys", ["kms:Decrypt", "kms:DescribeKey"], keys)]);
    },
};
