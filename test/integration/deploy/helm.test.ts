/**
 * The Helm chart: helm lint and helm template over every ci/*.yaml scenario; every rendered
 * manifest validated against the Kubernetes schemas (kubernetes-models); the ConfigMap's
 * authgate configuration loaded by authgate's own loader, with the files it names created in a
 * temporary directory (and each of them mounted by the pod); the sidecar templates included
 * from a parent chart; negative scenarios; the values schema current; the dashboard's metrics
 * real.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments, parse, stringify } from 'yaml';
import * as core from 'kubernetes-models/v1';
import * as apps from 'kubernetes-models/apps/v1';
import * as autoscaling from 'kubernetes-models/autoscaling/v2';
import * as policy from 'kubernetes-models/policy/v1';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as certManager from '@kubernetes-models/cert-manager/cert-manager.io/v1';
import * as monitoring from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { formatIssues, loadConfigText } from '../../../src/config/index.ts';
import { createMetrics } from '../../../src/observability/metrics.ts';
import { SECRET_A, writeUsersFile } from '../../support/authgate.ts';
import { makeTestCert } from '../../support/tls.ts';
import { valuesSchema } from '../../../scripts/helm-schema.ts';

const REPO = path.resolve(import.meta.dirname, '../../..');
const CHART = path.join(REPO, 'helm/authgate');
const KUBE_VERSION = '1.31.0';
const work = mkdtempSync(path.join(os.tmpdir(), 'authgate-helm-'));
t.teardown(() => rmSync(work, { recursive: true, force: true }));

type Manifest = { apiVersion: string; kind: string; metadata: { name: string; annotations?: Record<string, string> }; [key: string]: unknown };

function findHelm(): string {
  const gopath = process.env.GOPATH ?? path.join(os.homedir(), 'go');
  const candidates = [path.join(gopath, 'bin/helm'), ...(process.env.PATH ?? '').split(':').map((d) => path.join(d, 'helm'))];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error('helm is not installed: run `bash .ci/install-helm.sh` (builds helm v3.16.4 with Go into $(go env GOPATH)/bin)');
  return found;
}
const HELM = findHelm();

function helm(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(HELM, args, { maxBuffer: 32 * 1024 * 1024, env: { ...process.env, HELM_CACHE_HOME: path.join(work, 'cache'), HELM_CONFIG_HOME: path.join(work, 'config'), HELM_DATA_HOME: path.join(work, 'data') } }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const render = (chart: string, values: string[], extra: string[] = []) => helm(['template', 'rel', chart, '--namespace', 'apps', '--kube-version', KUBE_VERSION, ...values.flatMap((v) => ['-f', v]), ...extra]);

function manifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

const MODELS: Record<string, Record<string, new (data: never) => { validate(): void }>> = {
  v1: core as never,
  'apps/v1': apps as never,
  'autoscaling/v2': autoscaling as never,
  'policy/v1': policy as never,
  'networking.k8s.io/v1': networking as never,
  'cert-manager.io/v1': certManager as never,
  'monitoring.coreos.com/v1': monitoring as never,
};

function validateManifest(m: Manifest): string | undefined {
  const Model = MODELS[m.apiVersion]?.[m.kind];
  if (!Model) return `no schema for ${m.apiVersion} ${m.kind}`;
  try {
    new Model(m as never).validate();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Creates a plausible file for every path the configuration names and rewrites the paths into `root`. */
async function materialise(config: Record<string, unknown>, root: string): Promise<{ text: string; paths: string[] }> {
  const cert = makeTestCert('localhost', mkdtempSync(path.join(work, 'cert-')));
  const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const paths: string[] = [];
  const walk = async (node: unknown, keyPath: string[]): Promise<unknown> => {
    if (Array.isArray(node)) return Promise.all(node.map((v, i) => walk(v, [...keyPath, String(i)])));
    if (node && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) out[k] = await walk(v, [...keyPath, k]);
      return out;
    }
    const key = keyPath.at(-1) ?? '';
    if (typeof node !== 'string' || !/(File|Certificate)$/.test(key) || !node.startsWith('/')) return node;
    paths.push(node);
    const file = path.join(root, node);
    mkdirSync(path.dirname(file), { recursive: true });
    const where = keyPath.join('.');
    if (where === 'listen.tls.certFile') writeFileSync(file, readFileSync(cert.certFile));
    else if (where === 'listen.tls.keyFile') writeFileSync(file, readFileSync(cert.keyFile));
    else if (key === 'caFile' || key === 'tlsCACertificate') writeFileSync(file, cert.ca);
    else if (key === 'keyFile' || key === 'privateKeyFile') writeFileSync(file, ecKey);
    else if (key === 'secretsFile') writeFileSync(file, `${SECRET_A}\n`);
    else if (key === 'usersFile') await writeUsersFile(file, [{ username: 'admin', password: 'admin-Passw0rd!' }]);
    else writeFileSync(file, 'a-secret-value-from-a-mounted-file\n');
    return file;
  };
  const rewritten = await walk(config, []);
  return { text: stringify(rewritten), paths };
}

/** Mount paths of the authgate container (Deployment, or the pod of a parent chart in sidecar mode). */
function mountPaths(docs: Manifest[]): string[] {
  const deployment = docs.find((d) => d.kind === 'Deployment') as { spec: { template: { spec: { containers: Array<{ name: string; volumeMounts?: Array<{ mountPath: string }> }> } } } } | undefined;
  const container = deployment?.spec.template.spec.containers.find((c) => c.name === 'authgate');
  return (container?.volumeMounts ?? []).map((m) => m.mountPath);
}

/** A parent chart that carries authgate as a subchart and includes the sidecar templates in its own pod. */
function parentChart(): string {
  const dir = path.join(work, 'workbench');
  mkdirSync(path.join(dir, 'templates'), { recursive: true });
  mkdirSync(path.join(dir, 'charts'), { recursive: true });
  cpSync(CHART, path.join(dir, 'charts/authgate'), { recursive: true });
  writeFileSync(path.join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: workbench\nversion: 0.0.1\n');
  writeFileSync(path.join(dir, 'values.yaml'), 'authgate: {}\n');
  writeFileSync(
    path.join(dir, 'templates/deployment.yaml'),
    `apiVersion: apps/v1
kind: Deployment
metadata:
  name: workbench
spec:
  selector:
    matchLabels: { app.kubernetes.io/name: workbench }
  template:
    metadata:
      labels: { app.kubernetes.io/name: workbench }
    spec:
      automountServiceAccountToken: false
      containers:
        - name: workbench
          image: rstudio/rstudio-workbench:latest
        {{- include "authgate.sidecar.container" (index .Subcharts "authgate") | nindent 8 }}
      volumes:
        {{- include "authgate.sidecar.volumes" (index .Subcharts "authgate") | nindent 8 }}
`,
  );
  return dir;
}

const scenarios = readdirSync(path.join(CHART, 'ci')).filter((f) => f.endsWith('.yaml')).sort();

t.test('every scenario the issue names exists', async (t) => {
  t.same(scenarios, ['hpa-pdb-networkpolicy.yaml', 'ldap-existing-secret.yaml', 'minimal.yaml', 'oidc.yaml', 'redis.yaml', 'sidecar.yaml']);
});

t.test('values.schema.json is generated from the current schema (npm run helm:schema)', async (t) => {
  t.same(JSON.parse(readFileSync(path.join(CHART, 'values.schema.json'), 'utf8')), valuesSchema());
});

for (const scenario of scenarios) {
  t.test(`scenario ${scenario}`, async (t) => {
    const valuesFile = path.join(CHART, 'ci', scenario);
    const values = parse(readFileSync(valuesFile, 'utf8')) as { mode?: string };
    const lint = await helm(['lint', CHART, '--strict', '-f', valuesFile]);
    t.equal(lint.code, 0, `helm lint --strict\n${lint.stdout}${lint.stderr}`);

    const sidecar = values.mode === 'sidecar';
    const rendered = sidecar ? await render(parentChart(), [], ['-f', writeParentValues(valuesFile)]) : await render(CHART, [valuesFile]);
    t.equal(rendered.code, 0, `helm template\n${rendered.stderr}`);
    const docs = manifests(rendered.stdout);
    t.ok(docs.length > 0);
    for (const doc of docs) t.equal(validateManifest(doc), undefined, `${doc.kind} ${doc.metadata.name} is a valid ${doc.apiVersion} ${doc.kind}`);

    const configMap = docs.find((d) => d.kind === 'ConfigMap' && (d as { data?: Record<string, string> }).data?.['authgate.yaml']) as { data: Record<string, string> } | undefined;
    if (!configMap) throw new Error('no ConfigMap with authgate.yaml');
    const root = mkdtempSync(path.join(work, 'mounted-'));
    const { text, paths } = await materialise(parse(configMap.data['authgate.yaml'] as string) as Record<string, unknown>, root);
    const loaded = loadConfigText(text, { env: {}, fileName: path.join(root, 'etc/authgate/config/authgate.yaml') });
    t.ok(loaded.ok, `the ConfigMap's configuration loads${loaded.ok ? '' : `:\n${formatIssues(loaded.issues)}`}`);
    if (loaded.ok) {
      t.same(loaded.loaded.warnings.filter((w) => w.severity === 'error'), []);
      t.equal(loaded.loaded.config.listen.port, 8443, 'listens on the port the probes and Service use');
    }
    const mounts = mountPaths(docs);
    for (const file of paths) t.ok(mounts.some((m) => file.startsWith(`${m}/`)), `${file} is on a volume mounted in the authgate container`);

    const deployment = docs.find((d) => d.kind === 'Deployment') as { spec: { template: { metadata: { annotations?: Record<string, string> }; spec: Record<string, unknown> & { containers: Array<Record<string, unknown> & { name: string }> } } } } | undefined;
    if (!deployment) throw new Error('no Deployment');
    const pod = deployment.spec.template.spec;
    const container = pod.containers.find((c) => c.name === 'authgate') as unknown as Record<string, unknown> & { securityContext: Record<string, unknown> };
    t.match(container.securityContext, { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } }, 'container security');
    t.equal(pod.automountServiceAccountToken, false, 'no service-account token');
    t.ok(container.startupProbe && container.livenessProbe && container.readinessProbe, 'startup, liveness and readiness probes');
    if (!sidecar) {
      t.match(deployment.spec.template.metadata.annotations, { 'checksum/config': /^[a-f0-9]{64}$/, 'checksum/secrets': /^[a-f0-9]{64}$/ }, 'checksum annotations');
      t.ok(docs.some((d) => d.kind === 'Pod' && d.metadata.annotations?.['helm.sh/hook'] === 'test'), 'a helm test hook pod');
    }
  });
}

/** The scenario's values nested under the parent's `authgate:` key. */
function writeParentValues(valuesFile: string): string {
  const file = path.join(work, `parent-${path.basename(valuesFile)}`);
  writeFileSync(file, stringify({ authgate: parse(readFileSync(valuesFile, 'utf8')) }));
  return file;
}

t.test('the HPA scenario renders what scaling needs', async (t) => {
  const docs = manifests((await render(CHART, [path.join(CHART, 'ci/hpa-pdb-networkpolicy.yaml')])).stdout);
  const kinds = docs.map((d) => d.kind);
  for (const kind of ['HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy', 'Ingress', 'ServiceMonitor', 'Certificate']) t.ok(kinds.includes(kind), kind);
  const upstream = docs.find((d) => d.kind === 'NetworkPolicy' && d.metadata.name.endsWith('-upstream')) as { spec: { podSelector: unknown; ingress: Array<{ from: Array<{ podSelector: { matchLabels: Record<string, string> } }> }> } } | undefined;
  t.same(upstream?.spec.podSelector, { matchLabels: { 'app.kubernetes.io/name': 'rstudio-connect' } }, 'the policy protects the upstream pods');
  t.same(upstream?.spec.ingress[0]?.from, [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'authgate', 'app.kubernetes.io/instance': 'rel' } } }], 'only authgate pods may reach them');
  const dashboard = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name.endsWith('-dashboard')) as { metadata: { labels: Record<string, string> }; data: Record<string, string> } | undefined;
  t.equal(dashboard?.metadata.labels.grafana_dashboard, '1', 'dashboard ConfigMap labelled for the Grafana sidecar');
  t.same(JSON.parse(dashboard?.data['authgate.json'] ?? '{}'), JSON.parse(readFileSync(path.join(REPO, 'docs/grafana-dashboard.json'), 'utf8')), 'the chart ships the same dashboard as docs/');
  const deployment = docs.find((d) => d.kind === 'Deployment') as { spec: Record<string, unknown> } | undefined;
  t.notOk('replicas' in (deployment?.spec ?? {}), 'the HPA owns the replica count');
});

const negative = [
  { name: 'a typo in a chart key', set: ['replicaCont=3'], message: /Additional property replicaCont is not allowed/ },
  { name: 'a typo inside the authgate configuration', set: ['config.upstream.profle=connect'], message: /config\.upstream: Additional property profle is not allowed/ },
  { name: 'a wrong value inside the authgate configuration', set: ['config.upstream.profile=rstudio'], message: /config\.upstream\.profile.*(must be one of|enum)/s },
  { name: 'no session secrets', set: ['secrets.existingSecret='], message: /secrets\.existingSecret is required: create a Secret holding the session secrets/ },
  { name: 'no TLS secret', set: ['tls.existingSecret='], message: /tls\.existingSecret is required with tls\.mode=existingSecret/ },
  { name: 'several replicas without a shared assertion key', set: ['replicaCount=3'], message: /secrets\.assertionKeyKey is required with more than one replica/ },
  { name: 'cert-manager without an issuer', set: ['tls.mode=certManager'], message: /tls\.certManager\.issuerRef\.name is required/ },
  { name: 'a NetworkPolicy without the upstream pods', set: ['networkPolicy.enabled=true'], message: /networkPolicy\.upstreamPodSelector is required/ },
  { name: 'redis store without a URL', set: ['config.session.store=redis'], message: /config\.redis\.url is required with config\.session\.store=redis/ },
];

for (const c of negative) {
  t.test(`negative: ${c.name}`, async (t) => {
    const result = await render(CHART, [path.join(CHART, 'ci/minimal.yaml')], c.set.flatMap((s) => ['--set', s]));
    t.not(result.code, 0, 'helm template fails');
    t.match(result.stderr, c.message);
  });
}

t.test('the dashboard queries only metrics authgate exports', async (t) => {
  const dashboard = readFileSync(path.join(REPO, 'docs/grafana-dashboard.json'), 'utf8');
  const exprs = [...dashboard.matchAll(/"(?:expr|query)": "((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]}"`) as string);
  t.ok(exprs.length >= 8, 'panels have queries');
  const used = new Set(exprs.flatMap((e) => [...e.matchAll(/\bauthgate_[a-z0-9_]+/g)].map((m) => m[0])));
  const registry = createMetrics().registry;
  const exported = new Set<string>();
  for (const metric of await registry.getMetricsAsJSON()) {
    exported.add(metric.name);
    if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exported.add(`${metric.name}${suffix}`);
  }
  for (const name of used) t.ok(exported.has(name), `${name} is exported by src/observability/metrics.ts`);
  const wanted = ['authgate_http_requests_total', 'authgate_http_request_duration_seconds_bucket', 'authgate_upstream_duration_seconds_bucket', 'authgate_logins_total', 'authgate_denials_total', 'authgate_websockets_active', 'authgate_session_refreshes_total', 'authgate_ldap_operation_duration_seconds_bucket', 'authgate_ldap_pool_connections', 'authgate_shared_store_degraded'];
  for (const name of wanted) t.ok(used.has(name), `the dashboard shows ${name}`);
  t.equal(readFileSync(path.join(CHART, 'dashboards/authgate.json'), 'utf8'), dashboard, 'chart copy and docs/ copy are identical');
});
