import { buildClusterConfig, Distribution, DISTRIBUTIONS, KubeadmApiVersion, KUBEADM_API_VERSIONS } from "../../kubernetes/cluster-config";
import { validateIssuerUrl, validateJwksUri } from "../../oidc/discovery";
import { IrsaInputError } from "../../oidc/errors";
import { splitPemBlocks } from "../../oidc/keys";
import { DEFAULT_AUDIENCE } from "../../oidc/trust-policy";
import { checks, flagValue, numberFlag, parseArgs, requiredFlag } from "../args";
import type { CliCommand } from "../command";
import { checkKeyText, readKeyFile } from "../files";

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
  --max-token-expiration S    --service-account-max-token-expiration, whole seconds from 3600 to 2^32
  --cluster-name NAME         EKS Anywhere Cluster name (default: my-cluster)
  --kubeadm-api-version V     ${KUBEADM_API_VERSIONS.join(" or ")} (default: v1beta4, kubeadm 1.31+)
  --show-secrets              print the variant that holds the private key (Talos); without it no private key
                              is ever printed

Example:
  selfhosted-irsa cluster-config --distribution talos --issuer https://oidc.example.com --key sa.key --show-secrets > irsa-patch.yaml
`;

const comment = (lines: string[]): string => lines.map((l) => `# ${l}\n`).join("");

/** Flags that mean something for one distribution only: elsewhere they would be silently ignored. */
const ONLY_FOR: Record<string, Distribution> = { "cluster-name": "eks-anywhere", "kubeadm-api-version": "kubeadm" };

/** The pure core's argument names (buildClusterConfig's input) and the flags that set them. */
const FLAG_OF: Record<string, string> = {
    additionalIssuers: "--previous-issuer",
    apiAudiences: "--api-audience",
    audiences: "--audience",
    kubeadmApiVersion: "--kubeadm-api-version",
    clusterName: "--cluster-name",
    maxTokenExpiration: "--max-token-expiration",
    signingKeyPem: "--key",
    jwksUri: "--jwks-uri",
};

/**
 * The core's messages name its arguments (`additionalIssuers[0]`, `kubeadmApiVersion`); a CLI user typed flags.
 * Rewrites the error's argument, and the argument names in its fix, to the flags. `keyFlags[i]` is the flag
 * that gave publicKeyPems[i] (a public --key comes first).
 */
export function inFlagTerms(err: unknown, keyFlags: readonly string[]): unknown {
    if (!(err instanceof IrsaInputError)) {
        return err;
    }
    const [, base, index] = /^([A-Za-z]+)(?:\[(\d+)\])?/.exec(err.argument) ?? [];
    const flag = base === "publicKeyPems" ? keyFlags[Number(index ?? 0)] : FLAG_OF[base ?? ""];
    if (flag === undefined) {
        return err;
    }
    const head = `\`${err.argument}\``;
    const fixAt = err.message.lastIndexOf(". Fix: ");
    let fix = inFlagWords(err.message.slice(fixAt));
    if (base === "clusterName") {
        fix = `. Fix: use the EKS Anywhere Cluster's metadata.name (lowercase letters, digits, '-', '.'), e.g. ${JSON.stringify(dnsName(err.message))}`;
    }
    err.message = `\`${flag}\`${err.message.slice(head.length, fixAt)}${fix}`;
    (err as { argument: string }).argument = flag;
    return err;
}

/**
 * A text of the core (a fix, a step) with its argument names written as the flags that set them. Only camelCase
 * names: plain words like "audiences" are English, not arguments.
 */
export function inFlagWords(text: string): string {
    let out = text;
    for (const [name, f] of Object.entries(FLAG_OF).filter(([n]) => /[A-Z]/.test(n))) {
        out = out.replace(new RegExp(`\\b${name}\\b`, "g"), f);
    }
    return out;
}

/** A DNS-1123 name close to the value quoted in a message (for the fix's example). */
function dnsName(message: string): string {
    const value = /^`[^`]+` (".*?") /.exec(message)?.[1];
    const name = value ? String(JSON.parse(value)).toLowerCase().replace(/[^a-z0-9.-]+/g, "-").replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, "") : "";
    return name || "my-cluster";
}

function withFlagErrors<T>(keyFlags: readonly string[], build: () => T): T {
    try {
        return build();
    } catch (err) {
        throw inFlagTerms(err, keyFlags);
    }
}

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
            audience: { value: true, repeat: true, check: checks.audience },
            "api-audience": { value: true, repeat: true },
            "max-token-expiration": { value: true, check: checks.seconds(3600, 2 ** 32, 86400) },
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
        for (const [flag, only] of Object.entries(ONLY_FOR)) {
            const value = flagValue(args, flag);
            if (value !== undefined && distribution !== only) {
                throw new IrsaInputError(`--${flag}`, value, `only applies to --distribution ${only}, not ${distribution}`, `omit --${flag}`);
            }
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
        const publicKeyPems = (args.flags.get("public-key") ?? []).map((file) => readKeyFile(file, "--public-key", "public"));
        const keyFlags = publicKeyPems.map(() => "--public-key");
        const notes: string[] = [];
        let signingKeyPem: string | undefined;
        const keyFile = flagValue(args, "key");
        if (keyFile !== undefined) {
            const pem = readKeyFile(keyFile, "--key", "any");
            if (splitPemBlocks(pem).some((block) => /PRIVATE KEY-----/.test(block))) {
                checkKeyText(pem, keyFile, "--key", "private"); // one signing key: the flag's and the file's name in any error
                signingKeyPem = pem;
            } else if (distribution === "talos") {
                throw new IrsaInputError("--key", keyFile, "holds a public key, but Talos's patch carries the private signing key (cluster.serviceAccount.key)", "pass the private key, or omit --key to keep Talos's own key");
            } else {
                publicKeyPems.unshift(pem);
                keyFlags.unshift("--key");
                notes.push(`${keyFile} is a public key: used as a verification key only; the API server also needs its private half to sign`);
            }
        }
        const maxTokenExpiration = flagValue(args, "max-token-expiration") === undefined ? undefined : numberFlag(args, "max-token-expiration", 86400);
        const config = withFlagErrors(keyFlags, () => buildClusterConfig({
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
        }));
        const showSecrets = args.flags.has("show-secrets");
        // The steps are the core's, in the words of the flags the user typed (`drop --previous-issuer`).
        let instructions = config.instructions.map(inFlagWords);
        if (config.secretYaml !== undefined && !showSecrets) {
            // The core's steps are for the secret patch; this output is the other one, without the key.
            instructions = instructions.map((step) =>
                /secret patch/.test(step)
                    ? `this output leaves the signing key out (no --show-secrets): applied alone, Talos keeps signing with its own key, which the published JWKS does not hold. Rerun with --show-secrets > irsa-patch.yaml (keep it readable only by you) and apply that file`
                    : step,
            );
        }
        if (signingKeyPem !== undefined && config.secretYaml === undefined) {
            const target = config.files.find((f) => f.contents === "private-key" && f.action === "write");
            notes.push(`the private key stays in ${keyFile}${target ? `: copy it to ${target.path} (mode ${target.mode})` : ""}`);
        }
        // With the secret patch, Talos writes its key files from cluster.serviceAccount.key: they are replaced, not kept.
        const fromPatch = showSecrets && config.secretYaml !== undefined;
        const files = config.files.map((f) => `${f.path} (${f.contents}, ${f.mode}): ${f.action === "write" ? "write it" : fromPatch ? `written by ${config.distribution} from the patch's cluster.serviceAccount.key (it replaces ${config.distribution}'s own key)` : `${config.distribution}'s own, keep it`}`);
        io.stdout(
            comment([`selfhosted-irsa cluster-config for ${config.distribution}, issuer ${issuer}`]) +
                (showSecrets && config.secretYaml !== undefined ? config.secretYaml : config.publicYaml) +
                comment(["Key files:", ...files.map((f) => `  ${f}`), "Steps:", ...instructions.map((s, i) => `  ${i + 1}. ${s}`), ...notes.map((n) => `Note: ${n}`)]),
        );
        return 0;
    },
};
