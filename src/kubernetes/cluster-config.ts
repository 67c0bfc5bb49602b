// API-server wiring per distribution, as YAML to paste (pure: no @pulumi imports). Sources per distribution
// are in docs/facts.md; the comments here say why each shape is what it is.
import type { KeyObject } from "node:crypto";
import { stringify } from "yaml";
import { validateLiteralAudience } from "../oidc/audience";
import { defaultJwksUri, validateIssuerUrl, validateJwksUri } from "../oidc/discovery";
import { IrsaInputError, REDACTED } from "../oidc/errors";
import { readPrivateKey, readPublicKey, refusePrivateKey, splitPemBlocks } from "../oidc/keys";
import { DEFAULT_AUDIENCE } from "../oidc/trust-policy";
import { REPEATABLE_FLAGS, buildApiServerArgs, validatePreviousIssuers } from "./api-server-args";
import { validateDns1123Subdomain } from "./names";

/** The distributions whose API-server wiring this package writes. */
export const DISTRIBUTIONS = ["talos", "kubeadm", "k3s", "rke2", "eks-anywhere"] as const;
export type Distribution = (typeof DISTRIBUTIONS)[number];
/** kubeadm config API versions: v1beta4 (kubeadm 1.31+, list-form extraArgs) and the deprecated v1beta3. */
export const KUBEADM_API_VERSIONS = ["v1beta4", "v1beta3"] as const;
export type KubeadmApiVersion = (typeof KUBEADM_API_VERSIONS)[number];

export interface ClusterConfigArgs {
    distribution: Distribution;
    /** The published issuer (https, no trailing slash). */
    issuer: string;
    /** @default `${issuer}/openid/v1/jwks` */
    jwksUri?: string;
    /**
     * The STS audiences pods request tokens for. They must never be API audiences (the API server would accept
     * tokens sent to AWS as its own credentials), so `apiAudiences` is checked against them.
     * @default ["sts.amazonaws.com"]
     */
    audiences?: readonly string[];
    /**
     * `--api-audiences`. Left unset, each distribution keeps its default (kube-apiserver: the issuers; Talos:
     * the cluster endpoint; k3s/RKE2: `https://kubernetes.default.svc.<domain>,k3s|rke2`), so in-cluster tokens
     * keep working while the issuer changes. @default unset
     */
    apiAudiences?: readonly string[];
    /** Old issuers still accepted during a migration, after the new one (only the first signs). @default [] */
    additionalIssuers?: readonly string[];
    /** The private signing key (PEM). Talos's patch carries it; elsewhere it names the file to write. @default none */
    signingKeyPem?: string;
    /** Every public key that must verify tokens (rotation). The signing key's is always added first. @default [] */
    publicKeyPems?: readonly string[];
    /** `--service-account-max-token-expiration`, whole seconds, 3600 to 2^32 (kube-apiserver's bounds). @default unset */
    maxTokenExpiration?: number;
    /** EKS Anywhere: the Cluster's metadata.name (its key lives in secret `<name>-sa`). @default "my-cluster" */
    clusterName?: string;
    /** kubeadm: which ClusterConfiguration API to write. @default "v1beta4" */
    kubeadmApiVersion?: KubeadmApiVersion;
}

/** A key file the API server reads. */
export interface KeyFile {
    path: string;
    /** "private-key": the signing key; "public-keys": every verification key, PEM blocks one after another. */
    contents: "private-key" | "public-keys";
    /** Octal file mode when you write it. */
    mode: "0600" | "0644";
    /** "write": put it there yourself; "keep": the distribution's own file, leave it (publish its public keys). */
    action: "write" | "keep";
    /** The PEM to write, for public-keys files only: a private key never appears in a result except `secretYaml`. */
    pem?: string;
}

export interface ClusterConfigResult {
    distribution: Distribution;
    /**
     * The service-account flags of kube-apiserver (names without "--") as the API server runs once the config is
     * applied, including the key files the distribution sets itself. Repeatable flags
     * (`service-account-issuer`, `service-account-key-file`) are arrays; the signing issuer comes first.
     */
    apiServerArgs: Record<string, string | string[]>;
    /** What to set, as YAML, without any private key. */
    publicYaml: string;
    /** The same with the private key, for configs that embed it (Talos) and only when a signing key was given. Secret. */
    secretYaml?: string;
    /** Key files the API server reads, and whether you write them. */
    files: KeyFile[];
    /** What to do, in order. */
    instructions: string[];
}

const TALOS_KEY_DIR = "/system/secrets/kubernetes/kube-apiserver";
const KUBEADM_PKI = "/etc/kubernetes/pki";
const MAX_TOKEN_EXPIRATION = 2 ** 32;

interface Checked {
    issuers: string[];
    jwksUri: string;
    apiAudiences?: string;
    maxTokenExpiration?: string;
    signing?: { pem: string; keyObject: KeyObject };
    /** SPKI PEMs, signing key's first, no duplicates. */
    publicPems: string[];
}

/** Validates every argument (bad input → IrsaInputError) before anything is built. */
function check(input: ClusterConfigArgs): Checked {
    const distribution = input.distribution;
    if (!(DISTRIBUTIONS as readonly string[]).includes(distribution)) {
        throw new IrsaInputError("distribution", distribution, "is not a supported distribution", `use one of ${DISTRIBUTIONS.join(", ")}`);
    }
    const issuer = validateIssuerUrl(input.issuer, "issuer");
    const additional = validatePreviousIssuers(issuer, input.additionalIssuers ?? [], "additionalIssuers");
    const jwksUri = validateJwksUri(input.jwksUri ?? defaultJwksUri(issuer), "jwksUri");
    const audiences = input.audiences ?? [DEFAULT_AUDIENCE];
    audiences.forEach((a, i) => validateLiteralAudience(a, `audiences[${i}]`));
    let apiAudiences: string | undefined;
    if (input.apiAudiences !== undefined) {
        if (input.apiAudiences.length === 0) {
            throw new IrsaInputError("apiAudiences", input.apiAudiences, "is empty", "leave it unset to keep the distribution's default");
        }
        input.apiAudiences.forEach((a, i) => {
            if (typeof a !== "string" || a === "" || a.includes(",")) {
                throw new IrsaInputError(`apiAudiences[${i}]`, a, "must be a non-empty string without commas (the flag is a comma list)", "give one audience per entry");
            }
            if (audiences.includes(a)) {
                throw new IrsaInputError(`apiAudiences[${i}]`, a, "is an STS audience: the API server would accept tokens sent to AWS as its own credentials", "leave apiAudiences unset (the distribution's default), or list only the API server's own audiences");
            }
        });
        apiAudiences = input.apiAudiences.join(",");
    }
    let maxTokenExpiration: string | undefined;
    if (input.maxTokenExpiration !== undefined) {
        const s = input.maxTokenExpiration;
        if (!Number.isInteger(s) || s < 3600 || s > MAX_TOKEN_EXPIRATION) {
            throw new IrsaInputError("maxTokenExpiration", String(s), `must be a whole number of seconds from 3600 to ${MAX_TOKEN_EXPIRATION} (kube-apiserver refuses others)`, "use e.g. 86400, the webhook's default token lifetime");
        }
        maxTokenExpiration = `${s}s`;
    }
    if (input.clusterName !== undefined) {
        validateDns1123Subdomain(input.clusterName, "clusterName");
    }
    const version = input.kubeadmApiVersion ?? "v1beta4";
    if (!(KUBEADM_API_VERSIONS as readonly string[]).includes(version)) {
        throw new IrsaInputError("kubeadmApiVersion", version, "is not a kubeadm config API version this package writes", `use one of ${KUBEADM_API_VERSIONS.join(", ")}`);
    }
    if (distribution === "kubeadm" && version === "v1beta3" && additional.length > 0) {
        throw new IrsaInputError("additionalIssuers", additional.join(", "), "cannot be written in kubeadm v1beta3, whose extraArgs map holds one value per flag (and --service-account-issuer does not split commas)", "use kubeadmApiVersion \"v1beta4\" (kubeadm 1.31+), or migrate without keeping the old issuer");
    }
    if (distribution === "eks-anywhere") {
        if (additional.length > 0) {
            throw new IrsaInputError("additionalIssuers", additional.join(", "), "cannot be set for eks-anywhere: spec.podIamConfig.serviceAccountIssuer holds one issuer", "omit additionalIssuers");
        }
        if (input.signingKeyPem !== undefined) {
            throw new IrsaInputError("signingKeyPem", REDACTED, "is not used by eks-anywhere: EKS Anywhere generates the signing key itself", "omit it and publish the cluster's key (signingKey.fromCluster.eksAnywhereClusterName)");
        }
        for (const [name, value] of [["apiAudiences", apiAudiences], ["maxTokenExpiration", maxTokenExpiration]] as const) {
            if (value !== undefined) {
                throw new IrsaInputError(name, value, "cannot be set through the EKS Anywhere Cluster spec's podIamConfig", `omit ${name}`);
            }
        }
    }
    const signing = input.signingKeyPem === undefined ? undefined : { pem: input.signingKeyPem, ...readSigning(input.signingKeyPem) };
    const publicPems: string[] = signing ? [signing.spkiPem] : [];
    (input.publicKeyPems ?? []).forEach((text, i) => {
        refusePrivateKey(text, `publicKeyPems[${i}]`);
        const blocks = splitPemBlocks(String(text));
        // readPublicKey names the argument and its rule when the text holds no key at all.
        for (const block of blocks.length > 0 ? blocks : [text]) {
            const spki = readPublicKey(block, `publicKeyPems[${i}]`, { acceptPrivate: false }).spkiPem;
            if (!publicPems.includes(spki)) {
                publicPems.push(spki);
            }
        }
    });
    return { issuers: [issuer, ...additional], jwksUri, apiAudiences, maxTokenExpiration, signing: signing && { pem: signing.pem, keyObject: signing.keyObject }, publicPems };
}

function readSigning(pem: string): { keyObject: KeyObject; spkiPem: string } {
    const { privateKey, publicKey } = readPrivateKey(pem, "signingKeyPem");
    return { keyObject: privateKey, spkiPem: publicKey.spkiPem };
}

/**
 * The key as "RSA PRIVATE KEY" (PKCS#1) or "EC PRIVATE KEY" (SEC1): Talos before 1.11 (siderolabs/crypto < 0.6)
 * rejects PKCS#8 "PRIVATE KEY" blocks, and every version reads these two.
 */
function traditionalPem(key: KeyObject): string {
    return key.export({ type: key.asymmetricKeyType === "ec" ? "sec1" : "pkcs1", format: "pem" }).toString();
}

const toYaml = (doc: unknown): string => stringify(doc, { lineWidth: 0 });

/**
 * The flags from the shared builder, with the key files the distribution reads. Repeatable flags stay lists;
 * the others become their single value, the shape the YAML writers below emit.
 */
function flags(c: Checked, keyFiles: string[], signingKeyFile: string): Record<string, string | string[]> {
    const built = buildApiServerArgs({
        issuerUrl: c.issuers[0],
        previousIssuers: c.issuers.slice(1),
        jwksUri: c.jwksUri,
        keyFiles,
        signingKeyFile,
        apiAudiences: c.apiAudiences,
        maxTokenExpiration: c.maxTokenExpiration,
    });
    return Object.fromEntries(Object.entries(built).map(([flag, values]) => [flag, REPEATABLE_FLAGS.includes(flag) ? values : values[0]]));
}

/** The flags a config must set: everything except the key files the distribution already passes. */
function settable(args: Record<string, string | string[]>): Array<[string, string | string[]]> {
    return Object.entries(args).filter(([name]) => name !== "service-account-key-file" && name !== "service-account-signing-key-file");
}

function migrationNote(c: Checked): string[] {
    return c.issuers.length > 1
        ? [`keep the old issuer(s) listed until every pod has a token from ${c.issuers[0]} (the kubelet refreshes projected tokens within about an hour; restart pods that read their token only once), then drop additionalIssuers and apply again`]
        : [];
}

function talos(c: Checked): ClusterConfigResult {
    const args = flags(c, [`${TALOS_KEY_DIR}/service-account.pub`], `${TALOS_KEY_DIR}/service-account.key`);
    // Talos 1.13+ takes a list per extraArgs entry and repeats the flag; a comma-joined string would be one
    // issuer containing a comma (--service-account-issuer is a StringArray), so one issuer stays a plain string.
    const extraArgs = Object.fromEntries(settable(args).map(([name, value]) => [name, Array.isArray(value) && value.length === 1 ? value[0] : value]));
    const patch = (key?: string) => ({ cluster: { apiServer: { extraArgs }, ...(key !== undefined ? { serviceAccount: { key } } : {}) } });
    const extraKeys = c.publicPems.length > 1;
    return {
        distribution: "talos",
        apiServerArgs: args,
        publicYaml: toYaml(patch()),
        secretYaml: c.signing ? toYaml(patch(Buffer.from(traditionalPem(c.signing.keyObject)).toString("base64"))) : undefined,
        files: [
            { path: `${TALOS_KEY_DIR}/service-account.key`, contents: "private-key", mode: "0600", action: "keep" },
            { path: `${TALOS_KEY_DIR}/service-account.pub`, contents: "public-keys", mode: "0644", action: "keep" },
        ],
        instructions: [
            c.signing
                ? "save the secret patch (it carries cluster.serviceAccount.key, the signing key, base64) as irsa-patch.yaml, readable only by you"
                : "save the patch as irsa-patch.yaml; Talos keeps signing with its own cluster.serviceAccount.key, so publish that key's public half (signingKey.fromCluster)",
            "talosctl patch machineconfig --nodes <every control-plane node> --patch @irsa-patch.yaml (Talos writes the key files and restarts kube-apiserver)",
            ...(c.issuers.length > 1 ? ["a list under extraArgs needs Talos 1.13 or later; before it, extraArgs take one issuer: drop additionalIssuers there"] : []),
            ...(extraKeys ? ["Talos derives the one verification key from cluster.serviceAccount.key (service-account-key-file cannot be overridden): extra verification keys need Talos 1.14's KubeServiceAccountConfig (accepted.publicKeys)"] : []),
            ...migrationNote(c),
        ],
    };
}

function kubeadm(c: Checked, version: KubeadmApiVersion): ClusterConfigResult {
    // kubeadm already passes sa.pub and sa.key to kube-apiserver (and sa.key to the controller manager).
    const args = flags(c, [`${KUBEADM_PKI}/sa.pub`], `${KUBEADM_PKI}/sa.key`);
    const entries = settable(args);
    // v1beta4's list repeats a flag (the old issuer after the new one); v1beta3's map cannot (check() refuses it).
    const extraArgs =
        version === "v1beta4"
            ? entries.flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((v) => ({ name, value: v })))
            : Object.fromEntries(entries.map(([name, value]) => [name, Array.isArray(value) ? value[0] : value]));
    return {
        distribution: "kubeadm",
        apiServerArgs: args,
        publicYaml: toYaml({ apiVersion: `kubeadm.k8s.io/${version}`, kind: "ClusterConfiguration", apiServer: { extraArgs } }),
        files: [
            { path: `${KUBEADM_PKI}/sa.key`, contents: "private-key", mode: "0600", action: c.signing ? "write" : "keep" },
            { path: `${KUBEADM_PKI}/sa.pub`, contents: "public-keys", mode: "0644", action: c.publicPems.length > 0 ? "write" : "keep", ...(c.publicPems.length > 0 ? { pem: c.publicPems.join("") } : {}) },
        ],
        instructions: [
            c.signing
                ? `on every control-plane node: the signing key to ${KUBEADM_PKI}/sa.key (0600) and every public key, one PEM after another, to ${KUBEADM_PKI}/sa.pub (keep the old public key there until the old tokens expire)`
                : `kubeadm keeps its own ${KUBEADM_PKI}/sa.key: publish its public half (signingKey.privateKeyPem = sa.key, or signingKey.fromCluster)`,
            "merge apiServer.extraArgs into the ClusterConfiguration (kubectl -n kube-system edit configmap kubeadm-config), then on every control-plane node: kubeadm init phase control-plane apiserver --config <that ClusterConfiguration>",
            ...migrationNote(c),
        ],
    };
}

function rancher(c: Checked, distribution: "k3s" | "rke2"): ClusterConfigResult {
    const tls = `/var/lib/rancher/${distribution}/server/tls`;
    const own = `/etc/rancher/${distribution}/irsa`;
    // Without a key of ours, k3s/RKE2 keep signing with service.current.key and verifying with service.key.
    // With one, service.key stays a verification file: the controller manager still signs legacy tokens with theirs.
    const args = c.signing ? flags(c, [`${own}/sa.pub`, `${tls}/service.key`], `${own}/sa.key`) : flags(c, [`${tls}/service.key`], `${tls}/service.current.key`);
    const lines = (c.signing ? Object.entries(args) : settable(args)).flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((v) => `${name}=${v}`));
    // RKE2 runs kube-apiserver as a static pod: our key directory must be mounted into it.
    const mount = c.signing && distribution === "rke2" ? { "kube-apiserver-extra-mount": [`${own}:${own}:ro`] } : {};
    const service = distribution === "k3s" ? "k3s" : "rke2-server";
    return {
        distribution,
        apiServerArgs: args,
        publicYaml: toYaml({ "kube-apiserver-arg": lines, ...mount }),
        files: c.signing
            ? [
                  { path: `${own}/sa.key`, contents: "private-key", mode: "0600", action: "write" },
                  { path: `${own}/sa.pub`, contents: "public-keys", mode: "0644", action: "write", pem: c.publicPems.join("") },
                  { path: `${tls}/service.key`, contents: "public-keys", mode: "0600", action: "keep" },
              ]
            : [
                  { path: `${tls}/service.current.key`, contents: "private-key", mode: "0600", action: "keep" },
                  { path: `${tls}/service.key`, contents: "public-keys", mode: "0600", action: "keep" },
              ],
        instructions: [
            c.signing
                ? `on every server: the signing key to ${own}/sa.key (0600) and every public key to ${own}/sa.pub`
                : `${distribution} signs with its own ${tls}/service.current.key: publish the public keys of ${tls}/service.key (signingKey.fromCluster reads them from /openid/v1/jwks)`,
            `add these lines to /etc/rancher/${distribution}/config.yaml on every server (merge with an existing kube-apiserver-arg list), then systemctl restart ${service}`,
            // The API server serves every verification key in /openid/v1/jwks (seen on kube-apiserver 1.33, test/lab).
            ...(c.signing
                ? [`the API server now also serves the public key of ${distribution}'s own ${tls}/service.key in /openid/v1/jwks: publish it too (additionalPublicKeyPems, from \`openssl pkey -in ${tls}/service.key -pubout\`), or \`doctor cluster\` reports it as unpublished (cluster.kids)`]
                : []),
            ...migrationNote(c),
        ],
    };
}

function eksAnywhere(c: Checked, clusterName: string): ClusterConfigResult {
    // EKS Anywhere clusters are kubeadm-based (Cluster API): the key files are kubeadm's, written from <name>-sa.
    return {
        distribution: "eks-anywhere",
        apiServerArgs: { "service-account-issuer": c.issuers, "service-account-key-file": [`${KUBEADM_PKI}/sa.pub`], "service-account-signing-key-file": `${KUBEADM_PKI}/sa.key` },
        publicYaml: toYaml({ apiVersion: "anywhere.eks.amazonaws.com/v1alpha1", kind: "Cluster", metadata: { name: clusterName }, spec: { podIamConfig: { serviceAccountIssuer: c.issuers[0] } } }),
        files: [
            { path: `${KUBEADM_PKI}/sa.key`, contents: "private-key", mode: "0600", action: "keep" },
            { path: `${KUBEADM_PKI}/sa.pub`, contents: "public-keys", mode: "0644", action: "keep" },
        ],
        instructions: [
            "merge spec.podIamConfig.serviceAccountIssuer into the Cluster spec before eksctl anywhere create cluster (EKS Anywhere sets only --service-account-issuer from it)",
            `EKS Anywhere generates the signing key and keeps it in secret ${clusterName}-sa (namespace eksa-system, public key in tls.crt): publish it with signingKey.fromCluster.eksAnywhereClusterName = "${clusterName}"`,
        ],
    };
}

/** Builds the API-server wiring for one distribution. Pure and deterministic (same input, same bytes). */
export function buildClusterConfig(input: ClusterConfigArgs): ClusterConfigResult {
    const c = check(input);
    switch (input.distribution) {
        case "talos":
            return talos(c);
        case "kubeadm":
            return kubeadm(c, input.kubeadmApiVersion ?? "v1beta4");
        case "k3s":
        case "rke2":
            return rancher(c, input.distribution);
        case "eks-anywhere":
            return eksAnywhere(c, input.clusterName ?? "my-cluster");
    }
}
