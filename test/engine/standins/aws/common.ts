// What every AWS resource of the stand-in shares: the region, auto-names and tags, as pulumi-aws makes them.
import { Context, Props, ProviderError } from "../lib/provider-server";
import { randomHex } from "./store";

/** The resource's `region`, else the provider's `aws:region`; pulumi-aws refuses to work without one. */
export function regionOf(ctx: Context, inputs: Props): string {
    const region = inputs.region ?? ctx.config.region ?? process.env.AWS_REGION;
    if (typeof region !== "string" || region === "") {
        throw new ProviderError("missing region: set aws:region in the stack's configuration (or the resource's region)");
    }
    return region;
}

/** pulumi-aws's auto-name: the resource name, a hyphen and seven random hex characters (or the prefix asked for). */
export function autoName(name: string, prefix?: string): string {
    return typeof prefix === "string" ? `${prefix}${randomHex(7)}` : `${name}-${randomHex(7)}`;
}

/** tagsAll without provider default tags: the resource's own tags. */
export function tagsAll(inputs: Props): Record<string, string> {
    return (inputs.tags as Record<string, string> | undefined) ?? {};
}
