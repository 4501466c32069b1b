"""Driving the real `smt` command in a temporary git repository, as a scientist would."""

import subprocess
import sys
from pathlib import Path

from tests.support.server import smt_environment

SCRIPT = """\
import sys
import time

import yaml  # a third-party import, so that smt records a dependency

parameters = dict(line.split(" = ") for line in open(sys.argv[1]).read().splitlines())
time.sleep(float(parameters.get("sleep", "0.2")))
with open("Data/result.txt", "w") as out:
    out.write(yaml.safe_dump(parameters))
print("finished with a =", parameters["a"])
"""

# The same simulation importing nothing but the standard library. smt's dependency finder runs
# modulefinder over everything a script imports: for yaml that is about 1.5 s of CPU per run,
# which tests of many runs at once need not pay (they check the store, not the finder).
SCRIPT_WITHOUT_DEPENDENCIES = """\
import sys
import time

parameters = dict(line.split(" = ") for line in open(sys.argv[1]).read().splitlines())
time.sleep(float(parameters.get("sleep", "0.2")))
with open("Data/result.txt", "w") as out:
    out.write(repr(parameters))
print("finished with a =", parameters["a"])
"""


def smt_path() -> str:
    return str(Path(sys.executable).parent / "smt")


class SmtProject:
    """A git repository with a small simulation, set up as a Sumatra project."""

    def __init__(self, directory: Path, store_url: str, name: str = "sim", script: str = SCRIPT):
        self.directory = directory
        self.env = smt_environment(directory)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "main.py").write_text(script)
        (directory / "default.param").write_text("a = 1\nsleep = 0.2\n")
        (directory / "Data").mkdir()
        for args in (
            ["init", "-q"],
            ["config", "user.name", "Ann Example"],
            ["config", "user.email", "ann@example.org"],
            ["add", "main.py", "default.param"],
            ["commit", "-q", "-m", "simulation"],
        ):
            subprocess.run(["git", *args], cwd=directory, check=True, env=self.env)
        self.smt("init", f"--store={store_url}", name)
        self.smt("configure", "--executable=python3", "--main=main.py")

    def smt(self, *args, check=True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [smt_path(), *args], cwd=self.directory, env=self.env, capture_output=True, text=True
        )
        if check and result.returncode != 0:
            raise AssertionError(f"smt {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def start_run(self, *args) -> subprocess.Popen:
        return subprocess.Popen(
            [smt_path(), "run", *args],
            cwd=self.directory,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
