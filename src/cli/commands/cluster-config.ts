import { buildClusterConfig, Distribution, DISTRIBUTIONS, KubeadmApiVersion, KUBEADM_API_VERSIONS } from "../../kubernetes/cluster-config";
import { validateIssuerUrl, validateJwksUri } from "../../oidc/discovery";
import { IrsaInputError } from "../../oidc/errors";
import { readPrivateKey, splitPemBlocks } from "../../oidc/keys";
import { DEFAULT_AUDIENCE } from "../../oidc/trust-policy";
import { flagValue, numberFlag, parseArgs, requiredFlag } from "../args";
import type { CliCommand } from "../command";
import { readFlagFile } from "../files";

const USAGE = `Usage: selfhosted-irsa cluster-config --distribution ${DISTRIBUTIONS.join("|")} --issuer URL
         [--key FILE] [--public-key FILE ...] [--jwks-uri URL] [--previous-issuer URL ...]
         [--audience A ...] [--api-audience A ...] [--max-token-expiration SECONDS]
         [--cluster-name NAME] [--kubeadm-api-version ${KUBEADM_API_VERSIONS.join("|")}] [--show-secrets]

Prints, as YAML, what to set so the API server signs tokens for the published issuer, followed by
comment lines naming the key files and the steps:
  talos         machine-config patch: cluster.apiServer.extraArgs (+ cluster.serviceAccount.key with --show-secrets)
  kubeadm       ClusterConfiguration apiServer.extraArgs (v1beta4 list by default; key files /etc/kubernetes/pki/sa.*)
  k3s, rke2     config.yaml kube-apiserver-arg lines (they keep their own key unless you give --key)
  eks-anywhere  Cluster spec.podIamConfig.serviceAccountIssuer (EKS Anywhere generates the key itself)

Flags:
  --distribution D            one of ${DISTRIBUTIONS.join(", ")}
  --issuer URL                the published issuer (https, no trailing slash)
  --key FILE                  the signing key (PEM). A private key is checked and used; a public key counts as a
                              verification key only (Talos refuses it: its patch must carry the private key)
  --public-key FILE           another key that must verify tokens (rotation), repeatable
  --jwks-uri URL              --service-account-jwks-uri (default: ISSUER/openid/v1/jwks)
  --previous-issuer URL       an old issuer still accepted during a migration, after the new one, repeatable
  --audience A                an STS audience pods request tokens for (default: ${DEFAULT_AUDIENCE}), repeatable;
                              never an API audience
  --api-audience A            --api-audiences entry, repeatable (default: unset, the distribution's own)
  --max-token-expiration S    --service-account-max-token-expiration in seconds (3600 or more)
  --cluster-name NAME         EKS Anywhere Cluster name (default: my-cluster)
  --kubeadm-api-version V     ${KUBEADM_API_VERSIONS.join(" or ")} (default: v1beta4, kubeadm 1.31+)
  --show-secrets              print the variant that holds the private key (Talos); without it no private key
                              is ever printed

Example:
  selfhosted-irsa cluster-config --distribution talos --issuer https://oidc.example.com --key sa.key --show-secrets > irsa-patch.yaml
`;

const comment = (lines: string[]): string => lines.map((l) => `# ${l}\n`).join("");

export const command: CliCommand = {
    usage: USAGE,
    async run(argv, io) {
        const args = parseArgs(argv, {
            distribution: { value: true },
            issuer: { value: true },
            key: { value: true },
            "public-key": { value: true, repeat: true },
            "jwks-uri": { value: true },
            "previous-issuer": { value: true, repeat: true },
            audience: { value: true, repeat: true },
            "api-audience": { value: true, repeat: true },
            "max-token-expiration": { value: true },
            "cluster-name": { value: true },
            "kubeadm-api-version": { value: true },
            "show-secrets": { value: false },
        });
        if (args.positional.length > 0) {
            throw new IrsaInputError(args.positional[0], args.positional[0], "is not an argument of `cluster-config`", "see --help");
        }
        const distribution = requiredFlag(args, "distribution");
        if (!(DISTRIBUTIONS as readonly string[]).includes(distribution)) {
            throw new IrsaInputError("--distribution", distribution, "is not a supported distribution", `use one of ${DISTRIBUTIONS.join(", ")}`);
        }
        // Checked here first so that errors name the flags, not the library's arguments.
        const issuer = validateIssuerUrl(requiredFlag(args, "issuer"), "--issuer");
        const previousIssuers = (args.flags.get("previous-issuer") ?? []).map((url) => validateIssuerUrl(url, "--previous-issuer"));
        if (distribution === "eks-anywhere" && previousIssuers.length > 0) {
            throw new IrsaInputError("--previous-issuer", previousIssuers.join(", "), "cannot be set for eks-anywhere: spec.podIamConfig.serviceAccountIssuer holds one issuer", "omit --previous-issuer");
        }
        const jwksUri = flagValue(args, "jwks-uri");
        if (jwksUri !== undefined) {
            validateJwksUri(jwksUri, "--jwks-uri");
        }
        const publicKeyPems = (args.flags.get("public-key") ?? []).map((file) => readFlagFile(file, "--public-key"));
        const notes: string[] = [];
        let signingKeyPem: string | undefined;
        const keyFile = flagValue(args, "key");
        if (keyFile !== undefined) {
            const pem = readFlagFile(keyFile, "--key");
            if (splitPemBlocks(pem).some((block) => /PRIVATE KEY-----/.test(block))) {
                readPrivateKey(pem, "--key"); // the flag's name in any error
                signingKeyPem = pem;
            } else if (distribution === "talos") {
                throw new IrsaInputError("--key", keyFile, "holds a public key, but Talos's patch carries the private signing key (cluster.serviceAccount.key)", "pass the private key, or omit --key to keep Talos's own key");
            } else {
                publicKeyPems.unshift(pem);
                notes.push(`${keyFile} is a public key: used as a verification key only; the API server also needs its private half to sign`);
            }
        }
        const maxText = flagValue(args, "max-token-expiration");
        const maxTokenExpiration = maxText === undefined ? undefined : numberFlag(args, "max-token-expiration", 86400);
        if (maxTokenExpiration !== undefined && (!Number.isInteger(maxTokenExpiration) || maxTokenExpiration < 3600)) {
            throw new IrsaInputError("--max-token-expiration", maxText, "must be a whole number of seconds, 3600 or more (kube-apiserver's lower bound)", "pass e.g. --max-token-expiration 86400");
        }
        const config = buildClusterConfig({
            distribution: distribution as Distribution,
            issuer,
            jwksUri,
            additionalIssuers: previousIssuers,
            audiences: args.flags.get("audience"),
            apiAudiences: args.flags.get("api-audience"),
            maxTokenExpiration,
            signingKeyPem,
            publicKeyPems: publicKeyPems.length > 0 ? publicKeyPems : undefined,
            clusterName: flagValue(args, "cluster-name"),
            kubeadmApiVersion: flagValue(args, "kubeadm-api-version") as KubeadmApiVersion | undefined,
        });
        const showSecrets = args.flags.has("show-secrets");
        if (config.secretYaml !== undefined && !showSecrets) {
            notes.push("the private key was left out: add --show-secrets to print the patch with cluster.serviceAccount.key");
        }
        if (signingKeyPem !== undefined && config.secretYaml === undefined) {
            const target = config.files.find((f) => f.contents === "private-key" && f.action === "write");
            notes.push(`the private key stays in ${keyFile}${target ? `: copy it to ${target.path} (mode ${target.mode})` : ""}`);
        }
        const files = config.files.map((f) => `${f.path} (${f.contents}, ${f.mode}): ${f.action === "write" ? "write it" : `${config.distribution}'s own, keep it`}`);
        io.stdout(
            comment([`selfhosted-irsa cluster-config for ${config.distribution}, issuer ${issuer}`]) +
                (showSecrets && config.secretYaml !== undefined ? config.secretYaml : config.publicYaml) +
                comment(["Key files:", ...files.map((f) => `  ${f}`), "Steps:", ...config.instructions.map((s, i) => `  ${i + 1}. ${s}`), ...notes.map((n) => `Note: ${n}`)]),
        );
        return 0;
    },
};
