import { buildDiscoveryDocument, DISCOVERY_PATH, issuerHost, serializeDiscoveryDocument } from "../../oidc/discovery";
import { IrsaInputError } from "../../oidc/errors";
import { httpsFetcher } from "../../oidc/https-fetch";
import { buildJwks, serializeJwks } from "../../oidc/jwks";
import { generateSigningKey, readPublicKey } from "../../oidc/keys";
import { mintServiceAccountToken } from "../../oidc/token";
import { buildTrustPolicy, DEFAULT_AUDIENCE, serviceAccountSubject } from "../../oidc/trust-policy";
import { verifyIssuer } from "../../oidc/verify";
import { validateDns1123Label, validateDns1123Subdomain } from "../../kubernetes/names";
import { flagValue, parseArgs } from "../args";
import type { CliCommand } from "../command";
import { startLoopbackIssuer } from "../loopback-issuer";
import { formatReport } from "../report";

/** A documentation account ID (AWS's own examples use it); the demo never talks to AWS. */
const PLACEHOLDER_ACCOUNT = "111122223333";
const TOKEN_DIR = "/var/run/secrets/eks.amazonaws.com/serviceaccount";
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
/** Terminal width the demo keeps to (URLs and findings are long; a wrapped line keeps its indent). */
export const DEMO_WIDTH = 100;

const PROVES =
    "This demo proves, offline, that a pod's service-account token passes every check STS makes before it hands out " +
    "role credentials, when the issuer URL, the published JWKS and the role's trust policy agree, as this package builds them.";

const WHAT_NEXT = [
    "What next, with your cluster:",
    "  1. Its API-server flags: selfhosted-irsa cluster-config --distribution <yours> --issuer <URL>",
    "  2. A Pulumi stack with SelfHostedIrsa and IrsaRole: README \"Install\", examples/s3-basic",
    "  3. The same checks against your issuer and a real pod token, then STS's own answer:",
    "       kubectl create token <service-account> --audience sts.amazonaws.com > token.jwt",
    "       selfhosted-irsa doctor --issuer <issuerUrl> --token token.jwt --assume-role <roleArn>",
    "  4. The whole cluster (API server keys, webhook, missed pods), read-only with kubectl:",
    "       selfhosted-irsa doctor cluster --issuer <issuerUrl> --namespace <ns> --service-account <sa>",
    "",
].join("\n");

/** Wraps lines longer than `width` at spaces; continuation lines align under the text after "1. " or "PASS ". */
export function wrapLines(text: string, width = DEMO_WIDTH): string {
    return text
        .split("\n")
        .flatMap((line) => {
            const indent = " ".repeat((/^\s*(?:\d+\. |PASS |FAIL )?/.exec(line)?.[0] ?? "").length);
            const out: string[] = [];
            let rest = line;
            while (rest.length > width) {
                const cut = rest.lastIndexOf(" ", width);
                if (cut <= indent.length) {
                    break; // one word longer than the width: leave it whole
                }
                out.push(rest.slice(0, cut));
                rest = indent + rest.slice(cut + 1);
            }
            return [...out, rest];
        })
        .join("\n");
}

export const command: CliCommand = {
    usage: `Usage: selfhosted-irsa demo [--namespace NS] [--service-account SA] [--region REGION]

Runs offline, with no AWS account and no cluster:
  1. generates a service-account signing key (RSA 2048, RS256) as the API server would use;
  2. serves the discovery document and the JWKS on a loopback HTTPS server it starts, with a CA it makes
     (a stand-in for the public bucket) and hands that CA to the verifier;
  3. mints a token as the kubelet would project it into a pod;
  4. runs the doctor end to end against a trust policy for that service account;
  5. prints the environment and the volume the pod identity webhook would inject;
then what to do next with a real cluster. Exits 0 only if every check passed.

Flags:
  --namespace NS          default: default
  --service-account SA    default: demo
  --region REGION         default: us-east-1
`,
    async run(argv, rawIo) {
        const io = { ...rawIo, stdout: (text: string) => rawIo.stdout(wrapLines(text)) };
        const args = parseArgs(argv, { namespace: { value: true }, "service-account": { value: true }, region: { value: true } });
        if (args.positional.length > 0) {
            throw new IrsaInputError(args.positional[0], args.positional[0], "is not an argument of `demo`", "see --help");
        }
        const namespace = validateDns1123Label(flagValue(args, "namespace") ?? "default", "--namespace");
        const serviceAccount = validateDns1123Subdomain(flagValue(args, "service-account") ?? "demo", "--service-account");
        const region = flagValue(args, "region") ?? "us-east-1";
        if (!REGION.test(region)) {
            throw new IrsaInputError("--region", region, "is not an AWS region name", "pass e.g. --region us-west-2");
        }

        io.stdout(`${PROVES}\n\n`);
        const key = generateSigningKey("RS256");
        const kid = readPublicKey(key.publicKeyPem).kid;
        io.stdout(`1. Generated an RSA 2048 signing key (kid ${kid}).\n`);

        const server = await startLoopbackIssuer();
        try {
            const issuer = server.url;
            const jwks = buildJwks([key.publicKeyPem]);
            const discovery = buildDiscoveryDocument({ issuer, jwks });
            server.routes.set(`/${DISCOVERY_PATH}`, { body: serializeDiscoveryDocument(discovery) });
            server.routes.set(new URL(discovery.jwks_uri).pathname, { body: serializeJwks(jwks) });
            io.stdout(`2. Serving ${issuer}/${DISCOVERY_PATH} and ${discovery.jwks_uri} over HTTPS (certificate from a throwaway CA).\n`);

            const token = await mintServiceAccountToken({ privateKeyPem: key.privateKeyPem, issuer, namespace, serviceAccount, audiences: [DEFAULT_AUDIENCE], ttlSeconds: 86400 });
            io.stdout(`3. Minted a projected token for ${serviceAccountSubject(namespace, serviceAccount)} (aud ${DEFAULT_AUDIENCE}, 24 h).\n`);

            const providerArn = `arn:aws:iam::${PLACEHOLDER_ACCOUNT}:oidc-provider/${issuerHost(issuer)}`;
            const roleArn = `arn:aws:iam::${PLACEHOLDER_ACCOUNT}:role/${`${namespace}-${serviceAccount}`.slice(0, 64)}`; // IAM role names: at most 64 characters
            const trustPolicy = buildTrustPolicy({ oidcProviderArn: providerArn, issuerUrl: issuer, namespace, serviceAccount });
            io.stdout(`4. Checking it all as STS would (trust policy of ${roleArn}):\n`);
            const findings = await verifyIssuer({ issuer, token, trustPolicy, fetch: httpsFetcher({ ca: server.caPem }) });
            io.stdout(formatReport(findings));

            io.stdout(`5. The webhook would inject into pods of ServiceAccount ${namespace}/${serviceAccount} (annotated eks.amazonaws.com/role-arn: ${roleArn}):\n`);
            io.stdout(webhookInjection(roleArn, region));
            io.stdout(`\n${WHAT_NEXT}`);
            return findings.every((f) => f.ok) ? 0 : 1;
        } finally {
            await server.close();
        }
    },
};

/** The env and projected volume amazon-eks-pod-identity-webhook adds to each container (its README). */
function webhookInjection(roleArn: string, region: string): string {
    return [
        "env:",
        `  AWS_ROLE_ARN=${roleArn}`,
        `  AWS_WEB_IDENTITY_TOKEN_FILE=${TOKEN_DIR}/token`,
        "  AWS_STS_REGIONAL_ENDPOINTS=regional",
        `  AWS_REGION=${region}`,
        `  AWS_DEFAULT_REGION=${region}`,
        "volumeMounts:",
        "  - name: aws-iam-token",
        `    mountPath: ${TOKEN_DIR}`,
        "    readOnly: true",
        "volumes:",
        "  - name: aws-iam-token",
        "    projected:",
        "      sources:",
        "        - serviceAccountToken:",
        `            audience: ${DEFAULT_AUDIENCE}`,
        "            expirationSeconds: 86400",
        "            path: token",
        "",
    ].join("\n");
}
