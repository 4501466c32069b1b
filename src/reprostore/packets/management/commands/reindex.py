import argparse
import os
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from reprostore.lib.private_dir import ensure_own_dir
from reprostore.packets.index import reindex
from reprostore.packets.models import Packet, PacketLocation
from reprostore.packets.root import RootError, describe_root, preflight

# What each phase of a reindex reads, as its progress bar counts it.
UNITS = {"metadata": "packets", "location": "location entries"}


class Command(BaseCommand):
    help = "Rebuild the packet index in the database from the outpack root on disk."

    def add_arguments(self, parser):
        parser.add_argument(
            "--progress",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="show progress bars with the rate on stderr (default: when it is a terminal)",
        )
        parser.add_argument(
            "--readers",
            type=int,
            default=os.cpu_count() or 1,
            help="processes that read and check the files while this one writes the index "
            "(default: one per CPU; 0 reads them here)",
        )

    def handle(self, *args, progress=None, readers=0, **options):
        try:
            root = preflight(settings.REPROSTORE_ROOT)
        except RootError as error:
            raise CommandError(str(error)) from error
        # A root written by another tool has no database yet; `serve` would make it the same way.
        ensure_own_dir(root.path)
        call_command("migrate", interactive=False, verbosity=0)
        shown = self.stderr.isatty() if progress is None else progress
        began = time.monotonic()
        with ProgressBars(self.stderr, shown) as bars:
            problems = reindex(root, bars.update, readers=readers)
        seconds = time.monotonic() - began
        for _, message in problems:
            self.stderr.write(f"Skipped: {message}")
        self.stdout.write(describe_root(root))
        packets = Packet.objects.count()
        self.stdout.write(
            f"Indexed {packets} packets and {PacketLocation.objects.count()} "
            f"location entries; skipped {len(problems)} files that could not be read."
        )
        self.stdout.write(f"Took {seconds:.1f} s: {packets / max(seconds, 1e-6):,.0f} packets/s.")


class ProgressBars:
    """One tqdm bar per phase of a reindex, written to a command's stderr, or nothing."""

    def __init__(self, stream, shown):
        self.stream = Unterminated(stream)
        self.shown = shown
        self.bars = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        for bar in self.bars.values():
            bar.close()

    def update(self, what, done, total):
        if not self.shown:
            return
        if what not in self.bars:
            for earlier in self.bars.values():
                earlier.close()
            self.bars[what] = tqdm(
                total=total,
                desc=f"Reading {what} files",
                unit=f" {UNITS[what]}",
                file=self.stream,
                mininterval=0.5,
                dynamic_ncols=True,
            )
        bar = self.bars[what]
        bar.update(done - bar.n)


class Unterminated:
    """A command's output stream as tqdm needs it: Django's wrapper ends every write with a
    newline, which would put each redraw of the bar on a line of its own."""

    def __init__(self, wrapper):
        self.wrapper = wrapper

    def write(self, text):
        self.wrapper.write(text, ending="")

    def flush(self):
        self.wrapper.flush()
