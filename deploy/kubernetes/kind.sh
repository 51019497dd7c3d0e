#!/usr/bin/env bash
# The kit on a local kind cluster, the way docs/kubernetes.md describes it and the GitHub Actions job
# "kubernetes" runs it. Needs Docker, kind, kubectl (kustomize v5) and helm; nothing here runs without them.
#   deploy/kubernetes/kind.sh up          build the images, create the cluster, install the operator, apply `local`
#   deploy/kubernetes/kind.sh scenario N  run workshop scenario N as a Job in the cluster and print its log
#   deploy/kubernetes/kind.sh down        delete the cluster
set -euo pipefail
cd "$(dirname "$0")/../.."

CLUSTER=fintech
NAMESPACE=fintech
# kube-prometheus-stack 88.5.3 = Prometheus Operator v0.93.1 (docs/versions.md; a test keeps the three equal)
CHART_VERSION=88.5.3
# kind v0.32.0's default node; the CI job pins the same image by digest
NODE_IMAGE=${KIND_NODE_IMAGE:-kindest/node:v1.36.1}

up() {
  docker build --target api -t fintech-chaos-workshop:local .
  docker build --target scenarios -t fintech-chaos-workshop-scenarios:local .
  kind get clusters | grep -qx "$CLUSTER" || kind create cluster --name "$CLUSTER" --image "$NODE_IMAGE" --config deploy/kubernetes/kind.yaml
  kind load docker-image --name "$CLUSTER" fintech-chaos-workshop:local fintech-chaos-workshop-scenarios:local
  helm repo add prometheus-community https://prometheus-community.github.io/helm-charts --force-update
  helm upgrade --install kps prometheus-community/kube-prometheus-stack --version "$CHART_VERSION" \
    --namespace monitoring --create-namespace -f deploy/kubernetes/kube-prometheus-stack.values.yaml --wait --timeout 10m
  kubectl create namespace "$NAMESPACE" --dry-run=client -o yaml | kubectl apply -f -
  # Random secrets, never written to a file; hex, so they fit a connection URL unescaped.
  kubectl -n "$NAMESPACE" get secret fintech-secrets >/dev/null 2>&1 ||
    kubectl -n "$NAMESPACE" create secret generic fintech-secrets \
      --from-literal=db-password="$(openssl rand -hex 16)" --from-literal=chaos-token="$(openssl rand -hex 24)"
  kubectl kustomize --load-restrictor=LoadRestrictionsNone deploy/kubernetes/overlays/local |
    kubectl apply --server-side -f -
  kubectl -n "$NAMESPACE" rollout status statefulset/postgres --timeout=5m
  kubectl -n "$NAMESPACE" rollout status deployment/fintech-api --timeout=5m
}

scenario() {
  local n=${1:?scenario number}
  kubectl -n "$NAMESPACE" delete job fintech-scenario --ignore-not-found --wait
  kubectl kustomize deploy/kubernetes/scenario-job | kubectl set env --local -f - SCENARIO="$n" -o yaml |
    kubectl -n "$NAMESPACE" apply -f -
  local deadline=$((SECONDS + 900)) state=""
  while [ -z "$state" ] && [ $SECONDS -lt $deadline ]; do
    sleep 5
    state=$(kubectl -n "$NAMESPACE" get job fintech-scenario \
      -o jsonpath='{.status.conditions[?(@.status=="True")].type}' | grep -oE 'Complete|Failed' || true)
  done
  kubectl -n "$NAMESPACE" logs job/fintech-scenario
  echo "scenario $n: ${state:-timed out}"
  [ "$state" = Complete ]
}

case "${1:-}" in
  up) up ;;
  scenario) scenario "${2:-}" ;;
  down) kind delete cluster --name "$CLUSTER" ;;
  *) sed -n '2,7p' "$0" >&2; exit 2 ;;
esac
