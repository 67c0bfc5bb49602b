import { IrsaInputError } from "../oidc/errors";

// Kubernetes name rules (k8s.io/apimachinery/pkg/util/validation): a namespace is a DNS-1123 label,
// a ServiceAccount name a DNS-1123 subdomain.
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Whether a value is a DNS-1123 label (namespaces, Service names), without throwing. */
export function isDns1123Label(value: unknown): value is string {
    return typeof value === "string" && value.length <= 63 && DNS1123_LABEL.test(value);
}

/** Checks a DNS-1123 label (namespaces): lowercase alphanumerics and '-', at most 63 characters. */
export function validateDns1123Label(value: string, argument: string): string {
    if (typeof value !== "string" || value.length > 63 || !DNS1123_LABEL.test(value)) {
        throw new IrsaInputError(
            argument,
            value,
            "is not a DNS-1123 label (at most 63 lowercase letters, digits or '-', starting and ending with a letter or digit)",
            "use the Kubernetes name exactly as `kubectl get` shows it, e.g. \"kube-system\"",
        );
    }
    return value;
}

/** Checks a DNS-1123 subdomain (ServiceAccount names): labels joined by '.', at most 253 characters. */
export function validateDns1123Subdomain(value: string, argument: string): string {
    if (typeof value !== "string" || value.length > 253 || !DNS1123_SUBDOMAIN.test(value)) {
        throw new IrsaInputError(
            argument,
            value,
            "is not a DNS-1123 subdomain (at most 253 lowercase letters, digits, '-' or '.', each part starting and ending with a letter or digit)",
            "use the ServiceAccount name exactly as `kubectl get serviceaccounts` shows it, e.g. \"s3-reader\"",
        );
    }
    return value;
}
