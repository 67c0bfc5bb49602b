// Check 1: the cluster's own discovery document and JWKS against what is published (pure).
import * as crypto from "node:crypto";
import { ClusterFinding, failed, passed, warned } from "./findings";

interface Jwk {
    kid: string;
    /** DER SPKI, base64, to compare key material (a kid alone could be copied). */
    spki?: string;
}

/** The issuer in a discovery document, or an error message. */
export function discoveryIssuer(json: string): { issuer?: string; error?: string } {
    try {
        const issuer = (JSON.parse(json) as { issuer?: unknown }).issuer;
        return typeof issuer === "string" ? { issuer } : { error: "it has no issuer string" };
    } catch {
        return { error: `it is not JSON (it starts with ${JSON.stringify(json.slice(0, 40))})` };
    }
}

/** Parses a JWKS into kid + key material; entries that are not keys keep their kid only. */
export function jwksKeys(json: string): Jwk[] | undefined {
    let keys: unknown;
    try {
        keys = (JSON.parse(json) as { keys?: unknown }).keys;
    } catch {
        return undefined;
    }
    if (!Array.isArray(keys)) {
        return undefined;
    }
    return keys.map((jwk: Record<string, unknown>) => {
        let spki: string | undefined;
        try {
            spki = crypto.createPublicKey({ key: jwk as crypto.JsonWebKey, format: "jwk" }).export({ type: "spki", format: "der" }).toString("base64");
        } catch {
            spki = undefined;
        }
        return { kid: typeof jwk?.kid === "string" ? jwk.kid : "", spki };
    });
}

/** The cluster's issuer equals the published one, to the byte (STS compares the strings). */
export function compareIssuers(clusterIssuer: string, publishedIssuer: string): ClusterFinding {
    const id = "cluster.issuer";
    if (clusterIssuer === publishedIssuer) {
        return passed(id, `the API server's issuer is ${JSON.stringify(publishedIssuer)}, the published issuer`);
    }
    const fix = `set --service-account-issuer=${publishedIssuer} as the API server's first issuer (keep ${clusterIssuer} after it while running tokens are refreshed)`;
    if (clusterIssuer.replace(/\/+$/, "") === publishedIssuer.replace(/\/+$/, "")) {
        return failed(id, `the API server's issuer ${JSON.stringify(clusterIssuer)} differs from the published issuer ${JSON.stringify(publishedIssuer)} by a trailing slash; STS compares them byte for byte`, fix);
    }
    return failed(id, `the API server's issuer ${JSON.stringify(clusterIssuer)} is not the published issuer ${JSON.stringify(publishedIssuer)}: its tokens carry an iss no IAM provider for the published issuer accepts`, fix);
}

/**
 * Every key the cluster serves must be published (the API server signs with one of them; an unpublished kid
 * fails every STS call), and published keys the cluster no longer serves are listed as stale.
 */
export function compareKeys(clusterJwks: Jwk[], publishedJwks: Jwk[] | undefined): ClusterFinding[] {
    if (publishedJwks === undefined) {
        return [failed("cluster.kids", "the published JWKS could not be read, so the cluster's keys cannot be compared with it", "fix the published.* findings first")];
    }
    const published = new Map(publishedJwks.map((k) => [k.kid, k]));
    const missing = clusterJwks.filter((k) => !published.has(k.kid));
    const different = clusterJwks.filter((k) => published.has(k.kid) && published.get(k.kid)!.spki !== k.spki);
    const findings: ClusterFinding[] = [];
    const republish = "publish the cluster's keys (`kubectl get --raw /openid/v1/jwks`, or `selfhosted-irsa jwks` from every --service-account-key-file; signingKey.fromCluster does it on each `pulumi up`)";
    if (missing.length > 0) {
        findings.push(failed("cluster.kids", `the API server serves kid(s) ${missing.map((k) => JSON.stringify(k.kid)).join(", ")} that the published JWKS lacks: STS rejects every token signed with them`, republish));
    } else if (different.length > 0) {
        findings.push(failed("cluster.kids", `the published JWKS holds kid(s) ${different.map((k) => JSON.stringify(k.kid)).join(", ")} with other key material than the cluster's`, republish));
    } else {
        findings.push(passed("cluster.kids", `all ${clusterJwks.length} key(s) the API server serves are published: ${clusterJwks.map((k) => JSON.stringify(k.kid)).join(", ")}`));
    }
    // The legacy entry with kid "" (for API servers before 1.16) is not stale while its key is one the cluster serves.
    const served = new Set(clusterJwks.map((k) => k.spki));
    const stale = publishedJwks.filter((k) => !clusterJwks.some((c) => c.kid === k.kid) && !(k.kid === "" && served.has(k.spki)));
    findings.push(
        stale.length > 0
            ? warned("cluster.stale-keys", `the published JWKS holds key(s) ${stale.map((k) => JSON.stringify(k.kid)).join(", ")} the API server no longer serves; tokens signed with them verify at STS until they expire`, "remove retired keys from the published JWKS once their tokens have expired (a day by default; see planKeyRotation)")
            : passed("cluster.stale-keys", "the published JWKS holds no key the API server has retired"),
    );
    return findings;
}
