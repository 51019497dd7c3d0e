import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { projectRoot } from '../../app/paths';

export const ROOT = projectRoot();
export const K8S_DIR = path.join(ROOT, 'deploy', 'kubernetes');

/** A Kubernetes object as read from YAML. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: unknown;
  data?: Record<string, string>;
}

interface Validatable {
  validate(): void;
}
export type Model = new (data: never) => Validatable;

/**
 * Every kind the kit ships, with its schema from kubernetes-models / @kubernetes-models/prometheus-operator.
 * Both packages are ESM-only with "import" exports: loaded with import(), not require().
 */
export async function loadModels(): Promise<Record<string, Model>> {
  const [core, apps, batch, policy, monitoring, monitoringAlpha] = await Promise.all([
    import('kubernetes-models/v1'),
    import('kubernetes-models/apps/v1'),
    import('kubernetes-models/batch/v1'),
    import('kubernetes-models/policy/v1'),
    import('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1'),
    import('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1alpha1'),
  ]);
  const models: Record<string, Model> = {
    'v1/Namespace': core.Namespace,
    'v1/Service': core.Service,
    'v1/ConfigMap': core.ConfigMap,
    'v1/ResourceQuota': core.ResourceQuota,
    'apps/v1/Deployment': apps.Deployment,
    'apps/v1/StatefulSet': apps.StatefulSet,
    'batch/v1/Job': batch.Job,
    'policy/v1/PodDisruptionBudget': policy.PodDisruptionBudget,
    'monitoring.coreos.com/v1/PrometheusRule': monitoring.PrometheusRule,
    'monitoring.coreos.com/v1/ServiceMonitor': monitoring.ServiceMonitor,
    'monitoring.coreos.com/v1/PodMonitor': monitoring.PodMonitor,
    'monitoring.coreos.com/v1alpha1/AlertmanagerConfig': monitoringAlpha.AlertmanagerConfig,
  };
  return models;
}

/** The schema problems of one object ("no model" for a kind the kit does not expect), or undefined. */
export function schemaProblem(models: Record<string, Model>, obj: K8sObject): string | undefined {
  const Model = models[`${obj.apiVersion}/${obj.kind}`];
  if (!Model) return `${obj.apiVersion}/${obj.kind} ${obj.metadata?.name}: no model for this kind`;
  try {
    new Model(obj as never).validate();
    return undefined;
  } catch (err) {
    return `${obj.kind} ${obj.metadata.name}: ${(err as Error).message}`;
  }
}

export function parseObjects(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

/** The object files under deploy/kubernetes (not kustomization.yaml, not Helm values, not kind's config). */
export function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(abs);
      else if (/\.ya?ml$/.test(entry.name) && !/^(kustomization|kind)\.yaml$|\.values\.yaml$/.test(entry.name))
        out.push(abs);
    }
  };
  walk(K8S_DIR);
  return out.sort();
}

/** Why `kubectl kustomize` (kustomize v5) cannot render here, or undefined when it can. */
export function kustomizeUnavailable(): string | undefined {
  const r = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8', timeout: 30_000 });
  if (r.error || r.status !== 0)
    return 'kubectl is not installed, and Debian 12 has none with kustomize v5 (its kubernetes-client is 1.20): install kubectl from pkgs.k8s.io to render the overlays';
  const version = /Kustomize Version: v(\d+)/.exec(r.stdout)?.[1];
  if (Number(version) < 5)
    return `kubectl here ships kustomize ${version ?? '(unknown)'}, not v5: install kubectl 1.27 or later`;
  return undefined;
}

/** Renders a kustomization directory (relative to the project root) as kubectl does for the docs' commands. */
export function render(dir: string): K8sObject[] {
  const r = spawnSync('kubectl', ['kustomize', '--load-restrictor=LoadRestrictionsNone', dir], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`kubectl kustomize ${dir} failed: ${r.stderr}`);
  return parseObjects(r.stdout);
}

export const byKind = (objects: readonly K8sObject[], kind: string): K8sObject[] =>
  objects.filter((o) => o.kind === kind);

export function one(objects: readonly K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${found.length}`);
  return found[0] as K8sObject;
}
