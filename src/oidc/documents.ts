import { IrsaInputError } from "./errors";
import { DISCOVERY_PATH, DEFAULT_JWKS_PATH, buildDiscoveryDocument, issuerHost, serializeDiscoveryDocument, validateIssuerUrl } from "./discovery";
import { buildJwks, jwksEntries, serializeJwks } from "./jwks";

// Pure: the published documents, from the core alone, so they equal what the CLI prints for the same keys.

export interface OidcDocumentsInput {
    /** The issuer URL (https, no trailing slash). */
    issuerUrl: string;
    /** JWKS object key relative to the issuer. @default "openid/v1/jwks" */
    jwksPath?: string;
    /** Public keys (or private keys: their public half is taken), signing key first; a text may hold several PEM blocks. */
    publicKeyPems: readonly string[];
    /** Also publish the first key with `kid: ""` (API servers before 1.16). @default false */
    legacyEmptyKid?: boolean;
    /** Argument name for key errors. @default "publicKeyPems" */
    argument?: string;
    /** The kid of the key at the same index when the cluster's signer chose it (KEP-740). @default all derived */
    keyIds?: readonly (string | undefined)[];
}

export interface OidcDocuments {
    issuerUrl: string;
    issuerHost: string;
    jwksUri: string;
    /** `.well-known/openid-configuration`, byte-identical to kube-apiserver's. */
    discoveryJson: string;
    /** The JWKS, byte-identical to kube-apiserver's `/openid/v1/jwks`. */
    jwksJson: string;
    /** kids of the published keys, in JWKS order (the legacy empty-kid copy left out). */
    keyIds: string[];
    /** The published keys as SPKI PEM, one per key, in JWKS order. */
    publicKeyPems: string[];
}

const SAFE_PATH = /^[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/;

/** Checks the JWKS object key: a relative path of plain segments, not the discovery document's. */
export function validateJwksPath(path: string, argument = "jwksPath"): string {
    const segments = typeof path === "string" ? path.split("/") : [];
    if (typeof path !== "string" || !SAFE_PATH.test(path) || segments.some((s) => s === "." || s === "..")) {
        throw new IrsaInputError(
            argument,
            path,
            "is not a relative object path (letters, digits, '.', '_', '~', '-' in segments joined by '/', no leading or trailing '/', no '.' or '..')",
            `leave it unset for "${DEFAULT_JWKS_PATH}" (the path kube-apiserver serves)`,
        );
    }
    if (path === DISCOVERY_PATH) {
        throw new IrsaInputError(argument, path, "is the discovery document's own path", `use "${DEFAULT_JWKS_PATH}"`);
    }
    return path;
}

/** Builds both documents and the key list the component publishes and outputs. */
export function buildOidcDocuments(input: OidcDocumentsInput): OidcDocuments {
    const issuerUrl = validateIssuerUrl(input.issuerUrl, "issuerUrl");
    const jwksPath = validateJwksPath(input.jwksPath ?? DEFAULT_JWKS_PATH);
    const jwksUri = `${issuerUrl}/${jwksPath}`;
    const argument = input.argument ?? "publicKeyPems";
    const jwks = buildJwks(input.publicKeyPems, { legacyEmptyKid: input.legacyEmptyKid ?? false, argument, keyIds: input.keyIds });
    const publicKeyPems = jwksEntries(input.publicKeyPems, { argument, keyIds: input.keyIds }).map((e) => e.spkiPem);
    const discovery = buildDiscoveryDocument({ issuer: issuerUrl, jwksUri, jwks });
    return {
        issuerUrl,
        issuerHost: issuerHost(issuerUrl),
        jwksUri,
        discoveryJson: serializeDiscoveryDocument(discovery),
        jwksJson: serializeJwks(jwks),
        keyIds: jwks.keys.filter((k) => k.kid !== "").map((k) => k.kid),
        publicKeyPems,
    };
}
