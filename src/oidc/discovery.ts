import { IrsaInputError } from "./errors";
import { goJsonMarshal } from "./go-json";
import { Jwks } from "./jwks";

/** Object key of the discovery document, relative to the issuer (OIDC Discovery 1.0 §4). */
export const DISCOVERY_PATH = ".well-known/openid-configuration";
/** Path of the JWKS that kube-apiserver itself serves; the default for published documents too. */
export const DEFAULT_JWKS_PATH = "openid/v1/jwks";

/**
 * Checks an issuer URL against what kube-apiserver (openidmetadata.go) and STS require: https, a host, no
 * query, no fragment, no user info, and no trailing slash (the `iss` claim, the discovery document, the IAM
 * provider URL and --service-account-issuer must be the same string; a trailing slash is the classic mismatch).
 * Returns the issuer unchanged.
 */
export function validateIssuerUrl(issuer: string, argument = "issuer"): string {
    const fail = (rule: string, fix: string): never => {
        throw new IrsaInputError(argument, issuer, rule, fix);
    };
    if (typeof issuer !== "string" || issuer.length === 0) {
        fail("must be set", "pass the issuer URL, e.g. \"https://my-bucket.s3.us-west-2.amazonaws.com\"");
    }
    let url: URL;
    try {
        url = new URL(issuer);
    } catch {
        return fail("is not a URL", "pass an absolute URL such as \"https://oidc.example.com\"");
    }
    if (url.protocol !== "https:") {
        fail("must use https:// (STS fetches the discovery document over HTTPS only)", `use ${JSON.stringify(issuer.replace(/^[a-z]+:\/\//i, "https://"))}`);
    }
    if (url.search !== "" || issuer.includes("?")) {
        fail("must not include a query", `drop everything from "?": ${JSON.stringify(issuer.split("?")[0])}`);
    }
    if (url.hash !== "" || issuer.includes("#")) {
        fail("must not include a fragment", `drop everything from "#": ${JSON.stringify(issuer.split("#")[0])}`);
    }
    if (url.username !== "" || url.password !== "") {
        fail("must not include user info", "remove the \"user@\" part");
    }
    if (issuer.endsWith("/")) {
        fail("must not end with a slash (the token's iss, the discovery document and the IAM provider URL must match exactly)", `use ${JSON.stringify(issuer.replace(/\/+$/, ""))}`);
    }
    const canonical = `${url.protocol}//${url.host}${url.pathname === "/" ? "" : url.pathname}`;
    if (canonical !== issuer) {
        fail("is not in canonical form (lowercase host, no default port, no escaped characters), so it would not match the URL STS computes", `use ${JSON.stringify(canonical)}`);
    }
    return issuer;
}

/** The issuer without its scheme: the IAM OIDC provider's name and the prefix of trust-policy condition keys. */
export function issuerHost(issuer: string): string {
    return issuer.replace(/^https:\/\//, "");
}

/** Where the JWKS lives when not said otherwise: `${issuer}/openid/v1/jwks`, as the API server serves it. */
export function defaultJwksUri(issuer: string): string {
    return `${issuer}/${DEFAULT_JWKS_PATH}`;
}

/** The discovery document, fields in the API server's order (pkg/serviceaccount/openidmetadata.go). */
export interface DiscoveryDocument {
    issuer: string;
    jwks_uri: string;
    response_types_supported: string[];
    subject_types_supported: string[];
    id_token_signing_alg_values_supported: string[];
}

/** Checks a jwks_uri: the API server refuses one that is not https. */
export function validateJwksUri(jwksUri: string, argument = "jwksUri"): string {
    let url: URL | undefined;
    try {
        url = new URL(jwksUri);
    } catch {
        url = undefined;
    }
    if (!url || url.protocol !== "https:") {
        throw new IrsaInputError(argument, jwksUri, "must be an https:// URL", "publish the JWKS over HTTPS, e.g. \"https://oidc.example.com/openid/v1/jwks\"");
    }
    return jwksUri;
}

/** Builds the discovery document as kube-apiserver does for the same issuer, JWKS URI and keys. */
export function buildDiscoveryDocument(args: { issuer: string; jwksUri?: string; jwks: Jwks }): DiscoveryDocument {
    const issuer = validateIssuerUrl(args.issuer);
    const jwksUri = validateJwksUri(args.jwksUri ?? defaultJwksUri(issuer));
    // The API server lists the algorithms of its keys, deduplicated and sorted (sets.String.List()).
    const algs = [...new Set(args.jwks.keys.map((k) => k.alg))].sort();
    return {
        issuer,
        jwks_uri: jwksUri,
        response_types_supported: ["id_token"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: algs,
    };
}

/** The discovery document as bytes, identical to the API server's response body. */
export function serializeDiscoveryDocument(doc: DiscoveryDocument): string {
    return goJsonMarshal({
        issuer: doc.issuer,
        jwks_uri: doc.jwks_uri,
        response_types_supported: doc.response_types_supported,
        subject_types_supported: doc.subject_types_supported,
        id_token_signing_alg_values_supported: doc.id_token_signing_alg_values_supported,
    });
}
