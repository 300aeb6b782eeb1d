{{/* Chart name, overridable. */}}
{{- define "nexus.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-qualified name used for every object. */}}
{{- define "nexus.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "nexus.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "nexus.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "nexus.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "nexus.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Labels that select the gateway pods. */}}
{{- define "nexus.selectorLabels" -}}
app.kubernetes.io/name: {{ include "nexus.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "nexus.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "nexus.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Whether the chart renders its own Secret (any secret value given inline). */}}
{{- define "nexus.ownSecret" -}}
{{- if or .Values.masterKey.value .Values.database.url .Values.redis.url }}true{{ end }}
{{- end }}

{{/* More than one pod may run at once: shared state is then required. */}}
{{- define "nexus.scaled" -}}
{{- if or .Values.autoscaling.enabled (gt (int .Values.replicaCount) 1) }}true{{ end }}
{{- end }}

{{/* Stops rendering on values that cannot work. */}}
{{- define "nexus.validate" -}}
{{- if not (or .Values.masterKey.existingSecret .Values.masterKey.value) }}
{{- fail "Cannot render nexus: set masterKey.existingSecret (recommended) or masterKey.value" }}
{{- end }}
{{- if include "nexus.scaled" . }}
{{- if not (or .Values.database.existingSecret .Values.database.url) }}
{{- fail "Cannot render nexus: more than one replica needs shared Postgres: set database.existingSecret or database.url" }}
{{- end }}
{{- if not (or .Values.redis.existingSecret .Values.redis.url) }}
{{- fail "Cannot render nexus: more than one replica needs shared Redis: set redis.existingSecret or redis.url" }}
{{- end }}
{{- end }}
{{- if and .Values.egress.private (ne .Values.egress.private "deny") (ne .Values.egress.private "allow") }}
{{- fail "Cannot render nexus: egress.private must be \"deny\", \"allow\" or empty" }}
{{- end }}
{{- if le (int .Values.terminationGracePeriodSeconds) (div (add (int .Values.drainMs) (int .Values.drainSettleMs)) 1000) }}
{{- fail "Cannot render nexus: terminationGracePeriodSeconds must be above drainMs plus drainSettleMs" }}
{{- end }}
{{- end }}
