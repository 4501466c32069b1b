"""The outpack store's gauges, in the names outpack_server uses, counted at scrape time.

Like outpack_server, they are read from the root on disk when the metrics are scraped, so every
worker reports the same. The request metrics are counted for the whole server in
`reprostore.lib.metrics`, which serves these along with them.
"""

from prometheus_client.core import GaugeMetricFamily

from reprostore import __version__ as VERSION

from . import operations


class OutpackStoreCollector:
    def collect(self):
        counts = operations.store_counts(operations.served_root())
        for name, (help_text, value) in counts.items():
            yield GaugeMetricFamily(name, help_text, value=value)
        build = GaugeMetricFamily(
            "outpack_server_build_info",
            "Build information about the server",
            labels=["version", "revision", "rustc"],
        )
        # outpack_server's labels; a Python server has no git revision or rustc to report.
        build.add_metric([VERSION, "", ""], 1)
        yield build
