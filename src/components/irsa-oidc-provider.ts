import * as pulumi from "@pulumi/pulumi";
import { validateAudiences, validateThumbprints } from "../aws/names";
import { validateIssuerUrl } from "../oidc/discovery";
import { IrsaOidcProviderArgs, validateIrsaOidcProviderArgs } from "../plans/irsa-oidc-provider-args";
import { createOidcProvider } from "./aws/oidc-provider";

export type { IrsaOidcProviderArgs } from "../plans/irsa-oidc-provider-args";

/**
 * The cluster's issuer registered as an IAM OIDC identity provider in another AWS account: an IAM role can only
 * trust a provider of its own account, so pods that use roles in several accounts need the issuer registered in
 * each. Give the AWS provider of that account through `opts.provider` (`opts.providers`). Child:
 * `<name>-oidc-provider`, the same resource SelfHostedIrsa makes for its own account. Feed its `arn` and `issuerUrl`
 * to IrsaRole (`oidcProviderArn` + `issuerUrl`, or one of `clusters`) in that account.
 */
export class IrsaOidcProvider extends pulumi.ComponentResource {
    /** ARN of the IAM OIDC provider in the AWS provider's account (IrsaRole `oidcProviderArn`). */
    public readonly arn: pulumi.Output<string>;
    /** The issuer it registers, checked (IrsaRole `issuerUrl`). */
    public readonly issuerUrl: pulumi.Output<string>;

    constructor(name: string, args: IrsaOidcProviderArgs, opts?: pulumi.ComponentResourceOptions) {
        // Every check that can run now runs before anything is registered, the component included.
        const normalized = validateIrsaOidcProviderArgs(name, args);
        super("selfhosted-irsa:index:IrsaOidcProvider", name, {}, opts);
        // Plain values were checked above; Outputs (a StackReference's issuer, another stack's audiences) once known.
        const issuerUrl = checkedWhenKnown(args.issuerUrl, (url) => validateIssuerUrl(url, "issuerUrl"));
        const audiences = checkedWhenKnown(normalized.audiences, (list) => [...validateAudiences(list)]);
        const thumbprints = args.thumbprints === undefined ? undefined : checkedWhenKnown(args.thumbprints, (list) => [...validateThumbprints(list)]);
        const provider = createOidcProvider(name, { issuerUrl, audiences, thumbprints, tags: args.tags }, { parent: this, protect: normalized.protect });
        this.arn = provider.arn;
        this.issuerUrl = issuerUrl;
        this.registerOutputs({ arn: this.arn, issuerUrl: this.issuerUrl });
    }
}

/** The value as an Output: a plain string (or list of strings) as it is, checked already; anything else once known. */
function checkedWhenKnown<T, U>(value: pulumi.Input<T>, check: (known: pulumi.Unwrap<T>) => U): pulumi.Output<U> {
    const plain = typeof value === "string" || (Array.isArray(value) && value.every((v) => typeof v === "string"));
    return plain ? (pulumi.output(value) as unknown as pulumi.Output<U>) : pulumi.output(value).apply(check);
}
