// The lab cluster: the real etcd and kube-apiserver on free 127.0.0.1 ports, a fresh PKI per run (made
// in-process), an admin kubeconfig, restarts with other flags (rotation, migration), and a stop that ends
// every process by its PID and removes the run's directory. No controllers run: ServiceAccounts, Endpoints
// and the like are created by the tests (kube-system/default and default/default by the harness).
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as https from "node:https";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { bin } from "./binaries";
import { apiServerCertificate, clientCertificate, IssuedCertificate, kubeconfigYaml, labCa, TestCa } from "./pki";
import { LabProcess, startProcess, waitFor } from "./processes";

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

/** Flags from a record of flag name (without "--") → value(s): one `--name=value` per value, in order. */
export function toFlags(args: Record<string, string | readonly string[]>): string[] {
    return Object.entries(args).flatMap(([name, value]) => (Array.isArray(value) ? value : [value as string]).map((v) => `--${name}=${v}`));
}

export interface KubectlResult {
    stdout: string;
    stderr: string;
    code: number | null;
}

export interface KubectlOptions {
    /** @default the admin kubeconfig */
    kubeconfig?: string;
    /** Written to kubectl's stdin. */
    input?: string;
    /** Another kubectl binary (e.g. 1.37). @default the 1.33 kubectl built with the API server */
    binary?: string;
    /** Resolve on a non-zero exit instead of rejecting. @default false */
    allowFail?: boolean;
    /** @default 60 s */
    timeoutMs?: number;
}

export interface ApiAnswer {
    status: number;
    body: string;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    json(): any;
}

export interface LabCluster {
    /** https://127.0.0.1:<port> */
    url: string;
    /** The CA of the API server's serving certificate and of its client certificates. */
    caPem: string;
    /** The run's directory (removed by stop). */
    dir: string;
    /** An admin kubeconfig (system:masters). */
    kubeconfig: string;
    /** The flags the API server runs with now, beyond the harness's own. */
    flags: readonly string[];
    apiserver(): LabProcess;
    /** Writes a file into the run's directory and returns its path. */
    file: FileWriter;
    kubectl(args: readonly string[], options?: KubectlOptions): Promise<KubectlResult>;
    /** `kubectl apply -f -` of these objects as admin. */
    apply(...objects: object[]): Promise<void>;
    /** An API request as admin. */
    request(method: string, apiPath: string, body?: unknown): Promise<ApiAnswer>;
    /** A kubeconfig authenticating as `user` (client certificate) in `groups`. */
    userKubeconfig(user: string, groups?: readonly string[]): Promise<string>;
    /** A kubeconfig with a bearer token. */
    tokenKubeconfig(name: string, token: string): string;
    /** Stops the API server and starts it again with `flags` (etcd and its objects stay). */
    restart(flags: readonly string[]): Promise<void>;
    /** Stops every process by its PID and removes the run's directory. */
    stop(): Promise<void>;
}

/** Writes a file into the run's directory (made private unless `mode` says otherwise) and returns its path. */
export type FileWriter = (name: string, contents: string, mode?: number) => string;

export interface ClusterOptions {
    /**
     * kube-apiserver flags beyond the harness's own (the service-account flags under test, at least
     * --service-account-issuer); a function gets the writer for key files in the run's directory.
     */
    flags: readonly string[] | ((file: FileWriter) => readonly string[]);
    /** @default 120 s (two busy cores) */
    readyTimeoutMs?: number;
}

/** The API server flags the harness always sets: loopback, its PKI, etcd, RBAC, no endpoint reconciler. */
function baseFlags(dir: string, etcdUrl: string, port: number): string[] {
    return [
        `--etcd-servers=${etcdUrl}`,
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        `--secure-port=${port}`,
        // Endpoints may not hold loopback addresses; nothing reconciles the kubernetes Service.
        "--endpoint-reconciler-type=none",
        "--service-cluster-ip-range=10.96.0.0/24",
        `--client-ca-file=${path.join(dir, "ca.pem")}`,
        `--tls-cert-file=${path.join(dir, "apiserver.pem")}`,
        `--tls-private-key-file=${path.join(dir, "apiserver-key.pem")}`,
        `--cert-dir=${path.join(dir, "cert")}`,
        "--authorization-mode=RBAC",
        "--enable-priority-and-fairness=false",
        "--profiling=false",
    ];
}

function get(url: string, tls: { ca: string; cert?: string; key?: string }, timeoutMs = 5000): Promise<ApiAnswer> {
    return request("GET", url, tls, undefined, timeoutMs);
}

function request(method: string, url: string, tls: { ca: string; cert?: string; key?: string }, body: unknown, timeoutMs = 30_000): Promise<ApiAnswer> {
    return new Promise((resolve, reject) => {
        const payload = body === undefined ? undefined : Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
        const req = https.request(url, { method, ...tls, timeout: timeoutMs, headers: payload ? { "content-type": "application/json", "content-length": String(payload.length) } : {} }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => {
                const text = Buffer.concat(chunks).toString("utf8");
                resolve({ status: res.statusCode ?? 0, body: text, json: () => JSON.parse(text) });
            });
        });
        req.on("timeout", () => req.destroy(new Error(`${method} ${url}: no answer within ${timeoutMs} ms`)));
        req.on("error", reject);
        req.end(payload);
    });
}

/** Starts etcd and kube-apiserver and waits for /readyz. */
export async function startCluster(options: ClusterOptions): Promise<LabCluster> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "irsa-lab-"));
    const procs: LabProcess[] = [];
    try {
        return await boot(dir, options, procs);
    } catch (e) {
        for (const p of procs.reverse()) {
            await p.stop(2000);
        }
        fs.rmSync(dir, { recursive: true, force: true });
        throw e;
    }
}

async function boot(dir: string, options: ClusterOptions, procs: LabProcess[]): Promise<LabCluster> {
    const write = (name: string, contents: string, mode = 0o600) => {
        const file = path.join(dir, name);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, contents, { mode });
        return file;
    };
    const ca: TestCa = await labCa("selfhosted-irsa lab CA");
    const serving = await apiServerCertificate(ca);
    const admin = await clientCertificate(ca, "lab-admin", ["system:masters"]);
    write("ca.pem", ca.certPem, 0o644);
    write("apiserver.pem", serving.certPem, 0o644);
    write("apiserver-key.pem", serving.keyPem);

    const [clientPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const etcdUrl = `http://127.0.0.1:${clientPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const etcd = startProcess("etcd", bin.etcd(), [
        "--name=lab",
        `--data-dir=${path.join(dir, "etcd")}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=lab=${peerUrl}`,
        "--log-level=warn",
    ], path.join(dir, "etcd.log"));
    procs.push(etcd);
    await waitFor("etcd /health", async () => {
        const res = await new Promise<string>((resolve, reject) => {
            require("node:http").get(`${etcdUrl}/health`, (r: import("node:http").IncomingMessage) => {
                let s = "";
                r.on("data", (c: Buffer) => (s += c));
                r.on("end", () => resolve(s));
            }).on("error", reject);
        });
        return /"health":\s*"true"/.test(res);
    }, 30_000, etcd);

    const url = `https://127.0.0.1:${apiPort}`;
    const adminTls = { ca: ca.certPem, cert: admin.certPem, key: admin.keyPem };
    const kubeconfig = write("admin.kubeconfig", kubeconfigYaml(url, ca.certPem, "lab-admin", admin));
    let flags: readonly string[] = typeof options.flags === "function" ? options.flags(write) : options.flags;
    let apiserver: LabProcess | undefined;
    let starts = 0;
    const readyTimeout = options.readyTimeoutMs ?? 120_000;

    const launch = async (extra: readonly string[]) => {
        starts++;
        const proc = startProcess("kube-apiserver", bin.apiserver(), [...baseFlags(dir, etcdUrl, apiPort), ...extra], path.join(dir, `apiserver-${starts}.log`));
        apiserver = proc;
        procs.push(proc);
        await waitFor(`kube-apiserver ${url}/readyz`, async () => (await get(`${url}/readyz`, adminTls)).status === 200, readyTimeout, proc);
        flags = extra;
    };
    await launch(flags);

    const kubectl = (args: readonly string[], o: KubectlOptions = {}): Promise<KubectlResult> =>
        new Promise((resolve, reject) => {
            const child = execFile(
                o.binary ?? bin.kubectl(),
                ["--kubeconfig", o.kubeconfig ?? kubeconfig, ...args],
                { timeout: o.timeoutMs ?? 60_000, killSignal: "SIGKILL", encoding: "utf8", maxBuffer: 64 * 1024 * 1024, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir } },
                (err, stdout, stderr) => {
                    const result = { stdout, stderr, code: child.exitCode };
                    if (err && !o.allowFail) {
                        reject(new Error(`kubectl ${args.join(" ")} exited ${child.exitCode}: ${stderr.trim()}`));
                    } else {
                        resolve(result);
                    }
                },
            );
            child.stdin?.end(o.input ?? "");
        });

    const cluster: LabCluster = {
        url,
        caPem: ca.certPem,
        dir,
        kubeconfig,
        get flags() {
            return flags;
        },
        apiserver: () => apiserver!,
        file: write,
        kubectl,
        async apply(...objects) {
            await kubectl(["apply", "-f", "-"], { input: JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }) });
        },
        request: (method, apiPath, body) => request(method, `${url}${apiPath}`, adminTls, body),
        async userKubeconfig(user, groups = []) {
            const cert: IssuedCertificate = await clientCertificate(ca, user, groups);
            return write(`${user.replace(/[^a-z0-9.-]/gi, "_")}.kubeconfig`, kubeconfigYaml(url, ca.certPem, user, cert));
        },
        tokenKubeconfig: (name, token) => write(`${name}.kubeconfig`, kubeconfigYaml(url, ca.certPem, name, { token })),
        async restart(next) {
            await apiserver!.stop();
            await launch(next);
        },
        async stop() {
            for (const p of procs.reverse()) {
                await p.stop();
            }
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
    // No controllers: the ServiceAccounts the token controller would make.
    await cluster.apply(
        { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace: "kube-system" } },
        { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace: "default" } },
    );
    return cluster;
}

/** A namespace with its default ServiceAccount (and these others), as the controllers would leave it. */
export async function createNamespace(cluster: LabCluster, name: string, serviceAccounts: Array<{ name: string; annotations?: Record<string, string> }> = []): Promise<void> {
    await cluster.apply(
        { apiVersion: "v1", kind: "Namespace", metadata: { name } },
        { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace: name } },
        ...serviceAccounts.map((sa) => ({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: sa.name, namespace: name, ...(sa.annotations ? { annotations: sa.annotations } : {}) } })),
    );
}
