import { buildClusterConfig, Distribution, DISTRIBUTIONS } from "../../kubernetes/cluster-config";
import { IrsaInputError } from "../../oidc/errors";
import { flagValue, parseArgs, requiredFlag } from "../args";
import { CliCommand } from "../command";
import { readFlagFile } from "../files";

const USAGE = `Usage: selfhosted-irsa cluster-config --distribution ${DISTRIBUTIONS.join("|")} --issuer URL
         [--key FILE] [--public-key FILE ...] [--jwks-uri URL] [--previous-issuer URL ...]
         [--cluster-name NAME] [--show-secrets]

Prints what to set on the API server so it signs tokens for the published issuer:
  talos         machine-config patch (cluster.apiServer.extraArgs, cluster.serviceAccount.key)
  kubeadm       ClusterConfiguration, v1beta4 (name/value list) and v1beta3 (map)
  k3s, rke2     config.yaml kube-apiserver-arg lines, and where their own key lives
  eks-anywhere  Cluster spec podIamConfig.serviceAccountIssuer

  --key FILE             the private signing key (PEM): Talos's patch carries it, base64 (only with --show-secrets)
  --public-key FILE      a public key that must verify tokens (repeat during a rotation); default: --key's
  --previous-issuer URL  an issuer still accepted during a migration, after the new one (repeatable)
  --cluster-name NAME    EKS Anywhere Cluster name (default my-cluster)
  --show-secrets         print the variant that holds the private key (Talos)
`;

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
            "cluster-name": { value: true },
            "show-secrets": { value: false },
        });
        const distribution = requiredFlag(args, "distribution");
        if (!(DISTRIBUTIONS as readonly string[]).includes(distribution)) {
            throw new IrsaInputError("--distribution", distribution, "is not a supported distribution", `use one of ${DISTRIBUTIONS.join(", ")}`);
        }
        const keyFile = flagValue(args, "key");
        const publicFiles = args.flags.get("public-key") ?? [];
        const config = buildClusterConfig({
            distribution: distribution as Distribution,
            issuer: requiredFlag(args, "issuer"),
            jwksUri: flagValue(args, "jwks-uri"),
            previousIssuers: args.flags.get("previous-issuer"),
            signingKeyPem: keyFile !== undefined ? readFlagFile(keyFile, "--key") : undefined,
            publicKeyPems: publicFiles.length > 0 ? publicFiles.map((f) => readFlagFile(f, "--public-key")) : undefined,
            clusterName: flagValue(args, "cluster-name"),
        });
        const showSecrets = args.flags.has("show-secrets");
        io.stdout(`# ${config.target}\n`);
        io.stdout(showSecrets && config.secretYaml ? config.secretYaml : config.publicYaml);
        const notes = [...config.steps];
        if (config.secretYaml && !showSecrets) {
            notes.push("the private key was left out: add --show-secrets to print the patch with cluster.serviceAccount.key");
        }
        for (const file of config.keyFiles) {
            notes.push(`${file.path}: ${file.holds === "signing-key" ? "the private signing key" : "every public key that verifies tokens"}`);
        }
        io.stdout(notes.map((n) => `# - ${n}\n`).join(""));
        return 0;
    },
};
