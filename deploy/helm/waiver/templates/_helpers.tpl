{{/* The release's name for every object: the release name, or waiver-<release> when it lacks "waiver". */}}
{{- define "waiver.fullname" -}}
{{- if contains "waiver" .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "waiver-%s" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "waiver.labels" -}}
app.kubernetes.io/name: waiver
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "waiver.selector" -}}
app.kubernetes.io/name: waiver
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "waiver.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{/*
The chart refuses what cannot work, before anything is installed. values.schema.json refuses the same
first; these sentences say why (docs/decisions/0017-chart-sqlite-one-process.md).
*/}}
{{- define "waiver.validate" -}}
{{- if eq .Values.database.type "sqlite" -}}
{{- if gt (int .Values.replicas) 1 -}}
{{- fail (printf "replicas: %d needs database.type postgres: SQLite allows one replica (one database file, one process)" (int .Values.replicas)) -}}
{{- end -}}
{{- if .Values.controller.separate -}}
{{- fail "controller.separate needs database.type postgres: SQLite allows one process (one database file), and a separate controller would open a database of its own; keep controller.separate=false, where the API runs the controller" -}}
{{- end -}}
{{- if gt (int .Values.controller.replicas) 1 -}}
{{- fail (printf "controller.replicas: %d needs database.type postgres: SQLite allows one replica (one database file, one process)" (int .Values.controller.replicas)) -}}
{{- end -}}
{{- end -}}
{{- if and (eq .Values.database.type "postgres") (not .Values.database.postgres.existingSecret) -}}
{{- fail "database.type postgres needs database.postgres.existingSecret: a Secret with the postgres:// URL" -}}
{{- end -}}
{{- end -}}

{{/* waiver.yaml: the cluster as target, the namespaces, the server, the database, then .Values.config. */}}
{{- define "waiver.config" -}}
{{- $base := dict "exceptionNamespace" .Values.exceptionNamespace "kyvernoNamespace" .Values.kyvernoNamespace "server" (dict "host" "0.0.0.0" "port" 8080) -}}
{{- /* Without named targets, the pod's own cluster (its service account) is the one target, "in-cluster". */ -}}
{{- if not .Values.config.targets -}}
{{- $_ := set $base "kubernetes" (dict) -}}
{{- end -}}
{{- if eq .Values.database.type "sqlite" -}}
{{- $_ := set $base "database" "/var/lib/waiver/waiver.db" -}}
{{- end -}}
{{- toYaml (mustMergeOverwrite $base (deepCopy .Values.config)) -}}
{{- end -}}

{{/* The container both Deployments run: only its arguments differ. */}}
{{- define "waiver.container" -}}
- name: waiver
  image: {{ include "waiver.image" .root | quote }}
  imagePullPolicy: {{ .root.Values.image.pullPolicy }}
  args: {{ toJson .args }}
  workingDir: /var/lib/waiver
  {{- if .http }}
  ports:
    - name: http
      containerPort: 8080
      protocol: TCP
  readinessProbe:
    httpGet: { path: /readyz, port: http }
    periodSeconds: 10
    failureThreshold: 3
  livenessProbe:
    httpGet: { path: /healthz, port: http }
    periodSeconds: 20
    failureThreshold: 3
  startupProbe:
    httpGet: { path: /healthz, port: http }
    periodSeconds: 2
    failureThreshold: 30
  {{- end }}
  env:
    - name: WAIVER_CONFIG
      value: /etc/waiver/waiver.yaml
    {{- if eq .root.Values.database.type "postgres" }}
    - name: WAIVER_DATABASE_URL
      valueFrom:
        secretKeyRef: { name: {{ .root.Values.database.postgres.existingSecret | quote }}, key: {{ .root.Values.database.postgres.key | quote }} }
    {{- end }}
    {{- if .root.Values.adminToken.existingSecret }}
    - name: WAIVER_ADMIN_TOKEN
      valueFrom:
        secretKeyRef: { name: {{ .root.Values.adminToken.existingSecret | quote }}, key: {{ .root.Values.adminToken.key | quote }} }
    {{- end }}
    {{- range .root.Values.secretEnv }}
    - name: {{ .name }}
      valueFrom:
        secretKeyRef: { name: {{ .secretName | quote }}, key: {{ .key | quote }} }
    {{- end }}
  resources: {{- toYaml .resources | nindent 4 }}
  securityContext:
    runAsNonRoot: true
    runAsUser: 65532
    runAsGroup: 65532
    allowPrivilegeEscalation: false
    readOnlyRootFilesystem: true
    capabilities: { drop: [ALL] }
    seccompProfile: { type: RuntimeDefault }
  volumeMounts:
    - { name: config, mountPath: /etc/waiver, readOnly: true }
    - { name: data, mountPath: /var/lib/waiver }
    - { name: tmp, mountPath: /tmp }
{{- end -}}

{{- define "waiver.podSecurity" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile: { type: RuntimeDefault }
{{- end -}}
