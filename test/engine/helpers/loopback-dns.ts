// Preloaded (`node --require`) into the CLI processes the engine suite runs (selfhosted-irsa doctor): TLS
// connections to the names "AWS" serves here (S3 and CloudFront endpoints, custom domains) go to the loopback
// HTTPS issuer instead, keeping the server name for SNI and certificate checks. Nothing else is redirected, and
// the product's code is untouched: it still dials https://<bucket>.s3.<region>.amazonaws.com as STS would.
//   SELFHOSTED_IRSA_TEST_CONNECT=127.0.0.1:<port>   SELFHOSTED_IRSA_TEST_HOSTS=<suffix>,<suffix>,...
import type * as TlsModule from "node:tls";

// The module object itself (an `import *` namespace is a read-only copy): https reads tls.connect from it.
const tls = require("node:tls") as typeof TlsModule;

const target = process.env.SELFHOSTED_IRSA_TEST_CONNECT;
const suffixes = (process.env.SELFHOSTED_IRSA_TEST_HOSTS ?? "").split(",").filter((s) => s !== "");
if (target) {
    const [host, port] = target.split(":");
    const connect = tls.connect as (...a: unknown[]) => TlsModule.TLSSocket;
    const redirected = (name: unknown) => typeof name === "string" && suffixes.some((s) => name === s || name.endsWith(`.${s.replace(/^\./, "")}`));
    (tls as { connect: unknown }).connect = function (this: unknown, ...args: unknown[]) {
        const options = args.find((a) => typeof a === "object" && a !== null) as TlsModule.ConnectionOptions | undefined;
        if (options && redirected(options.host)) {
            const rest = args.filter((a) => a !== options && typeof a === "function");
            return connect.call(this, { ...options, servername: options.servername || options.host, host, port: Number(port) }, ...rest);
        }
        return connect.apply(this, args);
    };
}
