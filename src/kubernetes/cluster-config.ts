import { stringify } from "yaml";
import { defaultJwksUri, validateIssuerUrl, validateJwksUri } from "../oidc/discovery";
import { IrsaInputError } from "../oidc/errors";
import { readPrivateKey, readPublicKey, splitPemBlocks } from "../oidc/keys";

/** The distributions whose API-server wiring this package writes. */
export const DISTRIBUTIONS = ["talos", "kubeadm", "k3s", "rke2", "eks-anywhere"] as const;
export type Distribution = (typeof DISTRIBUTIONS)[number];

export interface ClusterConfigArgs {
    distribution: Distribution;
    /** The published issuer (https, no trailing slash). */
    issuer: string;
    /** @default `${issuer}/openid/v1/jwks` */
    jwksUri?: string;
    /**
     * Issuers the API server still accepts during a migration, listed after the new one (only the first
     * signs). @default []
     */
    previousIssuers?: string[];
    /** The private signing key (PEM). Talos's patch carries it; other distributions name where it goes. @default none */
    signingKeyPem?: string;
    /** Every public key that must verify tokens (rotation: old and new). @default the signing key's public half */
    publicKeyPems?: string[];
    /** EKS Anywhere: the Cluster's metadata.name. @default "my-cluster" */
    clusterName?: string;
}

export interface KeyFile {
    path: string;
    /** "signing-key": the private key; "verification-keys": every public key, concatenated (one file may hold several). */
    holds: "signing-key" | "verification-keys";
    /** PEM text; the private key only in `ClusterConfig.secretFiles`. */
    contents?: string;
}

export interface ClusterConfig {
    distribution: Distribution;
    /** kube-apiserver flags (without "--"); repeated flags have several values, the signing issuer first. */
    apiServerArgs: Record<string, string[]>;
    /** Where the config goes. */
    target: string;
    /** The config as YAML, without any private key. */
    publicYaml: string;
    /** The same with the private key (Talos only, when a signing key was given). Keep it secret. */
    secretYaml?: string;
    /** Key files the distribution reads, with public contents filled in. */
    keyFiles: KeyFile[];
    /** What to do, in order. */
    steps: string[];
}

/** `--api-audiences` is the issuer list: kube-apiserver's own default, never the STS audience (see README). */
function apiServerArgs(issuers: string[], jwksUri: string): Record<string, string[]> {
    return { "service-account-issuer": issuers, "service-account-jwks-uri": [jwksUri], "api-audiences": [issuers.join(",")] };
}

/** `name=value` lines, repeated flags repeated (k3s/RKE2 `kube-apiserver-arg`). */
function argLines(args: Record<string, string[]>): string[] {
    return Object.entries(args).flatMap(([name, values]) => values.map((v) => `${name}=${v}`));
}

const yaml = (doc: unknown): string => stringify(doc, { lineWidth: 0 });

/** Builds the API-server wiring for one distribution (pure, deterministic). */
export function buildClusterConfig(input: ClusterConfigArgs): ClusterConfig {
    if (!(DISTRIBUTIONS as readonly string[]).includes(input.distribution)) {
        throw new IrsaInputError("distribution", input.distribution, "is not a supported distribution", `use one of ${DISTRIBUTIONS.join(", ")}`);
    }
    const issuer = validateIssuerUrl(input.issuer);
    const previous = (input.previousIssuers ?? []).map((p, i) => validateIssuerUrl(p, `previousIssuers[${i}]`)).filter((p) => p !== issuer);
    const issuers = [issuer, ...previous];
    const jwksUri = validateJwksUri(input.jwksUri ?? defaultJwksUri(issuer));
    const signing = input.signingKeyPem !== undefined ? readPrivateKey(input.signingKeyPem, "signingKeyPem") : undefined;
    const publicPems = (input.publicKeyPems ?? (signing ? [signing.publicKey.spkiPem] : []))
        .flatMap((text) => splitPemBlocks(text))
        .map((pem, i) => readPublicKey(pem, `publicKeyPems[${i}]`).spkiPem);
    const verification = publicPems.length > 0 ? publicPems.join("") : undefined;
    const args = apiServerArgs(issuers, jwksUri);
    const single = Object.fromEntries(Object.entries(args).map(([k, v]) => [k, v[0]]));

    switch (input.distribution) {
        case "talos": {
            // Talos extraArgs map one value per flag, so only the signing issuer can be given here.
            const patch = (key?: string) => ({ cluster: { apiServer: { extraArgs: single }, ...(key ? { serviceAccount: { key } } : {}) } });
            return {
                distribution: "talos",
                apiServerArgs: { ...args, "service-account-issuer": [issuer] },
                target: "Talos machine config patch (talosctl patch mc --patch @irsa-patch.yaml)",
                publicYaml: yaml(patch()),
                secretYaml: signing ? yaml(patch(Buffer.from(input.signingKeyPem!.trim() + "\n").toString("base64"))) : undefined,
                keyFiles: [],
                steps: [
                    "talosctl patch mc --nodes <control-plane nodes> --patch @irsa-patch.yaml (the secret variant carries cluster.serviceAccount.key)",
                    ...(previous.length > 0 ? ["Talos extraArgs take one issuer: pods keep old tokens until the kubelet refreshes them (within an hour); restart long-lived pods after the change"] : []),
                ],
            };
        }
        case "kubeadm": {
            const keyFiles: KeyFile[] = [
                { path: "/etc/kubernetes/pki/sa.key", holds: "signing-key" },
                { path: "/etc/kubernetes/pki/sa.pub", holds: "verification-keys", contents: verification },
            ];
            const v1beta3 = { apiVersion: "kubeadm.k8s.io/v1beta3", kind: "ClusterConfiguration", apiServer: { extraArgs: single } };
            // v1beta4 takes a name/value list, so the old issuer can follow the new one during a migration.
            const v1beta4 = { apiVersion: "kubeadm.k8s.io/v1beta4", kind: "ClusterConfiguration", apiServer: { extraArgs: argLines(args).map((l) => ({ name: l.slice(0, l.indexOf("=")), value: l.slice(l.indexOf("=") + 1) })) } };
            return {
                distribution: "kubeadm",
                apiServerArgs: args,
                target: "kubeadm ClusterConfiguration (v1beta4 for kubeadm 1.31+, v1beta3 before; v1beta3 takes one issuer)",
                publicYaml: `# kubeadm 1.31 and later\n${yaml(v1beta4)}---\n# kubeadm before 1.31 (one issuer only)\n${yaml(v1beta3)}`,
                keyFiles,
                steps: [
                    "put the signing key at /etc/kubernetes/pki/sa.key and every public key (one PEM after another) at /etc/kubernetes/pki/sa.pub on each control-plane node",
                    "merge apiServer.extraArgs into your ClusterConfiguration, then `kubeadm init phase control-plane apiserver --config kubeadm.yaml` on each control-plane node",
                ],
            };
        }
        case "k3s":
        case "rke2": {
            const dir = input.distribution === "k3s" ? "k3s" : "rke2";
            const config = { "kube-apiserver-arg": argLines(args) };
            return {
                distribution: input.distribution,
                apiServerArgs: args,
                target: `/etc/rancher/${dir}/config.yaml on every server node`,
                publicYaml: yaml(config),
                keyFiles: [{ path: `/var/lib/rancher/${dir}/server/tls/service.key`, holds: "signing-key" }],
                steps: [
                    `${dir} keeps its own signing key at /var/lib/rancher/${dir}/server/tls/service.key: publish its public half (signingKey.fromCluster, or signingKey.publicKeyPems = \`openssl pkey -in service.key -pubout\`)`,
                    `add the kube-apiserver-arg lines to /etc/rancher/${dir}/config.yaml on every server and restart ${dir === "k3s" ? "k3s" : "rke2-server"}`,
                ],
            };
        }
        case "eks-anywhere": {
            const cluster = { apiVersion: "anywhere.eks.amazonaws.com/v1alpha1", kind: "Cluster", metadata: { name: input.clusterName ?? "my-cluster" }, spec: { podIamConfig: { serviceAccountIssuer: issuer } } };
            return {
                distribution: "eks-anywhere",
                apiServerArgs: { "service-account-issuer": [issuer] },
                target: "EKS Anywhere Cluster spec (merge into your cluster.yaml before `eksctl anywhere create cluster`)",
                publicYaml: yaml(cluster),
                keyFiles: [],
                steps: [
                    "set spec.podIamConfig.serviceAccountIssuer before creating the cluster",
                    `EKS Anywhere generates the signing key and keeps its public half in secret ${input.clusterName ?? "my-cluster"}-sa (namespace eksa-system): publish it with signingKey.fromCluster.eksAnywhereClusterName`,
                ],
            };
        }
    }
}
