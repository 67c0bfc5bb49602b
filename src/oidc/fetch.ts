/**
 * The one network primitive the verifier needs, injected so the core stays pure and tests can fake it.
 * STS fetches with a hard time limit and never follows redirects, so the contract carries both bounds.
 */
export type FetchLike = (url: string, init: FetchInit) => Promise<FetchResponse>;

export interface FetchInit {
    timeoutMs: number;
    maxBytes: number;
    /** @default "GET" (the issuer's documents); "POST" only for the one STS call */
    method?: "GET" | "POST";
    /** Request headers (lowercase names) added to the fetcher's own. */
    headers?: Record<string, string>;
    /** The request body (POST). */
    body?: Buffer;
}

export interface FetchResponse {
    status: number;
    /** Header names in lowercase. */
    headers: Record<string, string>;
    body: Buffer;
}

/** Why a fetch produced no response; the verifier turns each into its own finding. */
export type FetchErrorCode = "timeout" | "too-large" | "not-https" | "network" | "tls";

export class FetchError extends Error {
    public readonly code: FetchErrorCode;

    constructor(code: FetchErrorCode, message: string) {
        super(message);
        this.name = "FetchError";
        this.code = code;
    }
}
