// The pure OIDC core: no Pulumi, usable from the CLI and from other programs.
export * from "./errors";
export * from "./keys";
export * from "./jwks";
export * from "./discovery";
export * from "./trust-policy";
export * from "./audience";
export * from "./token";
export * from "./verify";
export * from "./trust-evaluation";
export { httpsFetcher } from "./https-fetch";
export * from "./jwks-import";
export * from "./cluster-trust";
