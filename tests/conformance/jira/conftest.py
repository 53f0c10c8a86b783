"""Starts `tandem sim` (the real binary, port 0) per scenario and stops it afterwards.

The binary comes from $TANDEM_BIN (set by scripts/suites/20-jira-conformance). Every started
process id is also appended to $TANDEM_SIM_PIDS, so the suite can kill leftovers if pytest
itself dies.
"""

import json
import os
import subprocess

import pytest

SYNC_BOT = ("sync-bot@example.com", "demo-jira-token-sync-bot")
ALICE = ("alice@example.com", "demo-jira-token-alice")


class Sim:
    def __init__(self, scenario):
        binary = os.environ.get("TANDEM_BIN")
        if not binary:
            raise RuntimeError("set TANDEM_BIN to the tandem binary (scripts/suites/20-jira-conformance does)")
        self.proc = subprocess.Popen(
            [binary, "sim", "--scenario", scenario, "--jira-port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        pids = os.environ.get("TANDEM_SIM_PIDS")
        if pids:
            with open(pids, "a", encoding="utf-8") as f:
                f.write(f"{self.proc.pid}\n")
        line = self.proc.stdout.readline()
        if not line:
            err = self.proc.stderr.read()
            raise RuntimeError(f"tandem sim --scenario {scenario} did not start: {err}")
        info = json.loads(line)
        assert info["sim"] == "jira", info
        self.url = info["url"]
        self.admin_key = info["admin_key"]
        self.ca_pem = info.get("ca_pem")

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
