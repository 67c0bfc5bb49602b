// Check 6: pods whose ServiceAccount has a role but which the webhook never mutated (pure).
import { ANNOTATION_PREFIX } from "../../webhook/annotation-rules";
import { ClusterFinding, failed, passed } from "./findings";
import { KubeObject, ROLE_ANNOTATION } from "./service-account-checks";

/** The volume the webhook adds (a projected token for the STS audience). */
export const TOKEN_VOLUME = "aws-iam-token";
/** Pods labelled so opt out of the webhook (the chart's objectSelector skips them). */
export const SKIP_LABEL = `${ANNOTATION_PREFIX}/skip-pod-identity-webhook`;

interface Container {
    name?: string;
    env?: Array<{ name?: string }>;
}
interface PodSpec {
    serviceAccountName?: string;
    containers?: Container[];
    volumes?: Array<{ name?: string }>;
}

/** The workload that owns a pod, and the command that restarts it. */
export interface Workload {
    kind: string;
    name: string;
    namespace: string;
    restart: string;
}

/**
 * The pod's owning workload: a ReplicaSet named `<deployment>-<pod-template-hash>` belongs to that Deployment
 * (the hash is the pod's pod-template-hash label); StatefulSet and DaemonSet restart with `rollout restart`;
 * a Job's pods are recreated by deleting them; a bare pod must be recreated by hand.
 */
export function owningWorkload(pod: KubeObject): Workload {
    const namespace = pod.metadata?.namespace ?? "default";
    const podName = pod.metadata?.name ?? "";
    const owner = (pod.metadata?.ownerReferences ?? []).find((o) => o.controller) ?? pod.metadata?.ownerReferences?.[0];
    const rollout = (kind: string, name: string): Workload => ({ kind, name, namespace, restart: `kubectl rollout restart ${kind.toLowerCase()}/${name} -n ${namespace}` });
    if (owner?.kind === "ReplicaSet" && owner.name) {
        const hash = pod.metadata?.labels?.["pod-template-hash"];
        const suffix = hash ? `-${hash}` : undefined;
        if (suffix && owner.name.endsWith(suffix)) {
            return rollout("Deployment", owner.name.slice(0, -suffix.length));
        }
        return { kind: "ReplicaSet", name: owner.name, namespace, restart: `kubectl delete pod -n ${namespace} -l pod-template-hash=${hash ?? "HASH"} (the ReplicaSet recreates them)` };
    }
    if ((owner?.kind === "StatefulSet" || owner?.kind === "DaemonSet") && owner.name) {
        return rollout(owner.kind, owner.name);
    }
    if (owner?.kind && owner.name) {
        return { kind: owner.kind, name: owner.name, namespace, restart: `kubectl delete pod ${podName} -n ${namespace} (the ${owner.kind} recreates it)` };
    }
    return { kind: "Pod", name: podName, namespace, restart: `kubectl get pod ${podName} -n ${namespace} -o yaml | kubectl replace --force -f -` };
}

/** Whether the webhook mutated the pod: the token volume and AWS_ROLE_ARN in at least one container. */
export function wasInjected(pod: KubeObject): boolean {
    const spec = (pod.spec ?? {}) as PodSpec;
    const volume = (spec.volumes ?? []).some((v) => v.name === TOKEN_VOLUME);
    const env = (spec.containers ?? []).some((c) => (c.env ?? []).some((e) => e.name === "AWS_ROLE_ARN"));
    return volume && env;
}

/**
 * Running pods whose ServiceAccount carries a role annotation but which lack the injection, grouped by
 * workload: they were created while the webhook was down (failurePolicy Ignore) or before the annotation.
 */
export function checkMissedInjection(pods: KubeObject[], serviceAccounts: KubeObject[]): ClusterFinding[] {
    const withRole = new Set(serviceAccounts.filter((sa) => sa.metadata?.annotations?.[ROLE_ANNOTATION]).map((sa) => `${sa.metadata?.namespace}/${sa.metadata?.name}`));
    const missed = new Map<string, { workload: Workload; pods: string[] }>();
    let checked = 0;
    for (const pod of pods) {
        const phase = (pod.status as { phase?: string } | undefined)?.phase;
        const sa = ((pod.spec ?? {}) as PodSpec).serviceAccountName ?? "default";
        if (phase === "Succeeded" || phase === "Failed" || pod.metadata?.labels?.[SKIP_LABEL] === "true" || !withRole.has(`${pod.metadata?.namespace}/${sa}`)) {
            continue;
        }
        checked++;
        if (wasInjected(pod)) {
            continue;
        }
        const workload = owningWorkload(pod);
        const key = `${workload.kind}/${workload.namespace}/${workload.name}`;
        missed.set(key, { workload, pods: [...(missed.get(key)?.pods ?? []), pod.metadata?.name ?? ""] });
    }
    if (missed.size === 0) {
        return [passed("injection.pods", `all ${checked} running pod(s) whose ServiceAccount has a role carry AWS_ROLE_ARN and the ${TOKEN_VOLUME} volume`)];
    }
    return [...missed.values()].map(({ workload, pods: names }) =>
        failed(
            "injection.pods",
            `${workload.kind} ${workload.namespace}/${workload.name}: pod(s) ${names.join(", ")} lack AWS_ROLE_ARN or the ${TOKEN_VOLUME} volume although their ServiceAccount has a role (created while the webhook was down, or before the annotation)`,
            `once webhook.* pass, restart it: ${workload.restart}`,
        ),
    );
}
