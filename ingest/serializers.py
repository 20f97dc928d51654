"""API representations of ingest (camelCase)."""
from django.urls import reverse
from rest_framework import serializers

from .models import ImportRun, ImportSource


class ImportSourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImportSource
        fields = ["code", "name", "format"]


class ImportRunSerializer(serializers.ModelSerializer):
    source = serializers.CharField(source="source.code")
    fileName = serializers.CharField(source="file_name")
    statusLabel = serializers.CharField(source="get_status_display")
    rowsRead = serializers.IntegerField(source="rows_read")
    progress = serializers.SerializerMethodField()
    createdAt = serializers.DateTimeField(source="created_at")
    startedAt = serializers.DateTimeField(source="started_at")
    finishedAt = serializers.DateTimeField(source="finished_at")
    trigger = serializers.CharField()
    report = serializers.JSONField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = ImportRun
        fields = ["id", "source", "fileName", "sha256", "size", "status", "statusLabel", "rowsRead", "inserted",
                  "updated", "unchanged", "rejected", "progress", "message", "createdAt", "startedAt", "finishedAt",
                  "trigger", "report", "url"]

    def get_progress(self, run) -> int:
        from .services import run_progress

        return run_progress(run=run)

    def get_url(self, run) -> str:
        return reverse("api-import-detail", args=[run.pk])


class ImportCreateSerializer(serializers.Serializer):
    source = serializers.CharField(max_length=40)
    file = serializers.FileField()
