"""Starts `tandem sim` (the real binary, port 0) per scenario and stops it afterwards.

The binary comes from $TANDEM_BIN (set by scripts/suites/30-ado-conformance). Every started
process id is also appended to $TANDEM_SIM_PIDS, so the suite can kill leftovers if pytest
itself dies.
"""

import json
import os
import subprocess

import pytest

SYNC_PAT = "demo-ado-pat-sync-bot"
ALICE_PAT = "demo-ado-pat-alice"
PROJECT = "Demo"


class Sim:
    def __init__(self, scenario):
        binary = os.environ.get("TANDEM_BIN")
        if not binary:
            raise RuntimeError("set TANDEM_BIN to the tandem binary (scripts/suites/30-ado-conformance does)")
        self.proc = subprocess.Popen(
            [binary, "sim", "--scenario", scenario, "--ado-port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        pids = os.environ.get("TANDEM_SIM_PIDS")
        if pids:
            with open(pids, "a", encoding="utf-8") as f:
                f.write(f"{self.proc.pid}\n")
        info = None
        while info is None:
            line = self.proc.stdout.readline()
            if not line:
                err = self.proc.stderr.read()
                raise RuntimeError(f"tandem sim --scenario {scenario} did not start the ado half: {err}")
            try:
                parsed = json.loads(line)
            except ValueError:
                continue
            if parsed.get("sim") == "ado":
                info = parsed
        self.url = info["url"]
        self.root_url = info["root_url"]
        self.admin_key = info["admin_key"]

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="session")
def sims():
    started = {}

    def get(scenario):
        if scenario not in started:
            started[scenario] = Sim(scenario)
        return started[scenario]

    yield get
    for sim in started.values():
        sim.stop()


@pytest.fixture(scope="session")
def demo(sims):
    return sims("demo")
