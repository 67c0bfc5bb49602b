// Blue/green: two clusters of one environment run the same applications while workloads move from one to the
// other. Each cluster has its own platform stack (SelfHostedIrsa: issuer, IAM OIDC provider, webhook); this
// stack reads both and makes ONE role per application, trusted by both clusters, and annotates the application's
// ServiceAccount in each cluster with that same ARN. Moving a workload between clusters changes no ARN.
//   pulumi config set clusters '[{"name":"blue","irsaStack":"my-org/irsa/prod-blue"},{"name":"green","irsaStack":"my-org/irsa/prod-green"}]'
//   pulumi config set --secret kubeconfig-blue "$(cat ~/.kube/prod-blue)"   # and kubeconfig-green
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { IrsaRole, IrsaRoleCluster } from "selfhosted-irsa";

interface ClusterConfig {
    /** Short name: "blue", "green". */
    name: string;
    /** The cluster's platform stack (its SelfHostedIrsa exports oidcProviderArn and issuerUrl). */
    irsaStack: string;
}
interface AppConfig {
    namespace: string;
    serviceAccount: string;
    /** IAM policy document (JSON object) of the application. */
    policy: Record<string, unknown>;
}

const config = new pulumi.Config();
const clusters = config.requireObject<ClusterConfig[]>("clusters").map((c) => {
    const platform = new pulumi.StackReference(c.irsaStack);
    // Outputs: IrsaRole checks them once known (ARN form, provider matches issuer, no cluster twice).
    const trust: IrsaRoleCluster = {
        oidcProviderArn: platform.requireOutput("oidcProviderArn") as pulumi.Output<string>,
        issuerUrl: platform.requireOutput("issuerUrl") as pulumi.Output<string>,
    };
    const kubernetes = new k8s.Provider(c.name, { kubeconfig: config.requireSecret(`kubeconfig-${c.name}`) });
    return { name: c.name, trust, kubernetes };
});
const trustedBy = clusters.map((c) => c.trust);

/** The same ServiceAccount in every cluster, annotated with the one role's ARN (the webhook reads it). */
function annotateEverywhere(id: string, role: IrsaRole): void {
    for (const c of clusters) {
        new k8s.core.v1.ServiceAccount(
            `${id}-${c.name}`,
            {
                metadata: {
                    namespace: role.namespace,
                    name: role.serviceAccountName,
                    annotations: { "eks.amazonaws.com/role-arn": role.roleArn, "eks.amazonaws.com/audience": "sts.amazonaws.com" },
                },
            },
            // Pods started with this ServiceAccount get a role that already has its permissions.
            { provider: c.kubernetes, dependsOn: [role] },
        );
    }
}

// One role per application, trusted by every listed cluster: its trust policy has one statement per cluster.
const apps = config.getObject<Record<string, AppConfig>>("apps") ?? {};
const roles = Object.entries(apps).map(([id, app]) => {
    const role = new IrsaRole(id, {
        clusters: trustedBy,
        namespace: app.namespace,
        serviceAccount: app.serviceAccount,
        inlinePolicies: { [id]: JSON.stringify(app.policy) },
    });
    annotateEverywhere(id, role);
    return role;
});

// A cluster add-on from a preset: external-dns may change only the environment's zone; namespace and
// ServiceAccount default to the chart's (external-dns/external-dns).
const zoneArn = config.get("hostedZoneArn");
if (zoneArn) {
    annotateEverywhere("external-dns", new IrsaRole("external-dns", { clusters: trustedBy, addons: { externalDns: { hostedZoneArns: [zoneArn] } } }));
}

export const roleArns = roles.map((r) => r.roleArn);
