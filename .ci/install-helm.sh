#!/usr/bin/env bash
# Builds Helm (pinned) from the Go module proxy into $(go env GOPATH)/bin/helm for the chart
# tests (helm lint, helm template). Needs Go 1.22 or newer (the machine's Go);
# idempotent: skips the build when that helm already reports the pinned version.
set -euo pipefail
HELM_VERSION=v3.16.4
if ! command -v go >/dev/null 2>&1; then
  echo "install-helm.sh: Go (1.22 or newer) is needed to build helm $HELM_VERSION; none is on PATH" >&2; exit 1
fi
GOBIN=$(go env GOPATH)/bin
HELM="$GOBIN/helm"
stamp="$GOBIN/.helm-version"
if [[ -x $HELM && -f $stamp && $(cat "$stamp") = "$HELM_VERSION" ]]; then echo "helm $HELM_VERSION already built at $HELM"; exit 0; fi
# The same link-time settings as Helm's release build: its version and the Kubernetes version
# helm template/lint assume (otherwise 1.20, older than the chart's kubeVersion).
K8S_MINOR=31
flags="-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
  flags="$flags -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$K8S_MINOR"
done
GOBIN="$GOBIN" go install -ldflags "$flags" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
echo "$HELM_VERSION" > "$stamp"  # bump the stamp format if the flags change
echo "built helm $HELM_VERSION at $HELM"
