/**
 * Writes helm/authgate/values.schema.json (`npm run helm:schema`; `--check` fails when stale):
 * the chart's own keys, each closed with additionalProperties: false, and under `config` the
 * JSON Schema of authgate's configuration (the same one `authgate schema` prints), so a typo
 * anywhere in the values fails `helm install` and `helm lint`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { configJsonSchema } from '../src/config/index.ts';

type Schema = Record<string, unknown>;

const str = (description: string, extra: Schema = {}): Schema => ({ type: 'string', description, ...extra });
const bool = (description: string): Schema => ({ type: 'boolean', description });
const int = (description: string, minimum = 0, maximum?: number): Schema => ({ type: 'integer', description, minimum, ...(maximum !== undefined ? { maximum } : {}) });
const port = (description: string) => int(description, 1, 65535);
const obj = (description: string, properties: Record<string, Schema>, extra: Schema = {}): Schema => ({ type: 'object', description, properties, additionalProperties: false, ...extra });
/** A Kubernetes object passed through as is (resources, affinity…): the API server validates it. */
const k8sObject = (description: string): Schema => ({ type: 'object', description });
const k8sList = (description: string): Schema => ({ type: 'array', description, items: { type: 'object' } });
const stringMap = (description: string): Schema => ({ type: 'object', description, additionalProperties: { type: 'string' } });
const duration = (description: string) => str(description, { pattern: '^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$' });

/** authgate's configuration schema, minus the document-level keys and the `required` the chart fills in. */
export function configSchemaForValues(): Schema {
  const { $schema: _schema, required: _required, title: _title, ...rest } = configJsonSchema() as Schema;
  // Sidecar mode fills upstream.url (127.0.0.1); the chart's `required` asks for it in standalone mode.
  const upstream = (rest.properties as Record<string, Schema>).upstream as Schema;
  upstream.required = (upstream.required as string[]).filter((key) => key !== 'url');
  if ((upstream.required as string[]).length === 0) delete upstream.required;
  return { ...rest, description: 'The authgate configuration (docs/configuration.md), rendered into the ConfigMap. The chart fills listen, session.secretsFile, identity.assertion.keyFile, metrics and (sidecar) upstream.url unless set here.' };
}

export function valuesSchema(): Schema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'authgate Helm chart values',
    type: 'object',
    additionalProperties: false,
    properties: {
      mode: { type: 'string', enum: ['standalone', 'sidecar'], description: 'standalone: Deployment + Service; sidecar: named templates for the upstream pod.' },
      nameOverride: str('Override the chart name in resource names.'),
      fullnameOverride: str('Override the full resource name.'),
      image: obj('Container image.', {
        repository: str('Image repository.', { minLength: 1 }),
        tag: str('Image tag; default the chart appVersion.'),
        digest: str('Image digest (sha256:…), takes precedence over the tag.', { pattern: '^(sha256:[a-f0-9]{64})?$' }),
        pullPolicy: { type: 'string', enum: ['Always', 'IfNotPresent', 'Never'], description: 'Image pull policy.' },
      }),
      imagePullSecrets: k8sList('Image pull secrets.'),
      replicaCount: int('Replicas when autoscaling is off.', 0),
      config: configSchemaForValues(),
      secrets: obj('Secret files mounted under /etc/authgate/secrets/.', {
        existingSecret: str('Name of an existing Secret whose keys are mounted as files.'),
        sessionSecretsKey: str('Key holding the session secrets.', { minLength: 1 }),
        assertionKeyKey: str('Key holding the ES256 assertion signing key (PEM).'),
      }),
      tls: obj('Where the HTTPS certificate comes from.', {
        mode: { type: 'string', enum: ['existingSecret', 'certManager', 'selfSigned'], description: 'existingSecret, certManager or selfSigned (demo).' },
        existingSecret: str('kubernetes.io/tls Secret name.'),
        certManager: obj('cert-manager Certificate.', {
          issuerRef: obj('Issuer reference.', { name: str('Issuer name.'), kind: { type: 'string', enum: ['Issuer', 'ClusterIssuer'], description: 'Issuer kind.' }, group: str('Issuer API group.') }),
          dnsNames: { type: 'array', items: { type: 'string' }, description: 'Extra DNS names.' },
          duration: duration('Certificate lifetime (Go duration).'),
          renewBefore: duration('Renew this long before expiry (Go duration).'),
        }),
      }),
      service: obj('The Service.', {
        type: { type: 'string', enum: ['ClusterIP', 'NodePort', 'LoadBalancer'], description: 'Service type.' },
        port: port('HTTPS port of the Service.'),
        annotations: stringMap('Service annotations.'),
        externalTrafficPolicy: { type: 'string', enum: ['', 'Cluster', 'Local'], description: 'Local keeps client IPs.' },
      }),
      metrics: obj('Prometheus metrics.', {
        enabled: bool('Expose metrics on a separate port.'),
        port: port('Metrics port.'),
        serviceMonitor: obj('prometheus-operator ServiceMonitor.', { enabled: bool('Create it.'), interval: duration('Scrape interval.'), labels: stringMap('Extra labels.') }),
      }),
      grafanaDashboard: obj('Grafana dashboard ConfigMap.', { enabled: bool('Create it.'), labels: stringMap('Labels for the Grafana sidecar.'), annotations: stringMap('Annotations.') }),
      ingress: obj('Optional Ingress.', {
        enabled: bool('Create an Ingress.'),
        mode: { type: 'string', enum: ['passthrough', 'reencrypt'], description: 'TLS passthrough or re-encrypt.' },
        className: str('IngressClass name.'),
        annotations: stringMap('Extra annotations.'),
        hosts: { type: 'array', items: { type: 'string' }, description: 'Host names.' },
        tlsSecretName: str('TLS Secret for the controller (reencrypt).'),
      }),
      autoscaling: obj('HorizontalPodAutoscaler.', {
        enabled: bool('Create it.'),
        minReplicas: int('Minimum replicas.', 1),
        maxReplicas: int('Maximum replicas.', 1),
        targetCPUUtilizationPercentage: int('Target CPU utilisation.', 1, 100),
        targetMemoryUtilizationPercentage: int('Target memory utilisation (0 = unused).', 0, 100),
      }),
      podDisruptionBudget: obj('PodDisruptionBudget.', { enabled: bool('Create it.'), minAvailable: { type: ['integer', 'string'], description: 'Pods kept up (number or percentage).' } }),
      topologySpread: obj('Default topology spread over nodes and zones.', {
        enabled: bool('Spread replicas.'),
        maxSkew: int('Allowed skew.', 1),
        whenUnsatisfiable: { type: 'string', enum: ['ScheduleAnyway', 'DoNotSchedule'], description: 'What to do when the spread cannot be met.' },
      }),
      topologySpreadConstraints: k8sList('Additional topology spread constraints.'),
      networkPolicy: obj('NetworkPolicies (essential with Connect).', {
        enabled: bool('Create them.'),
        upstreamPodSelector: stringMap('Labels of the upstream pods.'),
        upstreamPorts: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 65535 }, description: 'Upstream ports authgate reaches.' },
        ingressFrom: k8sList('Peers allowed to reach authgate (empty = anyone).'),
        metricsFrom: k8sList('Peers allowed to scrape metrics (empty = the namespace).'),
      }),
      serviceAccount: obj('ServiceAccount.', { create: bool('Create it.'), name: str('Name.'), annotations: stringMap('Annotations.') }),
      resources: k8sObject('Container resources.'),
      podSecurityContext: k8sObject('Pod security context.'),
      securityContext: k8sObject('Container security context.'),
      probes: obj('Probe timings (Kubernetes probe fields other than the handler).', { startup: k8sObject('Start-up probe.'), liveness: k8sObject('Liveness probe.'), readiness: k8sObject('Readiness probe.') }),
      sidecar: obj('Sidecar mode.', { upstreamPort: port('The upstream port on 127.0.0.1.') }),
      terminationGracePeriodSeconds: int('Grace period on shutdown.', 0),
      podAnnotations: stringMap('Pod annotations.'),
      podLabels: stringMap('Pod labels.'),
      nodeSelector: stringMap('Node selector.'),
      tolerations: k8sList('Tolerations.'),
      affinity: k8sObject('Affinity.'),
      priorityClassName: str('Priority class.'),
      extraEnv: k8sList('Extra environment variables.'),
      extraEnvFrom: k8sList('Extra envFrom sources.'),
      extraVolumes: k8sList('Extra pod volumes.'),
      extraVolumeMounts: k8sList('Extra volume mounts.'),
      tests: obj('helm test hook.', { enabled: bool('Create the test pod.'), protectedPath: str('A path that needs a login.', { pattern: '^/' }) }),
      global: { type: 'object', description: 'Helm global values (from a parent chart).' },
    },
  };
}

const target = path.resolve(import.meta.dirname, '../helm/authgate/values.schema.json');
if (import.meta.main) {
  const text = `${JSON.stringify(valuesSchema(), null, 2)}\n`;
  if (process.argv.includes('--check')) {
    const current = (() => {
      try {
        return readFileSync(target, 'utf8');
      } catch {
        return '';
      }
    })();
    if (current !== text) {
      process.stderr.write('helm/authgate/values.schema.json is out of date: run `npm run helm:schema`\n');
      process.exit(1);
    }
    process.stdout.write('helm/authgate/values.schema.json is up to date\n');
  } else {
    writeFileSync(target, text);
    process.stdout.write(`wrote ${target}\n`);
  }
}
