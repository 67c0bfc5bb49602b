#!/usr/bin/env bash
# Builds the real parts the lab and engine suites run, from their own Go modules at exact versions, once:
# each lands in $LAB/<name>-<version>/ and is reused while it is there. A build happens in a scratch module
# under $LAB/src/ that requires the pinned module (the module proxy serves exact versions but refuses version
# lists, so `go install m@v` cannot be used). Nothing from the upstream trees is copied into this repository.
#
#   lab/build.sh            build everything that is missing
#   lab/build.sh NAME...    build only these (kubernetes kubectl-1.37 webhook pulumi pulumi-yaml kubernetes-provider etcd codegen)
#   lab/build.sh --print    print where each binary is (or would be)
set -euo pipefail

LAB="${SELFHOSTED_IRSA_LAB:-${XDG_CACHE_HOME:-$HOME/.cache}/selfhosted-irsa/lab}"
REPO="$(cd "$(dirname "$0")/.." && pwd)"
export GOFLAGS="${GOFLAGS:--buildvcs=false}"
export GOTOOLCHAIN=local

# The pinned versions. Changing one makes a new directory (the old one stays until deleted).
K8S_VERSION=v1.33.13
KUBECTL_NEW_VERSION=v1.37.2
WEBHOOK_VERSION=v0.6.17
PULUMI_VERSION=v3.274.1
PULUMI_YAML_VERSION=v1.25.0
K8S_PROVIDER_MODULE=github.com/pulumi/pulumi-kubernetes/provider/v4
K8S_PROVIDER_REF=v4.0.0-20260115033456-f47bc2d6f199
# The version the kubernetes provider reports; the engine asks for the one @pulumi/kubernetes declares.
K8S_PROVIDER_VERSION="$(node -p "require('$REPO/package-lock.json').packages['node_modules/@pulumi/kubernetes'].version" 2>/dev/null || echo 4.34.2)"

log() { printf '[lab/build %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# upstream_mod MODULE@VERSION -> path of the module's go.mod in the module cache
upstream_mod() {
    (cd "$LAB/src" && go mod download -json "$1" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
}
upstream_dir() {
    (cd "$LAB/src" && go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
}

# Replace directives of an upstream go.mod that point at other modules (not at ../local paths), as -replace flags.
upstream_replaces() {
    awk '
        /^replace[[:space:]]*\(/ { inblock = 1; next }
        inblock && /^\)/ { inblock = 0; next }
        /^replace / { sub(/^replace[[:space:]]+/, ""); print; next }
        inblock { print }
    ' "$1" | sed 's#//.*##' | awk 'NF == 4 && $2 == "=>" && $3 !~ /^\.\.?\// { printf "-replace=%s=%s@%s\n", $1, $3, $4 }
                                   NF == 5 && $3 == "=>" && $4 !~ /^\.\.?\// { printf "-replace=%s@%s=%s@%s\n", $1, $2, $4, $5 }'
}

# k8s_staging_replaces KUBERNETES_MOD STAGING_VERSION: every k8s.io/<staging> module the go.mod maps to ./staging
k8s_staging_replaces() {
    grep -oE 'k8s\.io/[a-z0-9-]+ => \./staging/src/k8s\.io/[a-z0-9-]+' "$1" | awk -v v="$2" '{ printf "-replace=%s=%s@%s\n", $1, $1, v }' | sort -u
}

# scratch NAME: a fresh scratch module directory
scratch() {
    local dir="$LAB/src/$1"
    rm -rf "$dir" && mkdir -p "$dir"
    (cd "$dir" && go mod init "selfhosted-irsa-lab/$1" >/dev/null 2>&1)
    echo "$dir"
}

# tidy_and_build DIR OUT LDFLAGS PKG...: tidy the scratch module, then build each tool package into OUT
tidy_and_build() {
    local dir="$1" out="$2" ldflags="$3"; shift 3
    (cd "$dir" && go mod tidy -e >/dev/null 2>"$dir/tidy.log" || { cat "$dir/tidy.log" >&2; exit 1; })
    mkdir -p "$out.tmp"
    for pkg in "$@"; do
        log "go build $pkg"
        (cd "$dir" && go build -trimpath -ldflags "$ldflags" -o "$out.tmp/" "$pkg")
    done
    rm -rf "$out" && mv "$out.tmp" "$out"
}

build_kubernetes() { # kube-apiserver and kubectl at $1, into $2, building the given cmd/ packages
    local version="$1" out="$2"; shift 2
    local staging="v0.${version#v1.}" name="k8s-$version"
    local dir; dir="$(scratch "$name")"
    local mod; mod="$(upstream_mod "k8s.io/kubernetes@$version")"
    local ldflags="-s -w"
    ldflags+=" -X k8s.io/component-base/version.gitVersion=$version -X k8s.io/component-base/version.gitMajor=1"
    ldflags+=" -X k8s.io/component-base/version.gitMinor=$(echo "$version" | cut -d. -f2)"
    ldflags+=" -X k8s.io/client-go/pkg/version.gitVersion=$version"
    local args=(-require="k8s.io/kubernetes@$version")
    mapfile -t reps < <(k8s_staging_replaces "$mod" "$staging")
    args+=("${reps[@]}")
    mapfile -t reps < <(upstream_replaces "$mod" | grep -v '^-replace=k8s.io/' || true)
    args+=("${reps[@]}")
    local tools=()
    for cmd in "$@"; do tools+=(-tool="k8s.io/kubernetes/cmd/$cmd"); done
    (cd "$dir" && go mod edit "${args[@]}" "${tools[@]}")
    local pkgs=(); for cmd in "$@"; do pkgs+=("k8s.io/kubernetes/cmd/$cmd"); done
    tidy_and_build "$dir" "$out" "$ldflags" "${pkgs[@]}"
}

# generic MODULE VERSION OUT LDFLAGS TOOLPKG...: a module's own programs at an exact version
build_module() {
    local module="$1" version="$2" out="$3" ldflags="$4"; shift 4
    local dir; dir="$(scratch "$(basename "$out")")"
    local mod; mod="$(upstream_mod "$module@$version")"
    local args=(-require="$module@$version")
    mapfile -t reps < <(upstream_replaces "$mod")
    args+=("${reps[@]}")
    for pkg in "$@"; do args+=(-tool="$pkg"); done
    (cd "$dir" && go mod edit "${args[@]}")
    tidy_and_build "$dir" "$out" "$ldflags" "$@"
}

target_dir() {
    case "$1" in
        kubernetes) echo "$LAB/kubernetes-$K8S_VERSION" ;;
        kubectl-1.37) echo "$LAB/kubectl-$KUBECTL_NEW_VERSION" ;;
        webhook) echo "$LAB/pod-identity-webhook-$WEBHOOK_VERSION" ;;
        pulumi) echo "$LAB/pulumi-$PULUMI_VERSION" ;;
        pulumi-yaml) echo "$LAB/pulumi-language-yaml-$PULUMI_YAML_VERSION" ;;
        kubernetes-provider) echo "$LAB/pulumi-resource-kubernetes-$K8S_PROVIDER_VERSION-${K8S_PROVIDER_REF##*-}" ;;
        codegen) echo "$LAB/codegen-$PULUMI_VERSION-$(cat "$REPO/lab/codegen/main.go" "$REPO/lab/codegen/go.mod.in" | sha256sum | cut -c1-12)" ;;
        etcd) echo "$LAB/etcd" ;;
        *) echo "lab/build.sh: unknown part '$1' (kubernetes kubectl-1.37 webhook pulumi pulumi-yaml kubernetes-provider codegen etcd)" >&2; return 2 ;;
    esac
}

build_one() {
    local name="$1" out; out="$(target_dir "$name")"
    if [ -d "$out" ]; then log "$name: cached in $out"; return 0; fi
    local start=$SECONDS
    log "$name: building into $out"
    case "$name" in
        kubernetes) build_kubernetes "$K8S_VERSION" "$out" kube-apiserver kubectl ;;
        kubectl-1.37) build_kubernetes "$KUBECTL_NEW_VERSION" "$out" kubectl ;;
        # main.webhookVersion is what --version prints (v0.1.0 unless stamped).
        webhook) build_module github.com/aws/amazon-eks-pod-identity-webhook "$WEBHOOK_VERSION" "$out" \
            "-s -w -X main.webhookVersion=$WEBHOOK_VERSION" github.com/aws/amazon-eks-pod-identity-webhook ;;
        pulumi)
            # The CLI's go.mod replaces sdk/v3 with ../sdk; the scratch module requires the same tag instead.
            local dir; dir="$(scratch "$(basename "$out")")"
            local mod; mod="$(upstream_mod "github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION")"
            mapfile -t reps < <(upstream_replaces "$mod")
            (cd "$dir" && go mod edit -require="github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION" \
                -require="github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION" "${reps[@]}" \
                -tool=github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
            tidy_and_build "$dir" "$out" "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
                github.com/pulumi/pulumi/pkg/v3/cmd/pulumi ;;
        pulumi-yaml) build_module github.com/pulumi/pulumi-yaml "$PULUMI_YAML_VERSION" "$out" \
            "-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=$PULUMI_YAML_VERSION" \
            github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml ;;
        kubernetes-provider)
            # The provider's own main embeds files its go:generate writes; ours (lab/kubernetes-provider/main.go)
            # embeds the module's own schema.json and terraform-mapping.json, copied at build time (not committed).
            local dir; dir="$(scratch "$(basename "$out")")"
            local up; up="$(upstream_dir "$K8S_PROVIDER_MODULE@$K8S_PROVIDER_REF")"
            local mod; mod="$(upstream_mod "$K8S_PROVIDER_MODULE@$K8S_PROVIDER_REF")"
            local sdkver; sdkver="$(awk '$1 == "github.com/pulumi/pulumi-kubernetes/sdk/v4" { print $2 }' "$mod")"
            cp "$REPO/lab/kubernetes-provider/main.go" "$dir/main.go"
            cp "$up/cmd/pulumi-resource-kubernetes/schema.json" "$dir/schema-embed.json"
            cp "$up/cmd/pulumi-resource-kubernetes/terraform-mapping.json" "$dir/terraform-mapping-embed.json"
            chmod u+w "$dir"/*.json
            mapfile -t reps < <(upstream_replaces "$mod")
            (cd "$dir" && go mod edit -require="$K8S_PROVIDER_MODULE@$K8S_PROVIDER_REF" \
                -require="github.com/pulumi/pulumi-kubernetes/sdk/v4@$sdkver" "${reps[@]}")
            tidy_and_build "$dir" "$out" \
                "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$K8S_PROVIDER_VERSION" . 
            mv "$out/$(basename "$dir")" "$out/pulumi-resource-kubernetes" 2>/dev/null || true ;;
        codegen)
            local dir; dir="$(scratch "$(basename "$out")")"
            cp "$REPO/lab/codegen/main.go" "$dir/main.go"
            sed "s/@PULUMI_VERSION@/$PULUMI_VERSION/g" "$REPO/lab/codegen/go.mod.in" > "$dir/go.mod"
            local mod; mod="$(upstream_mod "github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION")"
            mapfile -t reps < <(upstream_replaces "$mod")
            [ ${#reps[@]} -eq 0 ] || (cd "$dir" && go mod edit "${reps[@]}")
            tidy_and_build "$dir" "$out" "-s -w" .
            mv "$out/$(basename "$dir")" "$out/selfhosted-irsa-codegen" 2>/dev/null || true ;;
        etcd)
            # Debian's etcd-server (3.4.23 on bookworm): kube-apiserver 1.33 works with it.
            if ! command -v etcd >/dev/null 2>&1 && [ ! -x /usr/bin/etcd ]; then
                log "etcd: apt-get install etcd-server"
                DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends etcd-server >&2 \
                    || { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends etcd-server >&2; }
                systemctl disable --now etcd >/dev/null 2>&1 || true
            fi
            mkdir -p "$out.tmp" && ln -sf "$(command -v etcd || echo /usr/bin/etcd)" "$out.tmp/etcd" && mv "$out.tmp" "$out" ;;
    esac
    log "$name: built in $((SECONDS - start)) s"
}

ALL=(etcd kubernetes webhook pulumi pulumi-yaml codegen kubectl-1.37 kubernetes-provider)
if [ "${1:-}" = "--print" ]; then
    for n in "${ALL[@]}"; do printf '%s\t%s\n' "$n" "$(target_dir "$n")"; done
    exit 0
fi
mkdir -p "$LAB/src"
[ ! -f "$LAB/src/go.mod" ] && (cd "$LAB/src" && go mod init selfhosted-irsa-lab/resolve >/dev/null 2>&1)
parts=("$@"); [ ${#parts[@]} -eq 0 ] && parts=("${ALL[@]}")
for p in "${parts[@]}"; do build_one "$p"; done
