import { validateIssuerUrl } from "../../oidc/discovery";
import { IrsaInputError } from "../../oidc/errors";
import { mintServiceAccountToken } from "../../oidc/token";
import { DEFAULT_AUDIENCE } from "../../oidc/trust-policy";
import { validateDns1123Label, validateDns1123Subdomain } from "../../kubernetes/names";
import { numberFlag, parseArgs, requiredFlag } from "../args";
import type { CliCommand } from "../command";
import { readKeyFile } from "../files";

export const command: CliCommand = {
    usage: `Usage: selfhosted-irsa token --key FILE --issuer URL --namespace NS --service-account SA [--audience A] [--ttl SECONDS]

Prints a compact JWT signed with the private key, with the claims kube-apiserver puts in a projected
service-account token (iss, sub, aud, exp, iat, nbf, jti, kubernetes.io) and the header kid it derives.
Use it to test a published issuer with \`selfhosted-irsa doctor --token -\`.

Flags:
  --key FILE               the private signing key (PEM: PKCS#1, PKCS#8 or SEC1)
  --issuer URL             the issuer (https, no trailing slash)
  --namespace NS           the service account's namespace
  --service-account SA     the service account's name
  --audience A             the audience, repeatable (default: ${DEFAULT_AUDIENCE})
  --ttl SECONDS            lifetime (default: 3600)

Example:
  selfhosted-irsa token --key sa.key --issuer https://oidc.example.com --namespace default --service-account app
`,
    async run(argv, io) {
        const args = parseArgs(argv, {
            key: { value: true },
            issuer: { value: true },
            namespace: { value: true },
            "service-account": { value: true },
            audience: { value: true, repeat: true },
            ttl: { value: true },
        });
        if (args.positional.length > 0) {
            throw new IrsaInputError(args.positional[0], args.positional[0], "is not an argument of `token`", "see --help");
        }
        const issuer = validateIssuerUrl(requiredFlag(args, "issuer"), "--issuer");
        const namespace = validateDns1123Label(requiredFlag(args, "namespace"), "--namespace");
        const serviceAccount = validateDns1123Subdomain(requiredFlag(args, "service-account"), "--service-account");
        // Checked here, so an error names the flag and the file before anything is signed.
        const privateKeyPem = readKeyFile(requiredFlag(args, "key"), "--key", "private");
        const audiences = args.flags.get("audience") ?? [DEFAULT_AUDIENCE];
        if (audiences.some((a) => a === "")) {
            throw new IrsaInputError("--audience", "", "must not be empty", `use --audience ${DEFAULT_AUDIENCE}`);
        }
        const ttlSeconds = numberFlag(args, "ttl", 3600);
        if (!Number.isInteger(ttlSeconds)) {
            throw new IrsaInputError("--ttl", String(ttlSeconds), "must be a whole number of seconds", "pass e.g. --ttl 3600");
        }
        const jwt = await mintServiceAccountToken({ privateKeyPem, issuer, namespace, serviceAccount, audiences, ttlSeconds });
        io.stdout(`${jwt}\n`);
        return 0;
    },
};
