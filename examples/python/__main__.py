"""IRSA for a self-managed Kubernetes cluster from Python, through `pulumi package add` (see README.md)."""
import json

import pulumi
import pulumi_selfhosted_irsa as selfhosted_irsa

# The signing key is generated (RSA 2048) and kept, encrypted, in the stack; the documents go to S3; the pod
# identity webhook is installed with the ambient kubeconfig (or the stack's kubernetes provider).
# String choices (hosting kind, failure policy, subject match) are enums in the SDK: pass their members (a plain
# string works at run time, but a type checker such as mypy refuses it).
irsa = selfhosted_irsa.SelfHostedIrsa(
    "cluster-irsa",
    hosting=selfhosted_irsa.HostingArgs(kind=selfhosted_irsa.HostingKind.S3),
    webhook=selfhosted_irsa.WebhookArgs(enabled=True, failure_policy=selfhosted_irsa.FailurePolicy.IGNORE),
    tags={"cluster": pulumi.get_stack()},
    # What roleFor makes in TypeScript, as data: the Role and its policy, named cluster-irsa_apps_web, trusting this
    # cluster and pinning its token audience. Its ARN is in role_arns["apps/web"].
    roles=[
        selfhosted_irsa.ServiceAccountRoleArgs(
            namespace="apps",
            service_account="web",
            managed_policy_arns=["arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess"],
            annotate_service_account=True,
        )
    ],
)

# Only pods of ServiceAccount apps/s3-reader can assume this role. `audience` and `webhook_exempt_namespaces` come
# from the cluster, as roleFor's do: the role pins the audience the webhook puts in the pods' tokens.
s3_reader = selfhosted_irsa.IrsaRole(
    "s3-reader",
    oidc_provider_arn=irsa.oidc_provider_arn,
    issuer_url=irsa.issuer_url,
    audience=irsa.token_audience,
    webhook_exempt_namespaces=irsa.webhook_exempt_namespaces,
    namespace="apps",
    service_account="s3-reader",
    managed_policy_arns=["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"],
    create_service_account=True,
)

# A role for every ServiceAccount of namespace batch, by explicit choice (StringLike), with an inline policy.
batch_writer = selfhosted_irsa.IrsaRole(
    "batch-writer",
    oidc_provider_arn=irsa.oidc_provider_arn,
    issuer_url=irsa.issuer_url,
    audience=irsa.token_audience,
    namespace="batch",
    service_account="*",
    subject_match=selfhosted_irsa.SubjectMatch.WILDCARD,
    max_session_duration=7200,
    inline_policies={
        "write-results": json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": ["arn:aws:s3:::my-results/*"]}],
            }
        ),
    },
)

pulumi.export("issuerUrl", irsa.issuer_url)
pulumi.export("oidcProviderArn", irsa.oidc_provider_arn)
# Put these on kube-apiserver (selfhosted-irsa cluster-config prints them per distribution).
pulumi.export("apiServerArgs", irsa.api_server_args)
# Secret: `pulumi stack output talosSecretPatch --show-secrets > irsa-patch.yaml` for Talos.
pulumi.export("talosSecretPatch", irsa.talos_secret_patch)
pulumi.export("s3ReaderRoleArn", s3_reader.role_arn)
pulumi.export("batchWriterRoleArn", batch_writer.role_arn)
pulumi.export("webRoleArn", irsa.role_arns["apps/web"])
