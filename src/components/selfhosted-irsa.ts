import * as pulumi from "@pulumi/pulumi";
import { IrsaRole, registerRole, resolvePlanned, RoleForOptions, roleForIrsaRole } from "./irsa-role";
import { RolePolicy } from "../plans/role-policy";
import { Deferred } from "../common/known";
import { ClusterRoles, clusterRoleRequest, serviceAccountRoleRequests, tokenAudienceOf, webhookExemptNamespacesOf } from "../plans/cluster-roles";
import { planRole, prefixArgument } from "../plans/role-plan";
import { HostingKind } from "../aws/hosting";
import { Hosting, publishDocuments } from "./aws/hosting";
import { validateAudiences } from "../aws/names";
import { createOidcProvider } from "./aws/oidc-provider";
import { createCloudFrontHosting } from "./aws/cloudfront-hosting";
import { createS3Hosting } from "./aws/s3-hosting";
import { issuerBucketName, providerRegion } from "./aws/issuer-bucket";
import { buildApiServerArgs } from "../kubernetes/api-server-args";
import { buildClusterConfig, DISTRIBUTIONS } from "../kubernetes/cluster-config";
import { checkedPublicKeyPems, resolveSigningKey } from "./kubernetes/signing-key";
import { createPodIdentityWebhook } from "./kubernetes/webhook";
import { buildOidcDocuments } from "../oidc/documents";
import { issuerHost } from "../oidc/discovery";
import { validateOidcProviderArn } from "../oidc/trust-policy";
import { IrsaInputError } from "../oidc/errors";
import { SelfHostedIrsaArgs, checkExpectedIssuer, checkProviderMatchesIssuer, validateSelfHostedIrsaArgs } from "../plans/selfhosted-irsa-args";
import { validatePreviousIssuers } from "../kubernetes/api-server-args";
import { dropSdkDebug, SdkDebugDropped } from "./sdk-debug";

/** Per-instance state `roleFor` needs, kept outside the class: class fields would become schema outputs. */
const roleForContexts = new WeakMap<SelfHostedIrsa, ClusterRoles>();

export type { SelfHostedIrsaArgs } from "../plans/selfhosted-irsa-args";

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
     * kube-apiserver flags (without "--"), each a list with one entry per occurrence: service-account-issuer (the
     * new issuer, then `previousIssuers`) and service-account-jwks-uri. `api-audiences`
     * is deliberately absent: the webhook requests STS-audience tokens explicitly, and overriding the flag
     * would change each distribution's own API audience (see README).
     */
    public readonly apiServerArgs: pulumi.Output<Record<string, string[]>>;
    /**
     * What to set on the API server, per distribution (talos, kubeadm, k3s, rke2, eks-anywhere), as YAML
     * without any private key; the same as `selfhosted-irsa cluster-config`.
     */
    public readonly clusterConfigs: pulumi.Output<Record<string, string>>;
    /** Secret: the Talos machine-config patch with `cluster.serviceAccount.key`; undefined without a private key. */
    public readonly talosSecretPatch: pulumi.Output<string | undefined>;
    /**
     * The audience the pods' tokens carry (the webhook's token audience, by default the first of `audiences`): the
     * `aud` every role of this cluster must pin. Pass it as IrsaRole's `audience`, from any language.
     */
    public readonly tokenAudience: pulumi.Output<string>;
    /**
     * Namespaces where this component's webhook injects nothing: with failurePolicy "Fail", kube-system and the
     * webhook's own; else none. Pass it as IrsaRole's `webhookExemptNamespaces` to refuse roles there.
     */
    public readonly webhookExemptNamespaces: pulumi.Output<string[]>;
    /** ARNs of the roles in `roles`, keyed "namespace/serviceAccount". */
    public readonly roleArns: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: SelfHostedIrsaArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        // Every check that can run now runs before anything is registered, the component included.
        const normalized = validateSelfHostedIrsaArgs(name, args);
        // In a TypeScript program too: the SDK's RPC echoes would print the generated key's registration in clear
        // (`pulumi up --debug`), so they go before this component registers anything (components/sdk-debug.ts).
        dropSdkDebug(SdkDebugDropped.RpcEchoes);
        // The roles of `roles` are planned now too; they trust the provider and issuer made below (Deferred).
        const providerArnLater = new Deferred<string>();
        const issuerLater = new Deferred<string>();
        const roles: ClusterRoles = {
            component: name,
            oidcProviderArn: providerArnLater,
            issuerUrl: issuerLater,
            tokenAudience: tokenAudienceOf(normalized),
            providerAudiences: normalized.plainAudiences,
            webhookExemptNamespaces: webhookExemptNamespacesOf(normalized.webhook),
            subjects: new Map(),
            legacyNames: new Set(),
        };
        const rolePlans = serviceAccountRoleRequests(roles, args.roles).map((request, i) => {
            try {
                return planRole(request);
            } catch (error) {
                throw prefixArgument(error, `roles[${i}].`);
            }
        });
        // The engine stores a component's args as its inputs: the private key goes there only as a secret, and
        // nothing private goes into a public-key list.
        super("selfhosted-irsa:index:SelfHostedIrsa", name, recordedArgs(args), opts);
        const parent = this;
        const protect = normalized.protect;
        // Nothing this stack does not own may outlive the bucket's name: an existing provider (and its roles)
        // would trust whoever creates a bucket of that name after a destroy, so the bucket is then retained.
        const bucketLifecycle = { protect, retainOnDelete: args.existingOidcProviderArn !== undefined };
        const region: pulumi.Output<string> = args.region !== undefined ? pulumi.output(args.region) : providerRegion(parent);
        const issuerBucket = issuerBucketName(name, normalized, region, parent);
        const bucketArgs = {
            bucketName: issuerBucket.bucketName,
            bucketNamespace: normalized.bucketNamespace,
            keepDerivedName: issuerBucket.derived,
            forceDestroy: args.forceDestroy,
            region: args.region,
            tags: args.tags,
            jwksPath: normalized.jwksPath,
            ...bucketLifecycle,
        };

        // One case per hosting kind; each returns the same Hosting shape (issuer, bucket, readiness).
        let hosting: Hosting;
        switch (normalized.hostingKind) {
            case HostingKind.S3:
                hosting = createS3Hosting(name, { ...bucketArgs, issuerRegion: region }, { parent });
                break;
            case HostingKind.CloudFront:
                hosting = createCloudFrontHosting(name, { ...bucketArgs, cloudfront: args.hosting! }, { parent });
                break;
        }
        // Every use of the issuer below goes through this check: a moved issuer stops the program at preview.
        const issuerUrl = pinnedIssuer(hosting.issuerUrl, args.expectedIssuerUrl, normalized.previousIssuers);

        const signing = resolveSigningKey(name, args.signingKey, { parent, protect }, issuerUrl);
        const documents = pulumi
            .all([issuerUrl, signing.publicKeyPems, signing.keyIds ?? [], checkedPublicKeyPems(args.additionalPublicKeyPems ?? [], "additionalPublicKeyPems", true), pulumi.output(args.legacyEmptyKid ?? false)])
            .apply(([issuerUrl, signingPems, keyIds, extraPems, legacyEmptyKid]) =>
                // The cluster's own kids where it serves them (an external signer's), derived for every other key.
                buildOidcDocuments({ issuerUrl, jwksPath: normalized.jwksPath, publicKeyPems: [...signingPems, ...extraPems], keyIds, legacyEmptyKid }),
            );
        const published = publishDocuments(
            name,
            hosting,
            { discoveryJson: documents.discoveryJson, jwksJson: documents.jwksJson, jwksPath: normalized.jwksPath },
            { parent },
        );

        // Checked again once known: an Output-valued list must meet the same literal-audience rule.
        const audiences = pulumi.output(normalized.audiences).apply((list) => [...validateAudiences(list)]);
        let oidcProviderArn: pulumi.Output<string>;
        if (args.existingOidcProviderArn !== undefined) {
            oidcProviderArn = pulumi.all([args.existingOidcProviderArn, issuerUrl]).apply(([arn, issuer]) => {
                checkProviderMatchesIssuer(arn, validateOidcProviderArn(arn, "existingOidcProviderArn"), issuer);
                return arn;
            });
        } else {
            oidcProviderArn = createOidcProvider(
                name,
                { issuerUrl, audiences, thumbprints: args.thumbprints, tags: args.tags },
                { parent, dependsOn: [published.discovery, published.jwks, ...hosting.readiness], protect },
            ).arn;
        }

        const tokenAudience = resolvePlanned(roles.tokenAudience);
        if (normalized.webhook) {
            createPodIdentityWebhook(name, { ...normalized.webhook, tokenAudience }, { parent }, region);
        }
        providerArnLater.supply(oidcProviderArn);
        issuerLater.supply(issuerUrl);
        const roleArns = rolePlans.map((plan, i) => registerRole(plan, parent, { argumentPrefix: `roles[${i}].` }).role.arn);
        // roleFor's roles trust the same provider and issuer, given as themselves.
        roleForContexts.set(this, { ...roles, oidcProviderArn, issuerUrl });

        this.tokenAudience = pulumi.output(tokenAudience);
        this.webhookExemptNamespaces = pulumi.output(resolvePlanned(roles.webhookExemptNamespaces));
        const subjects = [...roles.subjects.keys()];
        this.roleArns = pulumi.all(roleArns).apply((arns) => Object.fromEntries(arns.map((arn, i) => [subjects[i], arn])));
        this.issuerUrl = issuerUrl;
        this.issuerHost = issuerUrl.apply(issuerHost);
        this.jwksUri = documents.jwksUri;
        this.discoveryDocument = documents.discoveryJson;
        this.jwks = documents.jwksJson;
        this.keyIds = documents.keyIds;
        this.oidcProviderArn = oidcProviderArn;
        this.bucketName = hosting.bucketName;
        this.publicKeyPems = documents.publicKeyPems;
        this.privateKeyPem = signing.privateKeyPem;
        const previousIssuers = normalized.previousIssuers;
        this.apiServerArgs = pulumi.all([issuerUrl, documents.jwksUri]).apply(([issuer, jwksUri]) => buildApiServerArgs({ issuerUrl: issuer, previousIssuers, jwksUri }));
        const wiring = pulumi.all([issuerUrl, documents.jwksUri, documents.publicKeyPems]);
        this.clusterConfigs = wiring.apply(([issuer, jwksUri, publicKeyPems]) =>
            Object.fromEntries(
                DISTRIBUTIONS
                    // EKS Anywhere's podIamConfig holds one issuer: it cannot keep the old one during a migration.
                    .filter((distribution) => previousIssuers.length === 0 || distribution !== "eks-anywhere")
                    .map((distribution) => [distribution, buildClusterConfig({ distribution, issuer, jwksUri, publicKeyPems, additionalIssuers: previousIssuers }).publicYaml]),
            ),
        );
        this.talosSecretPatch = pulumi.secret(
            pulumi.all([wiring, signing.privateKeyPem]).apply(([[issuer, jwksUri, publicKeyPems], signingKeyPem]) =>
                signingKeyPem === undefined
                    ? undefined
                    : buildClusterConfig({ distribution: "talos", issuer, jwksUri, signingKeyPem, publicKeyPems, additionalIssuers: previousIssuers }).secretYaml,
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
            tokenAudience: this.tokenAudience,
            webhookExemptNamespaces: this.webhookExemptNamespaces,
            roleArns: this.roleArns,
        });
    }

    /**
     * An IAM role that exactly one service account of this cluster can assume, trusting this component's OIDC
     * provider and pinning `aud` to its `tokenAudience`; named `${name}_${namespace}_${serviceAccount}` (unambiguous:
     * Kubernetes names hold no `_`). `policy` is the TypeScript shorthand: a managed policy ARN, a list of ARNs, a
     * policy document (object or JSON text), or `{ managedPolicyArns, inlinePolicies }`. `opts` are the IrsaRole's
     * resource options (dependsOn, protect, aliases, ignoreChanges, providers...), merged with the component as
     * its parent; a ServiceAccount it annotates waits for `dependsOn` too. TypeScript only: other languages give
     * the same roles in `roles`, or use the IrsaRole component (so does a role trusted by several clusters).
     */
    public roleFor(namespace: string, serviceAccount: string, policy: RolePolicy, options?: RoleForOptions, opts?: pulumi.ComponentResourceOptions): IrsaRole {
        const context = roleForContexts.get(this)!;
        if (opts?.parent !== undefined && opts.parent !== this) {
            throw new IrsaInputError("opts.parent", "(another resource)", "is not this component: roleFor's roles are its children (their names and URNs follow it)", "leave `parent` out, or make an IrsaRole with your own parent");
        }
        // Only builds the request: IrsaRole plans the role, the shorthand and these options included, checking each once.
        const { request, legacyName } = clusterRoleRequest(context, namespace, serviceAccount, options ?? {}, { roleFor: true, policy });
        // A role deployed by 0.2 has the old name: the alias keeps its URN (and so the role itself) on upgrade.
        const own: pulumi.ComponentResourceOptions = { parent: this, ...(legacyName !== undefined ? { aliases: [{ name: legacyName }] } : {}) };
        return roleForIrsaRole(request.name, request, opts === undefined ? own : pulumi.mergeOptions(opts, own));
    }
}

/**
 * The issuer as every child sees it: checked against `expectedIssuerUrl` and `previousIssuers` once known. In a
 * preview of an unchanged bucket or distribution the value is known, so a moved issuer fails the preview.
 */
function pinnedIssuer(issuer: pulumi.Output<string>, expected: pulumi.Input<string> | undefined, previousIssuers: string[]): pulumi.Output<string> {
    return pulumi.all([issuer, expected]).apply(([computed, pinned]) => {
        if (pinned !== undefined) {
            checkExpectedIssuer(pinned, computed);
        }
        validatePreviousIssuers(computed, previousIssuers, "previousIssuers");
        return computed;
    });
}

/**
 * The args as the engine records them (a component's inputs are stored as given): the private key, if any, as a
 * secret, and the public-key lists checked when their Outputs resolve, so a private key given there fails the
 * registration instead of being stored in clear. Never mutates the caller's args.
 */
function recordedArgs(args: SelfHostedIrsaArgs): SelfHostedIrsaArgs {
    const recorded: SelfHostedIrsaArgs = { ...args };
    if (args.additionalPublicKeyPems !== undefined) {
        recorded.additionalPublicKeyPems = checkedPublicKeyPems(args.additionalPublicKeyPems, "additionalPublicKeyPems", true);
    }
    if (args.signingKey !== undefined) {
        recorded.signingKey = { ...args.signingKey };
        if (args.signingKey.privateKeyPem !== undefined) {
            recorded.signingKey.privateKeyPem = pulumi.secret(args.signingKey.privateKeyPem);
        }
        if (args.signingKey.publicKeyPems !== undefined) {
            recorded.signingKey.publicKeyPems = checkedPublicKeyPems(args.signingKey.publicKeyPems, "signingKey.publicKeyPems");
        }
    }
    return recorded;
}
