import { buildDiscoveryDocument, defaultJwksUri, serializeDiscoveryDocument, validateIssuerUrl, validateJwksUri } from "../../oidc/discovery";
import { IrsaInputError } from "../../oidc/errors";
import { buildJwks } from "../../oidc/jwks";
import { flagValue, parseArgs, requiredFlag } from "../args";
import type { CliCommand } from "../command";
import { readKeyFile } from "../files";

export const command: CliCommand = {
    usage: `Usage: selfhosted-irsa discovery --issuer URL [--jwks-uri URL] [--key FILE ...]

Prints the discovery document exactly as kube-apiserver serves it at /.well-known/openid-configuration.

Flags:
  --issuer URL      the issuer: https, no trailing slash (must equal --service-account-issuer)
  --jwks-uri URL    where the JWKS is published (default: ISSUER/openid/v1/jwks)
  --key FILE        the keys the JWKS will hold, to list their algorithms in
                    id_token_signing_alg_values_supported (default: ["RS256"])

Example:
  selfhosted-irsa discovery --issuer https://my-bucket.s3.us-west-2.amazonaws.com
`,
    async run(argv, io) {
        const args = parseArgs(argv, { issuer: { value: true }, "jwks-uri": { value: true }, key: { value: true, repeat: true } });
        if (args.positional.length > 0) {
            throw new IrsaInputError(args.positional[0], args.positional[0], "is not an argument of `discovery`", "pass the issuer with --issuer URL");
        }
        const issuer = validateIssuerUrl(requiredFlag(args, "issuer"), "--issuer");
        const jwksUri = validateJwksUri(flagValue(args, "jwks-uri") ?? defaultJwksUri(issuer), "--jwks-uri");
        const files = args.flags.get("key") ?? [];
        const jwks = files.length > 0 ? buildJwks(files.map((f) => readKeyFile(f, "--key", "any")), { argument: "--key" }) : { keys: [] };
        const doc = buildDiscoveryDocument({ issuer, jwksUri, jwks });
        if (files.length === 0) {
            // Without keys, list RS256: what kube-apiserver writes for the usual RSA signing key.
            doc.id_token_signing_alg_values_supported = ["RS256"];
        }
        io.stdout(`${serializeDiscoveryDocument(doc)}\n`);
        return 0;
    },
};
