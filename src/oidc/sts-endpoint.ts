// Where to ask STS: the role ARN's partition, the region (flag, environment, partition default) or an
// explicit endpoint. Bad input is an IrsaInputError before any request is made.
import { IrsaInputError } from "./errors";

/** An AWS partition: its DNS suffix, the region STS uses when none is named, and its region names. */
export interface Partition {
    id: string;
    dnsSuffix: string;
    defaultRegion: string;
    regions: RegExp;
}

/** From botocore's data/partitions.json (`dnsSuffix`, `implicitGlobalRegion`, `regionRegex`). */
export const PARTITIONS: readonly Partition[] = [
    { id: "aws", dnsSuffix: "amazonaws.com", defaultRegion: "us-east-1", regions: /^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$/ },
    { id: "aws-cn", dnsSuffix: "amazonaws.com.cn", defaultRegion: "cn-north-1", regions: /^cn-\w+-\d+$/ },
    { id: "aws-us-gov", dnsSuffix: "amazonaws.com", defaultRegion: "us-gov-west-1", regions: /^us-gov-\w+-\d+$/ },
    { id: "aws-iso", dnsSuffix: "c2s.ic.gov", defaultRegion: "us-iso-east-1", regions: /^us-iso-\w+-\d+$/ },
    { id: "aws-iso-b", dnsSuffix: "sc2s.sgov.gov", defaultRegion: "us-isob-east-1", regions: /^us-isob-\w+-\d+$/ },
    { id: "aws-iso-e", dnsSuffix: "cloud.adc-e.uk", defaultRegion: "eu-isoe-west-1", regions: /^eu-isoe-\w+-\d+$/ },
    { id: "aws-iso-f", dnsSuffix: "csp.hci.ic.gov", defaultRegion: "us-isof-south-1", regions: /^us-isof-\w+-\d+$/ },
];

export interface RoleArn {
    arn: string;
    partition: Partition;
    account: string;
    /** The role's name (without its path). */
    name: string;
}

// IAM role paths are `/` or `/.../` of printable ASCII, names 1-64 of [\w+=,.@-] (IAM API reference, CreateRole).
const ROLE_ARN = /^arn:([a-z-]+):iam::(\d{12}):role\/(?:[\x21-\x7e]{0,510}\/)?([\w+=,.@-]{1,64})$/;

/** Parses a role ARN (`arn:aws:iam::123456789012:role/NAME`); bad input is an IrsaInputError naming `argument`. */
export function parseRoleArn(arn: string, argument = "--assume-role"): RoleArn {
    const m = arn.length <= 2048 ? ROLE_ARN.exec(arn) : null;
    if (!m) {
        throw new IrsaInputError(argument, arn, "is not an IAM role ARN", "pass the role's ARN, e.g. arn:aws:iam::123456789012:role/NAME (aws iam get-role --role-name NAME --query Role.Arn)");
    }
    const partition = PARTITIONS.find((p) => p.id === m[1]);
    if (!partition) {
        throw new IrsaInputError(argument, arn, `names the partition ${JSON.stringify(m[1])}, which has no known STS endpoint (known: ${PARTITIONS.map((p) => p.id).join(", ")})`, "pass the STS endpoint of that partition with --sts-endpoint https://...");
    }
    return { arn, partition, account: m[2], name: m[3] };
}

export interface StsEndpoint {
    url: string;
    /** The region the URL was built for (undefined with an explicit endpoint). */
    region?: string;
    /** Where the URL or region came from: "--sts-endpoint", "--region", "AWS_REGION", "AWS_DEFAULT_REGION" or "the aws partition's default". */
    source: string;
}

export interface ResolveStsEndpointArgs {
    role: RoleArn;
    /** --region */
    region?: string;
    /** --sts-endpoint */
    endpoint?: string;
    /** The environment (AWS_REGION, AWS_DEFAULT_REGION are read). */
    env: Readonly<Record<string, string | undefined>>;
}

/**
 * The STS endpoint to ask: --sts-endpoint as given; otherwise `https://sts.<region>.<partition suffix>/` with
 * the region from --region, then AWS_REGION, then AWS_DEFAULT_REGION (the order the AWS SDKs and CLI use),
 * then the partition's default region. A region of another partition than the role's is refused: STS of
 * one partition cannot assume a role of another.
 */
export function resolveStsEndpoint(args: ResolveStsEndpointArgs): StsEndpoint {
    if (args.endpoint !== undefined) {
        if (args.region !== undefined) {
            throw new IrsaInputError("--region", args.region, "has no effect with --sts-endpoint", "give either --sts-endpoint URL or --region REGION");
        }
        return { url: validateStsEndpoint(args.endpoint), source: "--sts-endpoint" };
    }
    const candidates: Array<[string, string | undefined]> = [
        ["--region", args.region],
        ["AWS_REGION", args.env.AWS_REGION],
        ["AWS_DEFAULT_REGION", args.env.AWS_DEFAULT_REGION],
    ];
    // An empty environment variable counts as unset (as in the AWS SDKs); an empty --region is an error below.
    const given = candidates.find(([name, value]) => value !== undefined && (value !== "" || name === "--region"));
    const partition = args.role.partition;
    if (!given) {
        return { url: `https://sts.${partition.defaultRegion}.${partition.dnsSuffix}/`, region: partition.defaultRegion, source: `the ${partition.id} partition's default` };
    }
    const [source, region] = given as [string, string];
    const fixWith = source === "--region" ? "" : ` (or unset ${source})`;
    if (!partition.regions.test(region)) {
        const other = PARTITIONS.find((p) => p.regions.test(region));
        const rule = other
            ? `is a region of the ${other.id} partition; the role ${args.role.arn} is in ${partition.id}, and STS assumes roles of its own partition only`
            : `is not a region name of the ${partition.id} partition (e.g. ${partition.defaultRegion})`;
        throw new IrsaInputError(source, region, rule, `pass --region with a region of ${partition.id}, e.g. --region ${partition.defaultRegion}${fixWith}`);
    }
    return { url: `https://sts.${region}.${partition.dnsSuffix}/`, region, source };
}

/** --sts-endpoint: an https URL without credentials, query or fragment (the POST goes to it as is). */
export function validateStsEndpoint(endpoint: string): string {
    let url: URL;
    try {
        url = new URL(endpoint);
    } catch {
        throw new IrsaInputError("--sts-endpoint", endpoint, "is not a URL", "pass e.g. https://sts.eu-west-1.amazonaws.com/");
    }
    const rules: Array<[boolean, string]> = [
        [url.protocol !== "https:", "is not https:// (the token would cross the network in clear)"],
        [url.username !== "" || url.password !== "", "carries a user name or password"],
        [url.search !== "" || url.hash !== "", "has a query or fragment (the request's parameters go in the POST body only)"],
    ];
    const broken = rules.find(([bad]) => bad);
    if (broken) {
        throw new IrsaInputError("--sts-endpoint", endpoint, broken[1], "pass an https URL such as https://sts.eu-west-1.amazonaws.com/ (a private endpoint's CA goes in --ca-file)");
    }
    return url.href;
}
