"""The demo's parameter sweep: a project of Sumatra records as `smt run` would have written them
over a day's work, made in code so that every load gives the same documents.

A ring network of leaky integrate-and-fire neurons is built at four sizes (one record each), then
simulated at each size with two time steps and three seeds. One run overflows and fails, the code
is then changed without committing (the later records carry the diff), the last run is still
going, and an analysis reads the rates of the runs tagged for the paper. Each simulation reads
the network file its build wrote (the same path and digest), so the records link up.
"""

import datetime
import hashlib
import json
import math

PROJECT = "lif-ring"
LONG_NAME = "LIF ring: firing rate against network size"
DESCRIPTION = (
    "A ring of leaky integrate-and-fire neurons with small-world shortcuts: how do the mean rate "
    "and its irregularity change with the number of neurons, the time step and the seed?"
)
HOME = "/home/ana/lif-ring"
DATA_ROOT = f"{HOME}/Data"
USER = "Ana Lima <ana.lima@example.org>"
FIRST_RUN = datetime.datetime(2024, 6, 3, 9, 12, 5, tzinfo=datetime.UTC)
SIZES = (100, 200, 400, 800)
TIME_STEPS = (0.1, 0.05)
SEEDS = (1, 2, 3)
T_STOP = 2000.0  # ms
FIRST_COMMIT = "3e1f0b2c9d8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e"
SECOND_COMMIT = "8d9e0f4a1b2c3d4e5f60718293a4b5c6d7e8f901"
FAILED = (800, 0.1, 2)  # n, dt, seed: the run that overflows
RUNNING = (800, 0.05, 3)  # still going when the demo was made
KILLED = (400, 0.1, 3)  # stopped by hand (a typo in t_stop), then run again
BASELINE = (100, 0.1, 1)
SWEEP_REASON = "Sweep of n, dt and seed: rate and CV"

# The change made after the overflow, left uncommitted: `git diff` of the working copy.
EXPONENTIAL_EULER = "\n".join(
    [
        "diff --git a/network.py b/network.py",
        "index 3f2c1ab..8d9e0f4 100644",
        "--- a/network.py",
        "+++ b/network.py",
        "@@ -38,10 +38,11 @@ def build_ring(n, k, p_rewire, rng):",
        " ",
        " ",
        " def integrate(v, i_syn, dt, tau_m):",
        '-    """Advance the membrane potentials by one forward Euler step."""',
        "-    dv = (-(v - V_REST) + R_M * i_syn) / tau_m",
        "-    return v + dt * dv",
        '+    """Advance the membrane potentials by one exponential Euler step: exact for a',
        '+    constant input, and stable for any dt (forward Euler overflowed at n=800)."""',
        "+    v_inf = V_REST + R_M * i_syn",
        "+    return v_inf + (v - v_inf) * np.exp(-dt / tau_m)",
        " ",
        " ",
        " def reset(v, refractory):",
        "     fired = v >= V_THRESHOLD",
        "",
    ]
)
OVERFLOW = """\
building ring: n=800 k=10 p_rewire=0.1
simulating 2000 ms at dt=0.1 ms (20000 steps)
 70%|#######   | 14120/20000
Traceback (most recent call last):
  File "/home/ana/lif-ring/run_ring.py", line 58, in <module>
    spikes = network.simulate(params)
  File "/home/ana/lif-ring/network.py", line 97, in simulate
    v = integrate(v, i_syn, p.dt, p.tau_m)
  File "/home/ana/lif-ring/network.py", line 43, in integrate
    return v + dt * dv
FloatingPointError: overflow encountered in multiply
"""


def fraction(*key) -> float:
    """A number in [0, 1) fixed by `key`: the demo's noise, the same on every load."""
    digest = hashlib.sha256(repr(key).encode()).digest()
    return int.from_bytes(digest[:6], "big") / 2**48


def sha1_of(*key) -> str:
    """A data file's digest (Sumatra keeps SHA-1 of the contents) fixed by `key`."""
    return hashlib.sha1(repr(key).encode()).hexdigest()


def stamp(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S+0000")


def label_of(moment: datetime.datetime) -> str:
    return moment.strftime("%Y%m%d-%H%M%S")


def simple_parameters(values: dict) -> dict:
    """A SimpleParameterSet as Sumatra stores it (its `pretty()` text)."""
    lines = [f"{name} = {json.dumps(value)}" for name, value in values.items()]
    return {"type": "SimpleParameterSet", "content": "\n".join(lines)}


def data_key(path: str, digest: str, size: int, moment, mimetype: str) -> dict:
    return {
        "path": path,
        "digest": digest,
        "metadata": {"mimetype": mimetype, "encoding": None, "size": size},
        "creation": stamp(moment),
    }


def dependency(name, path, version, diff=""):
    return {
        "name": name,
        "path": path,
        "version": version,
        "module": "python",
        "diff": diff,
        "source": None,
    }


def dependencies(commit: str, diff: str, plotting=False) -> list[dict]:
    found = [
        dependency("network", f"{HOME}/network.py", commit, diff),
        dependency("numpy", "/home/ana/.venvs/lif/lib/python3.11/site-packages/numpy", "1.26.4"),
        dependency("scipy", "/home/ana/.venvs/lif/lib/python3.11/site-packages/scipy", "1.11.4"),
    ]
    if plotting:
        found.append(
            dependency(
                "matplotlib",
                "/home/ana/.venvs/lif/lib/python3.11/site-packages/matplotlib",
                "3.8.4",
            )
        )
    return found


def document(label, moment, main_file, parameters, **fields) -> dict:
    """A record in Sumatra 0.8.1's JSON (record API v4), with what all the runs share."""
    record = {
        "label": label,
        "timestamp": stamp(moment),
        "reason": "",
        "duration": None,
        "executable": {
            "path": "/home/ana/.venvs/lif/bin/python",
            "version": "3.11.9",
            "name": "Python",
            "options": "",
        },
        "repository": {
            "url": HOME,
            "type": "GitRepository",
            "upstream": "git@github.com:ana-lima/lif-ring.git",
        },
        "main_file": main_file,
        "version": FIRST_COMMIT,
        "parameters": simple_parameters({**parameters, "sumatra_label": label}),
        "input_data": [],
        "script_arguments": "<parameters>",
        "launch_mode": {
            "type": "SerialLaunchMode",
            "parameters": {"working_directory": HOME, "options": None},
        },
        "datastore": {"type": "FileSystemDataStore", "parameters": {"root": DATA_ROOT}},
        "input_datastore": {"type": "FileSystemDataStore", "parameters": {"root": DATA_ROOT}},
        "outcome": "",
        "stdout_stderr": "",
        "output_data": [],
        "tags": ["_finished_"],
        "diff": "",
        "user": USER,
        "dependencies": dependencies(FIRST_COMMIT, ""),
        "platforms": [
            {
                "system_name": "Linux",
                "ip_addr": "192.168.1.23",
                "architecture_bits": "64bit",
                "machine": "x86_64",
                "architecture_linkage": "ELF",
                "version": "#1 SMP PREEMPT_DYNAMIC Debian 6.1.90-1 (2024-05-03)",
                "release": "6.1.0-21-amd64",
                "network_name": "ana-workstation",
                "processor": "",
            }
        ],
        "repeats": None,
    }
    record.update(fields)
    return record


def build_record(moment, n) -> dict:
    label = label_of(moment)
    duration = round(0.8 + n * 0.004 * (1 + 0.1 * fraction("build", n)), 2)
    network = network_key(label, n, moment + datetime.timedelta(seconds=duration))
    return document(
        label,
        moment,
        "build_network.py",
        {"n": n, "k": 10, "p_rewire": 0.1, "seed": 42},
        reason=f"Build the n={n} ring (k=10 neighbours, 10% rewired)",
        duration=duration,
        outcome=f"{n * 10} synapses, {round(n * 10 * 0.1)} shortcuts",
        stdout_stderr=f"building ring: n={n} k=10 p_rewire=0.1\nwrote {network['path']}\n",
        output_data=[network],
        tags=["_finished_", "network"],
    )


def network_key(label, n, moment) -> dict:
    path = f"{label}/ring_n{n}.npz"
    return data_key(path, sha1_of("network", n), n * 80 + 292, moment, "application/octet-stream")


def rate_and_cv(n, dt, seed) -> tuple[float, float]:
    """The 'result' of a run: the rate grows with log n, dt=0.1 overestimates it a little."""
    rate = 6.5 + 2.4 * math.log2(n / 50) + (0.4 if dt == 0.1 else 0) + fraction("rate", n, dt, seed)
    cv = 0.95 - 0.05 * math.log2(n / 100) + 0.08 * fraction("cv", n, dt, seed)
    return round(rate, 1), round(cv, 2)


def simulation_record(moment, n, dt, seed, network: dict, fixed: bool) -> dict:
    """One run of run_ring.py; `fixed`: after the overflow, with the uncommitted change."""
    label = label_of(moment)
    steps = round(T_STOP / dt)
    duration = round(n * steps * 1.1e-5 * (0.92 + 0.16 * fraction("time", n, dt, seed)), 2)
    rate, cv = rate_and_cv(n, dt, seed)
    ended = moment + datetime.timedelta(seconds=duration)
    tags = ["_finished_"]
    if (n, dt, seed) == BASELINE:
        tags.append("baseline")
    if dt == 0.05 and seed == 1:
        tags.append("paper")
    if fixed:
        tags.append("exp-euler")
    reason = SWEEP_REASON
    if dt == 0.05 and seed == 1:
        reason = "Data for figure 2: does the rate hold when dt halves?"
    if fixed:
        reason = "Rerun with exponential Euler after the overflow"
    commit = SECOND_COMMIT if n >= 400 else FIRST_COMMIT
    diff = EXPONENTIAL_EULER if fixed else ""
    return document(
        label,
        moment,
        "run_ring.py",
        {"n": n, "dt": dt, "seed": seed, "tau_m": 20.0, "g": 4.0, "t_stop": T_STOP},
        reason=reason,
        duration=duration,
        version=commit,
        diff=diff,
        dependencies=dependencies(commit, diff),
        input_data=[network],
        outcome=f"mean rate {rate} Hz, CV {cv}",
        stdout_stderr=(
            f"building ring: n={n} k=10 p_rewire=0.1\n"
            f"simulating {T_STOP:.0f} ms at dt={dt} ms ({steps} steps)\n"
            f"100%|##########| {steps}/{steps}\nmean rate {rate} Hz, CV {cv}\n"
        ),
        output_data=[
            data_key(
                f"{label}/spikes.npz",
                sha1_of("spikes", n, dt, seed),
                round(n * rate * 2 * 12 * (1 + fraction("size", n, dt, seed))),
                ended,
                "application/octet-stream",
            ),
            data_key(
                f"{label}/rates.csv",
                sha1_of("rates", n, dt, seed),
                n * 14 + 22,
                ended,
                "text/csv",
            ),
        ],
        tags=tags,
    )


def failed(record: dict) -> dict:
    """The overflowing run, as Sumatra leaves it (status `_failed_`, no output), with the
    outcome the user wrote afterwards (`smt comment`)."""
    expected = record["duration"]
    return {
        **record,
        "duration": round(expected * 14120 / 20000, 2),
        "reason": SWEEP_REASON,
        "outcome": "Overflow at t=1412 ms: forward Euler is unstable here; rerun with exp. Euler",
        "stdout_stderr": OVERFLOW,
        "output_data": [],
        "tags": ["_failed_"],
    }


def killed(record: dict) -> dict:
    """A run stopped with Ctrl-C (Sumatra's `_killed_`) after a typo in its parameters."""
    content = record["parameters"]["content"].replace(
        f"t_stop = {T_STOP}", f"t_stop = {T_STOP * 10}"
    )
    return {
        **record,
        "parameters": {**record["parameters"], "content": content},
        "duration": 41.3,
        "outcome": "Stopped by hand: t_stop was 20000 ms, meant 2000",
        "stdout_stderr": (
            "building ring: n=400 k=10 p_rewire=0.1\n"
            "simulating 20000 ms at dt=0.1 ms (200000 steps)\n"
            "  2%|          | 4711/200000\nKeyboardInterrupt\n"
        ),
        "output_data": [],
        "tags": ["_killed_"],
    }


def running(record: dict) -> dict:
    """A run still going: Sumatra saved it when it started and will again when it ends."""
    return {
        **record,
        "duration": None,
        "outcome": "",
        "stdout_stderr": "Not yet captured.",
        "output_data": [],
        "tags": ["_running_", "exp-euler"],
    }


def analysis_record(moment, papers: list[dict]) -> dict:
    label = label_of(moment)
    inputs = [key for record in papers for key in record["output_data"] if "rates" in key["path"]]
    ended = moment + datetime.timedelta(seconds=6.4)
    return document(
        label,
        moment,
        "plot_rates.py",
        {"tag": "paper", "fit": "log2", "dpi": 200},
        reason="Figure 2: mean rate against network size",
        duration=6.4,
        version=SECOND_COMMIT,
        dependencies=dependencies(SECOND_COMMIT, "", plotting=True),
        input_data=inputs,
        outcome="rate = 7.0 + 2.4 log2(n/50) Hz fits all four sizes within 0.6 Hz",
        stdout_stderr="read 4 rate files\nfit: slope 2.41 Hz per doubling\nwrote rate_vs_n.png\n",
        output_data=[
            data_key(f"{label}/rate_vs_n.png", sha1_of("figure"), 48213, ended, "image/png"),
            data_key(f"{label}/rates_summary.csv", sha1_of("summary"), 212, ended, "text/csv"),
        ],
        tags=["_finished_", "paper"],
    )


def sweep() -> list[list[dict]]:
    """The project's records in the order they ran; each as the list of documents Sumatra
    saved for it (the first when it started, the last as it is now)."""
    moment = FIRST_RUN
    networks, history = {}, []
    for n in SIZES:
        record = build_record(moment, n)
        networks[n] = record["output_data"][0]
        history.append([started(record), record])
        moment += pause_after(record, "build", n)
    papers, fixed = [], False
    for n in SIZES:
        for dt in TIME_STEPS:
            for seed in SEEDS:
                if (n, dt, seed) == KILLED:
                    record = killed(simulation_record(moment, n, dt, seed, networks[n], fixed))
                    history.append([started(record), record])
                    moment += pause_after(record, "killed")
                record = simulation_record(moment, n, dt, seed, networks[n], fixed)
                if (n, dt, seed) == FAILED:
                    record, fixed = failed(record), True
                    history.append([started(record), {**record, "outcome": ""}, record])
                elif (n, dt, seed) == RUNNING:
                    history.append([running(record)])
                else:
                    history.append([started(record), record])
                moment += pause_after(record, "run", n, dt, seed)
                if "paper" in record["tags"]:
                    papers.append(record)
                if len(papers) == len(SIZES):  # every size's paper run is in: the figure
                    record = analysis_record(moment, papers)
                    history.append([started(record), record])
                    moment += pause_after(record, "analysis")
                    papers = []
    return history


def started(record: dict) -> dict:
    """The record as Sumatra first saves it, when the run starts."""
    tags = [tag for tag in record["tags"] if not tag.startswith("_")]
    return {
        **record,
        "duration": None,
        "outcome": "",
        "stdout_stderr": "Not yet captured.",
        "output_data": [],
        "tags": ["_running_", *tags],
    }


def pause_after(record: dict, *key) -> datetime.timedelta:
    """The run's own time and a person's: looking at the output, starting the next."""
    return datetime.timedelta(seconds=(record["duration"] or 0) + 45 + 240 * fraction(*key))
