"""Drives `tandem init` the way an operator does: in a terminal (a pseudo-terminal), answering
the wizard's questions in the order the source article asks them, against `tandem sim`.

Usage: drive_init.py TANDEM_BIN WORKDIR JIRA_URL ADO_URL
Exits non-zero, printing the session, if a prompt does not come or the result is wrong.
"""

import json
import os
import pty
import re
import select
import subprocess
import sys
import time

tandem, workdir, jira_url, ado_url = sys.argv[1:5]
JIRA_TOKEN = "demo-jira-token-sync-bot"
ADO_TOKEN = "demo-ado-pat-sync-bot"
UP = "\x1b[A"

# (prompt to wait for, keys to send). A prompt that appears twice is waited for twice.
SCRIPT = [
    ("Profile name", "wiz\r"),
    ("Jira site URL", jira_url + "\r"),
    ("Which account is the Jira sync user?", "sync-bot@example.com\r"),
    ("Jira Cloud or Jira Data Center", UP + "\r"),  # the simulator is Jira Cloud
    ("Where did the Jira token come from?", "\r"),
    ("Paste the Jira token", JIRA_TOKEN + "\r"),
    ("Where should tandem keep it?", "\r"),
    ("Token file", "\r"),
    ("Jira project key(s)", "DEMO\r"),
    ("When does the Jira token expire?", "2099-01-01\r"),
    ("Azure DevOps organisation URL", ado_url + "\r"),
    ("Azure DevOps project name", "Demo\r"),
    ("Area path to limit", "Demo\\Web\r"),
    ("Which identity is the Azure DevOps sync user?", "sync-bot@example.com\r"),
    ("Where did the Azure DevOps token come from?", "\r"),
    ("Paste the Azure DevOps token", ADO_TOKEN + "\r"),
    ("Where should tandem keep it?", "\r"),
    ("Token file", "\r"),
    ("When does the Azure DevOps token expire?", "\r"),
    ("Which way should changes flow?", "\r"),
    ("who wins?", "\r"),
    ("Rotate the tokens every", "90\r"),
    ("Who created these tokens?", "alice\r"),
]

env = dict(os.environ)
env.update(
    HOME=workdir,
    XDG_CONFIG_HOME=os.path.join(workdir, "config"),
    TANDEM_STATE_DIR=os.path.join(workdir, "state"),
    TERM="xterm",
)
config = os.path.join(workdir, "tandem.toml")

pid, fd = pty.fork()
if pid == 0:
    os.chdir(workdir)
    os.execve(tandem, [tandem, "init", "--config", config], env)

screen = ""


def plain(text):
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)


def read_until(predicate, timeout=15.0):
    global screen
    end = time.time() + timeout
    while time.time() < end:
        if predicate(plain(screen)):
            return True
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                data = os.read(fd, 65536)
            except OSError:
                return predicate(plain(screen))
            if not data:
                return predicate(plain(screen))
            screen += data.decode(errors="replace")
    return predicate(plain(screen))


def fail(message):
    print(plain(screen))
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


seen = {}
for prompt, keys in SCRIPT:
    seen[prompt] = seen.get(prompt, 0) + 1
    want = seen[prompt]
    if not read_until(lambda s: s.count(prompt) >= want):
        fail(f"the wizard never asked {prompt!r} (time {want})")
    time.sleep(0.05)
    os.write(fd, keys.encode())

read_until(lambda s: "Next: review" in s or "error:" in s, timeout=60)
read_until(lambda s: False, timeout=1)
_, status = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(status)
session = plain(screen)
if code != 0 or "wrote profile wiz" not in session:
    fail(f"tandem init exited {code}")
for token in (JIRA_TOKEN, ADO_TOKEN):
    # The terminal never shows a pasted token, and the config never holds one.
    if token in session:
        fail("a pasted token was echoed")
    if token in open(config).read():
        fail("a token was written into the config")
for side in ("jira", "ado"):
    path = os.path.join(workdir, "config", "tandem", "secrets", f"wiz-{side}.token")
    mode = os.stat(path).st_mode & 0o777
    if mode != 0o600:
        fail(f"{path} has mode {mode:o}, not 600")

check = subprocess.run(
    [tandem, "config", "check", "--config", config, "--resolve-secrets"],
    env=env, capture_output=True, text=True,
)
if check.returncode != 0:
    print(check.stdout, check.stderr)
    fail("the written config does not check")
listing = subprocess.run(
    [tandem, "token", "list", "--config", config, "--json"], env=env, capture_output=True, text=True
)
tokens = json.loads(listing.stdout)["tokens"]
if [(t["side"], t["created_by"], t["rotate_every_days"]) for t in tokens] != [
    ("jira", "alice", 90),
    ("ado", "alice", 90),
] or tokens[0]["expires"] != "2099-01-01":
    fail(f"unexpected token records: {tokens}")
print("the init wizard wrote a valid config, stored both tokens (0600) and recorded them")
