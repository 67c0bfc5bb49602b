import { IrsaInputError } from "../../oidc/errors";
import { MAX_TOKEN_TTL_SECONDS, MIN_TOKEN_TTL_SECONDS, mintServiceAccountToken } from "../../oidc/token";
import { DEFAULT_AUDIENCE } from "../../oidc/trust-policy";
import { checks, numberFlag, parseArgs, requiredFlag } from "../args";
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
  --audience A             the audience, repeatable (default: ${DEFAULT_AUDIENCE}; literal: no $ { } * ?)
  --ttl SECONDS            lifetime, whole seconds from 600 to 4,294,967,296 (kube-apiserver's TokenRequest bounds;
                           default: 3600)

Example:
  selfhosted-irsa token --key sa.key --issuer https://oidc.example.com --namespace default --service-account app
`,
    async run(argv, io) {
        const args = parseArgs(argv, {
            key: { value: true },
            issuer: { value: true, check: checks.issuer },
            namespace: { value: true, check: checks.namespace },
            "service-account": { value: true, check: checks.objectName },
            audience: { value: true, repeat: true, check: checks.audience },
            ttl: { value: true, check: checks.seconds(MIN_TOKEN_TTL_SECONDS, MAX_TOKEN_TTL_SECONDS, 3600) },
        });
        if (args.positional.length > 0) {
            throw new IrsaInputError(args.positional[0], args.positional[0], "is not an argument of `token`", "see --help");
        }
        const issuer = requiredFlag(args, "issuer");
        const namespace = requiredFlag(args, "namespace");
        const serviceAccount = requiredFlag(args, "service-account");
        // Checked here, so an error names the flag and the file before anything is signed.
        const privateKeyPem = readKeyFile(requiredFlag(args, "key"), "--key", "private");
        const audiences = args.flags.get("audience") ?? [DEFAULT_AUDIENCE];
        const ttlSeconds = numberFlag(args, "ttl", 3600);
        const jwt = await mintServiceAccountToken({ privateKeyPem, issuer, namespace, serviceAccount, audiences, ttlSeconds });
        io.stdout(`${jwt}\n`);
        return 0;
    },
};
