// The real amazon-eks-pod-identity-webhook, out of cluster: the command chart 2.6.5 renders for the
// component's values, with the pod's parts stood in for: `$(POD_NAMESPACE)` is the release namespace, the
// Secret volume is a directory written the way the kubelet writes one (..data symlink swapped atomically, so
// the webhook's certwatcher sees a renewal as it does in a pod), and the in-cluster client is a kubeconfig
// with a token of the chart's ServiceAccount, bound to the chart's ClusterRole. The chart's Service becomes
// `type: ExternalName, externalName: localhost`: the API server then dials 127.0.0.1:<port> and still checks
// the certificate for `<service>.<namespace>.svc` against the caBundle (Endpoints cannot hold loopback).
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as tls from "node:tls";
import { bin } from "./binaries";
import { RenderedChart, renderChart, Values } from "./chart";
import type { LabCluster } from "./cluster";
import { LabProcess, startProcess, waitFor } from "./processes";

export interface WebhookOptions {
    cluster: LabCluster;
    /** The values the component gives the release (resolved PEMs included). */
    values: Values;
    /** The release namespace. */
    namespace: string;
    /** Register the chart's objects (ServiceAccount, RBAC, Service as ExternalName, Secret, configuration). @default true */
    register?: boolean;
}

export interface LabWebhook {
    chart: RenderedChart;
    /** The webhook's argv (the chart's command with the pod's paths mapped into the run). */
    argv: string[];
    port: number;
    process(): LabProcess;
    /** Writes a new serving certificate as the kubelet syncs a Secret, and waits until the webhook serves it. */
    renewServingCertificate(certPem: string, keyPem: string): Promise<void>;
    /** The certificate (PEM) the webhook serves now. */
    servedCertificate(): Promise<string>;
    stop(): Promise<void>;
    /** Starts it again (same files, same flags). */
    start(): Promise<void>;
}

let runs = 0;

/** Writes `files` into `dir` as the kubelet's atomic writer does: a timestamped directory behind `..data`. */
export function writeSecretVolume(dir: string, files: Record<string, string>): void {
    fs.mkdirSync(dir, { recursive: true });
    const stamp = `..${Date.now()}_${crypto.randomBytes(4).toString("hex")}`;
    fs.mkdirSync(path.join(dir, stamp));
    for (const [name, contents] of Object.entries(files)) {
        fs.writeFileSync(path.join(dir, stamp, name), contents, { mode: 0o600 });
    }
    const data = path.join(dir, "..data");
    const previous = fs.existsSync(data) ? fs.readlinkSync(data) : undefined;
    fs.symlinkSync(stamp, path.join(dir, "..data_tmp"));
    fs.renameSync(path.join(dir, "..data_tmp"), data);
    for (const name of Object.keys(files)) {
        if (!fs.existsSync(path.join(dir, name))) {
            fs.symlinkSync(path.join("..data", name), path.join(dir, name));
        }
    }
    if (previous) {
        fs.rmSync(path.join(dir, previous), { recursive: true, force: true });
    }
}

/** The certificate a TLS server on 127.0.0.1:port presents for `servername` (not verified: just read). */
export function peerCertificate(port: number, servername: string): Promise<string> {
    return new Promise((resolve, reject) => {
        const socket = tls.connect({ host: "127.0.0.1", port, servername, rejectUnauthorized: false }, () => {
            const der = socket.getPeerCertificate().raw;
            socket.end();
            resolve(new crypto.X509Certificate(der).toString());
        });
        socket.setTimeout(5000, () => socket.destroy(new Error("no TLS handshake within 5 s")));
        socket.on("error", reject);
    });
}

const fingerprint = (pem: string) => new crypto.X509Certificate(pem).fingerprint256;

/** The chart's objects as the lab registers them: the Service as ExternalName localhost. */
export function labObjects(chart: RenderedChart): object[] {
    const service = { ...chart.service, spec: { type: "ExternalName", externalName: "localhost", ports: chart.service.spec.ports } };
    return [chart.serviceAccount, chart.clusterRole, chart.clusterRoleBinding, service, chart.secret, chart.mutatingWebhookConfiguration].filter((o): o is Values => o !== undefined);
}

/** Starts the webhook and waits for /healthz (HTTPS, verified against the values' caBundle). */
export async function startWebhook(options: WebhookOptions): Promise<LabWebhook> {
    const { cluster, values, namespace } = options;
    const chart = renderChart(values, namespace);
    const run = ++runs;
    const dir = path.join(cluster.dir, `webhook-${run}`);
    const certs = path.join(dir, "certs");
    const secretData = (chart.secret?.data ?? {}) as Record<string, string>;
    writeSecretVolume(certs, { "tls.crt": Buffer.from(secretData["tls.crt"] ?? "", "base64").toString(), "tls.key": Buffer.from(secretData["tls.key"] ?? "", "base64").toString() });

    if (options.register !== false) {
        await cluster.apply(...labObjects(chart));
    }
    // The pod's in-cluster credentials: a token of the chart's ServiceAccount (API audience, one hour).
    const sa = chart.serviceAccount?.metadata.name ?? "default";
    const token = (await cluster.kubectl(["create", "token", sa, "-n", chart.namespace, "--duration=3600s"])).stdout.trim();
    const kubeconfig = cluster.tokenKubeconfig(`webhook-${run}`, token);

    const argv = chart.command.slice(1).map((arg) =>
        arg
            .replace("$(POD_NAMESPACE)", chart.namespace)
            .replace("/etc/webhook/certs/", `${certs}/`),
    );
    argv.push(`--kubeconfig=${kubeconfig}`);
    const port = Number(/^--port=(\d+)$/.exec(argv.find((a) => a.startsWith("--port="))!)![1]);
    const caBundle = values.pki?.caBundle as string | undefined;
    const servername = `${chart.fullname}.${chart.namespace}.svc`;
    let proc: LabProcess;
    let starts = 0;
    const start = async () => {
        starts++;
        proc = startProcess("pod-identity-webhook", bin.webhook(), argv, path.join(dir, `webhook-${starts}.log`));
        await waitFor(`webhook https://127.0.0.1:${port}/healthz`, () => healthz(port, servername, caBundle), 60_000, proc);
    };
    await start();
    const served = () => peerCertificate(port, servername);
    return {
        chart,
        argv,
        port,
        process: () => proc,
        servedCertificate: served,
        async renewServingCertificate(certPem, keyPem) {
            writeSecretVolume(certs, { "tls.crt": certPem, "tls.key": keyPem });
            await waitFor("the webhook to serve the renewed certificate", async () => fingerprint(await served()) === fingerprint(certPem), 30_000, proc);
        },
        stop: () => proc.stop(),
        start,
    };
}

/** GET /healthz over TLS verified by the caBundle for the Service's name (what the chart's probes ask). */
function healthz(port: number, servername: string, ca: string | undefined): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = tls.connect({ host: "127.0.0.1", port, servername, ca, rejectUnauthorized: ca !== undefined }, () => {
            socket.write(`GET /healthz HTTP/1.1\r\nHost: ${servername}\r\nConnection: close\r\n\r\n`);
        });
        let answer = "";
        socket.setTimeout(3000, () => socket.destroy());
        socket.on("data", (d) => (answer += d));
        socket.on("end", () => resolve(/^HTTP\/1\.1 200/.test(answer) && answer.endsWith("ok")));
        socket.on("error", () => resolve(false));
        socket.on("close", () => resolve(false));
    });
}
