// The pure parts of `doctor cluster` and of the kubectl plumbing, case by case (the e2e tests run them whole).
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { describe, it } from "node:test";
import { createTestCa, issueServerCertificate } from "../src/cli/pki";
import { describeKubectlFailure, expandHome, kubectlArgv, parseShellRun } from "../src/kubernetes/kubectl";
import { checkMissedInjection, owningWorkload } from "../src/cli/cluster-doctor/injection-checks";
import { compareKeys, jwksKeys } from "../src/cli/cluster-doctor/issuer-checks";
import { checkServiceAccountAnnotations, providerAudiences } from "../src/cli/cluster-doctor/service-account-checks";
import { checkFailurePolicy, pemCertificates, WebhookTarget } from "../src/cli/cluster-doctor/webhook-checks";
import { verifyLikeGo } from "../src/cli/cluster-doctor/x509-chain";

const chainsTo = (chain: ReturnType<typeof pemCertificates>, bundle: ReturnType<typeof pemCertificates>) => verifyLikeGo(chain, bundle, undefined, new Date()).ok;
import { diagnoseCluster } from "../src/cli/cluster-doctor/diagnose";
import { buildJwks, serializeJwks } from "../src/oidc";
import { deploymentPod, OTHER, RSA, serviceAccount } from "./helpers/irsa-cluster";

const failure = (stderr: string, exitCode: number | null = 1) => describeKubectlFailure({ stdout: "", stderr, exitCode });

describe("kubectl plumbing (pure)", () => {
    it("builds argv with only kubectl 1.24 flags, the request timeout last", () => {
        assert.deepEqual(kubectlArgv(["get", "--raw", "/version"], { kubeconfig: "/k", context: "c", requestTimeoutSeconds: 2.5 }), ["--kubeconfig=/k", "--context=c", "get", "--raw", "/version", "--request-timeout=3s"]);
        assert.deepEqual(kubectlArgv(["version"]), ["version", "--request-timeout=30s"]);
    });
    it("expands only a leading ~ or ~/", () => {
        assert.equal(expandHome("~/.kube/k3s.yaml", "/home/me"), path.join("/home/me", ".kube/k3s.yaml"));
        assert.equal(expandHome("~", "/home/me"), "/home/me");
        assert.equal(expandHome("~other/config", "/home/me"), "~other/config");
        assert.equal(expandHome("/etc/rancher/k3s/k3s.yaml", "/home/me"), "/etc/rancher/k3s/k3s.yaml");
    });
    it("reads the exit marker from stderr only", () => {
        assert.deepEqual(parseShellRun("{}", "Warning: x"), { stdout: "{}", stderr: "Warning: x", exitCode: 0 });
        assert.deepEqual(parseShellRun("", "boom\n__SELFHOSTED_IRSA_KUBECTL_EXIT__ 1"), { stdout: "", stderr: "boom", exitCode: 1 });
        assert.equal(parseShellRun(undefined, "sh: kubectl: not found\n__SELFHOSTED_IRSA_KUBECTL_EXIT__ 127").spawnError, "not-found");
        assert.equal(parseShellRun("__SELFHOSTED_IRSA_KUBECTL_EXIT__ 1", "").exitCode, 0, "a marker on stdout is data, not a failure");
    });
    it("classifies kubectl's failures (messages of kubectl 1.27 to 1.33)", () => {
        assert.equal(failure('Error from server (Forbidden): secrets "x" is forbidden: User "u" cannot get resource "secrets"').kind, "forbidden");
        assert.equal(failure('Error from server (NotFound): serviceaccounts "x" not found').kind, "not-found");
        assert.equal(failure("Error from server (NotFound): the server could not find the requested resource").kind, "other");
        assert.equal(failure('error: context "prod" does not exist').kind, "context");
        assert.equal(failure("error: stat /nope: no such file or directory").kind, "kubeconfig");
        assert.equal(failure("error: You must be logged in to the server (Unauthorized)").kind, "unauthorized");
        assert.equal(failure("Unable to connect to the server: tls: failed to verify certificate: x509: certificate signed by unknown authority").kind, "tls");
        assert.equal(failure("Unable to connect to the server: dial tcp: lookup api.example.com: no such host").kind, "unreachable");
        assert.equal(failure("E1123 17:00:00.000000 1 memcache.go:265] couldn't get current server API group list\nThe connection to the server 10.0.0.1:6443 was refused - did you specify the right host or port?").reason, "E1123 17:00:00.000000 1 memcache.go:265] couldn't get current server API group list The connection to the server 10.0.0.1:6443 was refused - did you specify the right host or port?");
        assert.equal(failure("Warning: deprecated\nerror: something odd").reason, "error: something odd", "warning lines are not the reason");
        assert.equal(
            describeKubectlFailure({ stdout: "", stderr: "", exitCode: null, spawnError: "timeout" }, { kubeconfig: "/k", context: "c" }, { seconds: 15, setting: "--timeout" }).reason,
            "kubectl did not finish within 15 s, the bound on the whole run (--timeout; exec credential plugins included) with --kubeconfig /k and --context c",
        );
    });
});

describe("cluster keys against published keys", () => {
    const keys = (pems: string[], legacy = false) => jwksKeys(serializeJwks(buildJwks(pems, { legacyEmptyKid: legacy })))!;
    it("accepts the legacy empty-kid copy of a served key, and flags a kid with other key material", () => {
        assert.deepEqual(
            compareKeys(keys([RSA]), keys([RSA], true)).map((f) => f.level),
            ["PASS", "PASS"],
        );
        const forged = keys([OTHER]).map((k) => ({ ...k, kid: keys([RSA])[0].kid }));
        const [kids] = compareKeys(keys([RSA]), forged);
        assert.equal(kids.level, "FAIL");
        assert.match(kids.message, /with other key material than the cluster's/);
    });
});

describe("ServiceAccount annotations", () => {
    it("takes the provider's audiences from the trust policy's aud conditions", () => {
        const policy = JSON.stringify({ Statement: [{ Condition: { StringEquals: { "oidc.example.com:aud": ["sts.amazonaws.com", "vault"], "oidc.example.com:sub": "system:serviceaccount:a:b" } } }] });
        assert.deepEqual(providerAudiences(policy), ["sts.amazonaws.com", "vault"]);
        assert.deepEqual(providerAudiences(undefined), ["sts.amazonaws.com"]);
        assert.deepEqual(providerAudiences("not json"), ["sts.amazonaws.com"]);
        const sa = serviceAccount("apps", "x", { "eks.amazonaws.com/role-arn": "arn:aws-cn:iam::111122223333:role/path/r", "eks.amazonaws.com/audience": "vault", "eks.amazonaws.com/token-expiration": "86400" });
        assert.deepEqual(checkServiceAccountAnnotations(sa, providerAudiences(policy)).map((f) => f.level), ["PASS", "PASS", "PASS"]);
    });
    it("fails a ServiceAccount without a role annotation with the annotate command", () => {
        const [role] = checkServiceAccountAnnotations(serviceAccount("apps", "x", {}), ["sts.amazonaws.com"]);
        assert.equal(role.level, "FAIL");
        assert.match(role.fix!, /^kubectl annotate serviceaccount x -n apps --overwrite eks\.amazonaws\.com\/role-arn=arn:aws:iam::ACCOUNT:role\/NAME/);
    });
});

describe("missed injection", () => {
    const owned = (kind: string, name: string) => ({ ...deploymentPod("apps", "x", "sa", false), metadata: { name: "p-0", namespace: "apps", ownerReferences: [{ kind, name, controller: true }] } });
    it("names the owning workload and the command that restarts it", () => {
        assert.deepEqual(owningWorkload(deploymentPod("apps", "api", "sa", false)), { kind: "Deployment", name: "api", namespace: "apps", restart: "kubectl rollout restart deployment/api -n apps" });
        assert.equal(owningWorkload(owned("StatefulSet", "db")).restart, "kubectl rollout restart statefulset/db -n apps");
        assert.equal(owningWorkload(owned("DaemonSet", "agent")).restart, "kubectl rollout restart daemonset/agent -n apps");
        assert.equal(owningWorkload(owned("Job", "backup-28911")).restart, "kubectl delete pod p-0 -n apps (the Job recreates it)");
        assert.equal(owningWorkload(owned("ReplicaSet", "bare-rs")).kind, "ReplicaSet", "a ReplicaSet without the pod's hash suffix is not taken for a Deployment");
        const bare = { ...deploymentPod("apps", "x", "sa", false), metadata: { name: "debug", namespace: "apps" } };
        assert.equal(owningWorkload(bare).restart, "kubectl get pod debug -n apps -o yaml | kubectl replace --force -f -");
    });
    it("skips finished pods, opted-out pods and ServiceAccounts without a role; groups pods by workload", () => {
        const sas = [serviceAccount("apps", "sa"), serviceAccount("apps", "plain", {})];
        const done = { ...deploymentPod("apps", "a", "sa", false, "p1"), status: { phase: "Succeeded" } };
        const optedOut = deploymentPod("apps", "b", "sa", false, "p2");
        optedOut.metadata.labels["eks.amazonaws.com/skip-pod-identity-webhook"] = "true";
        assert.deepEqual(checkMissedInjection([done, optedOut, deploymentPod("apps", "c", "plain", false)], sas).map((f) => f.level), ["PASS"]);
        const findings = checkMissedInjection([deploymentPod("apps", "d", "sa", false, "p3"), deploymentPod("apps", "d", "sa", false, "p4")], sas);
        assert.equal(findings.length, 1);
        assert.match(findings[0].message, /^Deployment apps\/d: pod\(s\) d-5d8f7c9b6-p3, d-5d8f7c9b6-p4 lack/);
    });
});

describe("webhook certificates and policy", () => {
    it("follows an intermediate in tls.crt to the caBundle", async () => {
        const root = await createTestCa("root");
        const other = await createTestCa("other");
        const intermediate = await createTestCa("intermediate", {}, root);
        const leaf = await issueServerCertificate(intermediate, "svc", { dnsNames: ["svc.ns.svc"] });
        assert.equal(chainsTo(pemCertificates(leaf.certPem + intermediate.certPem), pemCertificates(root.certPem)), true);
        assert.equal(chainsTo(pemCertificates(leaf.certPem), pemCertificates(root.certPem)), false, "without the intermediate the chain is broken");
        assert.equal(chainsTo(pemCertificates(leaf.certPem), pemCertificates(other.certPem + intermediate.certPem)), true, "any certificate of the bundle");
        assert.equal(chainsTo(pemCertificates(leaf.certPem + other.certPem), pemCertificates(other.certPem)), false, "an unrelated certificate in tls.crt is no intermediate");
    });
    it("reports Fail as safe only when kube-system and the webhook's namespace are excluded", () => {
        const target: WebhookTarget = { configName: "w", webhookName: "w", serviceName: "s", namespace: "irsa", secretName: "s-cert", caBundlePem: "", failurePolicy: "Fail" };
        assert.equal(checkFailurePolicy(target).level, "WARN");
        const only = (values: string[]) => ({ ...target, namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values }] } });
        assert.equal(checkFailurePolicy(only(["kube-system", "irsa"])).level, "PASS");
        assert.match(checkFailurePolicy(only(["kube-system", "irsa"])).message, /pod creation is refused outside kube-system and irsa \(excluded\)$/);
        assert.match(checkFailurePolicy(only(["kube-system"])).message, /^failurePolicy Fail without excluding irsa: .* including irsa \(the webhook's own replacement pods\)$/);
    });
});

describe("diagnoseCluster without a cluster", () => {
    it("asks for --issuer when the cluster's own cannot be read, and still checks the rest", async () => {
        const asked: string[][] = [];
        const findings = await diagnoseCluster({
            target: {},
            fetch: () => Promise.reject(new Error("no fetch expected")),
            timeoutSeconds: 1,
            runner: async (args) => {
                asked.push(args);
                return { stdout: "", stderr: "Error from server (Forbidden): forbidden", exitCode: 1 };
            },
        });
        assert.deepEqual(
            findings.map((f) => `${f.level} ${f.id}`),
            ["WARN cluster.discovery", "WARN cluster.jwks", "FAIL published.issuer", "WARN webhook.configuration", "WARN injection.pods"],
        );
        assert.equal(findings[2].fix, "pass --issuer URL (the IAM OIDC provider's URL)");
        assert.ok(asked.every((args) => args[args.length - 1] === "--request-timeout=1s"));
    });
});
