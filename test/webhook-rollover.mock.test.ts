// The webhook CA rollover under mocks, with the tls resources made real (test/lab/tls-standin.ts): raising
// `caGeneration` keeps the previous CA in the caBundle, so the serving certificate the webhook's pods still
// serve until the kubelet syncs the Secret stays trusted; a forced renewal of the CA certificate keeps its key.
// The same flow against the real API server and webhook: test/lab/webhook.lab.test.ts.
import { strict as assert } from "node:assert";
import { X509Certificate } from "node:crypto";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { promiseOf, resetRecords, resources, reveal, setupMocks } from "./helpers/pulumi-mocks";
import { installTlsStandIn, renew } from "./lab/tls-standin";

setupMocks();
installTlsStandIn();
// Required after setMocks: resource modules must load with the mocks in place.
const { createPodIdentityWebhook } = require("../src/components/kubernetes/webhook") as typeof import("../src/components/kubernetes/webhook");
const { settleAll } = require("./helpers/irsa-program") as typeof import("./helpers/irsa-program");
const { IrsaInputError } = require("../src/oidc/errors") as typeof import("../src/oidc/errors");

class Parent extends pulumi.ComponentResource {
    constructor(name: string) {
        super("test:index:Parent", name, {}, {});
    }
}

interface Up {
    caBundle: string;
    cert: string;
    names: string[];
}

/** One `pulumi up` of the webhook with this CA generation; the stand-in keeps unchanged resources as the engine does. */
async function up(caGeneration?: number): Promise<Up> {
    resetRecords();
    const made = createPodIdentityWebhook("irsa", { region: "eu-west-1", ...(caGeneration === undefined ? {} : { caGeneration }) }, { parent: new Parent(`p${caGeneration ?? "-"}${Math.random()}`) })!;
    const caBundle = await promiseOf(made.caCertPem!);
    await settleAll();
    const release = resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release")!;
    const pki = reveal(release.inputs.values).pki;
    assert.equal(pki.caBundle, caBundle, "the release gets the bundle the component reports");
    return { caBundle, cert: pki.cert, names: resources.filter((r) => r.type.startsWith("tls:")).map((r) => r.name).sort() };
}

const certs = (bundle: string) => (bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g) ?? []).map((p) => new X509Certificate(p));
/** What the API server does before each call: the serving certificate chains to a CA of the bundle. */
const trusts = (bundle: string, cert: string) => certs(bundle).some((ca) => new X509Certificate(cert).checkIssued(ca) && new X509Certificate(cert).verify(ca.publicKey));

describe("webhook CA rollover (caGeneration)", () => {
    it("generation 0 keeps the CA's names and trusts it alone", async () => {
        const g0 = await up();
        assert.deepEqual(g0.names, ["irsa-webhook-ca", "irsa-webhook-ca-key", "irsa-webhook-cert", "irsa-webhook-csr", "irsa-webhook-key"]);
        assert.equal(certs(g0.caBundle).length, 1);
        assert.ok(trusts(g0.caBundle, g0.cert));
        assert.deepEqual((await up(0)).caBundle, g0.caBundle, "caGeneration: 0 is the default; a second up changes nothing");
    });

    it("raising it adds a CA with a new key and keeps the previous one trusted, so the certificate pods still serve verifies", async () => {
        const g0 = await up(0);
        const g1 = await up(1);
        assert.deepEqual(g1.names, ["irsa-webhook-ca", "irsa-webhook-ca-1", "irsa-webhook-ca-key", "irsa-webhook-ca-key-1", "irsa-webhook-cert", "irsa-webhook-csr", "irsa-webhook-key"]);
        const [current, previous] = certs(g1.caBundle);
        assert.equal(certs(g1.caBundle).length, 2);
        assert.equal(previous.toString(), certs(g0.caBundle)[0].toString());
        assert.notEqual(current.publicKey.export({ type: "spki", format: "pem" }), previous.publicKey.export({ type: "spki", format: "pem" }), "a new CA key");
        assert.match(current.subject, /generation 1/);
        assert.ok(new X509Certificate(g1.cert).checkIssued(current), "the new CA signs the new serving certificate");
        assert.ok(trusts(g1.caBundle, g0.cert), "the old serving certificate, served until the Secret syncs, is still trusted");
        assert.ok(trusts(g1.caBundle, g1.cert));
        assert.equal(trusts(current.toString(), g0.cert), false, "with only the new CA the old certificate would be refused (the gap)");
    });

    it("raising it again drops the CA before the previous one", async () => {
        const g0 = await up(0);
        const g1 = await up(1);
        const g2 = await up(2);
        assert.deepEqual(g2.names, ["irsa-webhook-ca-1", "irsa-webhook-ca-2", "irsa-webhook-ca-key-1", "irsa-webhook-ca-key-2", "irsa-webhook-cert", "irsa-webhook-csr", "irsa-webhook-key"]);
        assert.ok(trusts(g2.caBundle, g1.cert));
        assert.equal(trusts(g2.caBundle, g0.cert), false, "generation 0 is no longer trusted");
    });

    it("a forced renewal of the CA certificate (early renewal, or --replace of the certificate) keeps its key: the old serving certificate still verifies", async () => {
        const before = await up(3);
        renew("irsa-webhook-ca-3");
        const after = await up(3);
        const [was, is] = [certs(before.caBundle)[0], certs(after.caBundle)[0]];
        assert.notEqual(is.serialNumber, was.serialNumber, "a new CA certificate");
        assert.notEqual(after.cert, before.cert, "the serving certificate is replaced with it");
        assert.ok(trusts(after.caBundle, before.cert), "the serving certificate from before the renewal verifies against the renewed CA");
    });

    it("refuses a generation that is not a whole number from 0, and any with cert-manager", () => {
        const parent = new Parent("bad");
        for (const caGeneration of [-1, 1.5, 10000]) {
            assert.throws(() => createPodIdentityWebhook("bad", { region: "eu-west-1", caGeneration }, { parent }), (e: unknown) => e instanceof IrsaInputError && /webhook\.caGeneration/.test((e as Error).message) && /whole number from 0 to 9999/.test((e as Error).message));
        }
        assert.throws(() => createPodIdentityWebhook("bad", { region: "eu-west-1", certManager: true, caGeneration: 1 }, { parent }), /webhook\.caGeneration.*applies only to the CA made with @pulumi\/tls/);
    });
});
