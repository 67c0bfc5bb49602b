import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { IrsaRole, IrsaRoleArgs, RoleForOptions } from "./aws/irsa-role";
import { Hosting, publishDocuments } from "./aws/hosting";
import { createOidcProvider } from "./aws/oidc-provider";
import { createCloudFrontHosting } from "./aws/cloudfront-hosting";
import { createS3Hosting } from "./aws/s3-hosting";
import { buildApiServerArgs } from "./kubernetes/api-server-args";
import { buildClusterConfig, DISTRIBUTIONS } from "./kubernetes/cluster-config";
import { resolveSigningKey } from "./kubernetes/signing-key";
import { createPodIdentityWebhook } from "./kubernetes/webhook";
import { buildOidcDocuments } from "./oidc-documents";
import { issuerHost } from "./oidc/discovery";
import { validateOidcProviderArn } from "./oidc/trust-policy";
import { SelfHostedIrsaArgs, checkProviderMatchesIssuer, validateSelfHostedIrsaArgs } from "./selfhosted-irsa-args";

export type { SelfHostedIrsaArgs } from "./selfhosted-irsa-args";

/**
 * IRSA for a self-managed cluster: publishes the cluster's OIDC discovery document and JWKS (on S3), registers
 * the IAM OIDC provider, installs the pod identity webhook, and makes roles for service accounts (`roleFor`).
 */
export class SelfHostedIrsa extends pulumi.ComponentResource {
    /** The issuer URL: give it to kube-apiserver as --service-account-issuer. */
    public readonly issuerUrl: pulumi.Output<string>;
    /** The issuer without "https://": the IAM provider's name and the prefix of trust-policy condition keys. */
    public readonly issuerHost: pulumi.Output<string>;
    /** Where the JWKS is served (--service-account-jwks-uri). */
    public readonly jwksUri: pulumi.Output<string>;
    /** The published discovery document (JSON text, byte-identical to kube-apiserver's). */
    public readonly discoveryDocument: pulumi.Output<string>;
    /** The published JWKS (JSON text, byte-identical to kube-apiserver's). */
    public readonly jwks: pulumi.Output<string>;
    /** kids of the published keys, signing key first. */
    public readonly keyIds: pulumi.Output<string[]>;
    /** ARN of the IAM OIDC provider (created, or `existingOidcProviderArn`). */
    public readonly oidcProviderArn: pulumi.Output<string>;
    /** Name of the bucket holding the documents. */
    public readonly bucketName: pulumi.Output<string>;
    /** Every published public key as SPKI PEM (--service-account-key-file), signing key first. */
    public readonly publicKeyPems: pulumi.Output<string[]>;
    /** The private signing key (--service-account-signing-key-file), secret; undefined with `signingKey.publicKeyPems`. */
    public readonly privateKeyPem: pulumi.Output<string | undefined>;
    /**
     * kube-apiserver flags (without "--"): service-account-issuer and service-account-jwks-uri. `api-audiences`
     * is deliberately absent: the webhook requests STS-audience tokens explicitly, and overriding the flag
     * would change each distribution's own API audience (see README).
     */
    public readonly apiServerArgs: pulumi.Output<Record<string, string>>;
    /**
     * What to set on the API server, per distribution (talos, kubeadm, k3s, rke2, eks-anywhere), as YAML
     * without any private key; the same as `selfhosted-irsa cluster-config`.
     */
    public readonly clusterConfigs: pulumi.Output<Record<string, string>>;
    /** Secret: the Talos machine-config patch with `cluster.serviceAccount.key`; undefined without a private key. */
    public readonly talosSecretPatch: pulumi.Output<string | undefined>;

    private readonly componentName: string;
    private readonly tokenAudience: pulumi.Output<string>;

    constructor(name: string, args: SelfHostedIrsaArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        // Every check that can run now runs before anything is registered, the component included.
        const normalized = validateSelfHostedIrsaArgs(name, args);
        // The engine stores a component's args as its inputs: the private key goes there only as a secret.
        super("selfhosted-irsa:index:SelfHostedIrsa", name, withSecretKey(args), opts);
        this.componentName = name;
        const parent = this;

        const region: pulumi.Output<string> =
            args.region !== undefined ? pulumi.output(args.region) : aws.getRegionOutput({}, { parent }).region;

        // One case per hosting kind; each returns the same Hosting shape (issuer, bucket, readiness).
        let hosting: Hosting;
        switch (normalized.hostingKind) {
            case "s3":
                hosting = createS3Hosting(
                    name,
                    { bucketName: args.bucketName, forceDestroy: args.forceDestroy, region: args.region, tags: args.tags, jwksPath: normalized.jwksPath, issuerRegion: region },
                    { parent },
                );
                break;
            case "cloudfront":
                hosting = createCloudFrontHosting(
                    name,
                    { bucketName: args.bucketName, forceDestroy: args.forceDestroy, region: args.region, tags: args.tags, jwksPath: normalized.jwksPath, cloudfront: args.hosting! },
                    { parent },
                );
                break;
        }

        const signing = resolveSigningKey(name, args.signingKey, { parent }, hosting.issuerUrl);
        const documents = pulumi
            .all([hosting.issuerUrl, signing.publicKeyPems, pulumi.output(args.additionalPublicKeyPems ?? []), pulumi.output(args.legacyEmptyKid ?? false)])
            .apply(([issuerUrl, signingPems, extraPems, legacyEmptyKid]) =>
                buildOidcDocuments({ issuerUrl, jwksPath: normalized.jwksPath, publicKeyPems: [...signingPems, ...extraPems], legacyEmptyKid }),
            );
        const published = publishDocuments(
            name,
            hosting,
            { discoveryJson: documents.discoveryJson, jwksJson: documents.jwksJson, jwksPath: normalized.jwksPath },
            { parent },
        );

        const audiences = pulumi.output(normalized.audiences);
        let oidcProviderArn: pulumi.Output<string>;
        if (args.existingOidcProviderArn !== undefined) {
            oidcProviderArn = pulumi.all([args.existingOidcProviderArn, hosting.issuerUrl]).apply(([arn, issuer]) => {
                checkProviderMatchesIssuer(arn, validateOidcProviderArn(arn, "existingOidcProviderArn"), issuer);
                return arn;
            });
        } else {
            oidcProviderArn = createOidcProvider(
                name,
                { issuerUrl: hosting.issuerUrl, audiences, thumbprints: args.thumbprints, tags: args.tags },
                { parent, dependsOn: [published.discovery, published.jwks, ...hosting.readiness] },
            ).arn;
        }

        this.tokenAudience = audiences.apply((list) => list[0]);
        if (normalized.webhook) {
            createPodIdentityWebhook(
                name,
                { ...normalized.webhook, tokenAudience: normalized.webhook.tokenAudience ?? this.tokenAudience },
                { parent },
                region,
            );
        }

        this.issuerUrl = hosting.issuerUrl;
        this.issuerHost = hosting.issuerUrl.apply(issuerHost);
        this.jwksUri = documents.jwksUri;
        this.discoveryDocument = documents.discoveryJson;
        this.jwks = documents.jwksJson;
        this.keyIds = documents.keyIds;
        this.oidcProviderArn = oidcProviderArn;
        this.bucketName = hosting.bucketName;
        this.publicKeyPems = documents.publicKeyPems;
        this.privateKeyPem = signing.privateKeyPem;
        this.apiServerArgs = pulumi.all([hosting.issuerUrl, documents.jwksUri]).apply(([issuerUrl, jwksUri]) => buildApiServerArgs({ issuerUrl, jwksUri }));
        const wiring = pulumi.all([hosting.issuerUrl, documents.jwksUri, documents.publicKeyPems]);
        this.clusterConfigs = wiring.apply(([issuer, jwksUri, publicKeyPems]) =>
            Object.fromEntries(DISTRIBUTIONS.map((distribution) => [distribution, buildClusterConfig({ distribution, issuer, jwksUri, publicKeyPems }).publicYaml])),
        );
        this.talosSecretPatch = pulumi.secret(
            pulumi.all([wiring, signing.privateKeyPem]).apply(([[issuer, jwksUri], signingKeyPem]) =>
                signingKeyPem === undefined ? undefined : buildClusterConfig({ distribution: "talos", issuer, jwksUri, signingKeyPem }).secretYaml,
            ),
        );

        this.registerOutputs({
            issuerUrl: this.issuerUrl,
            issuerHost: this.issuerHost,
            jwksUri: this.jwksUri,
            discoveryDocument: this.discoveryDocument,
            jwks: this.jwks,
            keyIds: this.keyIds,
            oidcProviderArn: this.oidcProviderArn,
            bucketName: this.bucketName,
            publicKeyPems: this.publicKeyPems,
            privateKeyPem: this.privateKeyPem,
            apiServerArgs: this.apiServerArgs,
            clusterConfigs: this.clusterConfigs,
            talosSecretPatch: this.talosSecretPatch,
        });
    }

    /**
     * An IAM role that exactly one service account of this cluster can assume, trusting this component's
     * OIDC provider and pinning `aud` to the first audience (`${name}-${namespace}-${serviceAccount}`).
     * TypeScript only; other languages use the IrsaRole component directly.
     */
    public roleFor(namespace: string, serviceAccount: string, policy: IrsaRoleArgs["policy"], options?: RoleForOptions): IrsaRole {
        return new IrsaRole(
            `${this.componentName}-${namespace}-${serviceAccount}`,
            {
                oidcProviderArn: this.oidcProviderArn,
                issuerUrl: this.issuerUrl,
                namespace,
                serviceAccount,
                policy,
                ...options,
                // After the spread: `{ audience: undefined }` must not drop the component's audience.
                audience: options?.audience ?? this.tokenAudience,
            },
            { parent: this },
        );
    }
}

/** A copy of args whose private key, if any, is a secret (never mutates the caller's args). */
function withSecretKey(args: SelfHostedIrsaArgs): SelfHostedIrsaArgs {
    if (args.signingKey?.privateKeyPem === undefined) {
        return args;
    }
    return { ...args, signingKey: { ...args.signingKey, privateKeyPem: pulumi.secret(args.signingKey.privateKeyPem) } };
}
