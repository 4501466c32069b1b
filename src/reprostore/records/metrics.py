"""The Sumatra store's gauges, counted in the database at scrape time.

Every worker counts the same rows, so any worker may answer the scrape. On PostgreSQL a count
reads the whole table: about 0.1 s for a million records, once per scrape.
"""

from prometheus_client.core import GaugeMetricFamily

from .models import Project, Record


class RecordsCollector:
    def collect(self):
        yield GaugeMetricFamily(
            "reprostore_projects", "Sumatra projects stored", value=Project.objects.count()
        )
        yield GaugeMetricFamily(
            "reprostore_records", "Sumatra records stored", value=Record.objects.count()
        )
