import { buildJwks, serializeJwks } from "../../oidc/jwks";
import { parseArgs } from "../args";
import type { CliCommand } from "../command";
import { readKeyFile } from "../files";
import { IrsaInputError } from "../../oidc/errors";

export const command: CliCommand = {
    usage: `Usage: selfhosted-irsa jwks --key FILE [--key FILE ...] [--legacy-empty-kid]

Prints the JSON Web Key Set exactly as kube-apiserver serves it at /openid/v1/jwks (same bytes), for the
given keys in order. Each FILE is a PEM key (public or private: only the public half is published); a file
may hold several keys, like --service-account-key-file.

Flags:
  --key FILE            a public or private key in PEM (repeat for every key that verifies tokens)
  --legacy-empty-kid    also publish the first key with kid "" (API servers before 1.16 sign without kid)

Example:
  selfhosted-irsa jwks --key /etc/kubernetes/pki/sa.pub > jwks.json
`,
    async run(argv, io) {
        const args = parseArgs(argv, { key: { value: true, repeat: true }, "legacy-empty-kid": { value: false } });
        if (args.positional.length > 0) {
            throw new IrsaInputError(args.positional[0], args.positional[0], "is not an argument of `jwks`", "pass keys with --key FILE");
        }
        const files = args.flags.get("key") ?? [];
        if (files.length === 0) {
            throw new IrsaInputError("--key", undefined, "is required", "pass --key FILE, e.g. --key /etc/kubernetes/pki/sa.pub");
        }
        // Each file is read and checked on its own, so an error names the file (never its content).
        const pems = files.map((file) => readKeyFile(file, "--key", "any"));
        const jwks = buildJwks(pems, { legacyEmptyKid: args.flags.has("legacy-empty-kid"), argument: "--key" });
        io.stdout(`${serializeJwks(jwks)}\n`);
        return 0;
    },
};
