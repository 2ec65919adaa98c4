{{/* Names and labels. */}}
{{- define "authgate.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "authgate.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "authgate.selectorLabels" -}}
app.kubernetes.io/name: {{ include "authgate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "authgate.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "authgate.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: auth-proxy
{{- end -}}

{{- define "authgate.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "authgate.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "authgate.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* Replicas the configuration must expect (the HPA's maximum when autoscaling). */}}
{{- define "authgate.replicas" -}}
{{- if .Values.autoscaling.enabled -}}{{ .Values.autoscaling.maxReplicas }}{{- else -}}{{ .Values.replicaCount }}{{- end -}}
{{- end -}}

{{/* Where the chart mounts things in the container. */}}
{{- define "authgate.configDir" -}}/etc/authgate/config{{- end -}}
{{- define "authgate.secretsDir" -}}/etc/authgate/secrets{{- end -}}
{{- define "authgate.tlsDir" -}}/etc/authgate/tls{{- end -}}

{{- define "authgate.tlsSecretName" -}}
{{- if eq .Values.tls.mode "certManager" -}}
{{- printf "%s-tls" (include "authgate.fullname" .) -}}
{{- else -}}
{{- .Values.tls.existingSecret -}}
{{- end -}}
{{- end -}}

{{/*
Fails with a message that says what to do when a mandatory secret or setting is missing.
The chart never ships placeholder secrets.
*/}}
{{- define "authgate.validate" -}}
{{- $config := .Values.config | default dict -}}
{{- $session := get $config "session" | default dict -}}
{{- if not (or (hasKey $session "secretsFile") (hasKey $session "secretsEnv") (hasKey $session "secrets")) -}}
{{- $_ := required "secrets.existingSecret is required: create a Secret holding the session secrets (one per line) and name it here, for example: kubectl create secret generic authgate-secrets --from-literal=session-secrets=\"$(openssl rand -base64 48)\" then --set secrets.existingSecret=authgate-secrets" .Values.secrets.existingSecret -}}
{{- end -}}
{{- if and (eq .Values.tls.mode "existingSecret") (not (dig "listen" "tls" "certFile" "" $config)) -}}
{{- $_ := required "tls.existingSecret is required with tls.mode=existingSecret: a kubernetes.io/tls Secret (kubectl create secret tls authgate-tls --cert=tls.crt --key=tls.key), or use tls.mode=certManager with tls.certManager.issuerRef.name" .Values.tls.existingSecret -}}
{{- end -}}
{{- if eq .Values.tls.mode "certManager" -}}
{{- $_ := required "tls.certManager.issuerRef.name is required with tls.mode=certManager: the cert-manager Issuer or ClusterIssuer that signs authgate's certificate" .Values.tls.certManager.issuerRef.name -}}
{{- end -}}
{{- if and (eq .Values.mode "standalone") (gt (int (include "authgate.replicas" .)) 1) (not (dig "identity" "assertion" "keyFile" "" $config)) -}}
{{- $_ := required "secrets.assertionKeyKey is required with more than one replica: every replica must sign assertions with the same ES256 key so the JWKS is the same everywhere. Add a P-256 key to the Secret (openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt > assertion-key.pem) and set secrets.assertionKeyKey=assertion-key.pem" .Values.secrets.assertionKeyKey -}}
{{- end -}}
{{- if eq .Values.mode "standalone" -}}
{{- $_ := required "config.upstream.url is required in standalone mode: the URL of the upstream Service, for example http://connect.connect.svc.cluster.local:3939" (dig "upstream" "url" "" $config) -}}
{{- end -}}
{{- if .Values.networkPolicy.enabled -}}
{{- $_ := required "networkPolicy.upstreamPodSelector is required when networkPolicy.enabled: the labels of the upstream pods (for example app.kubernetes.io/name: rstudio-connect), so that only authgate can reach them" (.Values.networkPolicy.upstreamPodSelector | default dict | keys | first) -}}
{{- end -}}
{{- if eq (dig "session" "store" "memory" $config) "redis" -}}
{{- $_ := required "config.redis.url is required with config.session.store=redis, for example rediss://redis-master.redis.svc:6379/0 (password: redis.passwordFile from a mounted Secret)" (dig "redis" "url" "" $config) -}}
{{- end -}}
{{- end -}}

{{/* The authgate configuration: the chart's defaults, overridden by .Values.config. */}}
{{- define "authgate.config" -}}
{{- $defaults := dict -}}
{{- $listen := dict "address" "0.0.0.0" "port" 8443 -}}
{{- if ne .Values.tls.mode "selfSigned" -}}
{{- $_ := set $listen "tls" (dict "certFile" (printf "%s/tls.crt" (include "authgate.tlsDir" .)) "keyFile" (printf "%s/tls.key" (include "authgate.tlsDir" .))) -}}
{{- end -}}
{{- $_ := set $defaults "listen" $listen -}}
{{- if .Values.secrets.existingSecret -}}
{{- $_ := set $defaults "session" (dict "secretsFile" (printf "%s/%s" (include "authgate.secretsDir" .) .Values.secrets.sessionSecretsKey)) -}}
{{- if .Values.secrets.assertionKeyKey -}}
{{- $_ := set $defaults "identity" (dict "assertion" (dict "keyFile" (printf "%s/%s" (include "authgate.secretsDir" .) .Values.secrets.assertionKeyKey))) -}}
{{- end -}}
{{- end -}}
{{- $_ := set $defaults "metrics" (ternary (dict "enabled" true "port" (int .Values.metrics.port) "address" "0.0.0.0") (dict "enabled" false) .Values.metrics.enabled) -}}
{{- if eq .Values.mode "sidecar" -}}
{{- $_ := set $defaults "upstream" (dict "url" (printf "http://127.0.0.1:%d" (int .Values.sidecar.upstreamPort))) -}}
{{- end -}}
{{- toYaml (mustMergeOverwrite $defaults (deepCopy (.Values.config | default dict))) -}}
{{- end -}}

{{/* The authgate container, shared by the Deployment and the sidecar template. */}}
{{- define "authgate.container" -}}
name: authgate
image: {{ include "authgate.image" . | quote }}
imagePullPolicy: {{ .Values.image.pullPolicy }}
args: ["serve", "--config", "{{ include "authgate.configDir" . }}/authgate.yaml"]
ports:
  - name: https
    containerPort: 8443
    protocol: TCP
{{- if .Values.metrics.enabled }}
  - name: metrics
    containerPort: {{ .Values.metrics.port }}
    protocol: TCP
{{- end }}
env:
  - name: AUTHGATE_REPLICAS
    value: {{ include "authgate.replicas" . | quote }}
{{- with .Values.extraEnv }}
{{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.extraEnvFrom }}
envFrom:
{{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
{{ toYaml .Values.securityContext | indent 2 }}
resources:
{{ toYaml .Values.resources | indent 2 }}
startupProbe:
  httpGet: { path: /__authgate__/healthz, port: https, scheme: HTTPS }
{{ toYaml .Values.probes.startup | indent 2 }}
livenessProbe:
  httpGet: { path: /__authgate__/healthz, port: https, scheme: HTTPS }
{{ toYaml .Values.probes.liveness | indent 2 }}
readinessProbe:
  httpGet: { path: /__authgate__/readyz, port: https, scheme: HTTPS }
{{ toYaml .Values.probes.readiness | indent 2 }}
volumeMounts:
  - name: authgate-config
    mountPath: {{ include "authgate.configDir" . }}
    readOnly: true
{{- if .Values.secrets.existingSecret }}
  - name: authgate-secrets
    mountPath: {{ include "authgate.secretsDir" . }}
    readOnly: true
{{- end }}
{{- if ne .Values.tls.mode "selfSigned" }}
{{- if include "authgate.tlsSecretName" . }}
  - name: authgate-tls
    mountPath: {{ include "authgate.tlsDir" . }}
    readOnly: true
{{- end }}
{{- else }}
  - name: authgate-demo-certs
    mountPath: /app/certs
{{- end }}
  - name: authgate-tmp
    mountPath: /tmp
{{- with .Values.extraVolumeMounts }}
{{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* The pod volumes the container needs. */}}
{{- define "authgate.volumes" -}}
- name: authgate-config
  configMap:
    name: {{ include "authgate.fullname" . }}
{{- if .Values.secrets.existingSecret }}
- name: authgate-secrets
  secret:
    secretName: {{ .Values.secrets.existingSecret }}
    defaultMode: 0440
{{- end }}
{{- if ne .Values.tls.mode "selfSigned" }}
{{- if include "authgate.tlsSecretName" . }}
- name: authgate-tls
  secret:
    secretName: {{ include "authgate.tlsSecretName" . }}
    defaultMode: 0440
{{- end }}
{{- else }}
- name: authgate-demo-certs
  emptyDir:
    sizeLimit: 1Mi
{{- end }}
- name: authgate-tmp
  emptyDir:
    medium: Memory
    sizeLimit: 64Mi
{{- with .Values.extraVolumes }}
{{- toYaml . | nindent 0 }}
{{- end }}
{{- end -}}

{{/*
Sidecar mode: the authgate container to add to the upstream's pod spec, and its volumes.
  containers:
    {{- include "authgate.sidecar.container" (index .Subcharts "authgate") | nindent 4 }}
  volumes:
    {{- include "authgate.sidecar.volumes" (index .Subcharts "authgate") | nindent 4 }}
The upstream must listen on 127.0.0.1:<sidecar.upstreamPort> only, and the pod's Service must
target the "https" port (8443), never the upstream's port.
*/}}
{{- define "authgate.sidecar.container" -}}
- {{ include "authgate.container" . | indent 2 | trim }}
{{- end -}}

{{- define "authgate.sidecar.volumes" -}}
{{ include "authgate.volumes" . }}
{{- end -}}

{{/* Annotations that roll the pods when the configuration or the secrets Secret change (looked up at
 install/upgrade; TLS files are hot-reloaded by authgate, so certificate renewals roll nothing). */}}
{{- define "authgate.checksums" -}}
checksum/config: {{ include "authgate.config" . | sha256sum }}
{{- $secretData := dict -}}
{{- range $name := list .Values.secrets.existingSecret -}}
{{- if $name -}}
{{- $found := lookup "v1" "Secret" $.Release.Namespace $name -}}
{{- $_ := set $secretData $name (dig "data" dict ($found | default dict)) -}}
{{- end -}}
{{- end }}
checksum/secrets: {{ toJson $secretData | sha256sum }}
{{- end -}}
